"""Images in the reader (issue 19): drawn below their alt text as they come into view, from the image
store; `i` hides them (remembered); an image that is slow or broken leaves the text as it is."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timezone
from pathlib import Path

import pytest
from helpers import settle, wait_for
from image_server import ImageServer, image_bytes

from tui.app import PostshelfApp
from tui.widgets.article import ArticleView

SIZE = (100, 30)


@pytest.fixture(scope="module")
def server() -> Iterator[ImageServer]:
    with ImageServer() as running:
        yield running


def _picture_rows(view: ArticleView) -> list[int]:
    return [i for i, strip in enumerate(view.lines) if strip.text and set(strip.text.strip()) == {"▀"}]


def _library(tmp_path: Path, server: ImageServer) -> Path:
    root = tmp_path / "library"
    (root / "trip").mkdir(parents=True)
    (root / "trip" / "lake.png").write_bytes(image_bytes("PNG", (200, 100)))
    paragraphs = "\n\n".join(f"第{i}段，湖边的风景。" for i in range(60))
    (root / "trip.md").write_text(
        "---\ntitle: 湖\ndate: 2024-02-01 10:00:00\n---\n开头。\n\n![湖面](trip/lake.png)\n\n"
        f"{paragraphs}\n\n![远处](" + server.url("/img/photo.jpg") + ")\n\n结尾。\n",
        encoding="utf-8",
    )
    (root / "slow.md").write_text(
        '---\ntitle: 慢\ndate: 2024-01-01 10:00:00\n---\n<p>图前的字。</p><p><img src="'
        + server.url("/silent")
        + '" alt="很慢的图"></p>'
        + "".join(f"<p>第{i}段。</p>" for i in range(80)),
        encoding="utf-8",
    )
    return root


def _app(root: Path) -> PostshelfApp:
    return PostshelfApp([str(root)], zone=timezone.utc, use_cache=False)


async def test_images_are_drawn_below_their_alt_text_as_they_come_into_view(
    tmp_path: Path, server: ImageServer
) -> None:
    app = _app(_library(tmp_path, server))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # (湖: the newest)
        view = app.query_one(ArticleView)
        await wait_for(pilot, lambda: len(_picture_rows(view)) > 0, "the picture beside the post")
        rows = _picture_rows(view)
        alt = next(i for i, strip in enumerate(view.lines) if "🌆 湖面" in strip.text)
        assert rows[0] == alt + 1 and rows == list(range(rows[0], rows[0] + len(rows)))
        assert 1 < len(rows) <= SIZE[1]  # (sized to the pane)
        assert server.requests["/img/photo.jpg"] == 0  # (out of view: not asked for yet)
        text = [strip.text for strip in view.lines if "▀" not in strip.text]
        await pilot.press("G")
        await wait_for(pilot, lambda: server.requests["/img/photo.jpg"] == 1, "the last image, once in view")
        await wait_for(pilot, lambda: len(_picture_rows(view)) > len(rows), "drawn")
        assert [strip.text for strip in view.lines if "▀" not in strip.text] == text  # (no character lost)


async def test_i_hides_the_images_and_the_reader_remembers(tmp_path: Path, server: ImageServer) -> None:
    root = _library(tmp_path, server)
    app = _app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        view = app.query_one(ArticleView)
        await wait_for(pilot, lambda: len(_picture_rows(view)) > 0, "a picture")
        await pilot.press("i")
        await pilot.pause()
        assert _picture_rows(view) == [] and any("🌆 湖面" in s.text for s in view.lines)
    again = _app(root)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        view = again.query_one(ArticleView)
        assert not view.images_on and _picture_rows(view) == []
        await pilot.press("i")
        await wait_for(pilot, lambda: len(_picture_rows(view)) > 0, "drawn again")
        said = [n.message for n in again._notifications]
        assert "Images drawn in half blocks as they come into view" in said  # (the way this terminal has)


async def test_a_slow_image_never_holds_the_text_or_the_keys(tmp_path: Path, server: ImageServer) -> None:
    app = _app(_library(tmp_path, server))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        started = time.monotonic()
        await pilot.press("enter")
        view = app.query_one(ArticleView)
        await wait_for(pilot, lambda: any("很慢的图" in s.text for s in view.lines), "the text")
        assert time.monotonic() - started < 3
        before = view.scroll_offset.y
        await pilot.press("space")
        await pilot.pause()
        assert view.scroll_offset.y > before and _picture_rows(view) == []


async def test_an_image_that_arrives_after_its_post_was_shown_anew_is_drawn(
    tmp_path: Path, server: ImageServer
) -> None:
    """Opening the previewed post shows it anew (another content object) while its images are on their
    way: they are still drawn when they come."""
    root = tmp_path / "library"
    root.mkdir()
    (root / "slow.md").write_text(
        "---\ntitle: 慢图\ndate: 2024-01-01 10:00:00\n---\n开头。\n\n![慢]("
        + server.url("/slow/a.png")
        + ")\n\n结尾。\n",
        encoding="utf-8",
    )
    app = _app(root)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ArticleView)
        await wait_for(pilot, lambda: bool(view._asked), "previewed, its image asked for")
        await pilot.press("enter")  # (shown anew while it comes)
        await wait_for(pilot, lambda: view.content is not None and not view._asked, "the image come")
        await pilot.pause(0.2)
        assert len(_picture_rows(view)) > 0


async def test_two_posts_with_the_same_relative_image_name_show_their_own(tmp_path: Path) -> None:
    root = tmp_path / "content"
    for name, size in (("wide", (400, 100)), ("tall", (100, 300))):
        (root / name).mkdir(parents=True)
        (root / name / "cover.png").write_bytes(image_bytes("PNG", size))
        (root / name / "index.md").write_text(
            f"---\ntitle: {name}\ndate: 2024-01-0{1 if name == 'wide' else 2}\n---\n文字。\n\n![封面](cover.png)\n",
            encoding="utf-8",
        )
    app = _app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = app.query_one(ArticleView)
        shapes = []
        for _ in range(2):
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(_picture_rows(view)) > 0, "a cover")
            rows = _picture_rows(view)
            shapes.append((len(rows), view.lines[rows[0]].cell_length))
            await pilot.press("escape", "j")
            await settle(pilot)
        (tall_rows, tall_cols), (wide_rows, wide_cols) = shapes  # (newest first: tall, then wide)
        assert wide_cols > tall_cols and tall_rows > wide_rows
