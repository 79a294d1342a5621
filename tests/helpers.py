"""What the Pilot tests share: waiting for the reader's background work, and reading its list."""

from __future__ import annotations

from collections.abc import Callable

from tui.app import PostshelfApp
from tui.widgets.post_list import PostList


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Let workers finish and their messages land."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def wait_for(pilot, condition: Callable[[], bool], what: str = "", seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until ``condition`` holds. The reader works in threads and timers: pausing a fixed time and
    then asserting is a race that a loaded machine loses."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what or condition}")


def titles(app: PostshelfApp) -> list[str]:
    posts = app.query_one(PostList)
    return [posts.posts[i].title for i in posts.rows]


async def search_for(pilot, words: str) -> None:  # type: ignore[no-untyped-def]
    """ctrl+f, type ``words``, enter, and wait for the results."""
    await pilot.press("ctrl+f")
    await pilot.pause()
    for ch in words:
        await pilot.press(ch)
    await pilot.press("enter")
    await settle(pilot)
