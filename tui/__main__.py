"""``postshelf``: open the reader, or hand ``convert``/``list``/``categories``/``search`` to the converters'
CLI.

The subcommands never import Textual, so shell scripts do not pay for the UI.
"""

from __future__ import annotations

import sys

SUBCOMMANDS = {"convert", "list", "categories", "search"}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in SUBCOMMANDS:
        from converters.cli import main as cli_main

        return cli_main(args)
    from .launch import run_reader

    return run_reader(args)


if __name__ == "__main__":
    sys.exit(main())
