"""A folder of posts → :class:`Library`: metadata of every post, the category tree, tags, authors, archive.

Only the head of each file is read (bodies are read on demand), and the scan is cached in the XDG cache
directory keyed by (path, mtime, size), so reopening a large library re-reads only what changed.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path

from .post import Meta, Problem
from .reading import read_head_if_post

POST_SUFFIXES = {".md", ".markdown", ".html", ".htm"}
MAYBE_SUFFIXES = {".txt"}  # a post only when it opens with front matter (scraped archives use .txt)
SKIP_DIRS = {"node_modules", "__pycache__"}
CACHE_VERSION = 3

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class SourceFile:
    """One post file found by a walk: its path and where it sits under the argument it came from."""

    path: str
    root: str
    relative: str
    mtime_ns: int = 0
    size: int = 0
    maybe: bool = False
    """A ``.txt`` file not yet known to open with front matter (the scan decides when it reads it)."""


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


@dataclass
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

    changed: bool = True
    """Whether this scan found anything the cache did not know (new, edited or removed posts)."""
    stamps: dict[str, tuple[int, int]] = field(default_factory=dict)
    """(mtime, size) of each file when the library comes from :func:`load_cached`."""

    def __len__(self) -> int:
        return len(self.posts)

    def build_indexes(self) -> None:
        root = self.categories = CategoryNode("All posts")
        self.tags, self.authors, self.archive, self.uncategorized = {}, {}, {}, []
        for i, meta in enumerate(self.posts):
            if not meta.categories:
                self.uncategorized.append(i)
            for path in meta.categories:
                node = root
                for name in path:
                    node = node.child(name)
                node.posts.append(i)
            for tag in meta.tags:
                self.tags.setdefault(tag, []).append(i)
            for author in meta.authors:
                self.authors.setdefault(author, []).append(i)
            if meta.date is not None:
                self.archive.setdefault(meta.date.year, {}).setdefault(meta.date.month, []).append(i)
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


# --- walking -------------------------------------------------------------------------------------------------


def walk(
    paths: list[str],
    problems: list[Problem],
    known: dict[str, list] | None = None,  # type: ignore[type-arg]
    check_txt: bool = True,
) -> list[SourceFile]:
    """Every post file under the given files and folders, in path order, each once.

    ``known`` (the scan cache: path → [mtime, size, …]) spares opening ``.txt`` files already known to
    be posts, which is most of the cost of re-opening a large scraped archive. With ``check_txt`` off,
    other ``.txt`` files come back marked ``maybe`` for the caller to check as it reads them."""
    found: dict[tuple[int, int], SourceFile] = {}  # by (device, inode): a file linked twice is one post
    for arg in paths:
        try:
            st = os.stat(arg)
        except OSError as e:
            problems.append(Problem(arg, f"cannot open: {e.strerror or e}", "error"))
            continue
        if stat.S_ISDIR(st.st_mode):
            for source, key in _walk_dir(arg, problems, known or {}, check_txt):
                found.setdefault(key, source)
        else:
            source = SourceFile(
                arg, os.path.dirname(arg) or ".", os.path.basename(arg), st.st_mtime_ns, st.st_size
            )
            found.setdefault((st.st_dev, st.st_ino), source)
    return sorted(found.values(), key=lambda s: (s.root, s.relative))


def _walk_dir(
    root: str,
    problems: list[Problem],
    known: dict[str, list],  # type: ignore[type-arg]
    check_txt: bool,
) -> Iterator[tuple[SourceFile, tuple[int, int]]]:
    visited: set[tuple[int, int]] = set()
    prefix = os.path.join(root, "")
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
        except OSError as e:
            problems.append(Problem(folder, f"cannot open folder: {e.strerror or e}", "error"))
            continue
        if (st.st_dev, st.st_ino) in visited:
            continue  # a symlink loop, or a folder linked twice
        visited.add((st.st_dev, st.st_ino))
        try:
            entries = list(os.scandir(folder))  # order does not matter: walk() sorts the result once
        except OSError as e:
            problems.append(Problem(folder, f"cannot list folder: {e.strerror or e}", "error"))
            continue
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
            except OSError:
                is_dir = is_file = False
            if is_dir:
                if entry.name not in SKIP_DIRS:
                    subdirs.append(entry.path)
                continue
            suffix = os.path.splitext(entry.name)[1].lower()
            if suffix not in POST_SUFFIXES and suffix not in MAYBE_SUFFIXES:
                continue
            if not is_file:
                if entry.is_symlink():
                    problems.append(Problem(entry.path, "broken symbolic link", "warning"))
                continue
            try:
                est = entry.stat()
            except OSError as e:
                problems.append(Problem(entry.path, f"cannot stat: {e.strerror or e}", "error"))
                continue
            maybe = False
            if suffix in MAYBE_SUFFIXES:
                seen = known.get(entry.path)
                fresh = seen is not None and seen[0] == est.st_mtime_ns and seen[1] == est.st_size
                if not fresh:
                    if not check_txt:
                        maybe = True
                    elif not opens_with_front_matter(entry.path):
                        continue
            relative = (
                entry.path[len(prefix) :]
                if entry.path.startswith(prefix)
                else os.path.relpath(entry.path, root)
            )
            yield (
                SourceFile(entry.path, root, relative, est.st_mtime_ns, est.st_size, maybe),
                (est.st_dev, est.st_ino),
            )
        stack.extend(subdirs)


def opens_with_front_matter(path: str) -> bool:
    """Whether a file starts (after blank lines) with a front-matter fence."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError:
        return True  # let the reader report why it cannot be read
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:3] in (b"---", b"+++", b";;;")


