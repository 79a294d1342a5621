"""A folder of posts → :class:`Library`: metadata of every post, the category tree, tags, authors, archive.

Only the head of each file is read (bodies are read on demand), and the scan is cached in the XDG cache
directory keyed by (path, mtime, size), so reopening a large library re-reads only what changed.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import TYPE_CHECKING

from .post import Meta, Problem
from .scan_cache import (
    Row,
    cache_file,
    load_cache,
    meta_from_row,
    row_from_meta,
    row_order,
    save_cache,
    shared_row,
)
from .walk import SourceFile, opens_with_front_matter, path_order, walk

if TYPE_CHECKING:
    from types import ModuleType


Progress = Callable[[int, int], None]


@dataclass
class CategoryNode:
    """A node of the category tree: its own posts and the count of every distinct post below it."""

    name: str
    path: tuple[str, ...] = ()
    children: dict[str, CategoryNode] = field(default_factory=dict)
    posts: list[int] = field(default_factory=list)
    total: int = 0

    def child(self, name: str) -> CategoryNode:
        node = self.children.get(name)
        if node is None:
            node = self.children[name] = CategoryNode(name, (*self.path, name))
        return node

    def sorted_children(self) -> list[CategoryNode]:
        return sorted(self.children.values(), key=lambda n: (-n.total, n.name))

    def find(self, path: tuple[str, ...]) -> CategoryNode | None:
        node: CategoryNode | None = self
        for name in path:
            node = node.children.get(name) if node else None
        return node

    def all_posts(self) -> list[int]:
        """Every post at or below this node, each once, in library order (newest first)."""
        seen: dict[int, None] = {}
        stack = [self]
        while stack:
            node = stack.pop()
            for i in node.posts:
                seen.setdefault(i)
            stack.extend(node.children.values())
        return sorted(seen)


@dataclass(repr=False)
class Library:
    """Metadata of a folder of posts, newest first (undated last), with the indexes the reader browses."""

    roots: list[str]
    posts: list[Meta]
    problems: list[Problem]
    categories: CategoryNode = field(default_factory=lambda: CategoryNode("All posts"))
    tags: dict[str, list[int]] = field(default_factory=dict)
    authors: dict[str, list[int]] = field(default_factory=dict)
    archive: dict[int, dict[int, list[int]]] = field(default_factory=dict)
    uncategorized: list[int] = field(default_factory=list)

    drafts: list[int] = field(default_factory=list)
    """The drafts among the posts (there only when they were asked for)."""

    changed: bool = True
    """Whether this scan found anything the cache did not know (new, edited or removed posts)."""
    stamps: dict[str, tuple[int, int]] = field(default_factory=dict)
    """(mtime, size) of each post's file (drafts included) as the scan or the cache found them."""

    def __len__(self) -> int:
        return len(self.posts)

    def __repr__(self) -> str:
        # (short: a dataclass's own would list every post, and a message holding the library is shown
        # by its repr in Textual's log: 100k posts made an 85 MB string each time)
        return f"Library(roots={self.roots!r}, posts={len(self.posts):,}, problems={len(self.problems):,})"

    def build_indexes(self) -> None:
        root = self.categories = CategoryNode("All posts")
        self.tags, self.authors, self.archive, self.uncategorized = {}, {}, {}, []
        tags, authors, archive, uncategorized = self.tags, self.authors, self.archive, self.uncategorized
        nodes: dict[tuple[str, ...], list[int]] = {}  # a whole category path → its node's posts, in one look
        self.drafts = [i for i, meta in enumerate(self.posts) if meta.draft]
        for i, meta in enumerate(self.posts):
            if not meta.categories:
                uncategorized.append(i)
            for path in meta.categories:
                posts = nodes.get(path)
                if posts is None:
                    node = root
                    for name in path:
                        node = node.child(name)
                    posts = nodes[path] = node.posts
                posts.append(i)
            for tag in meta.tags:
                tags.setdefault(tag, []).append(i)
            for author in meta.authors:
                authors.setdefault(author, []).append(i)
            date = meta.date
            if date is not None:
                archive.setdefault(date.year, {}).setdefault(date.month, []).append(i)
        _count(root)
        root.total = len(self.posts)


def _count(root: CategoryNode) -> None:
    """Fill ``total`` bottom-up without recursion (category trees from scrapers can be deep)."""
    order: list[CategoryNode] = []
    stack = [root]
    below: dict[int, set[int]] = {}
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(node.children.values())
    for node in reversed(order):
        posts = set(node.posts)
        for child in node.children.values():
            posts |= below.pop(id(child))
        below[id(node)] = posts
        node.total = len(posts)


def sort_key(meta: Meta) -> tuple[int, float, str]:
    """Newest first, undated last, ties by path (deterministic)."""
    if meta.date is None:
        return (1, 0.0, meta.path)
    return (0, -meta.date.timestamp(), meta.path)


