"""Images drawn in pixels where the terminal can (issue 19): Kitty's graphics protocol (its Unicode
placeholders) and Sixel, chosen by asking the terminal before the app starts; half blocks elsewhere.

No terminal here draws pixels, so the tests read what postshelf sends as such a terminal would: Kitty's
commands and base64 PNG, the placeholder cells' rows, columns and colour (the image's id), and Sixel
decoded back to pixels. The last tests run the real console script in a pseudo-terminal that answers
like kitty or like a Sixel terminal and read the bytes it writes.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import re
import select
import shutil
import struct
import sys
import termios
import threading
import time
import unicodedata
from collections.abc import AsyncIterator, Callable
from datetime import timezone
from pathlib import Path

import pytest
from helpers import settle, wait_for
from image_server import image_bytes
from PIL import Image
from textual.pilot import Pilot
from textual.strip import Strip

from tui import graphics
from tui.app import PostshelfApp
from tui.pictures import Painter, load_picture
from tui.widgets.article import ArticleView

KITTY_ENV = {"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "3"}
KITTY_REPLY = "\x1b_Gi=31;OK\x1b\\\x1b[?62;22c"
SIXEL_REPLY = "\x1b[?62;4;6;22c"
PLAIN_REPLY = "\x1b[?62;22c"


# --- which way ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "reply", "mode"),
    [
        (KITTY_ENV, KITTY_REPLY, "kitty"),
        ({"TERM": "xterm-ghostty", "TERM_PROGRAM": "ghostty"}, KITTY_REPLY, "kitty"),
        ({"TERM": "xterm-ghostty"}, KITTY_REPLY, "kitty"),  # (over ssh: only TERM comes)
        (KITTY_ENV, PLAIN_REPLY, "blocks"),  # (said no to the query)
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, "\x1b_Gi=31;OK\x1b\\" + SIXEL_REPLY, "sixel"),
        ({"TERM": "foot"}, SIXEL_REPLY, "sixel"),
        ({"TERM": "xterm-256color"}, PLAIN_REPLY, "blocks"),
        ({"TERM": "xterm-256color"}, None, "blocks"),  # (no terminal, or no answer)
        ({**KITTY_ENV, "TMUX": "/tmp/tmux-0/default,1,0"}, KITTY_REPLY, "blocks"),
        ({"TERM": "tmux-256color"}, SIXEL_REPLY, "blocks"),
        ({"TERM": "xterm-256color", "STY": "1234.pts-0.host"}, SIXEL_REPLY, "blocks"),  # (GNU screen)
        ({"TERM": "xterm-256color"}, "\x1b[?4;22c", "blocks"),  # (4 as the class is no Sixel)
        ({"TERM": "xterm", "POSTSHELF_IMAGES": "sixel"}, None, "sixel"),
        ({**KITTY_ENV, "POSTSHELF_IMAGES": "Blocks"}, KITTY_REPLY, "blocks"),
        ({"TERM": "foot", "POSTSHELF_IMAGES": "pictures"}, SIXEL_REPLY, "sixel"),  # (unknown: ignored)
    ],
)
def test_the_way_to_draw_is_chosen_from_the_terminal_and_its_answer(
    environ: dict[str, str], reply: str | None, mode: str
) -> None:
    assert graphics.choose(environ, reply) == mode


def _fake_terminal(answer: Callable[[bytes], bytes | None]) -> tuple[int, int, threading.Thread]:
    """A pseudo-terminal whose other end answers what the program writes with ``answer``."""
    import pty

    master, slave = pty.openpty()

    def serve() -> None:
        heard = b""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                if not select.select([master], [], [], 0.05)[0]:
                    continue
                heard += os.read(master, 4096)
            except (OSError, ValueError):  # (the test is over)
                return
            said = answer(heard)
            if said:
                os.write(master, said)
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return master, slave, thread


def _ask(answer: str, kitty: bool) -> tuple[bytes, str | None, bool]:
    """What postshelf asks a terminal that answers ``answer`` to DA1, the reply it reads, and whether the
    terminal's modes were as before afterwards."""
    heard: list[bytes] = [b""]

    def reply(said: bytes) -> bytes | None:
        heard[0] = said
        return answer.encode() if said.endswith(b"\x1b[c") else None

    master, slave, thread = _fake_terminal(reply)
    try:
        before = termios.tcgetattr(slave)
        got = graphics.ask_terminal(slave, slave, kitty=kitty, timeout=5)  # (a loaded machine waited for)
        restored = termios.tcgetattr(slave) == before
        thread.join(1)
        return heard[0], got, restored
    finally:
        os.close(master)
        os.close(slave)


