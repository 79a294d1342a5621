"""The middle pane: the posts of the selected node, one line each, rendered only where visible.

A ``ListView`` with one widget per post takes seconds at a few hundred items; this list draws lines on
demand (Textual's line API), so 100k posts cost no more than 30.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from converters.post import Meta

from ..text import safe


class PostList(ScrollView, can_focus=True):
    """A virtual list of posts with a cursor."""

    COMPONENT_CLASSES = {
        "post-list--cursor",
        "post-list--date",
        "post-list--author",
        "post-list--mark",
        "post-list--read",
        "post-list--shown",
        "post-list--snippet",
        "post-list--match",
    }
    DEFAULT_CSS = """
    PostList { background: $surface; overflow-x: hidden; }
    PostList > .post-list--cursor { background: $accent 40%; }
    PostList:focus > .post-list--cursor { background: $accent; color: $text; text-style: bold; }
    PostList > .post-list--date { color: $text-muted; }
    PostList > .post-list--author { color: $text-muted; }
    PostList > .post-list--mark { color: $warning; }
    PostList > .post-list--read { color: $text-muted; }
    PostList > .post-list--shown { color: $accent; text-style: bold; }
    PostList > .post-list--snippet { color: $text-muted; }
    PostList > .post-list--match { color: $warning; text-style: bold; }
    """
    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("enter", "select", "Open", id="list.open"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        """The cursor moved to a post."""

        def __init__(self, post_list: PostList, index: int | None) -> None:
            super().__init__()
            self.post_list = post_list
            self.index = index

    class Selected(Message):
        """A post was opened (enter or click)."""

        def __init__(self, post_list: PostList, index: int) -> None:
            super().__init__()
            self.post_list = post_list
            self.index = index

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.posts: list[Meta] = []
        self.rows: list[int] = []
        self.marks: Callable[[int], str] = lambda i: " "
        self.is_read: Callable[[int], bool] = lambda i: False
        self.shown: int | None = None  # the post the article pane shows: marked with a bar
        self.snippets: dict[int, tuple[str, tuple[tuple[int, int], ...]]] = {}
        """Search results' text around their matches (and where the matches are), shown after titles."""

    def set_rows(self, posts: list[Meta], rows: list[int], keep: int | None = None) -> None:
        """Show ``rows`` (indexes into ``posts``), keeping the cursor on post ``keep`` when it is among them."""
        self.posts = posts
        self.rows = rows
        self.virtual_size = Size(0, len(rows))  # (as wide as the pane: rows are cut to it, never scrolled)
        cursor = 0
        if keep is not None:
            try:
                cursor = rows.index(keep)
            except ValueError:
                cursor = 0
        with self.prevent(self.Highlighted):  # (a new list is no move of the user's: nothing to preview)
            self.cursor = cursor
        self.scroll_to(y=max(0, cursor - self.size.height // 2), animate=False)
        self.refresh()

    def show_marked(self, index: int | None) -> None:
        """Mark ``index`` as the post the article shows."""
        if index != self.shown:
            self.shown = index
            self.refresh()

    @property
    def highlighted(self) -> int | None:
        """The index (into ``posts``) under the cursor."""
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    def validate_cursor(self, cursor: int) -> int:
        return max(0, min(cursor, len(self.rows) - 1)) if self.rows else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_visible()
        self.refresh()
        self.post_message(self.Highlighted(self, self.highlighted))

    def _scroll_cursor_visible(self) -> None:
        top = self.scroll_offset.y
        height = max(1, self.size.height)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.scrollable_content_region.width  # (never under the scrollbar)
        if row >= len(self.rows) or width <= 0:
            return Strip.blank(width, self.rich_style)
        index = self.rows[row]
        meta = self.posts[index]
        base = self.rich_style
        cursor = row == self.cursor
        if cursor:
            base = base + self.get_component_rich_style("post-list--cursor")
        read = self.is_read(index)
        title_style = (
            self.get_component_rich_style("post-list--read", partial=True) if read and not cursor else Style()
        )
        date = meta.date.strftime("%Y-%m-%d") if meta.date else "    —     "
        author = safe(meta.authors[0]) if meta.authors else ""
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append("▌" if index == self.shown else " ", self.get_component_rich_style("post-list--shown"))
        text.append(
            self.marks(index)[:2].ljust(2) + " ",
            self.get_component_rich_style("post-list--mark", partial=True),
        )
        text.append(date + " ", self.get_component_rich_style("post-list--date", partial=True))
        author_width = min(14, max(0, width // 5)) if width > 60 else 0
        title_width = max(1, width - text.cell_len - (author_width + 1 if author_width else 0))
        shown_title = ("draft · " if meta.draft else "") + safe(meta.title)
        title = Text(shown_title, style=title_style, no_wrap=True, overflow="ellipsis")
        snippet = self.snippets.get(index)
        if snippet is not None and title_width > 16:  # (a narrow list: the title alone)
            title.truncate(min(title.cell_len, max(8, title_width * 2 // 5)), overflow="ellipsis")
            title.append_text(self._snippet(*snippet))
        title.truncate(title_width, overflow="ellipsis", pad=True)
        text.append_text(title)
        if author_width:
            a = Text(" " + author, style=self.get_component_rich_style("post-list--author", partial=True))
            a.truncate(author_width + 1, overflow="ellipsis", pad=True)
            text.append_text(a)
        segments = list(text.render(self.app.console))
        strip = Strip(
            [Segment(s.text, base + s.style if s.style else base) for s in segments if s.text != "\n"]
        )
        return strip.crop_extend(0, width, base)

    def _snippet(self, snippet: str, marks: tuple[tuple[int, int], ...]) -> Text:
        """`` — text around the match``, dim, its matches in the match style."""
        text = Text(
            " — " + safe(snippet), style=self.get_component_rich_style("post-list--snippet", partial=True)
        )
        for start, end in marks:
            text.stylize(self.get_component_rich_style("post-list--match", partial=True), start + 3, end + 3)
        return text

    def on_resize(self) -> None:
        self.virtual_size = Size(0, len(self.rows))

    def on_click(self, event: Click) -> None:
        row = self.scroll_offset.y + event.y
        if 0 <= row < len(self.rows):
            already = row == self.cursor
            self.cursor = row
            if already or event.chain >= 2:
                self.action_select()

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_page_down(self) -> None:
        self.cursor += max(1, self.size.height - 1)

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.size.height - 1)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.rows) - 1

    def action_select(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Selected(self, self.highlighted))
