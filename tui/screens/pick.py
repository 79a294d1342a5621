"""A modal list to choose one item from: table of contents, links to open, what to copy."""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ..text import safe

T = TypeVar("T")


class PickScreen(ModalScreen[T | None], Generic[T]):
    """Choose one of ``items`` (label, value); dismisses with the value, or None on escape."""

    BINDINGS = [
        Binding("escape", "dismiss_none", "Close", id="pick.close"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
    ]
    DEFAULT_CSS = """
    PickScreen { align: center middle; }
    PickScreen > Vertical { width: 80%; max-width: 100; height: auto; max-height: 80%; border: thick $accent; background: $panel; padding: 0 1; }
    PickScreen Label { width: 100%; text-style: bold; padding: 0 0 1 0; }
    PickScreen OptionList { height: auto; max-height: 30; }
    """

    def __init__(
        self, title: str, items: list[tuple[str, T]], empty: str = "Nothing to choose from."
    ) -> None:
        super().__init__()
        self.title_text = title
        self.items = items
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text))
            if self.items:
                yield OptionList(
                    *[Option(Text(safe(label)), id=str(i)) for i, (label, _) in enumerate(self.items)]
                )
            else:
                yield Label(Text(self.empty, style="dim"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        index = int(event.option.id or 0)
        self.dismiss(self.items[index][1])

    def action_move(self, step: int) -> None:
        """j and k move as the arrows do (the list has them; vi users reach for these)."""
        options = self.query(OptionList)
        if options:
            options.first().action_cursor_down() if step > 0 else options.first().action_cursor_up()

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
