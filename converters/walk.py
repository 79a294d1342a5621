"""Folders → the post files in them: which suffixes are posts, which folders and project documents are
skipped, each file once however it is reached, in a stable order."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import re
import stat
import sys
import threading
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .post import Problem
from .site import Site, site_of

POST_SUFFIXES = {".md", ".markdown", ".html", ".htm"}


MAYBE_SUFFIXES = {".txt"}  # a post only when it opens with front matter (scraped archives use .txt)


SKIP_DIRS = {"node_modules", "__pycache__"}

T = TypeVar("T")


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


_SUFFIX_KIND = {**dict.fromkeys(POST_SUFFIXES, False), **dict.fromkeys(MAYBE_SUFFIXES, True)}
"""File suffix → whether such a file is only *maybe* a post."""


PROJECT_DOCUMENTS = re.compile(r"(?i)(readme|changelog|license|licence|contributing|code_of_conduct)\.[a-z]+")
"""A project's own documents, found beside a blog's sources: in a folder, a post only with front matter
(like any .txt file), so a README.md is not listed as a post; named on the command line, always read."""


def kind_of(name: str) -> bool | None:
    """What a file of this name is, found in a folder: a post (False), maybe one (True: a post only if it
    opens with front matter) or none (None)."""
    dot = name.rfind(".")
    maybe = _SUFFIX_KIND.get(name[dot:].lower()) if dot > 0 else None
    if maybe is False and name[0] in "RrCcLl" and PROJECT_DOCUMENTS.fullmatch(name):
        return True
    return maybe


def walk(
    paths: list[str],
    problems: list[Problem],
    known: dict[str, tuple[Any, ...]] | None = None,
    check_txt: bool = True,
    stat_files: bool = True,
    ordered: bool = True,
    unchanged: set[str] | None = None,
    enough: int | None = None,
) -> list[SourceFile]:
    """Every post file under the given files and folders, each once (in path order when ``ordered``).

    A folder of a Hexo, Jekyll or Hugo site (:mod:`converters.site`), from its root down, gives the files
    its generator reads as posts (drafts included: the reader marks them): Hexo's ``source/_posts`` and
    ``_drafts``, Jekyll's ``_posts`` folders (their files named for their date) and ``_drafts``, Hugo's
    ``content`` less its section pages (``_index.md``).

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
            site = site_of(arg)
            folders = _post_folders(arg, site)
            if site is not None and not any(os.path.isdir(f) for f in site.content):
                where = ", ".join(site.content) or f"no _posts folder under {site.source or site.root}"
                problems.append(
                    Problem(arg, f"a {site.generator} site without its posts ({where})", "warning")
                )
            for folder in folders:
                rule = _Rule(site is not None and site.generator == "hugo", _dated_posts(folder, site))
                rule = _PLAIN if rule == _PLAIN else rule  # (the loop below skips the check for _PLAIN)
                _walk_dir(
                    folder,
                    problems,
                    known or {},
                    check_txt,
                    stat_files,
                    found,
                    unchanged is not None,
                    enough,
                    rule,
                )
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
        if isinstance(entry, SourceFile):
            sources.append(entry)
        elif unchanged is not None:
            unchanged.add(entry[0])
    if ordered:
        sources.sort(key=path_order)
    return sources


@dataclass(frozen=True, slots=True)
class _Rule:
    """What a site's generator leaves out of a folder it reads."""

    no_section_pages: bool = False  # Hugo's _index.md
    dated_names: bool = False  # Jekyll's _posts: only YYYY-MM-DD-title files are posts


_PLAIN = _Rule()
_DATED_NAME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}-.")


def _post_folders(arg: str, site: Site | None) -> list[str]:
    """The folders to walk for a folder given: itself, or for a site's root (or any folder above its
    posts) the post folders of the site inside it."""
    if site is None:
        return [arg]
    here = os.path.abspath(arg)
    if any(here == f or here.startswith(os.path.join(f, "")) for f in site.content + site.drafts):
        return [arg]  # (within the posts already)
    inside = [
        f for f in site.content + site.drafts if f.startswith(os.path.join(here, "")) and os.path.isdir(f)
    ]
    return [os.path.join(arg, os.path.relpath(f, here)) for f in inside]


