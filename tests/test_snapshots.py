"""Screens as a user sees them, compared with approved SVG snapshots (``pytest --snapshot-update`` to approve)."""

from __future__ import annotations

import shutil
from datetime import timezone
from pathlib import Path

import pytest
from textual.widgets import Input

from tui.app import PostshelfApp

SAMPLES = Path(__file__).resolve().parents[1] / "converters" / "samples"


@pytest.fixture
def app(tmp_path: Path) -> PostshelfApp:
    root = tmp_path / "library"
    shutil.copytree(SAMPLES, root)
    return PostshelfApp([str(root)], zone=timezone.utc, use_cache=False, export_base=Path("/exports"))


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
