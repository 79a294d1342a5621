"""Images in the article: loaded, sized, and drawn as lines of the article's line-by-line layout.

Where the terminal has Kitty's graphics protocol or Sixel (tui/graphics.py) they draw the image; everywhere
else, tmux included, coloured half blocks do: each cell shows two pixels, one above the other (``▀`` in the
upper one's colour on the lower one's). :class:`Painter` keeps what each way needs.

textual-image (the ecosystem's image widget) was looked at first: it draws with the Kitty protocol and
Sixel as well, but as a widget of its own, and it queries the terminal when imported (before Textual
starts); the article is one scroll view of lines, where an image is just more lines.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from . import graphics

if TYPE_CHECKING:
    from PIL.Image import Image

KEPT_PIXELS = (480, 960)
"""An image is kept at most this size (enough for a 240-column pane of half blocks): a page of photos
stays small."""
SHARP_PIXELS = (1280, 1280)
"""The most of an image sent to a terminal that draws pixels (Kitty, Sixel): a wide pane's worth."""
CELL_PIXELS = 10
"""Pixels of an image one column stands for at its natural size (about a terminal cell's width)."""
MARKER = "🌆"
"""What the article's Markdown puts before an image's alt text (tui/post_markdown.py)."""


def load_picture(
    file: str, background: tuple[int, int, int] = (0, 0, 0), kept: tuple[int, int] = KEPT_PIXELS
) -> Image | None:
    """An image file as an RGB picture to draw, reduced to fit ``kept`` and its transparency laid over
    ``background``; None for what Pillow cannot draw (SVG, a damaged file). The picture's ``info`` keeps
    its natural size, its file and its background, for :func:`reload_picture`."""
    from PIL import Image as PILImage

    try:
        with PILImage.open(file) as image:
            natural = image.size
            image.draft("RGB", kept)  # (a large JPEG is decoded at a fraction of its size)
            image.thumbnail(kept)
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                rgba = image.convert("RGBA")
                picture = PILImage.new("RGB", rgba.size, background)
                picture.paste(rgba, mask=rgba.getchannel("A"))
            else:
                picture = image.convert("RGB")
            picture.info["natural"] = natural  # (its size before it was reduced: how wide it is drawn)
            picture.info["file"] = file
            picture.info["background"] = background
            return picture
    except Exception:  # (an image the store kept but Pillow cannot draw: its alt text stays)
        return None


def reload_picture(picture: Image, kept: tuple[int, int]) -> Image:
    """The picture read again from its file to fit ``kept`` (sharper than the one kept to draw half
    blocks), on the same background; itself where it was kept whole (nothing sharper to read) or its file
    cannot be read again."""
    if picture.size == picture.info.get("natural"):
        return picture
    file = picture.info.get("file")
    again = load_picture(file, picture.info.get("background", (0, 0, 0)), kept) if file else None
    return again or picture


def picture_size(
    picture: Image, width: int, max_rows: int, cell: tuple[int, int] = (CELL_PIXELS, 2 * CELL_PIXELS)
) -> tuple[int, int]:
    """(columns, rows) to draw ``picture`` in: its natural size (a column for each ``cell`` width of its
    pixels), no wider than ``width`` and no taller than ``max_rows``, its proportions kept for cells of
    ``cell`` pixels (half blocks: two pixels one above the other, in a cell about twice as tall as wide)."""
    w, h = picture.info.get("natural", picture.size)
    cw, ch = cell
    cols = max(1, min(width, round(w / cw)))
    rows = max(1, round(cols * cw * h / w / ch))
    if rows > max_rows:
        rows = max(1, max_rows)
        cols = max(1, min(width, round(rows * ch * w / h / cw)))
    return cols, rows


def half_blocks(picture: Image, cols: int, rows: int) -> list[Strip]:
    """The picture as ``rows`` lines of ``cols`` half blocks."""
    from PIL import Image as PILImage

    scaled = picture.resize((cols, rows * 2), PILImage.Resampling.BILINEAR)
    data = scaled.tobytes()  # (RGB, row by row)
    pixels = [(data[i], data[i + 1], data[i + 2]) for i in range(0, len(data), 3)]
    lines = []
    for row in range(rows):
        upper = pixels[2 * row * cols : (2 * row + 1) * cols]
        lower = pixels[(2 * row + 1) * cols : (2 * row + 2) * cols]
        segments = [
            Segment("▀", Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom)))
            for top, bottom in zip(upper, lower, strict=True)
        ]
        lines.append(Strip(segments, cols).simplify())
    return lines


