"""The right pane: one article, rendered once to lines and drawn only where visible.

Rich renders the header, any problems and the Markdown body to lines (fast: ~0.1 s for a 60 KB article,
where Textual's Markdown widget mounts one widget per block); the lines are cached per width, so scrolling,
finding and jumping to headings cost nothing more.

Every character must reach the screen, so the lines are laid out for the width they are drawn in: the
content region less a scrollbar gutter that is always reserved (a scrollbar that appeared after the
layout would otherwise cover the last cells of every full line), and again whenever that width changes.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.filter import LineFilter
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from converters.chars import ATX_HEADING
from converters.post import Meta, Problem

from .. import graphics, wrap
from ..pictures import Painter, image_rows, load_picture
from ..text import ZWSP, display_markdown, safe

if TYPE_CHECKING:
    from PIL.Image import Image

    from converters.image_store import ImageStore

wrap.install()  # CJK text wraps between characters, not only at the few spaces it has

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
MISSING_FOR = 120.0
"""Seconds before an image that could not be had is asked for again (offline for a while, say)."""
KEPT_PICTURES = 48
"""Pictures kept drawn-ready (each at most tui/pictures.py's KEPT_PIXELS): those of the last few articles."""


@dataclass
class ArticleContent:
    """Everything the pane shows for one post, prepared off the UI thread."""

    meta: Meta
    markdown: str
    source: str
    problems: list[Problem] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (what it is, URL)


def headings_of(markdown: str) -> list[tuple[int, str]]:
    """ATX headings outside code fences, as (level, plain text)."""
    found = []
    fence = None
    for line in markdown.split("\n"):
        m = _FENCE.match(line)
        if m:
            fence = None if fence and m.group(1)[0] == fence[0] else (fence or m.group(1))
            continue
        if fence:
            continue
        h = ATX_HEADING.match(line)
        if h:
            text = re.sub(r"[*_`\\]|\u200b", "", h.group(2))
            text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
            found.append((len(h.group(1)), text.strip()))
    return found


def header_renderable(meta: Meta, problems: list[Problem]) -> RenderableType:
    title = Text(safe(meta.title), style="bold")
    info = Text(style="dim")
    if meta.date:
        info.append(meta.date.strftime("%Y-%m-%d %H:%M %z"))
    if meta.authors:
        info.append(("  ·  " if info else "") + safe(", ".join(meta.authors)))
    parts: list[RenderableType] = [title, info]
    if meta.categories:
        parts.append(Text(safe("  ;  ".join(" › ".join(p) for p in meta.categories)), style="italic"))
    if meta.tags:
        parts.append(Text(safe("  ".join("#" + t for t in meta.tags)), style="cyan"))
    if meta.cover:
        from converters.urls import unwrap_url  # loaded with the converters by the time an article shows

        parts.append(Text("cover: " + safe(unwrap_url(meta.cover)), style="dim"))  # as in the body
    parts.append(Text(""))
    if problems:
        lines = Text()
        for p in problems:
            where = f"line {p.line}: " if p.line else ""
            lines.append(
                f"{p.severity}: {where}{safe(p.message)}\n",
                style="red" if p.severity == "error" else "yellow",
            )
        lines.rstrip()
        parts.append(Panel(lines, title="problems", border_style="red", title_align="left"))
    return Group(*parts)


def layout_lines(renderables: list[RenderableType], console: Console, width: int) -> list[Strip]:
    """The renderables as lines of at most ``width`` cells, without the zero-width spaces that
    :func:`~tui.text.display_markdown` adds to make emphasis parse (the terminal would keep them in
    copied text)."""
    options = console.options.update_width(width)
    lines = []
    for renderable in renderables:
        for line in console.render_lines(renderable, options, pad=False):
            if any(ZWSP in segment.text for segment in line):
                line = [Segment(s.text.replace(ZWSP, ""), s.style, s.control) for s in line]
            lines.append(Strip(line).simplify())
    return lines


class ArticleView(ScrollView, can_focus=True):
    """A scrollable, searchable rendering of one article."""

    COMPONENT_CLASSES = {"article--match", "article--current-match"}
    DEFAULT_CSS = """
    ArticleView { background: $surface; padding: 0 1; scrollbar-gutter: stable; }
    ArticleView > .article--match { background: $warning 50%; }
    ArticleView > .article--current-match { background: $warning; color: $background; }
    """
    BINDINGS = [
        Binding("down,j", "scroll_down", "Down", show=False, id="article.down"),
        Binding("up,k", "scroll_up", "Up", show=False, id="article.up"),
        Binding("space,pagedown", "page_down", "Page down", show=False, id="article.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="article.page_up"),
        Binding("home,g", "scroll_home", "Top", show=False),
        Binding("end,G", "scroll_end", "Bottom", show=False),
    ]

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.content: ArticleContent | None = None
        self.show_source = False
        self.lines: list[Strip] = []
        self._plain: list[str] = []
        self._width = 0
        self.matches: list[tuple[int, int, int]] = []  # (line, start, end) in characters
        self.match_index = -1
        self.term = ""
        self._others: tuple[str, ...] = ()  # (words found beside the term: a search's)
        self.headings: list[tuple[int, str, int]] = []  # (level, text, line)
        self.message: str | None = "Select a post to read it."
        self._pending_position: float | None = None
        self._parsed: tuple[tuple[object, ...], list[RenderableType]] | None = None
        self.images_on = True
        self._text_lines: list[Strip] = []
        self._image_rows: list[tuple[int, str]] = []  # (text line, image address: see _address)
        self._text_row: list[int] = []  # for each line shown, the text line it is or follows
        self._pictures: OrderedDict[str, Image] = OrderedDict()  # address → picture, the last used last
        self._asked: set[str] = set()  # (being fetched)
        self._missing: dict[str, float] = {}  # address → when it could not be had
        self._painter: Painter | None = None
        self._placed: dict[int, tuple[str, int, int, int]] = {}  # line → (address, cols, rows, its row)
        self._encoding: set[tuple[str, int, int]] = set()
        self._kept_filters: tuple[tuple[LineFilter, ...], list[LineFilter]] = ((), [])
        self._store: ImageStore | None = None

    # --- content --------------------------------------------------------------------------------------

    def show(self, content: ArticleContent | None, message: str | None = None, position: float = 0.0) -> None:
        """Show ``content`` (or ``message``), scrolled to ``position``, a share of its length."""
        self.content = content
        self.message = message
        self.term, self._others, self.matches, self.match_index = "", (), [], -1
        self._render_lines(position)

    @property
    def position(self) -> float:
        """How far into the article the top of the view is, as a share of its length (0 to 1)."""
        return min(1.0, self.scroll_offset.y / len(self.lines)) if self.lines else 0.0

    def toggle_source(self) -> bool:
        self.show_source = not self.show_source
        self._render_lines(0.0)
        return self.show_source

    def renderables(self) -> list[RenderableType]:
        """What the pane draws; parsed once per post, view and theme (a re-layout at another width then
        costs only the wrapping: ~9 ms of a 60 KB article's ~75 ms is the Markdown parse)."""
        key = (id(self.content), self.message, self.show_source, self._code_theme())
        if self._parsed is None or self._parsed[0] != key:
            self._parsed = (key, self._build_renderables())
        return self._parsed[1]

    def _build_renderables(self) -> list[RenderableType]:
        if self.content is None:
            return [Text(self.message or "", style="dim italic")]
        from rich.syntax import Syntax

        from ..post_markdown import (
            PostMarkdown,
        )  # with markdown-it: ~30 ms the first screen need not wait for

        c = self.content
        parts: list[RenderableType] = [header_renderable(c.meta, c.problems)]
        if self.show_source:
            lexer = "html" if c.meta.body_kind == "html" else "markdown"
            parts.append(
                Syntax(safe(c.source, keep_newlines=True), lexer, word_wrap=True, theme=self._code_theme())
            )
        elif c.markdown.strip():
            parts.append(
                PostMarkdown(display_markdown(c.markdown), code_theme=self._code_theme(), hyperlinks=True)
            )
        else:
            parts.append(Text(self.message or "(this post has no text)", style="dim italic"))
        return parts

    def _code_theme(self) -> str:
        try:
            dark = self.app.current_theme.dark
        except Exception:  # no app yet (rendered off-screen)
            dark = True
        return "monokai" if dark else "friendly"

    @property
    def text_width(self) -> int:
        """The cells a line may take: the content region, the scrollbar gutter already taken off."""
        return self.scrollable_content_region.width

    def _render_lines(self, position: float | None = None) -> None:
        """Lay the article out for the width it is drawn in, keeping the reader's place (or going to
        ``position``)."""
        if position is None:
            position = self.position if self._pending_position is None else self._pending_position
        # Before its first layout the view has no height to scroll in: the place waits for it.
        self._pending_position = position if not self.size.height else None
        width = max(10, self.text_width or 80)  # (not laid out yet: laid out again on its first resize)
        self._text_lines = layout_lines(self.renderables(), self.app.console, width)
        showing_text = self.content is not None and not self.show_source
        self._image_rows = (
            [(row, self._address(url)) for row, url in image_rows(self._text_lines)] if showing_text else []
        )
        self._let_go_of_other_pictures()
        self._width = width
        self._compose_lines()
        self._show_lines(round(position * len(self.lines)))
        self._want_pictures()

    # --- images ----------------------------------------------------------------------------------------

    def _compose_lines(self) -> None:
        """The text's lines with the images that have arrived drawn below their alt text."""
        lines, plain, text_row = [], [], []
        placed: dict[int, tuple[str, int, int, int]] = {}
        painter = self.painter
        wanted: dict[int, list[str]] = {}
        if self.images_on:
            for row, address in self._image_rows:
                if address in self._pictures:
                    wanted.setdefault(row, []).append(address)
        tall = max(4, (self.scrollable_content_region.height or 24) - 2)
        for row, strip in enumerate(self._text_lines):
            lines.append(strip)
            plain.append(strip.text)
            text_row.append(row)
            for address in wanted.get(row, ()):
                picture = self._pictures[address]
                self._pictures.move_to_end(address)  # (the last shown are the last let go of)
                cols, rows = painter.size(picture, self._width, tall)
                for r, drawn in enumerate(painter.lines(address, picture, cols, rows)):
                    placed[len(lines)] = (address, cols, rows, r)
                    lines.append(drawn)
                    plain.append("")  # (nothing to find, no heading)
                    text_row.append(row)
        self.lines, self._plain, self._text_row, self._placed = lines, plain, text_row, placed

    @property
    def painter(self) -> Painter:
        """The pictures' lines in the terminal's way: the app's (``graphics``), Kitty's only where every
        colour reaches the terminal as it is (a cell's colour is its image's id)."""
        if self._painter is None:
            mode = getattr(self.app, "graphics", graphics.BLOCKS)
            if mode == graphics.KITTY and (self.app.console.color_system != "truecolor" or self.app.no_color):
                mode = graphics.BLOCKS
            self._painter = Painter(mode, self._write_to_terminal)
        return self._painter

    def _write_to_terminal(self, data: str) -> None:
        driver = getattr(self.app, "_driver", None)  # (Textual's own way out, as its clipboard's: in order)
        if driver is not None:
            driver.write(data)

    def let_go_of_pictures(self) -> None:
        """The terminal may let go of every picture sent to it."""
        if self._painter is not None:
            self._painter.close()

    def on_unmount(self) -> None:
        self.let_go_of_pictures()

    def set_images(self, on: bool) -> None:
        """Draw the images (fetched as they come into view) or only their alt text."""
        self.images_on = on
        self._redraw_pictures()
        self._want_pictures()

    def _redraw_pictures(self) -> None:
        """The lines again with the pictures had so far, the text at the top of the view kept there."""
        top = self.scroll_offset.y
        anchor = self._text_row[top] if 0 <= top < len(self._text_row) else None
        self._compose_lines()
        self._show_lines(self._text_row.index(anchor) if anchor is not None else top)

    def _show_lines(self, top: int) -> None:
        """The lines just composed shown from line ``top``: their headings and find's matches in them."""
        self._locate_headings()
        if self.term:
            self._find_matches()
        self.virtual_size = Size(self._width, len(self.lines))
        self.scroll_to(y=top, animate=False, force=True)
        self.refresh()

    def _want_pictures(self) -> None:
        """Fetch, in the background, the images in view and a few screens ahead not asked for yet, those
        in view first."""
        if not (self.images_on and self.content is not None and self._image_rows):
            return
        height = self.size.height or 24
        top = self.scroll_offset.y
        first = self._text_row[top] if top < len(self._text_row) else 0
        bottom = min(len(self._text_row) - 1, top + 3 * height)
        last = self._text_row[bottom] if bottom >= 0 else 0
        in_view = self._text_row[min(bottom, top + height)] if bottom >= 0 else 0
        now = time.monotonic()
        wanted = [
            (row > in_view, address)
            for row, address in self._image_rows
            if first - height <= row <= last
            and address not in self._pictures
            and address not in self._asked
            and now - self._missing.get(address, -MISSING_FOR) >= MISSING_FOR
        ]
        if not wanted:
            return
        addresses = [address for _, address in sorted(wanted, key=lambda w: w[0])]
        self._asked.update(addresses)
        painter = self.painter  # (made here, in the UI's thread, which alone changes it)
        self.run_worker(
            lambda: self._fetch_pictures(addresses, painter),
            thread=True,
            group="pictures",
            exit_on_error=False,
        )

    def _address(self, url: str) -> str:
        """Where an image is: its URL, or for a path relative to the post ``file:`` and the file's absolute
        path (two posts' ``cover.jpg`` are two images; a path from the site's root is no file of ours)."""
        from converters.image_store import file_beside

        beside = file_beside(self.content.meta.path, url) if self.content is not None else None
        return url if beside is None else "file:" + beside

    def _image_store(self) -> ImageStore:
        if self._store is None:
            from converters.image_store import ImageStore

            # (a reader runs for hours: an image or a host that failed is asked again after a while)
            self._store = ImageStore(connect_timeout=5.0, total_timeout=15.0, forget_after=MISSING_FOR)
        return self._store

    def _fetch_pictures(self, addresses: list[str], painter: Painter) -> None:
        """(A worker thread.) Each image from the store, a few at a time, drawn into a picture and handed
        to the UI as it comes."""
        from concurrent.futures import ThreadPoolExecutor, as_completed

        background = self._background()
        with ThreadPoolExecutor(min(4, len(addresses))) as pool:
            futures = {pool.submit(self._picture_of, address, background): address for address in addresses}
            for future in as_completed(futures):
                picture = future.result() if future.exception() is None else None
                try:
                    png = painter.prepare(picture) if picture is not None else None
                except Exception:  # (no PNG for the terminal: half blocks for it)
                    png = None
                self.app.call_from_thread(self._picture_arrived, futures[future], picture, png)

    def _picture_of(self, address: str, background: tuple[int, int, int]) -> Image | None:
        from converters.image_store import StoredImage, is_fetchable

        store = self._image_store()
        if is_fetchable(address):
            got = store.get(address)
        elif address.startswith("file:"):  # (a file beside the post: see _address)
            got = store.get_file(address[5:])
        else:
            return None  # (a URL of no use: ftp:, a path from the site's root)
        return load_picture(str(got.file), background) if isinstance(got, StoredImage) else None

    def _background(self) -> tuple[int, int, int]:
        color = self.rich_style.bgcolor
        if color is not None:
            triplet = color.get_truecolor()
            return (triplet.red, triplet.green, triplet.blue)
        return (0, 0, 0)

    def _picture_arrived(self, address: str, picture: Image | None, png: bytes | None = None) -> None:
        self._asked.discard(address)
        if picture is None:
            self._missing[address] = time.monotonic()
            return
        self.painter.send(address, png)
        self._pictures[address] = picture
        self._pictures.move_to_end(address)
        while len(self._pictures) > KEPT_PICTURES:
            self.painter.forget(self._pictures.popitem(last=False)[0])
        # (whatever article asked for it: the one shown now may be the same post shown anew)
        if self.images_on and any(shown == address for _, shown in self._image_rows):
            self._redraw_pictures()

    def _let_go_of_other_pictures(self) -> None:
        """With Kitty, the pictures of other articles: the terminal keeps what it was sent (kitty up to
        320 MB, the oldest going first, placeholders then showing nothing), so it holds only this one's;
        they are read again from the image store when shown again."""
        if self._painter is None or self._painter.mode != graphics.KITTY:
            return
        here = {address for _, address in self._image_rows}
        for address in [a for a in self._pictures if a not in here]:
            del self._pictures[address]
            self._painter.forget(address)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self._want_pictures()

    def _locate_headings(self) -> None:
        self.headings = []
        if self.content is None or self.show_source:
            return
        start = 0
        for level, text in headings_of(self.content.markdown):
            needle = text[:30]
            for i in range(start, len(self._plain)):
                if needle and needle in self._plain[i]:
                    self.headings.append((level, text, i))
                    start = i + 1
                    break

    def on_resize(self) -> None:
        if self._painter is not None and self._painter.cell_changed():  # (the font zoomed: sized anew)
            self._render_lines()
            return
        self._relayout_if_needed()

    def _relayout_if_needed(self) -> None:
        width = self.text_width
        if width and width != self._width:
            self._render_lines()

    # --- moving ----------------------------------------------------------------------------------------

    def action_page_down(self) -> None:
        """One view further, the last line kept in sight: no line is ever skipped, however fast."""
        self.scroll_to(y=self.scroll_offset.y + self._page(), animate=False)

    def action_page_up(self) -> None:
        self.scroll_to(y=self.scroll_offset.y - self._page(), animate=False)

    def _page(self) -> int:
        height = self.scrollable_content_region.height
        return max(1, height - 1) if height > 2 else max(1, height)

    # --- drawing ---------------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.text_width
        if width != self._width and width:
            # Laid out for another width (a change no resize event told of): again, before the next frame.
            self.call_after_refresh(self._relayout_if_needed)
        if row >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        strip = self.lines[row]
        if row in self._placed and self.painter.pixels:
            strip = self._pixels_line(row, strip)
        elif self.matches:
            strip = self._highlight(row, strip)
        strip = strip.apply_style(self.rich_style)  # the pane's background under Rich's unstyled text
        return strip.crop_extend(self.scroll_offset.x, self.scroll_offset.x + width, self.rich_style)

    def _pixels_line(self, row: int, strip: Strip) -> Strip:
        """A line of a picture the terminal draws in pixels. Behind a dialog, half blocks (its tint would
        change a Kitty cell's colour, which names the image). Sixel: the blank line, then its row of the
        picture's pixels drawn over it (half blocks until they are made, or if they cannot be)."""
        address, cols, rows, r = self._placed[row]
        picture = self._pictures.get(address)
        if picture is None:
            return strip
        painter = self.painter
        if not self.screen.is_active:
            return painter.blocks(address, picture, cols, rows)[r]
        if painter.mode == graphics.KITTY:
            return strip
        ready = painter.sixel_ready(address, cols, rows)
        if not ready:
            if ready is None:
                self._encode(address, picture, cols, rows)
            return painter.blocks(address, picture, cols, rows)[r]
        region = self.scrollable_content_region  # (on the screen)
        line = painter.sixel_line(address, cols, rows, r, region.x, region.y + row - self.scroll_offset.y)
        return Strip([*strip, line], strip.cell_length)

    def get_line_filters(self) -> Sequence[LineFilter]:
        """The app's filters, but over a Sixel's control segment they pass by: Textual's colour filter
        rebuilds every segment as text, whose width the compositor would then crop the Sixel to."""
        filters = super().get_line_filters()
        if self._painter is None or self._painter.mode != graphics.SIXEL:
            return filters
        key = tuple(filters)
        if self._kept_filters[0] != key:
            self._kept_filters = (key, [graphics.PassControls(f) for f in filters])
        return self._kept_filters[1]

    def _encode(self, address: str, picture: Image, cols: int, rows: int) -> None:
        """The picture's Sixel lines made in a thread, kept by the UI's (a Painter changes in one thread)."""
        key = (address, cols, rows)
        if key in self._encoding:
            return
        self._encoding.add(key)
        cell = self.painter.cell

        def encode() -> None:
            try:
                lines = Painter.encode(picture, cols, rows, cell)
            except Exception:  # (a picture Pillow cannot read again: half blocks for it)
                lines = []
            self.app.call_from_thread(self._encoded, key, cell, lines)

        self.run_worker(encode, thread=True, group="sixel", exit_on_error=False)

    def _encoded(self, key: tuple[str, int, int], cell: tuple[int, int], lines: list[str]) -> None:
        self._encoding.discard(key)
        self.painter.keep_sixel(*key, cell, lines)
        self.refresh()

    def _highlight(self, row: int, strip: Strip) -> Strip:
        spans = [(i, s, e) for i, (r, s, e) in enumerate(self.matches) if r == row]
        if not spans:
            return strip
        text = Text()
        for seg in strip:
            text.append(seg.text, seg.style)
        for i, s, e in spans:
            name = "article--current-match" if i == self.match_index else "article--match"
            text.stylize(self.get_component_rich_style(name), s, e)
        return Strip(
            [Segment(seg.text, seg.style) for seg in text.render(self.app.console) if seg.text != "\n"]
        )

    # --- find ------------------------------------------------------------------------------------------

    def find(self, term: str, *others: str) -> int:
        """Highlight every occurrence of ``term``, and of any ``others`` (a search's words: a longer one
        first where two overlap), case-insensitive; returns how many there are."""
        self.term = term
        self._others = others
        self._find_matches()
        self.match_index = 0 if self.matches else -1
        self._show_match()
        self.refresh()
        return len(self.matches)

    def _find_matches(self) -> None:
        self.matches = []
        terms = sorted(dict.fromkeys(t for t in (self.term, *self._others) if t), key=len, reverse=True)
        if not terms:
            return
        for row, line in enumerate(self._plain):
            hay = line.casefold()
            exact = len(hay) != len(line)  # casefold changed lengths (ß): fall back to exact matching
            if exact:
                hay = line
            found: list[tuple[int, int, int]] = []
            for term in terms:
                needle = term if exact else term.casefold()
                start = hay.find(needle)
                while start != -1:
                    end = start + len(needle)
                    if any(start < e and s < end for _, s, e in found):  # (within a longer one's)
                        end = start + 1
                    else:
                        found.append((row, start, end))
                    start = hay.find(needle, end)
            self.matches += sorted(found)

    def next_match(self, step: int = 1) -> None:
        if not self.matches:
            return
        self.match_index = (self.match_index + step) % len(self.matches)
        self._show_match()
        self.refresh()

    def _show_match(self) -> None:
        if 0 <= self.match_index < len(self.matches):
            row = self.matches[self.match_index][0]
            self.scroll_to(y=max(0, row - self.size.height // 3), animate=False)

    def clear_find(self) -> None:
        self.term, self._others, self.matches, self.match_index = "", (), [], -1
        self.refresh()

    def go_to_line(self, line: int) -> None:
        self.scroll_to(y=line, animate=False)
