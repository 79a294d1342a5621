"""A folder of posts → :class:`Library`: metadata of every post, the category tree, tags, authors, archive.

Only the head of each file is read (bodies are read on demand), and the scan is cached in the XDG cache
directory keyed by (path, mtime, size), so reopening a large library re-reads only what changed.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import marshal
import os
import re
import stat
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from .outputs import write_atomic
from .post import Meta, Problem

if TYPE_CHECKING:
    from types import ModuleType

POST_SUFFIXES = {".md", ".markdown", ".html", ".htm"}
MAYBE_SUFFIXES = {".txt"}  # a post only when it opens with front matter (scraped archives use .txt)
SKIP_DIRS = {"node_modules", "__pycache__"}

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
    key: tuple[int, int] = (0, 0)
    """(device, inode): the file itself, however it is reached (a link, a symbolic link)."""


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
        tags, authors, archive, uncategorized = self.tags, self.authors, self.archive, self.uncategorized
        nodes: dict[tuple[str, ...], list[int]] = {}  # a whole category path → its node's posts, in one look
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


# --- walking -------------------------------------------------------------------------------------------------

_SUFFIX_KIND = {**dict.fromkeys(POST_SUFFIXES, False), **dict.fromkeys(MAYBE_SUFFIXES, True)}
"""File suffix → whether such a file is only *maybe* a post."""
PROJECT_DOCUMENTS = re.compile(r"(?i)(readme|changelog|license|licence|contributing|code_of_conduct)\.[a-z]+")
"""A project's own documents, found beside a blog's sources: in a folder, a post only with front matter
(like any .txt file), so a README.md is not listed as a post; named on the command line, always read."""


def walk(
    paths: list[str],
    problems: list[Problem],
    known: dict[str, tuple] | None = None,  # type: ignore[type-arg]
    check_txt: bool = True,
    stat_files: bool = True,
    ordered: bool = True,
    unchanged: set[str] | None = None,
    enough: int | None = None,
) -> list[SourceFile]:
    """Every post file under the given files and folders, each once (in path order when ``ordered``).

    ``known`` (the scan cache: path → (path, mtime, size, …)) spares opening ``.txt`` files already known
    to be posts, which is most of the cost of re-opening a large scraped archive. With ``check_txt`` off,
    other ``.txt`` files come back marked ``maybe`` for the caller to check as it reads them. Without
    ``stat_files`` the walk costs no system call per file (mtime and size stay 0): enough for a first scan,
    which learns them as it reads. Given ``unchanged``, the files ``known`` with their present (mtime, size)
    go into it, by path, instead of coming back: re-opening 100k posts then makes no SourceFile for them.
    With ``enough``, the walk may stop once it has found that many (for a caller that only asks whether
    there are that many), after the folder it is in."""
    # By (device, inode), a file linked twice being one post: a SourceFile, or for an unchanged file a
    # (path, root, relative) triple.
    found: dict[tuple[int, int], SourceFile | tuple[str, str, str]] = {}
    for arg in paths:
        try:
            st = os.stat(arg)
        except OSError as e:
            problems.append(Problem(arg, f"cannot open: {e.strerror or e}", "error"))
            continue
        if stat.S_ISDIR(st.st_mode):
            _walk_dir(arg, problems, known or {}, check_txt, stat_files, found, unchanged is not None, enough)
            continue
        key = (st.st_dev, st.st_ino)
        root, name = os.path.dirname(arg) or ".", os.path.basename(arg)
        seen = (known or {}).get(arg)
        if unchanged is not None and seen is not None and (seen[1], seen[2]) == (st.st_mtime_ns, st.st_size):
            found.setdefault(key, (arg, root, name))
        else:
            found.setdefault(key, SourceFile(arg, root, name, st.st_mtime_ns, st.st_size, key=key))
    sources: list[SourceFile] = []
    for entry in found.values():
        if entry.__class__ is SourceFile:
            sources.append(entry)  # type: ignore[arg-type]
        else:
            unchanged.add(entry[0])  # type: ignore[union-attr, index]
    if ordered:
        sources.sort(key=_path_order)
    return sources


def _path_order(source: SourceFile) -> tuple[str, str]:
    return (source.root, source.relative)


def _place(entry: SourceFile | tuple[str, str, str]) -> tuple[str, str]:
    return (entry.root, entry.relative) if isinstance(entry, SourceFile) else (entry[1], entry[2])


def _walk_dir(
    root: str,
    problems: list[Problem],
    known: dict[str, tuple],  # type: ignore[type-arg]
    check_txt: bool,
    stat_files: bool,
    found: dict[tuple[int, int], SourceFile | tuple[str, str, str]],
    split_unchanged: bool = False,
    enough: int | None = None,
) -> None:
    # The loop below runs once per file of a library of 100k: it avoids every call it can (the entry's
    # type and inode come with the directory listing; only symbolic links and ``stat_files`` cost a stat).
    visited: set[tuple[int, int]] = set()
    prefix = os.path.join(root, "")
    cut = len(prefix)
    kinds = _SUFFIX_KIND
    stack = [root]
    while stack:
        if enough is not None and len(found) >= enough:
            return
        folder = stack.pop()
        try:
            st = os.stat(folder)
        except OSError as e:
            problems.append(Problem(folder, f"cannot open folder: {e.strerror or e}", "error"))
            continue
        device = st.st_dev
        if (device, st.st_ino) in visited:
            continue  # a symlink loop, or a folder linked twice
        visited.add((device, st.st_ino))
        try:
            entries = list(os.scandir(folder))  # order does not matter: walk() sorts the result once
        except OSError as e:
            problems.append(Problem(folder, f"cannot list folder: {e.strerror or e}", "error"))
            continue
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            dot = name.rfind(".")
            maybe = kinds.get(name[dot:].lower()) if dot > 0 else None
            if maybe is False and name[0] in "RrCcLl" and PROJECT_DOCUMENTS.fullmatch(name):
                maybe = True
            try:
                if maybe is None or not entry.is_file():
                    if entry.is_dir():
                        if name not in SKIP_DIRS:
                            stack.append(entry.path)
                    elif maybe is not None and entry.is_symlink():
                        what = "not a regular file" if os.path.exists(entry.path) else "broken symbolic link"
                        problems.append(Problem(entry.path, f"{what}: skipped", "warning"))
                    continue
            except OSError:
                continue
            path = entry.path
            if stat_files or entry.is_symlink():
                try:
                    est = entry.stat()
                except OSError as e:
                    problems.append(Problem(path, f"cannot stat: {e.strerror or e}", "error"))
                    continue
                key = (est.st_dev, est.st_ino)
                mtime, size = (est.st_mtime_ns, est.st_size) if stat_files else (0, 0)
            else:
                key, mtime, size = (device, entry.inode()), 0, 0
            relative = path[cut:] if path.startswith(prefix) else os.path.relpath(path, root)
            unchanged = False
            if maybe or split_unchanged:
                seen = known.get(path)
                if seen is not None and seen[1] == mtime and seen[2] == size:
                    unchanged, maybe = split_unchanged, False
                elif maybe and check_txt:
                    if not opens_with_front_matter(path):
                        continue
                    maybe = False
            other = found.get(key)
            if other is None or (root, relative) < _place(other):  # the same one every time
                found[key] = (
                    (path, root, relative)
                    if unchanged
                    else SourceFile(path, root, relative, mtime, size, maybe, key)
                )


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
    return Path(user_cache_dir("postshelf")) / f"scan-{key[:24]}.bin"


_SHARED: dict[object, object] = {}
"""One object for each distinct category path, tag list, author list and time zone: 100k posts from a
few dozen sources share them instead of holding 100k copies."""


def _shared(value: object) -> object:
    return _SHARED.setdefault(value, value)


def _zone_of(offset_seconds: int) -> timezone:
    zone = _SHARED.get(("zone", offset_seconds))
    if zone is None:
        zone = timezone(timedelta(seconds=offset_seconds)) if offset_seconds else timezone.utc
        _SHARED[("zone", offset_seconds)] = zone
    return zone  # type: ignore[return-value]


def _shared_row(row: Row) -> Row:
    """The same row, its category paths, tags and authors shared with every other post of the library
    (which also keeps them shared, and the cache small, when marshal writes them)."""
    return (*row[:8], _shared(row[8]), _shared(row[9]), _shared(row[10]), *row[11:])


# A cached post is one flat tuple of plain values (marshal reads 100k of them in ~0.1 s, ~6x faster than
# the same rows as JSON, and keeps shared category tuples shared):
#   (path, mtime_ns, size, title, date, date_offset, updated, updated_offset,
#    categories, tags, authors, cover, language, body_kind, problems)
# A date is its POSIX timestamp plus its UTC offset in seconds, or its ISO text where a float would not
# give back the same microsecond; problems are (message, severity, line) triples.
Row = tuple  # type: ignore[type-arg]


def _pack_date(dt: datetime | None) -> tuple[float | str | None, int]:
    if dt is None:
        return None, 0
    offset = dt.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    try:
        stamp = dt.timestamp()
        if (not dt.microsecond and -(2**40) < stamp < 2**40) or datetime.fromtimestamp(
            stamp, _zone_of(seconds)
        ) == dt:  # whole seconds of these years are exact as floats; other values are checked
            return stamp, seconds
    except (OverflowError, OSError, ValueError):
        pass
    return dt.isoformat(), seconds


def _unpack_date(value: float | str | None, seconds: int) -> datetime | None:
    if value is None:
        return None
    if value.__class__ is float:
        return datetime.fromtimestamp(value, _zone_of(seconds))  # type: ignore[arg-type]
    return datetime.fromisoformat(value).replace(tzinfo=_zone_of(seconds))  # type: ignore[arg-type]


def _row(meta: Meta, mtime_ns: int, size: int) -> Row:
    date, date_offset = _pack_date(meta.date)
    updated, updated_offset = _pack_date(meta.updated)
    problems = tuple((p.message, p.severity, p.line) for p in meta.problems)
    return (
        meta.path, mtime_ns, size, meta.title, date, date_offset, updated, updated_offset,
        meta.categories, meta.tags, meta.authors, meta.cover, meta.language, meta.body_kind, problems,
    )  # fmt: skip


def _meta(row: Row, fromtimestamp: Callable[..., datetime] = datetime.fromtimestamp) -> Meta:
    path, _, _, title, date, date_offset, updated, updated_offset, cats, tags, authors, cover, lang, kind, problems = row  # fmt: skip
    if path.__class__ is not str or title.__class__ is not str or cats.__class__ is not tuple:
        raise ValueError("a damaged cache row")  # (the caller discards the cache; a few ns a post)
    if date.__class__ is float:  # the usual case, inline: this runs for every post of a cached library
        when = fromtimestamp(date, _zone_of(date_offset))
    else:
        when = _unpack_date(date, date_offset)
    return Meta(
        path,
        title,
        when,
        _unpack_date(updated, updated_offset) if updated is not None else None,
        cats,
        tags,
        authors,
        cover,
        lang,
        kind,
        tuple(Problem(path, m, s, line) for m, s, line in problems) if problems else (),
    )


_CACHE_HEADER = ("postshelf-scan", 7, sys.version_info[:2])  # (7: tab-indented YAML read)


def _row_order(row: Row) -> tuple[int, float, str]:
    """:func:`sort_key` of the row's post, from the row: no datetime to make for most posts."""
    date = row[4]
    if date is None:
        return (1, 0.0, row[0])
    if date.__class__ is not float:
        date = _unpack_date(date, row[5]).timestamp()  # type: ignore[union-attr]
    return (0, -date, row[0])