def test_the_terminal_is_asked_once_and_left_as_it_was() -> None:
    heard, reply, restored = _ask(KITTY_REPLY, kitty=True)
    assert heard == b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\\x1b[c" and restored
    assert reply == KITTY_REPLY and graphics.choose(KITTY_ENV, reply) == "kitty"


def test_a_terminal_not_like_kitty_is_asked_only_for_its_attributes() -> None:
    heard, reply, restored = _ask(SIXEL_REPLY, kitty=False)
    assert heard == b"\x1b[c" and restored
    assert graphics.choose({"TERM": "foot"}, reply) == "sixel"


def test_a_terminal_that_says_nothing_costs_a_bounded_wait() -> None:
    master, slave, _ = _fake_terminal(lambda heard: None)
    try:
        started = time.monotonic()
        assert graphics.ask_terminal(slave, slave, timeout=0.3) is None
        assert time.monotonic() - started < 2
    finally:
        os.close(master)
        os.close(slave)


def test_no_terminal_is_not_asked(tmp_path: Path) -> None:
    with open(tmp_path / "out", "w") as out, open(os.devnull) as nothing:
        assert graphics.ask_terminal(nothing.fileno(), out.fileno()) is None
    assert (tmp_path / "out").read_text() == ""


# --- Kitty ----------------------------------------------------------------------------------------


def test_the_diacritics_are_kittys_table() -> None:
    table = graphics.DIACRITICS
    assert len(table) == 297 == graphics.MAX_CELLS
    assert (table[0], table[1], table[-1]) == ("\u0305", "\u030d", "\U0001d244")
    assert len(set(table)) == 297 and list(table) == sorted(table)
    assert all(unicodedata.combining(ch) == 230 and not unicodedata.decomposition(ch) for ch in table)


def _commands(stream: str) -> list[tuple[dict[str, str], str]]:
    """Kitty's graphics commands in what was written: (their keys, their payload)."""
    found = []
    for control, payload in re.findall(r"\x1b_G([^;\x1b]*)(?:;([^\x1b]*))?\x1b\\", stream):
        keys = dict(pair.split("=", 1) for pair in control.split(","))
        found.append((keys, payload))
    return found


def _sent_png(stream: str) -> dict[int, bytes]:
    """The images sent (a=t or a chunk after it), by id, their chunks joined and decoded."""
    images: dict[int, str] = {}
    current = None
    for keys, payload in _commands(stream):
        if keys.get("a") == "t":
            current = int(keys["i"])
            images[current] = ""
        elif "a" in keys:
            continue
        assert current is not None
        images[current] += payload
        if keys["m"] == "0":
            current = None
    return {i: base64.standard_b64decode(data) for i, data in images.items()}


def test_a_picture_is_sent_as_png_in_chunks_and_placed() -> None:
    picture = Image.effect_noise((300, 200), 80).convert("RGB")  # (noise: a PNG of several chunks)
    png = graphics.png_of(picture)
    stream = graphics.transmit(png, 0x123456)
    commands = _commands(stream)
    assert len(commands) > 2
    first, *rest = commands
    assert first[0] == {"a": "t", "f": "100", "t": "d", "i": str(0x123456), "q": "2", "m": "1"}
    assert [keys for keys, _ in rest] == [{"m": "1", "q": "2"}] * (len(rest) - 1) + [{"m": "0", "q": "2"}]
    assert all(len(payload) <= 4096 for _, payload in commands)
    assert _sent_png(stream) == {0x123456: png}
    assert Image.open(io.BytesIO(png)).size == (300, 200)
    assert [keys for keys, _ in _commands(graphics.place(77, 12, 5))] == [
        {"a": "d", "d": "i", "i": "77", "q": "2"},
        {"a": "p", "U": "1", "i": "77", "c": "12", "r": "5", "q": "2"},
    ]
    assert _commands(graphics.delete(77)) == [({"a": "d", "d": "I", "i": "77", "q": "2"}, "")]


def _cells(strip: Strip) -> list[tuple[int, int, int]]:
    """A line of placeholder cells as Kitty reads it: (image id, row, column) of each."""
    found = []
    for segment in strip:
        if graphics.PLACEHOLDER not in segment.text:
            continue
        colour = segment.style.color.get_truecolor() if segment.style and segment.style.color else None
        assert colour is not None, "a placeholder without its image's colour"
        image_id = (colour.red << 16) | (colour.green << 8) | colour.blue
        for cell in segment.text.split(graphics.PLACEHOLDER)[1:]:
            row, col = (graphics.DIACRITICS.index(ch) for ch in cell)
            found.append((image_id, row, col))
    return found


def test_the_placeholder_cells_name_the_image_its_rows_and_columns() -> None:
    lines = graphics.placeholder_lines(0x0A0B0C, cols=7, rows=3)
    assert len(lines) == 3 and all(line.cell_length == 7 for line in lines)
    assert [_cells(line) for line in lines] == [[(0x0A0B0C, r, c) for c in range(7)] for r in range(3)]


def test_image_ids_fit_a_colour_without_a_zero_byte() -> None:
    ids = graphics.image_ids(seed=5)
    taken = [next(ids) for _ in range(2000)]
    assert len(set(taken)) == 2000
    assert all(0 < i < 1 << 24 and i & 0xFF and i & 0xFF00 and i & 0xFF0000 for i in taken)
    assert next(graphics.image_ids(seed=6)) != taken[0]  # (from a random start)


# --- Sixel ----------------------------------------------------------------------------------------


def decode_sixel(data: str) -> Image.Image:
    """A Sixel sequence as :func:`graphics.sixel` writes it, back to an RGB image (a reader's decoder:
    raster size, colour registers in percent, bands of six rows, ``!n`` repeats, ``$`` and ``-``)."""
    assert data.startswith("\x1bP") and data.endswith("\x1b\\")
    body = data[data.index("q") + 1 : -2]
    size = re.match(r'"1;1;(\d+);(\d+)', body)
    assert size is not None
    width, height = int(size.group(1)), int(size.group(2))
    image = Image.new("RGB", (width, height), (255, 0, 255))
    pixels = image.load()
    registers: dict[int, tuple[int, int, int]] = {}
    colour, x, top = 0, 0, 0
    tokens = re.finditer(r"#(\d+)(?:;2;(\d+);(\d+);(\d+))?|!(\d+)(.)|([?-~])|(\$)|(-)", body[size.end() :])
    for token in tokens:
        number, r, g, b, repeat, repeated, single, cr, nl = token.groups()
        if number is not None:
            colour = int(number)
            if r is not None:
                registers[colour] = tuple(round(int(v) * 255 / 100) for v in (r, g, b))  # type: ignore[assignment]
        elif cr:
            x = 0
        elif nl:
            x, top = 0, top + 6
        else:
            count, char = (int(repeat), repeated) if repeat else (1, single)
            bits = ord(char) - 63
            for bit in range(6):
                if bits & (1 << bit) and top + bit < height:
                    for column in range(x, x + count):
                        pixels[column, top + bit] = registers[colour]
            x += count
    return image


def test_sixel_decodes_back_to_the_picture() -> None:
    picture = Image.new("RGB", (37, 20), (250, 250, 250))
    picture.paste((200, 30, 30), (0, 0, 20, 7))
    picture.paste((20, 40, 220), (10, 5, 37, 20))
    data = graphics.sixel_rows(picture, 20)[0]
    assert "!" in data  # (runs of one colour are written once)
    assert not data.endswith("-\x1b\\")  # (nothing after the last band: the cursor stays)
    decoded = decode_sixel(data)
    assert decoded.size == (37, 20)
    for x, y in [(0, 0), (19, 6), (20, 0), (36, 19), (10, 5), (5, 15)]:
        want = picture.getpixel((x, y))
        got = decoded.getpixel((x, y))
        assert all(abs(a - b) <= 3 for a, b in zip(want, got, strict=True)), (x, y, want, got)


def test_a_photo_survives_sixel_within_its_colours() -> None:
    photo = Image.open(io.BytesIO(image_bytes("JPEG", (64, 45)))).convert("RGB")
    rows = graphics.sixel_rows(photo, 20)
    assert len(rows) == 3  # (45 pixels: lines of 20, 20 and 5)
    decoded = Image.new("RGB", photo.size)
    for n, row in enumerate(rows):
        decoded.paste(decode_sixel(row), (0, 20 * n))
    quantized = photo.quantize(colors=255).convert("RGB")
    assert decoded.size == photo.size
    differences = [
        max(abs(a - b) for a, b in zip(decoded.getpixel((x, y)), quantized.getpixel((x, y)), strict=True))
        for x in range(64)
        for y in range(45)
    ]
    assert max(differences) <= 2  # (only the registers' percent steps)


# --- the reader -----------------------------------------------------------------------------------


def _library(tmp_path: Path, size: tuple[int, int] = (200, 100)) -> Path:
    root = tmp_path / "library"
    root.mkdir()
    (root / "lake.png").write_bytes(image_bytes("PNG", size))
    paragraphs = "\n\n".join(f"第{i}段，湖边的风景。" for i in range(40))
    (root / "trip.md").write_text(
        f"---\ntitle: 湖\ndate: 2024-02-01 10:00:00\n---\n开头。\n\n![湖面](lake.png)\n\n{paragraphs}\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture
def kitty_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(graphics, "cell_pixels", lambda: (10, 20))


@contextlib.asynccontextmanager
async def _reading(root: Path, way: str) -> AsyncIterator[tuple[Pilot[None], ArticleView, list[str]]]:
    """The reader on ``root`` drawing images ``way``, its first post opened and its first picture in;
    what it writes to the terminal (Kitty's commands) gathered."""
    app = PostshelfApp([str(root)], zone=timezone.utc, use_cache=False, graphics=way)
    written: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        app._driver.write = written.append  # type: ignore[union-attr,method-assign]
        await settle(pilot)
        await pilot.press("enter")
        view = app.query_one(ArticleView)
        await wait_for(pilot, lambda: bool(view._placed), "the picture")
        yield pilot, view, written


def _placed_rows(view: ArticleView) -> list[int]:
    return sorted(view._placed)


async def test_kitty_sends_each_picture_once_and_shows_it_in_placeholder_cells(
    tmp_path: Path, kitty_colours: None
) -> None:
    async with _reading(_library(tmp_path), "kitty") as (pilot, view, written):
        stream = "".join(written)
        sent = _sent_png(stream)
        assert len(sent) == 1
        image_id, png = next(iter(sent.items()))
        assert Image.open(io.BytesIO(png)).size == (200, 100)  # (its own pixels: the terminal scales)
        placements = [keys for keys, _ in _commands(stream) if keys.get("a") == "p"]
        cols, rows = int(placements[-1]["c"]), int(placements[-1]["r"])
        assert (cols, rows) == (20, 5)  # (200 x 100 pixels in cells of 10 x 20)
        lines = [view.lines[row] for row in _placed_rows(view)]
        assert [_cells(line) for line in lines] == [
            [(image_id, r, c) for c in range(cols)] for r in range(rows)
        ]
        first = _placed_rows(view)[0]
        assert "湖面" in view.lines[first - 1].text  # (below its alt text)
        shown = view.render_line(first - view.scroll_offset.y)
        assert _cells(shown)[:1] == [(image_id, 0, 0)]  # (the pane's style keeps the id's colour)

        await pilot.press("question_mark")  # (a dialog over it: its tint would change the colour)
        await pilot.pause()
        assert not view.screen.is_active
        assert "▀" in view.render_line(first - view.scroll_offset.y).text
        await pilot.press("escape")
        await pilot.pause()
        assert _cells(view.render_line(first - view.scroll_offset.y))[:1] == [(image_id, 0, 0)]

        written.clear()
        view.set_images(False)
        view.set_images(True)
        await settle(pilot)
        assert _sent_png("".join(written)) == {}  # (the terminal has it: sent once)
        width = view._width
        await pilot.resize_terminal(80, 30)
        await wait_for(pilot, lambda: view._width != width, "the new layout")
        await settle(pilot)
        assert _sent_png("".join(written)) == {}
        view.painter.close()
        assert ({"a": "d", "d": "I", "i": str(image_id), "q": "2"}, "") in _commands("".join(written))


async def test_kitty_places_a_picture_anew_when_the_pane_changes_its_size(
    tmp_path: Path, kitty_colours: None
) -> None:
    async with _reading(_library(tmp_path, (2000, 400)), "kitty") as (pilot, view, written):
        (image_id,) = _sent_png("".join(written))

        def placed() -> tuple[int, int]:
            keys = [k for k, _ in _commands("".join(written)) if k.get("a") == "p"][-1]
            assert keys["i"] == str(image_id)
            return int(keys["c"]), int(keys["r"])

        cols, rows = placed()
        assert cols == view._width and rows == round(cols * 10 * 400 / 2000 / 20)  # (as wide as the pane)
        await pilot.resize_terminal(80, 30)
        await wait_for(pilot, lambda: placed()[0] == view._width != cols, "placed anew")
        assert [_cells(view.lines[row])[-1] for row in _placed_rows(view)] == [
            (image_id, r, placed()[0] - 1) for r in range(placed()[1])
        ]
        assert len(_sent_png("".join(written))) == 1  # (placed anew, not sent again)


async def test_kitty_keeps_only_the_pictures_of_the_article_shown(
    tmp_path: Path, kitty_colours: None
) -> None:
    """The terminal holds what it is sent (kitty up to a quota, the oldest going first): another article
    shown, the last one's pictures are taken away, and sent again when it is shown again."""
    root = _library(tmp_path)
    (root / "other.png").write_bytes(image_bytes("PNG", (120, 60), (30, 160, 60)))
    (root / "older.md").write_text(
        "---\ntitle: 旧\ndate: 2023-01-01 10:00:00\n---\n别的。\n\n![树](other.png)\n", encoding="utf-8"
    )
    async with _reading(root, "kitty") as (pilot, view, written):
        await wait_for(pilot, lambda: len(_sent_png("".join(written))) == 1, "the first picture")
        (first,) = _sent_png("".join(written))
        await pilot.press("n")  # (the next post: the older one)
        await wait_for(pilot, lambda: len(_sent_png("".join(written))) == 2, "the second picture")
        assert ({"a": "d", "d": "I", "i": str(first), "q": "2"}, "") in _commands("".join(written))
        await pilot.press("p")
        await wait_for(pilot, lambda: len(_sent_png("".join(written))) == 3, "the first again")
        assert bool(view._placed)


def test_a_transparent_picture_goes_to_the_terminal_on_the_panes_background(tmp_path: Path) -> None:
    file = tmp_path / "logo.png"
    logo = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    logo.paste((250, 200, 0, 255), (10, 10, 30, 30))
    logo.save(file)
    picture = load_picture(str(file), background=(30, 30, 30))
    assert picture is not None
    png = Painter("kitty", lambda _: None).prepare(picture)
    assert png is not None
    sent = Image.open(io.BytesIO(png)).convert("RGB")
    assert sent.getpixel((2, 2)) == (30, 30, 30) and sent.getpixel((20, 20)) == (250, 200, 0)
    (line,) = Painter.encode(picture, 4, 1, (10, 40))
    drawn = decode_sixel(line)
    assert max(abs(a - b) for a, b in zip(drawn.getpixel((2, 2)), (30, 30, 30), strict=True)) <= 3


async def test_kitty_needs_every_colour_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where colours are brought down to 256 a cell's colour no longer names its image: half blocks."""
    monkeypatch.delenv("COLORTERM", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    async with _reading(_library(tmp_path), "kitty") as (_, view, _):
        assert view.painter.mode == "blocks"
        assert all("▀" in view.lines[row].text for row in _placed_rows(view))


def _sixel_of(strip: Strip) -> tuple[int, int, Image.Image] | None:
    """The Sixel a line of the view sends: (its line, its column on the screen, its pixels)."""
    for segment in strip:
        found = re.match(r"\x1b\[(\d+);(\d+)H(\x1bP.*?\x1b\\)", segment.text, re.S)
        if found:
            assert segment.cell_length == 0
            return int(found.group(1)) - 1, int(found.group(2)) - 1, decode_sixel(found.group(3))
    return None


async def test_sixel_draws_each_line_of_the_picture_over_its_blank_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graphics, "cell_pixels", lambda: (10, 20))
    async with _reading(_library(tmp_path), "sixel") as (pilot, view, _):
        rows = _placed_rows(view)
        assert len(rows) == 5  # (200 x 100 pixels in cells of 10 x 20)
        await wait_for(pilot, lambda: _sixel_of(view.render_line(rows[0] - view.scroll_offset.y)) is not None)
        lake = Image.open(io.BytesIO(image_bytes("PNG", (200, 100)))).convert("RGB")
        region = view.scrollable_content_region
        for _ in range(3):  # (and as it scrolls: each line brings its own pixels, wherever it is)
            top = view.scroll_offset.y
            for r, row in enumerate(rows):
                if not 0 <= row - top < region.height:
                    continue
                line = view.render_line(row - top)
                assert (
                    "".join(s.text for s in line if not s.control).strip() == ""
                )  # (blank under the pixels)
                sent = _sixel_of(line)
                assert sent is not None
                y, x, pixels = sent
                assert (y, x) == (region.y + row - top, region.x)
                assert pixels.size == (200, 20)
                for px in (5, 150):
                    want, got = lake.getpixel((px, 20 * r + 10)), pixels.getpixel((px, 10))
                    assert max(abs(a - b) for a, b in zip(want, got, strict=True)) < 24, (r, px)
            await pilot.press("j", "j")
            await pilot.pause()
        assert view.scroll_offset.y > rows[0]  # (partly out of view by now)


async def test_sixel_a_picture_as_wide_as_the_pane_reaches_the_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the compositor makes of the screen carries each line's Sixel, a picture wider than the pane
    and a scrollbar beside it included (the last column is left to the Sixel, which the cut at the
    scrollbar would drop)."""
    monkeypatch.setattr(graphics, "cell_pixels", lambda: (10, 20))
    async with _reading(_library(tmp_path, (2000, 300)), "sixel") as (pilot, view, _):
        first = _placed_rows(view)[0]
        assert view._placed[first][1] == view._width - 1
        await wait_for(pilot, lambda: view.painter.sixel_ready(*view._placed[first][:3]) is True, "its Sixel")
        await pilot.pause()
        frame = "".join(
            strip.render(pilot.app.console) for strip in pilot.app.screen._compositor.render_strips()
        )
        visible = [r for r in _placed_rows(view) if 0 <= r - view.scroll_offset.y < view.size.height]
        assert visible and frame.count("\x1bP0;1;0q") == len(visible)


async def test_sixel_is_made_anew_when_the_font_changes_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cell = [(10, 20)]
    monkeypatch.setattr(graphics, "cell_pixels", lambda: cell[0])
    async with _reading(_library(tmp_path), "sixel") as (pilot, view, _):

        def first_line() -> tuple[int, int, Image.Image] | None:
            rows = _placed_rows(view)
            return _sixel_of(view.render_line(rows[0] - view.scroll_offset.y)) if rows else None

        await wait_for(pilot, lambda: first_line() is not None, "its Sixel")
        assert first_line()[2].size == (200, 20)  # type: ignore[index]
        cell[0] = (8, 16)  # (the font zoomed out: the terminal says so as the window resizes)
        view.on_resize()
        await wait_for(
            pilot, lambda: (line := first_line()) is not None and line[2].size[1] == 16, "made anew"
        )
        assert len(_placed_rows(view)) == round(25 * 8 * 100 / 200 / 16)  # (200 pixels: 25 columns of 8)


def test_the_painter_draws_half_blocks_where_the_terminal_has_no_pixels(tmp_path: Path) -> None:
    file = tmp_path / "p.png"
    file.write_bytes(image_bytes("PNG", (200, 100)))
    picture = load_picture(str(file))
    assert picture is not None
    written: list[str] = []
    painter = Painter("blocks", written.append)
    cols, rows = painter.size(picture, 80, 24)
    assert (cols, rows) == (20, 5)  # (two pixels a cell, one above the other)
    assert painter.prepare(picture) is None
    assert all(set(line.text) == {"▀"} for line in painter.lines("p", picture, cols, rows))
    painter.close()
    assert written == []


# --- the real program in a pseudo-terminal --------------------------------------------------------


def _run_in_terminal(
    tmp_path: Path,
    environ: dict[str, str],
    reply: str | None,
    until: bytes,
    size: tuple[int, int] = (200, 100),
) -> bytes:
    """``postshelf LIBRARY`` in a pseudo-terminal of 100 x 30 cells of 10 x 20 pixels, answering its
    question with ``reply`` (None: it must ask none); enter opens the post; what it wrote, once ``until``
    was in it and it quit."""
    import fcntl
    import pty

    script = Path(sys.executable).parent / "postshelf"
    exe = str(script) if script.exists() else shutil.which("postshelf")
    assert exe
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "POSTSHELF_IMAGES", "NO_COLOR")}
    env.update(environ, COLORTERM="truecolor", TEXTUAL_ANIMATIONS="none")
    pid, fd = pty.fork()
    if pid == 0:  # (the child: nothing of pytest's may run here)
        try:
            os.execve(exe, [exe, str(_library(tmp_path, size))], env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 1000, 600))
    out = b""
    answered = False
    opened = 0.0  # (when enter was pressed: again after a while, should the list not have been ready)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and until not in out:
            if select.select([fd], [], [], 0.1)[0]:
                out += os.read(fd, 65536)
            if reply is not None and not answered and b"\x1b[c" in out:
                os.write(fd, reply.encode())
                answered = True
            if (answered or reply is None) and "湖".encode() in out and time.monotonic() - opened > 5:
                time.sleep(0.5)
                os.write(fd, b"\r")
                opened = time.monotonic()
        os.write(fd, b"q")
        quit_by = time.monotonic() + 20
        while time.monotonic() < quit_by:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)
    assert answered or reply is None, "postshelf did not ask the terminal"
    assert until in out, f"{until!r} never written"
    return out


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
def test_the_real_program_draws_with_kitty_where_the_terminal_says_it_can(tmp_path: Path) -> None:
    out = _run_in_terminal(tmp_path, KITTY_ENV, KITTY_REPLY, until=graphics.PLACEHOLDER.encode())
    stream = out.decode("utf-8", "replace")
    sent = _sent_png(stream)
    assert len(sent) == 1, "one picture sent"
    image_id = next(iter(sent))
    colour = f"38;2;{image_id >> 16 & 255};{image_id >> 8 & 255};{image_id & 255}"
    assert re.search(re.escape(colour) + r"[;0-9]*m" + graphics.PLACEHOLDER, stream), (
        "cells in the id's colour"
    )
    placements = [keys for keys, _ in _commands(stream) if keys.get("a") == "p"]
    assert placements and placements[-1]["i"] == str(image_id) and placements[-1]["U"] == "1"
    assert ({"a": "d", "d": "I", "i": str(image_id), "q": "2"}, "") in _commands(
        stream
    )  # (let go at the end)


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
def test_the_real_program_draws_with_sixel_where_the_terminal_says_it_can(tmp_path: Path) -> None:
    """A picture wider than the pane, in a post longer than the screen: each of its lines drawn."""
    out = _run_in_terminal(tmp_path, {"TERM": "foot"}, SIXEL_REPLY, until=b"\x1bP0;1;0q", size=(2000, 200))
    stream = out.decode("utf-8", "replace")
    assert graphics.PLACEHOLDER not in stream and "\x1b_G" not in stream and "\x1b[c" in stream
    found = re.findall(r"\x1b\[(\d+);(\d+)H(\x1bP0;1;0q.*?\x1b\\)", stream, re.S)
    # (the article's last layout: the preview beside the list may draw the picture first, narrower, when
    # enter comes late on a loaded machine)
    column = found[-1][1]
    lines = {(int(y), int(x)): decode_sixel(data) for y, x, data in found if x == column}
    first = min(y for y, _ in lines)
    widths = {pixels.size for pixels in lines.values()}
    assert len(widths) == 1 and next(iter(widths))[1] == 20
    cols = next(iter(widths))[0] // 10
    assert {y for y, _ in lines} == set(range(first, first + round(cols * 10 * 200 / 2000 / 20)))


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
def test_the_real_program_in_tmux_draws_half_blocks_without_asking(tmp_path: Path) -> None:
    """tmux passes neither protocol on: postshelf does not ask, and draws half blocks."""
    out = _run_in_terminal(
        tmp_path, {**KITTY_ENV, "TMUX": "/tmp/tmux-1/default,1,0"}, None, until="▀".encode()
    )
    assert b"\x1b[c" not in out and b"\x1b_G" not in out
