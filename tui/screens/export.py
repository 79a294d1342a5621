"""``e``: export the current post or the posts in the list, through the same code as ``postshelf convert``."""

from __future__ import annotations

import io
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, RadioButton, RadioSet, Select

from converters.cli import Reporter, build_parser, cmd_convert

FORMAT_CHOICES = [
    ("Markdown (.md files)", "markdown"),
    ("EPUB-ready XHTML (.xhtml files)", "html"),
    ("JSON (.json files)", "json"),
    ("JSON Lines (one file)", "jsonl"),
    ("JSON Feed (one file)", "jsonfeed"),
    ("EPUB book (one file)", "epub"),
]
SINGLE_FILE = {"jsonl": ".jsonl", "jsonfeed": ".json", "epub": ".epub"}


@dataclass
class ExportRequest:
    """What to export: the current post's path and the paths of the posts in the list."""

    current: str | None
    listed: list[str]
    name: str  # used for default destinations: the list's title


def default_destination(fmt: str, name: str, base: Path | None = None) -> str:
    from converters.cli import safe_component

    base = base or Path.home() / "postshelf-export"
    stem = safe_component(name or "posts")
    return str(base / (stem + SINGLE_FILE[fmt])) if fmt in SINGLE_FILE else str(base / stem)


class ExportScreen(ModalScreen[str | None]):
    """Choose a format, what to export and where; progress is shown while it runs."""

    BINDINGS = [Binding("escape", "close", "Close", id="export.close")]
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical { width: 80%; max-width: 100; height: auto; border: thick $accent; background: $panel; padding: 0 1; }
    ExportScreen Label.title { text-style: bold; padding-bottom: 1; }
    ExportScreen Select, ExportScreen RadioSet, ExportScreen Input { margin-bottom: 1; }
    ExportScreen #export-buttons { height: auto; align-horizontal: right; }
    ExportScreen #export-result { height: auto; }
    ExportScreen #export-progress { display: none; }
    ExportScreen #export-progress.running { display: block; }
    """

    def __init__(self, request: ExportRequest, base: Path | None = None) -> None:
        super().__init__()
        self.request = request
        self.base = base
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text("Export"), classes="title")
            yield Select(FORMAT_CHOICES, value="markdown", allow_blank=False, id="export-format")
            with RadioSet(id="export-scope"):
                yield RadioButton(
                    Text("this post" if self.request.current else "no post open"),
                    value=bool(self.request.current), id="scope-post", disabled=not self.request.current,
                )  # fmt: skip
                yield RadioButton(
                    Text(f"the {len(self.request.listed):,} posts in the list ({self.request.name})"),
                    value=not self.request.current, id="scope-list",
                )  # fmt: skip
            yield Input(
                default_destination("markdown", self.request.name, self.base), id="export-destination"
            )
            yield Checkbox("overwrite existing files", id="export-overwrite")
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Label("", id="export-result")
            with Horizontal(id="export-buttons"):
                yield Button("Cancel", id="export-cancel")
                yield Button("Export", variant="primary", id="export-run")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "export-format":
            self.query_one("#export-destination", Input).value = default_destination(
                str(event.value), self.request.name, self.base
            )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-cancel":
            self.action_close()
        elif event.button.id == "export-run" and not self.running:
            self.start()

    def paths(self) -> list[str]:
        scope_post = self.query_one("#scope-post", RadioButton).value
        if scope_post and self.request.current:
            return [self.request.current]
        return list(self.request.listed)

    def start(self) -> None:
        fmt = str(self.query_one("#export-format", Select).value)
        destination = self.query_one("#export-destination", Input).value.strip()
        paths = self.paths()
        if not destination or not paths:
            self.query_one("#export-result", Label).update(
                Text("Nothing to export, or no destination.", style="red")
            )
            return
        out = destination
        if fmt not in SINGLE_FILE and len(paths) == 1 and not destination.endswith(os.sep):
            out += os.sep  # one post into a folder, like many
        argv = ["convert", "--to", fmt, "-o", out, "--jobs", "1"]
        if self.query_one("#export-overwrite", Checkbox).value:
            argv.append("--overwrite")
        argv += ["--", *paths]  # (a path may start with "-")
        self.running = True
        self.query_one("#export-run", Button).disabled = True
        bar = self.query_one("#export-progress", ProgressBar)
        bar.add_class("running")
        bar.update(total=len(paths), progress=0)
        self.run_export(argv, destination)

    @work(thread=True, exclusive=True, group="export")
    def run_export(self, argv: list[str], destination: str) -> None:
        stream = io.StringIO()
        reporter = Reporter(quiet=False, stream=stream)
        try:
            args = build_parser().parse_args(argv)
        except SystemExit:  # (argparse's way to refuse; its message went to a stderr nobody sees)
            self.app.call_from_thread(self.finished, 2, f"cannot export: {shlex.join(argv)}", "", 1)
            return

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(
                self.query_one("#export-progress", ProgressBar).update, total=total, progress=done
            )

        try:
            status = cmd_convert(args, reporter, progress)
        except Exception as e:  # usage errors, unwritable destinations: shown in the dialog
            status, stream = 2, io.StringIO(f"{e}\n")
        self.app.call_from_thread(self.finished, status, stream.getvalue(), destination, reporter.errors)

    def finished(self, status: int, log: str, destination: str, errors: int) -> None:
        self.running = False
        self.query_one("#export-run", Button).disabled = False
        label = self.query_one("#export-result", Label)
        if status == 0:
            label.update(Text(f"Exported to {destination}", style="green"))
            self.app.notify(f"Exported to {destination}", title="export")
        else:
            lines = worst_first(log)
            label.update(
                Text(f"Finished with {errors or 'some'} error(s):\n" + "\n".join(lines), style="red")
            )

    def action_close(self) -> None:
        self.dismiss(None)


def worst_first(log: str, count: int = 6) -> list[str]:
    """The run's messages to show: errors before warnings (a long list of warnings must not hide the one
    error), at most ``count`` of them, and how many more there are."""
    lines = sorted(
        (line for line in log.splitlines() if line.strip()), key=lambda line: ": error: " not in line
    )
    if len(lines) > count:
        return [*lines[:count], f"… and {len(lines) - count} more"]
    return lines