_CACHE_MAGIC = b"postshelf-scan-cache "


def _load_cache(file: Path) -> list[Row]:
    """The rows of the last scan in library order, or [] when there is no usable cache.

    The file is the user's own cache (marshal, like Python's .pyc files), checked against the CRC-32 it
    was written with (~10 ms for 100k posts): a damaged byte anywhere means a rescan, never rows of the
    wrong type reaching the reader. Rows that pass and still do not fit are caught where they are read."""
    try:
        with open(file, "rb") as f:
            data = f.read()
        if not data.startswith(_CACHE_MAGIC):
            return []
        start = len(_CACHE_MAGIC) + 9  # (8 hex digits and a newline)
        if int(data[len(_CACHE_MAGIC) : start - 1], 16) != zlib.crc32(memoryview(data)[start:]):
            return []
        header, rows = marshal.loads(memoryview(data)[start:])
        if header != _CACHE_HEADER or not isinstance(rows, list):
            return []
        return rows
    except Exception:  # a truncated or foreign file: marshal raises several kinds
        return []


def _save_cache(file: Path, rows: list[Row]) -> None:
    """Written atomically; a cache that cannot be written only makes the next scan slower."""
    with contextlib.suppress(OSError, ValueError):
        payload = marshal.dumps((_CACHE_HEADER, rows))
        write_atomic(file, _CACHE_MAGIC + b"%08x\n" % zlib.crc32(payload) + payload)