def placer(paths: Sequence[str]) -> Callable[[str], tuple[str, str]]:
    """path → (root, relative) of a post file under ``paths``, as a :func:`walk` of them gives them: from the
    folder its walk starts at (a site's post folder, not the site's root), the first of two by the walk's
    order, or for a file named directly, its own folder."""
    starts = [
        (folder, os.path.join(folder, ""))
        for arg in paths
        if os.path.isdir(arg)
        for folder in _post_folders(arg, site_of(arg))
    ]
    named = set(paths)

    def place(path: str) -> tuple[str, str]:
        alone = (os.path.dirname(path) or ".", os.path.basename(path))
        found = [(folder, path[len(prefix) :]) for folder, prefix in starts if path.startswith(prefix)]
        return min([*found, alone] if path in named else found, default=alone)

    return place


def _dated_posts(folder: str, site: Site | None) -> bool:
    return (
        site is not None and site.generator == "jekyll" and "_posts" in os.path.abspath(folder).split(os.sep)
    )


def path_order(source: SourceFile) -> tuple[str, str]:
    return (source.root, source.relative)


def _place(entry: SourceFile | tuple[str, str, str]) -> tuple[str, str]:
    return (entry.root, entry.relative) if isinstance(entry, SourceFile) else (entry[1], entry[2])


def _walk_dir(
    root: str,
    problems: list[Problem],
    known: dict[str, tuple[Any, ...]],
    check_txt: bool,
    stat_files: bool,
    found: dict[tuple[int, int], SourceFile | tuple[str, str, str]],
    split_unchanged: bool = False,
    enough: int | None = None,
    rule: _Rule = _PLAIN,
) -> None:
    # The loop below runs once per file of a library of 100k: it avoids every call it can (the entry's
    # type and inode come with the directory listing; only symbolic links and ``stat_files`` cost a stat).
    visited: set[tuple[int, int]] = set()
    prefix = os.path.join(root, "")
    cut = len(prefix)
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
            maybe = kind_of(name)
            if rule is not _PLAIN and maybe is not None and _left_out(name, folder, rule):
                continue
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


def _left_out(name: str, folder: str, rule: _Rule) -> bool:
    if rule.no_section_pages and name.startswith("_index."):
        return True
    return rule.dated_names and _DATED_NAME.match(name) is None


# --- the walk's fingerprint ---------------------------------------------------------------------------


def fingerprint(paths: list[str], expected: int = 0) -> str:
    """A digest of what a walk of these paths would see: the site each folder belongs to, the names in
    every folder it would list, and every file's mtime, size, ctime and inode. Two equal fingerprints: no
    post was added, removed, changed (an edit in place included, unless it kept the size within one tick
    of the clock, which a walk misses too), linked, renamed or made readable between them, so an index
    made from the first is up to date (:meth:`SearchIndex.sync
    <converters.search_index.SearchIndex.sync>`: a search from a script then costs no walk). A change to
    a file that is no post (an image beside the posts) changes it too.

    A stat of every file is its floor. The work is cut in two below the folders given (their entries in
    halves), and a second process does one half when this one has no other thread and ``expected`` (the
    files the caller expects: as many as it last found) makes it worth a fork. ``bench_search.py`` times
    both: 100k posts in ~0.15 s instead of ~0.26 s. The digest is the same either way. A change of the
    walk's rules needs a new index schema, as the fingerprint knows nothing of them."""
    return survey(paths, expected=expected).whole


@dataclass(frozen=True)
class Survey:
    """The files as :func:`survey` found them."""

    whole: str
    """Their :func:`fingerprint`."""
    listing: str
    """A digest of what the walk lists, without the files' stamps: the sites, the names in every folder."""
    stamps: bytes
    """Every file's stamps (mtime, ctime, size, inode), for a later survey to compare its own with: the
    length of the first half's, then each half's, a batch of files (a folder's) at a time, as four
    columns. While the listing is the same, so is that layout."""
    differing: list[tuple[str, int, int, bool]]
    """The files whose stamps are not those of the ``before`` given: (path, mtime, size, whether it is
    the same file, by its inode). Meaningful only while the :attr:`listing` and the length of the stamps
    are those of ``before``'s survey."""
    differing_shared: bool
    """Whether one of them was one file with another name in ``before`` (a walk kept one of the two: the
    other may be a post of its own now, though none of its stamps changed)."""


