"""Byte-compile postshelf before a benchmark times fresh processes.

This machine sets PYTHONDONTWRITEBYTECODE, so an editable install compiles every module from its source at
each start (~12 ms for the post readers alone). An installed copy never does: pip byte-compiles at install.
"""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def byte_compile(root: Path = ROOT) -> None:
    """Byte-compile the checkout at ``root`` (this one by default)."""
    for package in ("converters", "tui"):
        compileall.compile_dir(root / package, quiet=1)