# --- scanning -------------------------------------------------------------------------------------------------


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
    return None if meta is None else _row(meta, mtime, size)


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
    """The rows of the posts read, shared (:func:`_shared_row`), as they come."""
    for done, row in enumerate(results, 1):
        if report is not None and done % 1024 == 0:
            report(done)
        if row is not None:
            yield _shared_row(row)


def scan_library(
    paths: list[str],
    zone: tzinfo | None = None,
    zone_key: str = "local",
    use_cache: bool = True,
    progress: Progress | None = None,
    freeze: bool = False,
) -> Library:
    """Scan files and folders into a Library. Never raises for a bad post: it becomes a Problem.

    ``freeze``: a long-running program that keeps the library (the reader) asks for its objects to be put
    out of the cyclic collector's reach (:func:`gc.freeze`): the collector would otherwise walk 100k posts'
    objects once right away (~50 ms) and again at every full collection, for nothing to free."""
    with _collector_paused(freeze):
        try:
            return _scan(paths, zone, zone_key, use_cache, progress)
        except Exception:
            if not use_cache or not cache_file(paths, zone_key).exists():
                raise
            # A cache that passed its checksum and still does not fit (written by hand, or by another
            # version under the same header): scanned again without it, and written anew.
            with contextlib.suppress(OSError):
                cache_file(paths, zone_key).unlink()
            return _scan(paths, zone, zone_key, use_cache, progress)


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
    paths: list[str], zone: tzinfo | None, zone_key: str, use_cache: bool, progress: Progress | None
) -> Library:
    problems: list[Problem] = []
    cache_path = cache_file(paths, zone_key) if use_cache else None
    cached_rows = _load_cache(cache_path) if cache_path else []
    cached = {row[0]: row for row in cached_rows}
    hits: set[str] = set()
    misses = walk(
        paths, problems, cached, check_txt=False, stat_files=bool(cached), ordered=False, unchanged=hits
    )
    total = len(hits) + len(misses)
    if progress is not None:
        progress(len(hits), total)
    misses.sort(key=_path_order)  # a fixed order: the same post wins whichever way the files were listed
    done_before = len(hits)
    report = None if progress is None else lambda done: progress(done_before + done, total)
    # Each post read becomes its Meta as it arrives, while the readers go on (no misses, no reading: nor
    # the import of the readers, ~25 ms).
    fresh = [(row, _meta(row)) for row in _read_many(misses, zone, report)] if misses else []
    changed = bool(fresh) or len(hits) != len(cached_rows)
    if changed:
        pairs = [(row, _meta(row)) for row in cached_rows if row[0] in hits] + fresh
        pairs.sort(key=lambda pair: _row_order(pair[0]))
        rows = [row for row, _ in pairs]
        posts = [meta for _, meta in pairs]
        del pairs, fresh
        if cache_path is not None:
            _save_cache(cache_path, rows)
    else:  # the cached rows, already in library order
        rows = cached_rows
        posts = [_meta(row) for row in rows]
    del rows, cached_rows, cached, hits
    for meta in posts:
        if meta.problems:
            problems.extend(meta.problems)
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


