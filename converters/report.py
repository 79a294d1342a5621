"""Problems and messages to stderr, one line each, safe for a terminal; the counts behind the exit status."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TextIO

from .chars import path_text
from .post import Problem

if TYPE_CHECKING:
    from rich.progress import Progress

_ONCE_A_RUN = ("template tag kept as text:", "shortcode kept as text:", "images not included:")
"""Warnings said once a run (at their first post and line), however many posts repeat them: a site's
theme tag can stand in thousands of posts."""


class Reporter:
    """Problems to stderr, one line each; counts errors for the exit status."""

    def __init__(self, quiet: bool, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.errors = 0
        self.warnings = 0
        self.repeated: dict[str, int] = {}

    def problem(self, p: Problem) -> None:
        if p.severity == "error":
            self.errors += 1
        else:
            self.warnings += 1
            if self.quiet:
                return
            if p.message.startswith(_ONCE_A_RUN):
                seen = self.repeated.get(p.message)
                self.repeated[p.message] = (seen or 0) + 1
                if seen is not None:
                    return
        self.stream.write(one_line(str(p)) + "\n")

    def finish(self) -> None:
        """Say how often the warnings said once stood in other posts."""
        for message, count in self.repeated.items():
            if count > 1:
                self.message(f"postshelf: warning: {message} (in {count - 1} more places, not listed)")

    def message(self, text: str) -> None:
        self.stream.write(one_line(text) + "\n")


def one_line(text: str) -> str:
    """Post text (paths, YAML messages, a field of a listed line) may hold newlines, tabs or escape
    sequences: never pass them to a terminal or break a line with them."""
    return "".join(ch if ch.isprintable() else " " for ch in path_text(text))


def progress_bar(stream: TextIO, **options: Any) -> Progress:
    """A bar of a long run on ``stream`` (stderr, a terminal): what it does, how far it has got, how long
    it has still to go; gone once it stops. ``options`` go to Rich's ``Progress``. The program's stdout
    and stderr stay its own: Rich would take what is written to them while the bar is shown and write
    it to the bar's terminal, so that records piped to a file went to the screen instead."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    return Progress(
        *columns, console=Console(file=stream), transient=True, redirect_stdout=False, redirect_stderr=False,
        **options,
    )  # fmt: skip
