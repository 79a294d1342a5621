"""What the tests share: waiting for the reader's background work and reading its list (Pilot tests), and
running the console script with its stderr a terminal."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence

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


def run_with_terminal_stderr(command: Sequence[str], env: dict[str, str]) -> tuple[int, bytes, bytes]:
    """Run ``command``, its stdout a pipe and its stderr a terminal (a pseudo-terminal), as in a shell's
    ``postshelf … > out``: (exit status, stdout, what the terminal was shown)."""
    import pty
    import select

    terminal, stderr = pty.openpty()
    done = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, env=env)
    os.close(stderr)
    assert done.stdout is not None
    out, shown = b"", b""
    streams = {done.stdout.fileno(), terminal}
    while streams:
        for ready in select.select(list(streams), [], [], 60)[0]:
            try:
                chunk = os.read(ready, 1 << 16)
            except OSError:  # (the terminal's far end closed: the program is done with it)
                chunk = b""
            if not chunk:
                streams.discard(ready)
            elif ready == terminal:
                shown += chunk
            else:
                out += chunk
    os.close(terminal)
    return done.wait(timeout=60), out, shown