def load_cached(paths: list[str], zone_key: str = "local", freeze: bool = False) -> Library | None:
    """The library as the cache last saw it, without touching the posts: what a reader can show at once
    while :func:`scan_library` checks every file in the background. None when there is no cache.
    ``freeze`` as for :func:`scan_library`."""
    with _collector_paused(freeze):
        rows = _load_cache(cache_file(paths, zone_key))
        if not rows:
            return None
        try:
            posts = [_meta(row) for row in rows]  # saved in library order
            stamps = {row[0]: (row[1], row[2]) for row in rows}
            del rows
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
    import subprocess

    # This very package, whatever folder the user is in (a `converters` folder there must not be taken
    # for it), scanning the paths as the caller names them: the cache's rows then hold the same paths
    # as the caller's own scan would, and its check of the cache finds them.
    home = str(Path(__file__).resolve().parent.parent)
    code = (
        f"import sys; sys.path.insert(0, {home!r}); from converters.library import _main; sys.exit(_main())"
    )
    command = [sys.executable, "-c", code, "--zone-key", zone_key, "--", *paths]
    try:
        child = subprocess.Popen(
            command, text=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except OSError:
        return False
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if cancelled():
                child.kill()
                return False
            parts = line.split()
            if len(parts) == 3 and parts[0] == "progress" and progress is not None:
                progress(int(parts[1]), int(parts[2]))
        return child.wait() == 0
    except (OSError, ValueError):
        return False
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def _main(argv: list[str] | None = None) -> int:
    """``python -m converters.library --zone-key KEY -- PATH...``: what :func:`fill_cache_in_subprocess`
    runs. Prints ``progress DONE TOTAL`` lines; exits 0 once the cache is written."""
    import argparse

    from .dates import resolve_zone

    parser = argparse.ArgumentParser(prog="python -m converters.library")
    parser.add_argument("--zone-key", default="local")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    zone = resolve_zone(None if args.zone_key == "local" else args.zone_key)

    def progress(done: int, total: int) -> None:
        print(f"progress {done} {total}", flush=True)

    scan_library(args.paths, zone, args.zone_key, use_cache=True, progress=progress)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