PARALLEL_FROM = 2000
"""Uncached posts from which a scan uses every core (when the process has no other threads to fork)."""


_reading: ModuleType | None = None
"""converters.reading, imported by the first scan that reads a post: a reader opening a library from its
cache never does, and starts ~40 ms sooner without YAML, TOML and the date parsers."""


def _read_row(job: tuple[str, tzinfo | None, bool]) -> Row | None:
    try:
        meta, mtime, size = _reading.read_head_stamped(*job)  # type: ignore[union-attr]
    except Exception as e:
        # A bug must cost one post, not the scan: shown with its path, and read again next time (size -1)
        path = job[0]
        problem = Problem(path, f"internal error: {type(e).__name__}: {e}", "error")
        meta, mtime, size = _reading.unreadable(path, [problem]).meta, 0, -1  # type: ignore[union-attr]
    return None if meta is None else row_from_meta(meta, mtime, size)


READ_CHUNK = 256
"""Posts a forked reader reads per task: 10-20 ms of work, few messages, and a short wait at the end."""


def _read_chunk(jobs: list[tuple[str, tzinfo | None, bool]]) -> bytes:
    # marshal: the parent, which shares the cores with the readers, unpacks it faster than a pickle.
    return marshal.dumps([_read_row(job) for job in jobs])


def _read_many(
    sources: list[SourceFile], zone: tzinfo | None, report: Callable[[int], None] | None = None
) -> Iterator[Row]:
    """The rows of many files as they are read (none for a ``maybe`` file that is not a post), on every
    core when there are enough of them and forking is safe; ``report`` hears how many are done."""
    global _reading
    if _reading is None:
        from . import reading

        _reading = reading
    jobs = [(s.path, zone, s.maybe) for s in sources]
    workers = os.cpu_count() or 1
    if len(sources) < PARALLEL_FROM or workers < 2 or threading.active_count() > 1 or sys.platform != "linux":
        yield from _collect_rows(map(_read_row, jobs), report)
        return
    from .workers import WorkerLost, ordered_map

    def rows() -> Iterator[Row | None]:
        read = 0
        try:
            chunks = [jobs[start : start + READ_CHUNK] for start in range(0, len(jobs), READ_CHUNK)]
            for chunk in ordered_map(_read_chunk, chunks, workers):
                yield from marshal.loads(chunk)
                read += READ_CHUNK
        except WorkerLost:  # (killed, say): what it had not sent is read here, so the library is whole
            yield from map(_read_row, jobs[read:])

    yield from _collect_rows(rows(), report)


def _collect_rows(results: Iterator[Row | None], report: Callable[[int], None] | None) -> Iterator[Row]:
    """The rows of the posts read, shared (:func:`shared_row`), as they come."""
    for done, row in enumerate(results, 1):
        if report is not None and done % 1024 == 0:
            report(done)
        if row is not None:
            yield shared_row(row)


def scan_library(
    paths: list[str],
    zone: tzinfo | None = None,
    zone_key: str = "local",
    use_cache: bool = True,
    progress: Progress | None = None,
    freeze: bool = False,
    drafts: bool = False,
) -> Library:
    """Scan files and folders into a Library. Never raises for a bad post: it becomes a Problem. Drafts
    (:attr:`Meta.draft`) are left out unless ``drafts``.

    ``freeze``: a long-running program that keeps the library (the reader) asks for its objects to be put
    out of the cyclic collector's reach (:func:`gc.freeze`): the collector would otherwise walk 100k posts'
    objects once right away (~50 ms) and again at every full collection, for nothing to free."""
    with _collector_paused(freeze):
        try:
            return _scan(paths, zone, zone_key, use_cache, progress, drafts)
        except Exception:
            if not use_cache or not cache_file(paths, zone_key).exists():
                raise
            # A cache that passed its checksum and still does not fit (written by hand, or by another
            # version under the same header): scanned again without it, and written anew.
            with contextlib.suppress(OSError):
                cache_file(paths, zone_key).unlink()
            return _scan(paths, zone, zone_key, use_cache, progress, drafts)


