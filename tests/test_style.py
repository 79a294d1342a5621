"""The style and type gate, run with the suite so that CI and every developer run it alike (issue 16)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed (it is in the test extra)")
@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff(command: list[str]) -> None:
    done = subprocess.run([RUFF, *command, "."], cwd=ROOT, capture_output=True, text=True, timeout=120)  # type: ignore[list-item]
    assert done.returncode == 0, done.stdout + done.stderr


def test_types() -> None:
    """``mypy --strict`` on the core, and mypy as configured (the core strict, the app not: Textual's
    generics make strict there mostly noise). One test, the two runs in turn: they share mypy's cache."""
    for args in (["--strict", "converters"], []):
        done = subprocess.run(
            [sys.executable, "-m", "mypy", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, f"mypy {' '.join(args)}\n{done.stdout}{done.stderr}"