def survey(paths: list[str], before: bytes = b"", expected: int = 0) -> Survey:
    """The files under ``paths``, in one stat of every file: their :func:`fingerprint`, and the files
    whose stamps differ from an earlier survey's (its :attr:`Survey.stamps`, as ``before``): a re-index
    after an edit then costs no walk, nor any query of the posts' stamps in the index: ``before`` is the
    bytes the last survey kept."""
    listed: list[Any] = []  # each argument, its site, its folders' own names
    entries: list[str] = []  # what is in those folders, and the files named
    visited: set[tuple[int, int]] = set()  # those folders (a link back up to one is not listed again)
    for arg in paths:
        try:
            st = os.stat(arg)
        except OSError as e:
            listed.append((arg, e.errno))
            continue
        if not stat.S_ISDIR(st.st_mode):
            listed.append(arg)
            entries.append(arg)
            continue
        site = site_of(arg)
        folders = _post_folders(arg, site)
        listed.append((arg, repr(site), folders))
        for folder in folders:
            entries += _list_folder(folder, listed, visited)
    while len(entries) < _SPLIT_AMONG:  # (a Hugo site's content/posts: the halves are what posts/ holds)
        inside = [p for p in entries if os.path.basename(p) not in SKIP_DIRS and os.path.isdir(p)]
        if not inside:
            break
        entries = [p for p in entries if p not in inside]
        for folder in inside:
            entries += _list_folder(folder, listed, visited)
    half = len(entries) // 2
    parts = (entries[:half], entries[half:])
    # The first half's stamps come first in ``before``: its length, then its stamps, then the second's.
    mine_before = theirs_before = b""
    if len(before) >= 8:
        cut = 8 + int.from_bytes(before[:8], "little")
        mine_before, theirs_before = before[8:cut], before[cut:]
    mine, theirs = _in_two(
        lambda part: _part_survey(parts[part], visited, theirs_before if part else mine_before),
        max(expected, len(entries)),
    )
    top = repr(listed).encode("utf-8", "surrogateescape")
    whole = hashlib.blake2b(top, digest_size=16)
    listing = hashlib.blake2b(top, digest_size=16)
    for part in (mine, theirs):
        whole.update(part.listing + part.stamps)
        listing.update(part.listing)
    differing = mine.differing + theirs.differing if before else []
    return Survey(
        whole=whole.hexdigest(),
        listing=listing.hexdigest(),
        stamps=len(mine.stamps).to_bytes(8, "little") + mine.stamps + theirs.stamps,
        differing=[(path, mtime, size, same) for path, mtime, size, _, same in differing],
        differing_shared=_shared(before, [inode for _, _, _, inode, _ in differing]),
    )