@contextlib.contextmanager
def _collector_paused(freeze: bool) -> Iterator[None]:
    """No cyclic collection while building 100k small objects (it would cost ~20 % and find nothing)."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if gc_was_enabled:
            gc.enable()


def _scan(
    paths: list[str],
    zone: tzinfo | None,
    zone_key: str,
    use_cache: bool,
    progress: Progress | None,
    drafts: bool = False,
) -> Library:
    problems: list[Problem] = []
    cache_path = cache_file(paths, zone_key) if use_cache else None
    cached_rows = load_cache(cache_path) if cache_path else []
    cached = {row[0]: row for row in cached_rows}
    hits: set[str] = set()
    misses = walk(
        paths, problems, cached, check_txt=False, stat_files=bool(cached), ordered=False, unchanged=hits
    )
    total = len(hits) + len(misses)
    if progress is not None:
        progress(len(hits), total)
    misses.sort(key=path_order)  # a fixed order: the same post wins whichever way the files were listed
    done_before = len(hits)
    report = None if progress is None else lambda done: progress(done_before + done, total)
    # Each post read becomes its Meta as it arrives, while the readers go on (no misses, no reading: nor
    # the import of the readers, ~25 ms).
    fresh = [(row, meta_from_row(row)) for row in _read_many(misses, zone, report)] if misses else []
    changed = bool(fresh) or len(hits) != len(cached_rows)
    if changed:
        pairs = [(row, meta_from_row(row)) for row in cached_rows if row[0] in hits] + fresh
        pairs.sort(key=lambda pair: row_order(pair[0]))
        rows = [row for row, _ in pairs]
        posts = [meta for _, meta in pairs]
        del pairs, fresh
        if cache_path is not None:
            save_cache(cache_path, rows)
    else:  # the cached rows, already in library order
        rows = cached_rows
        posts = [meta_from_row(row) for row in rows]
    stamps = {row[0]: (row[1], row[2]) for row in rows}  # (for the search index: see open_library)
    del rows, cached_rows, cached, hits
    if not drafts:
        posts = _published(posts)
    for meta in posts:
        if meta.problems:
            problems.extend(meta.problems)
    library = Library(roots=list(paths), posts=posts, problems=problems, changed=changed, stamps=stamps)
    library.build_indexes()
    if progress is not None:
        progress(total, total)
    return library


def cache_is_current(library: Library) -> bool:
    """Whether the files still match what :func:`load_cached` read: the same files with the same
    (mtime, size). Costs a walk and a stat per file, no reading."""
    stamps = library.stamps
    if not stamps:
        return False
    problems: list[Problem] = []
    unchanged: set[str] = set()
    with _collector_paused(False):  # 100k paths: nothing for the collector to find, much to walk
        known = {path: (path, *stamp) for path, stamp in stamps.items()}
        others = walk(library.roots, problems, known, check_txt=False, ordered=False, unchanged=unchanged)
    if problems:
        return False
    for source in others:
        if source.path in stamps or not source.maybe or opens_with_front_matter(source.path):
            return False  # a post changed or came (a .txt file that is not a post is none, as before)
    return len(unchanged) == len(stamps)


def _published(posts: list[Meta]) -> list[Meta]:
    return [meta for meta in posts if not meta.draft] if any(meta.draft for meta in posts) else posts


def load_cached(
    paths: list[str], zone_key: str = "local", freeze: bool = False, drafts: bool = False
) -> Library | None:
    """The library as the cache last saw it, without touching the posts: what a reader can show at once
    while :func:`scan_library` checks every file in the background. None when there is no cache.
    ``freeze`` as for :func:`scan_library`."""
    with _collector_paused(freeze):
        rows = load_cache(cache_file(paths, zone_key))
        if not rows:
            return None
        try:
            posts = [meta_from_row(row) for row in rows]  # saved in library order
            stamps = {row[0]: (row[1], row[2]) for row in rows}
            del rows
            if not drafts:
                posts = _published(posts)
            problems = [p for meta in posts if meta.problems for p in meta.problems]
            library = Library(roots=list(paths), posts=posts, problems=problems, changed=False, stamps=stamps)
            library.build_indexes()
        except Exception:  # rows that do not fit: no cache to show (the scan will write a good one)
            return None
        return library


# --- filling the cache from a process of its own ----------------------------------------------------------------


def fill_cache_in_subprocess(
    paths: list[str],
    zone_key: str,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> bool:
    """Scan ``paths`` into the cache in a new Python process, on every core, reporting its progress.

    A process with threads (the reader, whose scan runs beside Textual's loop) cannot fork reader
    processes safely, so a large first scan would use one core; a fresh process can. Whether it filled
    the cache: on False (it failed, or ``cancelled`` said stop) the caller simply scans by itself."""
    from .workers import run_elsewhere

    return run_elsewhere("library", ["--zone-key", zone_key, "--", *paths], progress, cancelled)


def _main(argv: list[str] | None = None) -> int:
    """``--zone-key KEY -- PATH...``: what :func:`fill_cache_in_subprocess` runs. Prints ``progress DONE
    TOTAL`` lines; exits 0 once the cache is written."""
    from .dates import resolve_zone
    from .workers import given_elsewhere, say_progress

    paths, zone_key = given_elsewhere("library", argv)
    scan_library(paths, resolve_zone(zone_key), zone_key, use_cache=True, progress=say_progress)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