def image_rows(lines: list[Strip]) -> list[tuple[int, str]]:
    """Where the article's lines show an image: (the last line of its alt text, its address), from the mark
    the Markdown renderer puts on the alt text (tui/post_markdown.py)."""
    found: list[tuple[int, str]] = []
    for row, strip in enumerate(lines):
        continued = found and found[-1][0] == row - 1 and found[-1][1] in _images_in(strip)
        if MARKER in strip.text:
            images = _images_in(strip)
            if continued and images[:1] == [found[-1][1]]:
                found[-1] = (row, found[-1][1])  # (its alt text goes on here)
                images = images[1:]
            found.extend((row, image) for image in images)
        elif continued:
            found[-1] = (row, found[-1][1])
    return found


def _images_in(strip: Strip) -> list[str]:
    """The images whose alt text stands on this line, in order."""
    images: list[str] = []
    for segment in strip:
        image = segment.style.meta.get("image") if segment.style is not None else None
        if isinstance(image, str) and image and (not images or images[-1] != image):
            images.append(image)
    return images


class Painter:
    """The lines that show each picture in the terminal's way (:mod:`tui.graphics`), made once per size.

    Kitty: each picture is sent once (its id kept by address), placed anew when its size changes, and
    shown by placeholder cells; ``write`` sends the commands to the terminal, in order with the frames.
    Sixel: the picture's lines are blank, and :meth:`sixel_line` draws each line's pixels over them once
    :meth:`encode` (off the UI thread) has made them. Both keep half blocks at hand (:meth:`blocks`) for
    where pixels cannot go: behind a dialog (whose tint would change a Kitty cell's colour, its image's
    id), and until the Sixel is made. Only the UI thread changes what a Painter holds.
    """

    SIXELS_KEPT = 32
    """Pictures whose Sixel lines are kept (a page of many small images included)."""

    def __init__(self, mode: str, write: Callable[[str], None]) -> None:
        self.mode = mode
        self.write = write
        self.cell = graphics.cell_pixels() if self.pixels else graphics.DEFAULT_CELL
        self._ids = graphics.image_ids()
        self._sent: dict[str, int] = {}  # address → Kitty image id
        self._placement: dict[int, tuple[int, int]] = {}  # Kitty image id → its placement's (cols, rows)
        self._lines: dict[tuple[str, int, int], list[Strip]] = {}
        self._blocks: dict[tuple[str, int, int], list[Strip]] = {}
        self._sixels: OrderedDict[tuple[str, int, int], list[str]] = OrderedDict()  # ([]: could not)

    @property
    def pixels(self) -> bool:
        """Whether the terminal draws the pixels (Kitty, Sixel), not half blocks."""
        return self.mode != graphics.BLOCKS

    def cell_changed(self) -> bool:
        """Whether a cell's size in pixels changed (the font zoomed): the Sixel lines are then made anew,
        and pictures sized anew."""
        cell = graphics.cell_pixels() if self.pixels else graphics.DEFAULT_CELL
        if cell == self.cell:
            return False
        self.cell = cell
        self._sixels.clear()
        return True

    def size(self, picture: Image, width: int, tall: int) -> tuple[int, int]:
        """(columns, rows) for the picture in a pane ``width`` wide and ``tall`` high. A Sixel picture
        leaves the pane's last column free: the line's Sixel goes after the picture's cells, and at the
        pane's edge the compositor would cut it off with the scrollbar."""
        if not self.pixels:
            return picture_size(picture, width, tall)
        if self.mode == graphics.SIXEL:
            width -= 1
        limit = graphics.MAX_CELLS
        return picture_size(picture, max(1, min(width, limit)), min(tall, limit), self.cell)

    def prepare(self, picture: Image) -> bytes | None:
        """(Off the UI thread.) What :meth:`send` sends of the picture: for Kitty, a sharp PNG of it."""
        if self.mode != graphics.KITTY:
            return None
        return graphics.png_of(reload_picture(picture, SHARP_PIXELS))

    def send(self, address: str, png: bytes | None) -> None:
        """Hand a picture's PNG (:meth:`prepare`) to the terminal, once per address."""
        if png is not None and self.mode == graphics.KITTY and address not in self._sent:
            image_id = next(self._ids)
            self.write(graphics.transmit(png, image_id))
            self._sent[address] = image_id
            for key in [k for k in self._lines if k[0] == address]:  # (half blocks until now)
                del self._lines[key]

    def lines(self, address: str, picture: Image, cols: int, rows: int) -> list[Strip]:
        """The picture's lines at ``cols`` × ``rows`` cells (for Kitty, placed at that size first)."""
        image_id = self._sent.get(address)
        if image_id is not None and self._placement.get(image_id) != (cols, rows):
            self._placement[image_id] = (cols, rows)
            self.write(graphics.place(image_id, cols, rows))
        key = (address, cols, rows)
        if key not in self._lines:
            if len(self._lines) > 64:
                self._lines.clear()
            if image_id is not None:
                self._lines[key] = graphics.placeholder_lines(image_id, cols, rows)
            elif self.mode == graphics.SIXEL:
                self._lines[key] = [Strip.blank(cols)] * rows
            else:
                self._lines[key] = self.blocks(address, picture, cols, rows)
        return self._lines[key]

    def blocks(self, address: str, picture: Image, cols: int, rows: int) -> list[Strip]:
        """The picture in half blocks at ``cols`` × ``rows`` cells."""
        key = (address, cols, rows)
        if key not in self._blocks:
            if len(self._blocks) > 64:
                self._blocks.clear()
            self._blocks[key] = half_blocks(picture, cols, rows)
        return self._blocks[key]

    def sixel_ready(self, address: str, cols: int, rows: int) -> bool | None:
        """Whether the picture's Sixel lines are made (None: not yet asked for; False: they could not be)."""
        found = self._sixels.get((address, cols, rows))
        return None if found is None else bool(found)

    @staticmethod
    def encode(picture: Image, cols: int, rows: int, cell: tuple[int, int]) -> list[str]:
        """(Off the UI thread: ~0.1 s for a small picture, ~0.8 s for a pane-wide photo.) The picture's
        Sixel lines at the pixels of its cells, for :meth:`keep_sixel`."""
        from PIL import Image as PILImage

        size = (cols * cell[0], rows * cell[1])
        sharp = reload_picture(picture, size).resize(size, PILImage.Resampling.LANCZOS)
        return graphics.sixel_rows(sharp, cell[1])

    def keep_sixel(self, address: str, cols: int, rows: int, cell: tuple[int, int], lines: list[str]) -> None:
        """Keep what :meth:`encode` made for cells of ``cell`` pixels, if they are still that size
        (``[]``: it could not be made: half blocks then)."""
        if cell != self.cell:
            return
        self._sixels[(address, cols, rows)] = lines
        self._sixels.move_to_end((address, cols, rows))
        while len(self._sixels) > self.SIXELS_KEPT:
            self._sixels.popitem(last=False)

    def sixel_line(self, address: str, cols: int, rows: int, row: int, x: int, y: int) -> Segment:
        """Line ``row`` of the picture's Sixel, to draw at cell (x, y) of the screen."""
        key = (address, cols, rows)
        self._sixels.move_to_end(key)
        return graphics.sixel_segment(x, y, cols, self._sixels[key][row])

    def forget(self, address: str) -> None:
        """The terminal may let go of a picture no longer kept."""
        image_id = self._sent.pop(address, None)
        if image_id is not None:
            self._placement.pop(image_id, None)
            self.write(graphics.delete(image_id))
        for cache in (self._lines, self._blocks, self._sixels):
            for key in [k for k in cache if k[0] == address]:
                del cache[key]

    def close(self) -> None:
        """Let go of every picture sent (before the app leaves the screen they were sent to)."""
        for address in list(self._sent):
            self.forget(address)
