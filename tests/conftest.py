"""Shared fixtures: every test runs with its own cache, state and config folders and a fixed time zone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("POSTSHELF_STATE_DIR", str(home / "state" / "postshelf"))
    monkeypatch.setenv("POSTSHELF_CONFIG_DIR", str(home / "config" / "postshelf"))
    monkeypatch.setenv("TZ", "UTC")
    return home


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not here")
    return CORPUS


@pytest.fixture
def corpus_or_none() -> Path | None:
    """../shared/corpus when it is here, for tests that take it as extra input."""
    return CORPUS if CORPUS.is_dir() else None


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("TZ", "UTC")
