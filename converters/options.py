"""What a ``convert`` run is asked to do, as one typed record (pandoc's ``Opt``).

The command line builds it from argv; the reader's export dialog builds it from its form; both hand it to
:func:`converters.cli.run_convert`. Nobody builds an argument list to call postshelf from inside.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields

FORMATS = ("markdown", "html", "json", "jsonl", "jsonfeed", "epub")


@dataclass(frozen=True)
class ConvertOptions:
    """One ``convert`` run. Field names follow the command line's long options."""

    paths: tuple[str, ...]
    to: str = "markdown"
    output: str | None = None  # a folder, a file, or None / "-" for standard output
    category: str | None = None
    tag: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    images: str = "link"
    keep_proxies: bool = False
    no_front_matter: bool = False
    title: str | None = None
    timezone: str | None = None
    jobs: int | None = None
    overwrite: bool = False
    dry_run: bool = False
    fail_fast: bool = False
    quiet: bool = False

    @classmethod
    def from_namespace(cls, args: argparse.Namespace) -> ConvertOptions:
        """The options argparse parsed (``paths`` and ``tag`` as tuples)."""
        values = {f.name: getattr(args, f.name) for f in fields(cls) if hasattr(args, f.name)}
        values["paths"] = tuple(values.get("paths") or ())
        values["tag"] = tuple(values.get("tag") or ())
        return cls(**values)

    @property
    def filtering(self) -> bool:
        """Whether any filter may leave posts out."""
        return bool(self.category or self.tag or self.since or self.until)
