"""What the reader remembers between sessions: per library the read marks, bookmarks, the last post, the place
in it and the sort; the theme and the last export folder. Small JSON files in the XDG state and config folders, written
atomically; a corrupt file is set aside with a warning, never a crash.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_state_dir

from converters.outputs import write_atomic

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

STATE_VERSION = 1


def state_dir() -> Path:
    return Path(os.environ.get("POSTSHELF_STATE_DIR") or user_state_dir("postshelf"))


def config_dir() -> Path:
    return Path(os.environ.get("POSTSHELF_CONFIG_DIR") or user_config_dir("postshelf"))


def write_json_atomic(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1))


def _set_aside(path: Path) -> Path:
    n = 1
    while (target := path.with_name(f"{path.name}.corrupt-{n}")).exists():
        n += 1
    with contextlib.suppress(OSError):
        path.rename(target)
    return target


SORTS = ("date", "oldest", "title", "author")


@dataclass
class LibraryState:
    """What the reader remembers of one library: marks by post path relative to the library folder, the
    last post and how far into it the reader was (a share of its length, so another width keeps the
    place), and the sort."""

    read: set[str] = field(default_factory=set)
    bookmarks: set[str] = field(default_factory=set)
    last_post: str | None = None
    last_position: float = 0.0
    sort: str = "date"

    def to_json(self) -> dict[str, Any]:
        return {
            "read": sorted(self.read),
            "bookmarks": sorted(self.bookmarks),
            "last_post": self.last_post,
            "last_position": self.last_position,
            "sort": self.sort,
        }

    @classmethod
    def from_json(cls, data: Any) -> LibraryState:
        """Whatever the file holds: a field of the wrong type is left at its default."""
        if not isinstance(data, dict):
            return cls()
        position = data.get("last_position")
        if not isinstance(position, (int, float)) or isinstance(position, bool):
            position = 0.0
        sort = data.get("sort")
        return cls(
            read=_strings(data.get("read")),
            bookmarks=_strings(data.get("bookmarks")),
            last_post=data.get("last_post") if isinstance(data.get("last_post"), str) else None,
            last_position=min(1.0, max(0.0, float(position))),
            sort=sort if isinstance(sort, str) and sort in SORTS else "date",
        )


def _strings(value: Any) -> set[str]:
    return {x for x in value if isinstance(x, str)} if isinstance(value, list) else set()


class StateStore:
    """The reader's state file: the theme, the last export folder, whether images are drawn, and one
    :class:`LibraryState` per library path. Anything unexpected in it (not UTF-8, not JSON, nested too deep, wrong types) is set
    aside with a warning; the reader starts as new, never crashes."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or state_dir() / "state.json"
        self.warnings: list[str] = []
        self.theme: str | None = None
        self.export_folder: str | None = None
        self.images = True
        self.libraries: dict[str, dict[str, Any]] = {}
        self._load()

    def _load(self) -> None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as e:
            self.warnings.append(f"cannot read {self.path}: {e.strerror}")
            return
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not an object")
            libraries = data.get("libraries", {})
            if not isinstance(libraries, dict):
                raise ValueError("libraries is not an object")
        except (ValueError, RecursionError):  # (UnicodeDecodeError and JSONDecodeError are ValueErrors)
            moved = _set_aside(self.path)
            self.warnings.append(f"state file was corrupt; set aside as {moved.name}")
            return
        self.theme = data.get("theme") if isinstance(data.get("theme"), str) else None
        folder = data.get("export_folder")
        self.export_folder = folder if isinstance(folder, str) and folder else None
        self.images = data.get("images") is not False
        self.libraries = libraries

    def library(self, key: str) -> LibraryState:
        return LibraryState.from_json(self.libraries.get(key))

    def save(self, key: str | None = None, library: LibraryState | None = None) -> None:
        if key is not None and library is not None:
            self.libraries[key] = library.to_json()
        data = {
            "version": STATE_VERSION,
            "theme": self.theme,
            "export_folder": self.export_folder,
            "images": self.images,
            "libraries": self.libraries,
        }
        try:
            write_json_atomic(self.path, data)
        except OSError as e:
            self.warnings.append(f"cannot save state to {self.path}: {e.strerror}")


def load_keymap(path: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """``[keys]`` of ``config.toml``: binding id → keys (``quit = "q,ctrl+q"``), and warnings."""
    path = path or config_dir() / "config.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, []
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        return {}, [f"config {path} ignored: {e}"]
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        return {}, [f"config {path}: [keys] must be a table"]
    return {str(k): str(v) for k, v in keys.items() if isinstance(v, str)}, []