# --- the cache ---------------------------------------------------------------------------------------------


def cache_file(roots: list[str], zone_key: str) -> Path:
    from platformdirs import user_cache_dir

    key = hashlib.sha256(
        ("\0".join(os.path.abspath(r) for r in roots) + "\0" + zone_key).encode()
    ).hexdigest()
    return Path(user_cache_dir("postshelf")) / f"scan-{key[:24]}.json"


_SHARED: dict[object, object] = {}
"""One object for each distinct category path, tag list, author list and time zone: 100k posts from a
few dozen sources share them instead of holding 100k copies."""


def _shared(value: object) -> object:
    return _SHARED.setdefault(value, value)


def _shared_zone(dt: datetime | None) -> datetime | None:
    if dt is None or dt.tzinfo is None:
        return dt
    offset = dt.utcoffset()
    zone = _SHARED.get(("zone", offset))
    if zone is None:
        zone = _SHARED.setdefault(("zone", offset), timezone(offset) if offset else timezone.utc)  # type: ignore[arg-type]
    return dt.replace(tzinfo=zone)  # type: ignore[arg-type]


def compact(meta: Meta) -> Meta:
    """The same Meta, sharing its repeated parts with every other post of the library."""
    meta.categories = _shared(meta.categories)  # type: ignore[assignment]
    meta.tags = _shared(meta.tags)  # type: ignore[assignment]
    meta.authors = _shared(meta.authors)  # type: ignore[assignment]
    meta.language = sys.intern(meta.language)
    meta.date = _shared_zone(meta.date)
    meta.updated = _shared_zone(meta.updated)
    return meta


def _pack(meta: Meta) -> list[object]:
    return [
        meta.title,
        meta.date.isoformat() if meta.date else None,
        meta.updated.isoformat() if meta.updated else None,
        [list(p) for p in meta.categories],
        list(meta.tags),
        list(meta.authors),
        meta.cover,
        meta.language,
        meta.body_kind,
        [[p.severity, p.line, p.message] for p in meta.problems],
    ]


def _unpack(path: str, row: list) -> Meta:  # type: ignore[type-arg]
    title, date, updated, cats, tags, authors, cover, lang, kind, problems = row
    return compact(
        Meta(
            path=path,
            title=title,
            date=datetime.fromisoformat(date) if date else None,
            updated=datetime.fromisoformat(updated) if updated else None,
            categories=tuple(map(tuple, cats)),
            tags=tuple(tags),
            authors=tuple(authors),
            cover=cover,
            language=lang,
            body_kind="html" if kind == "html" else "markdown",
            problems=tuple(Problem(path, m, s, line) for s, line, m in problems) if problems else (),
        )
    )


