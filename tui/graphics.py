"""How the terminal draws the article's images: the Kitty graphics protocol, Sixel, or half blocks.

* **Kitty** (kitty, Ghostty): the image is sent once, as PNG, with a *virtual placement* of so many columns
  and rows; the cells that show it are ordinary text, ``U+10EEEE`` with two diacritics (its row and its
  column) in a colour that is the image's id. So the image scrolls, is cropped and is covered like text,
  and the terminal scales it into the cells itself.
* **Sixel** (foot, WezTerm, xterm -ti vt340, mlterm, Konsole, iTerm2): pixels drawn by the terminal at the
  cursor. The picture is cut into rows of a cell's height, each its own Sixel; each line of the view
  that shows one is blank text followed by its row of pixels (:func:`sixel_segment`), so whatever is
  drawn again (a scroll, a toast gone) brings its own pixels back.
* **Half blocks** everywhere else, tmux and GNU screen included (tui/pictures.py).

The terminal is asked once, before the app starts (:func:`detect`): Kitty's query where the terminal
names itself kitty or Ghostty, then the primary device attributes (DA1), which every terminal answers
after any other reply, so the usual cost is one round trip. ``POSTSHELF_IMAGES=kitty|sixel|blocks``
overrides the guess.

textual-image was read first (see tui/pictures.py): its image is a widget of its own, where ours are
lines of one scroll view; this module is the part of it the view needs, written for that view.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import random
import re
import select
import sys
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from rich.color import Color
from rich.segment import ControlType, Segment
from rich.style import Style
from textual.color import Color as TextualColor
from textual.filter import LineFilter
from textual.strip import Strip

if TYPE_CHECKING:
    from PIL.Image import Image

BLOCKS, KITTY, SIXEL = "blocks", "kitty", "sixel"
MODES = (BLOCKS, KITTY, SIXEL)
DEFAULT_CELL = (10, 20)
"""A cell's size in pixels where the terminal does not say (the VT340's)."""

# --- which ----------------------------------------------------------------------------------------

_KITTY_QUERY = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
_DA1 = "\x1b[c"
_DA1_REPLY = re.compile(r"\x1b\[\?([0-9;]*)c")
_KITTY_OK = re.compile(r"\x1b_Gi=31;OK\x1b\\")


def _kitty_like(environ: Mapping[str, str]) -> bool:
    """kitty or Ghostty (whose placeholders work; WezTerm and Konsole answer Kitty's query but draw none),
    by the names they set, which ssh passes on as TERM."""
    return (
        environ.get("TERM") in ("xterm-kitty", "xterm-ghostty")
        or "KITTY_WINDOW_ID" in environ
        or environ.get("TERM_PROGRAM", "").lower() == "ghostty"
    )


def _multiplexed(environ: Mapping[str, str]) -> bool:
    """Inside tmux or GNU screen, which pass neither protocol on (and screen takes Kitty's query for its
    status line)."""
    return bool(environ.get("TMUX") or environ.get("STY")) or environ.get("TERM", "").startswith(
        ("screen", "tmux")
    )


def choose(environ: Mapping[str, str], reply: str | None) -> str:
    """The way to draw images, from the environment and the terminal's reply to :func:`ask_terminal`
    (None: not asked, no terminal). ``POSTSHELF_IMAGES`` decides first."""
    forced = environ.get("POSTSHELF_IMAGES", "").strip().lower()
    if forced in MODES:
        return forced
    if reply is None or _multiplexed(environ):
        return BLOCKS
    if _kitty_like(environ) and _KITTY_OK.search(reply):
        return KITTY
    attributes = _DA1_REPLY.search(reply)  # (its first number is the terminal's class, then its features)
    if attributes and "4" in attributes.group(1).split(";")[1:]:
        return SIXEL
    return BLOCKS


def ask_terminal(fd_in: int, fd_out: int, kitty: bool = True, timeout: float = 1.0) -> str | None:
    """The terminal's replies to Kitty's query (if ``kitty``) and to DA1, read up to DA1's answer, which
    every terminal gives, after any other (so the usual wait is one round trip, and the timeout is for a
    terminal that is no terminal). None when it is no terminal or says nothing in ``timeout`` seconds.
    The terminal's modes are restored, and what else came in is dropped: a reply come late would
    otherwise reach the app as keys."""
    if not (os.isatty(fd_in) and os.isatty(fd_out)):
        return None
    import termios
    import tty

    reply = b""
    try:
        saved = termios.tcgetattr(fd_in)
    except termios.error:
        return None
    try:
        tty.setcbreak(fd_in, termios.TCSANOW)
        os.write(fd_out, ((_KITTY_QUERY if kitty else "") + _DA1).encode())
        deadline = time.monotonic() + timeout
        while not _DA1_REPLY.search(reply.decode("latin-1")):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd_in], [], [], left)[0]:
                break
            reply += os.read(fd_in, 1024)
    except (OSError, termios.error):
        return None
    finally:
        with contextlib.suppress(termios.error):
            termios.tcflush(fd_in, termios.TCIFLUSH)
            termios.tcsetattr(fd_in, termios.TCSANOW, saved)
    return reply.decode("latin-1") or None


def detect() -> str:
    """The way this process's terminal draws images (asked once, before the app takes the terminal)."""
    forced = os.environ.get("POSTSHELF_IMAGES", "").strip().lower()
    if forced in MODES or _multiplexed(os.environ):
        return choose(os.environ, "")
    try:
        reply = ask_terminal(sys.stdin.fileno(), sys.stdout.fileno(), kitty=_kitty_like(os.environ))
    except (OSError, ValueError):  # (no file descriptors: a test's captured streams)
        reply = None
    return choose(os.environ, reply)


def cell_pixels() -> tuple[int, int]:
    """A cell's (width, height) in pixels, from the terminal's size in pixels where it tells it."""
    try:
        import fcntl
        import struct
        import termios

        packed = fcntl.ioctl(sys.__stdout__.fileno(), termios.TIOCGWINSZ, b"\0" * 8)  # type: ignore[union-attr]
        rows, cols, width, height = struct.unpack("HHHH", packed)
        if rows and cols and width and height:
            return max(1, width // cols), max(1, height // rows)
    except Exception:  # (no terminal: the tests, a pipe)
        pass
    return DEFAULT_CELL


# --- Kitty ----------------------------------------------------------------------------------------

PLACEHOLDER = "\U0010eeee"
_DIACRITIC_RANGES = (
    "0305 030D-030E 0310 0312 033D-033F 0346 034A-034C 0350-0352 0357 035B 0363-036F 0483-0487 0592-0595"
    " 0597-0599 059C-05A1 05A8-05A9 05AB-05AC 05AF 05C4 0610-0617 0657-065B 065D-065E 06D6-06DC 06DF-06E2"
    " 06E4 06E7-06E8 06EB-06EC 0730 0732-0733 0735-0736 073A 073D 073F-0741 0743 0745 0747 0749-074A"
    " 07EB-07F1 07F3 0816-0819 081B-0823 0825-0827 0829-082D 0951 0953-0954 0F82-0F83 0F86-0F87 135D-135F"
    " 17DD 193A 1A17 1A75-1A7C 1B6B 1B6D-1B73 1CD0-1CD2 1CDA-1CDB 1CE0 1DC0-1DC1 1DC3-1DC9 1DCB-1DCC"
    " 1DD1-1DE6 1DFE 20D0-20D1 20D4-20D7 20DB-20DC 20E1 20E7 20E9 20F0 2CEF-2CF1 2DE0-2DFF A66F A67C-A67D"
    " A6F0-A6F1 A8E0-A8F1 AAB0 AAB2-AAB3 AAB7-AAB8 AABE-AABF AAC1 FE20-FE26 10A0F 10A38 1D185-1D189"
    " 1D1AA-1D1AD 1D242-1D244"
)
"""Kitty's row and column diacritics (its ``rowcolumn-diacritics.txt``: the combining marks of class 230
in Unicode 6.0 without a decomposition), the n-th standing for row or column n."""


def _expand(ranges: str) -> str:
    chars = []
    for part in ranges.split():
        first, _, last = part.partition("-")
        chars += [chr(c) for c in range(int(first, 16), int(last or first, 16) + 1)]
    return "".join(chars)


DIACRITICS = _expand(_DIACRITIC_RANGES)
MAX_CELLS = len(DIACRITICS)
"""Columns or rows an image may take at most (297): one diacritic for each."""


def image_ids(seed: int | None = None) -> Iterator[int]:
    """Image ids for one process: 24 bits (the colour of a cell holds them), no byte of them zero, from
    a random start (another program in the same terminal window keeps its own)."""
    start = random.Random(seed).randrange(0x010101, 0xF00000)
    for n in range(start, 0xFFFFFF):
        if n & 0xFF and n & 0xFF00 and n & 0xFF0000:
            yield n


def _apc(control: str, payload: str = "") -> str:
    return f"\x1b_G{control};{payload}\x1b\\" if payload else f"\x1b_G{control}\x1b\\"


def png_of(picture: Image) -> bytes:
    """The picture as PNG (fast to make: it is sent once and the terminal keeps it)."""
    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def transmit(png: bytes, image_id: int) -> str:
    """Kitty's commands sending ``png`` as image ``image_id`` (in base64 chunks of 4096 bytes; ``q=2``: no
    answer, which would reach the app as keys)."""
    data = base64.standard_b64encode(png).decode("ascii")
    chunks = [data[i : i + 4096] for i in range(0, len(data), 4096)] or [""]
    out = []
    for n, chunk in enumerate(chunks):
        more = int(n < len(chunks) - 1)
        control = f"a=t,f=100,t=d,i={image_id},q=2,m={more}" if n == 0 else f"m={more},q=2"
        out.append(_apc(control, chunk))
    return "".join(out)


def place(image_id: int, cols: int, rows: int) -> str:
    """A virtual placement of the image over ``cols`` × ``rows`` cells, for the placeholders to show (the
    one before it taken away: the cells name no placement, so there is one at a time)."""
    return _apc(f"a=d,d=i,i={image_id},q=2") + _apc(f"a=p,U=1,i={image_id},c={cols},r={rows},q=2")


def delete(image_id: int) -> str:
    """Take the image and its placements away (``d=I``: its data too)."""
    return _apc(f"a=d,d=I,i={image_id},q=2")


def placeholder_lines(image_id: int, cols: int, rows: int) -> list[Strip]:
    """The lines of cells that show image ``image_id`` placed over ``cols`` × ``rows`` cells."""
    style = Style(color=Color.from_rgb((image_id >> 16) & 0xFF, (image_id >> 8) & 0xFF, image_id & 0xFF))
    return [
        Strip(
            [Segment("".join(PLACEHOLDER + DIACRITICS[r] + DIACRITICS[c] for c in range(cols)), style)], cols
        )
        for r in range(rows)
    ]


# --- Sixel ----------------------------------------------------------------------------------------

_RUN = re.compile(rb"(.)\1{3,}")


def sixel_rows(picture: Image, row_height: int, colours: int = 255) -> list[str]:
    """The picture cut into rows of ``row_height`` pixels (a cell's), each its own Sixel sequence, all of
    one palette: a line of the view then draws its own row of the picture, whatever is drawn around it."""
    indexed = picture.convert("RGB").quantize(colors=colours)
    palette = indexed.getpalette() or []
    width, height = indexed.size
    return [
        _sixel(indexed.crop((0, top, width, min(height, top + row_height))), palette)
        for top in range(0, height, row_height)
    ]


def _sixel(indexed: Image, palette: list[int]) -> str:
    """A picture of palette indices as Sixel. Each band of six rows is written colour by colour; a colour's
    bits for the band are made for the whole width at once, as one big integer (its rows' bits never
    overlap, so they add without carries). Pixels of no colour stay as they are (``P2=1``); the bands are
    apart by ``-`` with none after the last, which would take the cursor below (or scroll, at the bottom)."""
    width, height = indexed.size
    data = indexed.tobytes()
    head = b'\x1bP0;1;0q"1;1;%d;%d' % (width, height) + b"".join(
        b"#%d;2;%d;%d;%d" % (c, *(round(palette[3 * c + k] * 100 / 255) for k in range(3)))
        for c in sorted(set(data))
    )
    blank = int.from_bytes(b"?" * width, "big")  # ("?" is a sixel of no pixel set)
    tables: dict[tuple[int, int], bytes] = {}
    bands = []
    for top in range(0, height, 6):
        rows = [data[(top + r) * width : (top + r + 1) * width] for r in range(min(6, height - top))]
        band = []
        for colour in sorted(set(b"".join(rows))):
            bits = 0
            for r, row in enumerate(rows):
                table = tables.get((colour, r))
                if table is None:
                    table = tables[(colour, r)] = bytes((1 << r) if i == colour else 0 for i in range(256))
                bits += int.from_bytes(row.translate(table), "big")
            chars = (bits + blank).to_bytes(width, "big").rstrip(b"?")
            band.append(b"#%d%s" % (colour, _RUN.sub(_repeat, chars)))
        bands.append(b"$".join(band))
    return (head + b"-".join(bands) + b"\x1b\\").decode("ascii")


def _repeat(found: re.Match[bytes]) -> bytes:
    return b"!%d%s" % (len(found.group()), found.group(1))


def sixel_segment(x: int, y: int, cols: int, data: str) -> Segment:
    """A segment of no width that draws ``data`` (a Sixel ``cols`` cells wide) with its top left at cell
    (x, y) of the screen, then leaves the cursor after it, where the line goes on."""
    move, back = f"\x1b[{y + 1};{x + 1}H", f"\x1b[{y + 1};{x + cols + 1}H"
    return Segment(move + data + back, None, ((ControlType.CURSOR_MOVE_TO, x + cols, y),))


class PassControls(LineFilter):
    """A line filter applied to a line's text, its control segments (a Sixel) passed on as they are.
    Textual's colour filter rebuilds every segment as text, whose width the compositor would then crop
    the Sixel to."""

    def __init__(self, inner: LineFilter) -> None:
        super().__init__(inner.enabled)
        self.inner = inner

    def apply(self, segments: list[Segment], background: TextualColor) -> list[Segment]:
        if not any(segment.control for segment in segments):
            return self.inner.apply(segments, background)
        out: list[Segment] = []
        text: list[Segment] = []
        for segment in segments:
            if segment.control:
                out += self.inner.apply(text, background) if text else []
                out.append(segment)
                text = []
            else:
                text.append(segment)
        return out + (self.inner.apply(text, background) if text else [])
