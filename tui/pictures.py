"""Images in the article, drawn in coloured half blocks: each cell shows two pixels, one above the other
(``▀`` in the upper one's colour on the lower one's), so any terminal with colours shows them, tmux
included, and they are plain lines of text to the article's line-by-line layout.

textual-image (the ecosystem's image widget) was looked at first: it draws with the Kitty protocol and
Sixel as well, but as a widget of its own, and it queries the terminal when imported (before Textual
starts); the article is one scroll view of lines, where a half-block image is just more lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

if TYPE_CHECKING:
    from PIL.Image import Image

KEPT_PIXELS = (480, 960)
"""An image is kept at most this size (enough for a 240-column pane): a page of photos stays small."""
CELL_PIXELS = 10
"""Pixels of an image one column stands for at its natural size (about a terminal cell's width)."""
MARKER = "🌆"
"""What the article's Markdown puts before an image's alt text (tui/post_markdown.py)."""


def load_picture(file: str, background: tuple[int, int, int] = (0, 0, 0)) -> Image | None:
    """An image file as an RGB picture to draw, reduced to :data:`KEPT_PIXELS` and its transparency laid
    over ``background``; None for what Pillow cannot draw (SVG, a damaged file)."""
    from PIL import Image as PILImage

    try:
        with PILImage.open(file) as image:
            natural = image.size
            image.draft("RGB", KEPT_PIXELS)  # (a large JPEG is decoded at a fraction of its size)
            image.thumbnail(KEPT_PIXELS)
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                rgba = image.convert("RGBA")
                picture = PILImage.new("RGB", rgba.size, background)
                picture.paste(rgba, mask=rgba.getchannel("A"))
            else:
                picture = image.convert("RGB")
            picture.info["natural"] = natural  # (its size before it was reduced: how wide it is drawn)
            return picture
    except Exception:  # (an image the store kept but Pillow cannot draw: its alt text stays)
        return None


def picture_size(picture: Image, width: int, max_rows: int) -> tuple[int, int]:
    """(columns, rows) to draw ``picture`` in: its natural size (:data:`CELL_PIXELS` a column), no wider
    than ``width`` and no taller than ``max_rows``, its proportions kept (a cell is about twice as tall as
    it is wide, and holds two pixels one above the other)."""
    w, h = picture.info.get("natural", picture.size)
    cols = max(1, min(width, round(w / CELL_PIXELS)))
    rows = max(1, round(cols * h / w / 2))
    if rows > max_rows:
        rows = max(1, max_rows)
        cols = max(1, min(width, round(rows * 2 * w / h)))
    return cols, rows


def half_blocks(picture: Image, width: int, max_rows: int) -> list[Strip]:
    """The picture as lines of half blocks, at most ``width`` cells wide and ``max_rows`` lines tall."""
    from PIL import Image as PILImage

    cols, rows = picture_size(picture, width, max_rows)
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