def _load_cache(file: Path) -> dict[str, list]:  # type: ignore[type-arg]
    try:
        with open(file, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def _save_cache(file: Path, entries: dict[str, list]) -> None:  # type: ignore[type-arg]
    """Written atomically; a cache that cannot be written only makes the next scan slower."""
    with contextlib.suppress(OSError):
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".scan-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                # dumps, not dump: json.dump streams through the pure-Python encoder, ~10x slower
                f.write(
                    json.dumps(
                        {"version": CACHE_VERSION, "entries": entries},
                        ensure_ascii=False,
                        separators=(",", ":"),
                    )
                )
            os.replace(tmp, file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


# --- scanning -------------------------------------------------------------------------------------------------


PARALLEL_FROM = 3000
"""Uncached posts from which a scan uses every core (when the process has no other threads to fork)."""


def _head_row(job: tuple[str, tzinfo | None, bool]) -> list[object] | None:
    meta = read_head_if_post(*job)
    return None if meta is None else _pack(meta)


def _read_many(sources: list[SourceFile], zone: tzinfo | None) -> list[Meta | None]:
    """Read the heads of many files (None for a ``maybe`` file that is not a post), on every core when
    there are enough of them and forking is safe."""
    workers = os.cpu_count() or 1
    if len(sources) < PARALLEL_FROM or workers < 2 or threading.active_count() > 1 or sys.platform != "linux":
        return [read_head_if_post(s.path, zone, s.maybe) for s in sources]
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        rows = pool.map(_head_row, [(s.path, zone, s.maybe) for s in sources], chunksize=256)
    return [None if row is None else _unpack(s.path, row) for s, row in zip(sources, rows, strict=True)]


def scan_library(
    paths: list[str],
    zone: tzinfo | None = None,
    zone_key: str = "local",
    use_cache: bool = True,
    progress: Progress | None = None,
) -> Library:
    """Scan files and folders into a Library. Never raises for a bad post: it becomes a Problem."""
    gc_was_enabled = gc.isenabled()
    gc.disable()  # building 100k small objects: the collector would cost ~20% and find nothing to free
    try:
        return _scan(paths, zone, zone_key, use_cache, progress)
    finally:
        if gc_was_enabled:
            gc.enable()


def _scan(
    paths: list[str], zone: tzinfo | None, zone_key: str, use_cache: bool, progress: Progress | None
) -> Library:
    problems: list[Problem] = []
    cache_path = cache_file(paths, zone_key) if use_cache else None
    cached = _load_cache(cache_path) if cache_path else {}
    sources = walk(paths, problems, cached, check_txt=False)
    total = len(sources)
    metas: list[Meta | None] = [None] * total
    fresh: dict[str, list] = {}  # type: ignore[type-arg]
    misses: list[int] = []
    for n, source in enumerate(sources):
        hit = cached.get(source.path)
        if hit is not None and hit[0] == source.mtime_ns and hit[1] == source.size:
            metas[n] = _unpack(source.path, hit[2])
            fresh[source.path] = hit
        else:
            misses.append(n)
        if progress is not None and n % 4096 == 0:
            progress(n // 2, total)
    read = 0
    for n, meta in zip(misses, _read_many([sources[i] for i in misses], zone), strict=True):
        if meta is None:
            continue  # a .txt file without front matter: not a post
        metas[n] = compact(meta)
        fresh[sources[n].path] = [sources[n].mtime_ns, sources[n].size, _pack(meta)]
        read += 1
    changed = read > 0 or len(cached) != len(fresh)
    if cache_path is not None and changed:
        del cached
        _save_cache(cache_path, fresh)
    del fresh
    posts = [meta for meta in metas if meta is not None]
    for meta in posts:
        problems.extend(meta.problems)
    posts.sort(key=sort_key)
    library = Library(roots=list(paths), posts=posts, problems=problems, changed=changed)
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
    known = {path: list(stamp) for path, stamp in stamps.items()}
    sources = walk(library.roots, problems, known, check_txt=False)
    if problems:
        return False
    seen = 0
    for source in sources:
        stamp = stamps.get(source.path)
        if stamp is None and source.maybe and not opens_with_front_matter(source.path):
            continue  # a .txt file that is not a post, as before
        if stamp != (source.mtime_ns, source.size):
            return False
        seen += 1
    return seen == len(stamps)


def load_cached(paths: list[str], zone_key: str = "local") -> Library | None:
    """The library as the cache last saw it, without touching the posts: what a reader can show at once
    while :func:`scan_library` checks every file in the background. None when there is no cache."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        cached = _load_cache(cache_file(paths, zone_key))
        if not cached:
            return None
        posts = [_unpack(path, row[2]) for path, row in cached.items()]
        stamps = {path: (row[0], row[1]) for path, row in cached.items()}
        del cached
        problems = [p for meta in posts for p in meta.problems]
        posts.sort(key=sort_key)
        library = Library(roots=list(paths), posts=posts, problems=problems, changed=False, stamps=stamps)
        library.build_indexes()
        return library
    finally:
        if gc_was_enabled:
            gc.enable()