def _shared(before: bytes, inodes: list[bytes]) -> bool:
    """Whether one of these inodes was another file's too in ``before`` (or may have been: its stamps
    are read as one column, and a time or size equal to an inode counts)."""
    if not inodes:
        return False
    items = array("Q", before[8 : len(before) // 8 * 8])
    values = [array("Q", inode)[0] if len(inode) == 8 else -1 for inode in inodes]
    if len(values) <= 32:  # (a count is a scan in C: for a few files, one each; for many, one pass)
        return any(items.count(value) > 1 for value in values)
    wanted = set(values)
    return max(Counter(item for item in items if item in wanted).values(), default=0) > 1


def _list_folder(folder: str, listed: list[Any], visited: set[tuple[int, int]]) -> list[str]:
    """The paths of what a folder holds, as a walk lists it (its names sorted: the order a folder gives
    them in may change while they do not), its names into ``listed``."""
    try:
        st = os.stat(folder)
        names = sorted([name for name in os.listdir(folder) if name[0] != "."])
    except OSError as e:
        listed.append((folder, e.errno))
        return []
    if (st.st_dev, st.st_ino) in visited:  # (a symbolic link's loop, or a folder linked twice)
        listed.append((folder, "again"))
        return []
    visited.add((st.st_dev, st.st_ino))
    listed.append((folder, "\0".join(names)))  # (one string: its repr is made at once)
    prefix = os.path.join(folder, "")
    return [prefix + name for name in names]


@dataclass(frozen=True, slots=True)
class _Part:
    """What :func:`_part_survey` found of a part of the files."""

    listing: bytes
    stamps: bytes
    differing: list[tuple[str, int, int, bytes, bool]]
    """(path, mtime, size, its inode in ``before``, whether that is its inode now)."""


def _part_survey(paths: list[str], visited: set[tuple[int, int]], before: bytes) -> _Part:
    """These files' stamps and these folders listed down to the bottom, theirs too; and the files whose
    stamps differ from ``before`` (this part's stamps of an earlier survey) where they stand in it."""
    listed: list[Any] = []
    stamps = bytearray()
    differing: list[tuple[str, int, int, bytes, bool]] = []
    visited = set(visited)
    stack = [paths]
    while stack:
        batch = stack.pop()
        try:
            stats: list[Any] = list(map(os.stat, batch))
        except OSError:  # (one vanished, or a broken link: the slower loop, which says which)
            stats = [_stat_or_failed(path) for path in batch]
        folders = [i for i, s in enumerate(stats) if s.st_mode & 0o170000 == stat.S_IFDIR]
        # A file's (mtime, size), and what says it is the same file (a walk keeps one of two hard links, so
        # its inode) and that it is as it was (its ctime: a link, a rename, a chmod change it; a walk may
        # have read the file, or failed to, between two of them).
        mtimes = array("q", [s.st_mtime_ns for s in stats])
        ctimes = array("q", [s.st_ctime_ns for s in stats])
        sizes = array("q", [s.st_size for s in stats])
        inodes = array("Q", [s.st_ino for s in stats])
        for i in folders:  # (a folder's own times and size change with what it holds: that is listed)
            mtimes[i] = ctimes[i] = sizes[i] = 0
            if os.path.basename(batch[i]) not in SKIP_DIRS:
                stack.append(_list_folder(batch[i], listed, visited))
        now = b"".join(column.tobytes() for column in (mtimes, ctimes, sizes, inodes))
        if before:
            was = before[len(stamps) : len(stamps) + len(now)]
            n = len(batch)
            for i in sorted({item % n for item in _items_differing(now, was)}):
                at = 8 * (3 * n + i)  # (its inode, in the fourth column)
                differing.append(
                    (batch[i], mtimes[i], sizes[i], was[at : at + 8], was[at : at + 8] == now[at : at + 8])
                )
        stamps += now
    listing = hashlib.blake2b(repr(listed).encode("utf-8", "surrogateescape"), digest_size=16)
    return _Part(listing.digest(), bytes(stamps), differing)


def _items_differing(now: bytes, was: bytes) -> list[int]:
    """The 8-byte items of ``now`` that ``was`` does not hold in the same place (past its end, all), found
    by halves: an edit of one file among 100k costs some 17 comparisons of bytes, not 400k of numbers."""
    found: list[int] = []
    ranges = [(0, len(now) // 8)]
    while ranges:
        low, high = ranges.pop()
        if now[8 * low : 8 * high] == was[8 * low : 8 * high]:
            continue
        if high - low == 1:
            found.append(low)
            continue
        middle = (low + high) // 2
        ranges += [(middle, high), (low, middle)]
    return found


@dataclass(frozen=True, slots=True)
class _Failed:
    """A stat that failed, as the fingerprint keeps it: its error in place of a size."""

    st_size: int
    st_mode: int = 0
    st_mtime_ns: int = -1
    st_ctime_ns: int = -1
    st_ino: int = 0


def _stat_or_failed(path: str) -> os.stat_result | _Failed:
    try:
        return os.stat(path)
    except OSError as e:
        return _Failed(e.errno or -1)


def _in_two(work: Callable[[int], T], size: int) -> tuple[T, T]:
    """``(work(0), work(1))``, ``work(1)`` done meanwhile by a forked process when that is safe (on Linux,
    no other thread here) and worth it (``size``: the files to stat), which gives it back pickled; done
    here after all when the fork or its child fails."""
    alone = sys.platform.startswith("linux") and threading.active_count() == 1  # (as workers.py forks)
    if size < _FORK_FROM or not alone:
        return work(0), work(1)
    try:
        read_end, write_end = os.pipe()
        pid = os.fork()
    except OSError:
        return work(0), work(1)
    if pid == 0:  # (the child: its result, then out, running nothing of the parent's)
        code = 1
        try:
            gc.disable()  # (no finalizer of the parent's objects, such as an SQLite connection, runs here)
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(work(1), out, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    given = os.fdopen(read_end, "rb")
    try:
        mine = work(0)
        answer = given.read()
    finally:
        given.close()  # (first: a child still writing then stops, and is not waited for in vain)
        _, status = os.waitpid(pid, 0)
    if status == 0:
        with contextlib.suppress(Exception):
            return mine, pickle.loads(answer)
    return mine, work(1)


_SPLIT_AMONG = 64
"""Entries below the folders given from which the fingerprint's work is cut in two; with fewer, the
folders among them are listed first, and what they hold is cut instead."""
_FORK_FROM = 5000
"""Stats from which a second process takes half of them (a fork costs ~3 ms; 5000 stats ~10 ms)."""


def opens_with_front_matter(path: str) -> bool:
    """Whether a file starts (after blank lines) with a front-matter fence."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError:
        return True  # let the reader report why it cannot be read
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:3] in (b"---", b"+++", b";;;")
