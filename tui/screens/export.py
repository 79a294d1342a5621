"""``e``: export the current post or the posts in the list, through the same core as ``postshelf convert``.

The dialog builds :class:`~converters.options.ConvertOptions` and calls :func:`~converters.convert.run_convert`
on a thread; its problems come back as lines the dialog shows, worst first. A successful export closes
the dialog and says where it went; a failed one stays open with the reasons.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, RadioButton, RadioSet, Select

from converters.convert import run_convert
from converters.options import ConvertOptions, OutputError, UsageError
from converters.outputs import safe_component
from converters.report import Reporter

from ..text import safe

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
    name: str  # the list's title, for default destinations
    current_title: str = ""


@dataclass
class ExportOutcome:
    """A finished export: what to tell the user, and the folder to offer next time."""

    message: str
    folder: str


def default_name(name: str) -> str:
    """A destination name from a list's title: ``Search: 鸿蒙`` → ``search-鸿蒙``, ``All posts`` →
    ``all-posts`` (no spaces or punctuation a shell would need quoted)."""
    slug = re.sub(r"[^\w]+", "-", name.casefold()).strip("-_")
    return safe_component(slug or "posts")


def default_destination(fmt: str, name: str, folder: Path, one_post: bool = False) -> str:
    """A file named after ``name`` for the one-file formats; otherwise a folder of that name for a list,
    and ``folder`` itself for one post (its file is named as its source is)."""
    if fmt in SINGLE_FILE:
        return str(folder / (default_name(name) + SINGLE_FILE[fmt]))
    return str(folder) if one_post else str(folder / default_name(name))


def posts_phrase(count: int) -> str:
    return "the 1 post" if count == 1 else f"the {count:,} posts"


class ExportScreen(ModalScreen["ExportOutcome | None"]):
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

    def __init__(self, request: ExportRequest, folder: Path) -> None:
        super().__init__()
        self.request = request
        self.folder = folder
        self.running = False

    def compose(self) -> ComposeResult:
        listed = len(self.request.listed)
        with Vertical():
            yield Label(Text("Export"), classes="title")
            yield Select(FORMAT_CHOICES, value="markdown", allow_blank=False, id="export-format")
            with RadioSet(id="export-scope"):
                yield RadioButton(
                    Text(f"this post: {safe(self.request.current_title)}" if self.request.current else "no post open"),
                    value=bool(self.request.current), id="scope-post", disabled=not self.request.current,
                )  # fmt: skip
                yield RadioButton(
                    Text(f"{posts_phrase(listed)} in the list ({safe(self.request.name)})"),
                    value=not self.request.current, id="scope-list",
                )  # fmt: skip
            yield Input(self._destination("markdown"), id="export-destination")
            yield Checkbox("overwrite existing files", id="export-overwrite")
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Label("", id="export-result")
            with Horizontal(id="export-buttons"):
                yield Button("Cancel", id="export-cancel")
                yield Button("Export", variant="primary", id="export-run")

    def _one_post(self) -> bool:
        if not self.request.current:
            return False
        return not self.is_mounted or self.query_one("#scope-post", RadioButton).value

    def _destination(self, fmt: str) -> str:
        """Where the chosen format and scope go by default: named after the post or the list."""
        one = self._one_post()
        name = (self.request.current_title or "post") if one else self.request.name
        return default_destination(fmt, name, self.folder, one)

    def _suggest(self) -> None:
        fmt = str(self.query_one("#export-format", Select).value)
        self.query_one("#export-destination", Input).value = self._destination(fmt)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "export-format":
            self._suggest()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._suggest()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-cancel":
            self.action_close()
        elif event.button.id == "export-run":
            self.start()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "export-destination":
            self.start()

    def paths(self) -> list[str]:
        scope_post = self.query_one("#scope-post", RadioButton).value
        if scope_post and self.request.current:
            return [self.request.current]
        return list(self.request.listed)

    def options(self) -> ConvertOptions | None:
        """The run the form describes, or None (and why, in the dialog) when it describes none."""
        fmt = str(self.query_one("#export-format", Select).value)
        destination = os.path.expanduser(self.query_one("#export-destination", Input).value.strip())
        paths = self.paths()
        if not destination or not paths:
            self._say(Text("Nothing to export, or no destination.", style="red"))
            return None
        if fmt not in SINGLE_FILE and len(paths) == 1 and not destination.endswith(os.sep):
            destination += os.sep  # one post into a folder, like many
        overwrite = self.query_one("#export-overwrite", Checkbox).value
        return ConvertOptions(tuple(paths), to=fmt, output=destination, jobs=1, overwrite=overwrite)

    def start(self) -> None:
        if self.running:
            return
        options = self.options()
        if options is None:
            return
        self.running = True
        self.query_one("#export-run", Button).disabled = True
        bar = self.query_one("#export-progress", ProgressBar)
        bar.add_class("running")
        bar.update(total=len(options.paths), progress=0)
        self._say(Text(""))
        self.run_export(options)

    @work(thread=True, exclusive=True, group="export")
    def run_export(self, options: ConvertOptions) -> None:
        stream = io.StringIO()
        reporter = Reporter(quiet=False, stream=stream)

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(
                self.query_one("#export-progress", ProgressBar).update, total=total, progress=done
            )

        try:
            status = run_convert(options, reporter, progress)
        except (UsageError, OutputError, OSError) as e:  # refused or unwritable: shown in the dialog
            status = 2
            stream.write(f"{e}\n")
        except Exception as e:  # a bug must not end the reader: the dialog says what happened
            status = 1
            stream.write(f"internal error: {type(e).__name__}: {e}\n")
        self.app.call_from_thread(self.finished, status, stream.getvalue(), options, reporter.errors)

    def finished(self, status: int, log: str, options: ConvertOptions, errors: int) -> None:
        self.running = False
        self.query_one("#export-run", Button).disabled = False
        self.query_one("#export-progress", ProgressBar).remove_class("running")
        destination = (options.output or "").rstrip(os.sep) or "."
        if status == 0:
            count = posts_phrase(len(options.paths))
            # The folder to offer next time: one post went into the folder named; a list or a book into
            # a folder or file named after it, inside that folder.
            one_into_folder = len(options.paths) == 1 and options.to not in SINGLE_FILE
            folder = destination if one_into_folder else str(Path(destination).parent)
            self.dismiss(ExportOutcome(f"Exported {count} to {destination}", folder))
            return
        lines = worst_first(log)
        reason = f"{errors} error{'s' if errors != 1 else ''}" if errors else "a problem"
        self._say(Text(f"Finished with {reason}:\n" + "\n".join(lines), style="red"))

    def _say(self, text: Text) -> None:
        self.query_one("#export-result", Label).update(text)

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
