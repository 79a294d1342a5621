"""Screens as a user sees them, compared with approved SVG snapshots (``pytest --snapshot-update`` to approve)."""

from __future__ import annotations

import shutil
from datetime import timezone
from pathlib import Path

import pytest
from textual.widgets import Input

from tui.app import PostshelfApp
from tui.widgets.post_list import PostList

SAMPLES = Path(__file__).resolve().parents[1] / "converters" / "samples"
LONG = Path(__file__).parent / "fixtures" / "reader" / "long-cjk.md"


@pytest.fixture
def app(tmp_path: Path) -> PostshelfApp:
    root = tmp_path / "library"
    shutil.copytree(SAMPLES, root)
    shutil.copy(LONG, root / "tech" / "2022-01-12-long-cjk.md")
    return PostshelfApp([str(root)], zone=timezone.utc, use_cache=False, export_base=Path("/exports"))


async def _open(pilot, title: str) -> None:  # type: ignore[no-untyped-def]
    """Open the post titled ``title`` as a user would: cursor onto it, enter."""
    posts = pilot.app.query_one(PostList)
    posts.cursor = [posts.posts[i].title for i in posts.rows].index(title)
    await pilot.press("enter")
    await _ready(pilot)


async def _ready(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause(0.3)  # past the list's preview delay, so what the article pane shows is settled
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    for box in pilot.app.query(Input):
        box.cursor_blink = False
    pilot.app.clear_notifications()
    await pilot.pause()


def test_main_screen(snap_compare, app: PostshelfApp) -> None:  # type: ignore[no-untyped-def]
    """Tree, list and the first article of the bundled samples at a common terminal size."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _ready(pilot)
        await pilot.press("j", "j", "j", "j", "j", "j", "j", "j", "enter")
        await _ready(pilot)

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_help_screen(snap_compare, app: PostshelfApp) -> None:  # type: ignore[no-untyped-def]
    """Every key, from the live bindings."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_export_dialog(snap_compare, app: PostshelfApp) -> None:  # type: ignore[no-untyped-def]
    """Format, scope, destination and progress."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _ready(pilot)
        await pilot.press("enter")
        await _ready(pilot)
        await pilot.press("e")
        await _ready(pilot)

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_narrow_terminal_reading(snap_compare, app: PostshelfApp) -> None:  # type: ignore[no-untyped-def]
    """At 80×24 the category pane folds away and an opened article fills the screen."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _ready(pilot)
        await pilot.press("enter")
        await _ready(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("width", [80, 120])
def test_chinese_article(snap_compare, app: PostshelfApp, width: int) -> None:  # type: ignore[no-untyped-def]
    """A long Chinese article with Latin words, a URL and a quoted image, opened: CJK wraps between
    characters, names stay whole, nothing is cut at the right edge."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _ready(pilot)
        await _open(pilot, "在终端里读长文：一次关于换行的讨论")
        await pilot.press("space")
        await _ready(pilot)

    assert snap_compare(app, terminal_size=(width, 30), run_before=run_before)


def test_problems_panel(snap_compare, app: PostshelfApp) -> None:  # type: ignore[no-untyped-def]
    """A post whose front matter is broken: the problems panel above the article, ! in the list."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _ready(pilot)
        posts = pilot.app.query_one(PostList)
        broken = next(i for i in posts.rows if posts.posts[i].has_errors)
        posts.cursor = posts.rows.index(broken)
        await pilot.press("enter")
        await _ready(pilot)

    assert snap_compare(app, terminal_size=(120, 30), run_before=run_before)


def test_search_results(snap_compare, app: PostshelfApp) -> None:  # type: ignore[no-untyped-def]
    """ctrl+f: the posts whose text holds the words, the first one previewed."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _ready(pilot)
        await pilot.press("ctrl+f")
        await pilot.pause()
        for ch in "迁移":
            await pilot.press(ch)
        await pilot.press("enter")
        await _ready(pilot)

    assert snap_compare(app, terminal_size=(120, 30), run_before=run_before)


def test_category_tree_focused(snap_compare, app: PostshelfApp) -> None:  # type: ignore[no-untyped-def]
    """The tree has the focus: its title line is marked, a category is expanded and selected."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _ready(pilot)
        await pilot.press("shift+tab", "j", "j", "l")
        await _ready(pilot)

    assert snap_compare(app, terminal_size=(120, 30), run_before=run_before)


def test_an_image_drawn_in_half_blocks(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An article's image drawn below its alt text, in coloured half blocks (issue 19)."""
    root = tmp_path / "pictures"
    root.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "reader" / "picture.md", root / "picture.md")
    app = PostshelfApp([str(root)], zone=timezone.utc, use_cache=False)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await _ready(pilot)
        await pilot.press("enter")
        await _ready(pilot)
        await _ready(pilot)  # (the picture comes from a worker after the text)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)
