"""Copying text out of the reader, and saying truthfully how it was sent.

A terminal program has two ways to the clipboard: OSC 52, an escape sequence the terminal may or may not
honour (tmux only with ``set-clipboard on``; many terminals ask or refuse), and the desktop's own tool
when one is installed and a display is there to talk to. Both are tried; the message names what was used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable

TOOLS: list[tuple[str, list[str], Callable[[], bool]]] = [
    ("wl-copy", ["wl-copy"], lambda: bool(os.environ.get("WAYLAND_DISPLAY"))),
    ("xclip", ["xclip", "-selection", "clipboard"], lambda: bool(os.environ.get("DISPLAY"))),
    ("xsel", ["xsel", "--clipboard", "--input"], lambda: bool(os.environ.get("DISPLAY"))),
    ("pbcopy", ["pbcopy"], lambda: sys.platform == "darwin"),
    ("clip.exe", ["clip.exe"], lambda: bool(os.environ.get("WSL_DISTRO_NAME"))),
]


def system_tool() -> tuple[str, list[str]] | None:
    """The first clipboard tool that is installed and has a clipboard to reach, or None."""
    for name, command, usable in TOOLS:
        if usable() and shutil.which(command[0]):
            return name, command
    return None


def copy_with_tool(text: str, tool: tuple[str, list[str]] | None = None) -> str | None:
    """Give ``text`` to the system clipboard tool; its name when it took it, else None."""
    tool = tool or system_tool()
    if tool is None:
        return None
    name, command = tool
    try:
        done = subprocess.run(
            command, input=text.encode("utf-8"), capture_output=True, timeout=3, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return name if done.returncode == 0 else None


def describe(count: int, tool: str | None) -> str:
    """What the user is told after a copy."""
    chars = f"{count:,} character{'s' if count != 1 else ''}"
    if tool:
        return f"Copied {chars} with {tool} (also sent to the terminal by OSC 52)"
    return (
        f"Sent {chars} to the terminal's clipboard by OSC 52; no clipboard tool (wl-copy, xclip, xsel, "
        "pbcopy) was found, so it arrives only if the terminal accepts OSC 52 (tmux: set-clipboard on)"
    )
