"""``?``: every key the reader answers to, read from the live bindings (so remapped keys show as remapped)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP_INTRO = (
    "postshelf shows a folder of posts by category. Move with j/k or the arrows, open with enter, "
    "switch panes with tab, go back with escape. The keys act on the post the article pane shows, marked "
    "▌ in the list. Everything below is also in the command palette."
)


class HelpScreen(ModalScreen[None]):
    """A table of keys and what they do."""

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
        Binding("j,down", "scroll('down')", "Down", show=False),
        Binding("k,up", "scroll('up')", "Up", show=False),
        Binding("space,pagedown", "scroll('page_down')", "Page down", show=False),
        Binding("pageup", "scroll('page_up')", "Page up", show=False),
        Binding("g,home", "scroll('home')", "Top", show=False),
        Binding("G,end", "scroll('end')", "Bottom", show=False),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 80%; max-width: 100; height: 85%; border: thick $accent; background: $panel; padding: 0 1; }
    """

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("action")
        table.add_column("where", style="dim")
        for key, description, where in self.rows:
            table.add_row(Text(key), Text(description), Text(where))
        with VerticalScroll():
            yield Static(Text(HELP_INTRO, style="italic"))
            yield Static(table)

    def action_scroll(self, where: str) -> None:
        view = self.query_one(VerticalScroll)
        moves = {
            "down": lambda: view.scroll_relative(y=1, animate=False),
            "up": lambda: view.scroll_relative(y=-1, animate=False),
            "page_down": lambda: view.scroll_relative(y=max(1, view.size.height - 1), animate=False),
            "page_up": lambda: view.scroll_relative(y=-max(1, view.size.height - 1), animate=False),
            "home": lambda: view.scroll_home(animate=False),
            "end": lambda: view.scroll_end(animate=False),
        }
        moves[where]()

    def action_close(self) -> None:
        self.dismiss(None)
