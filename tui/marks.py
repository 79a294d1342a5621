"""Read marks and bookmarks of one library.

Posts are marked by their path relative to the library folder, so a library that moves keeps its marks;
a library of several roots (or one file) marks by absolute path.
"""

from __future__ import annotations

import os

from converters.post import Meta

from .state import LibraryState


class Marks:
    """The marks of one library, kept in its :class:`LibraryState`."""

    def __init__(self, state: LibraryState, paths: list[str]) -> None:
        self.state = state
        self.root = paths[0] if len(paths) == 1 and os.path.isdir(paths[0]) else None

    def key(self, path: str) -> str:
        return os.path.relpath(path, self.root) if self.root else os.path.abspath(path)

    def path_of(self, key: str | None) -> str | None:
        if key is None:
            return None
        return os.path.join(self.root, key) if self.root and not os.path.isabs(key) else key

    def is_read(self, path: str) -> bool:
        return self.key(path) in self.state.read

    def is_bookmarked(self, path: str) -> bool:
        return self.key(path) in self.state.bookmarks

    def bookmarked_paths(self) -> set[str]:
        """The bookmarked posts' paths, for testing many posts at once (no key made per post)."""
        return {path for path in map(self.path_of, self.state.bookmarks) if path is not None}

    def mark_read(self, path: str) -> bool:
        """Mark a post read; whether that changed anything."""
        key = self.key(path)
        if key in self.state.read:
            return False
        self.state.read.add(key)
        return True

    def toggle_read(self, path: str) -> bool:
        """Read ↔ unread; whether it is read now."""
        self.state.read.symmetric_difference_update({self.key(path)})
        return self.is_read(path)

    def toggle_bookmark(self, path: str) -> bool:
        """Bookmark or unbookmark; whether it is bookmarked now."""
        self.state.bookmarks.symmetric_difference_update({self.key(path)})
        return self.is_bookmarked(path)

    def symbol(self, meta: Meta) -> str:
        """The list's two mark columns: ● unread (or ! has errors), then ★ bookmarked."""
        key = self.key(meta.path)
        first = "!" if meta.has_errors else " " if key in self.state.read else "●"
        return first + ("★" if key in self.state.bookmarks else " ")
