"""The full-text index of a library: SQLite FTS5 through Python's own ``sqlite3``, kept beside the scan cache.

What it holds of each post is what a reader sees: the text of its converted body (the JSON record's
``content_text``), its title, tags, categories and authors, cut into tokens by
:mod:`converters.search_tokens` (words of any script, and Chinese, Japanese and Korean by bigrams and
characters). The index is contentless: the body's text is kept once, compressed, for snippets and for
taking a post out of the index again.

:meth:`SearchIndex.sync` brings it up to date with the files: a new or changed post (by mtime and size) is
indexed alone, a deleted one taken out. WAL mode lets a reader and a script use one index at once; a file
that is damaged or another program's is set aside and built anew, never fatal.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import os
import re
import sqlite3
import stat
import threading
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from .dates import rfc3339
from .post import Meta, Post
from .search_query import Query, Term, parse_query
from .search_tokens import NAMES_APART, fold, is_char, is_word, query_tokens, tokens, words_of
from .steps import groups as post_groups
from .walk import SourceFile, Survey, kind_of, placer, survey, walk

SCHEMA = 8
"""The index's layout and its tokens' rules: an index made by another version is built anew."""
TOKENIZER = "ascii"
"""FTS5's tokenizer of the tokens :mod:`.search_tokens` makes, already folded and separated by spaces: it
only has to split at the spaces (ASCII's, the cheapest: unicode61 costs a third more to insert with)."""
COLUMNS = ("title", "body", "tags", "categories", "authors")
WEIGHTS = (5.0, 1.0, 2.0, 2.0, 1.0)
"""bm25's weight of each column: a word in the title counts five times one in the body."""
PARALLEL_FROM = 200
"""Posts to index from which the work is spread over every core."""
WALK_HERE_UP_TO = 2000
"""Posts of an index whose files :func:`bring_up_to_date` may walk in its caller's thread (~10 ms);
a larger library is walked by a process of its own, the reader's interface left alone."""
_CHUNK = 64
WORKER_NICENESS = 5
"""How much lower than their parent's the priority of a sync's workers is. The parent, which alone writes
every post into SQLite (a third of a first build's CPU), is its serial part: with one worker more than the
cores, all of them running, it had its share of a core and no more, fell behind, and the workers then
waited on it with cores idle. Given the cores first, it never waits (a first build of 100k posts: 1.9 cores
busy instead of 1.8, 62 s instead of 64 s in turns on this machine)."""
_WAITING = 1
"""Workers beyond the cores, by default: a first build reads every file, most of them not yet in memory, and
while a worker waits for the disk another keeps its core busy (a first build of 30k posts just after the
files were read from disk: 21 s instead of 24-26 s; with the files in memory, the same 19-20 s)."""
_FTS_BATCH = 2048
"""Posts whose tokens are held to go into the FTS5 tables together, in rowid order (~35 MB)."""
_COMMIT_EVERY = 8 * _FTS_BATCH
"""Posts a long sync (a first build) commits at a time: stopped, it keeps what it had done, and the next
sync goes on from there; and the index's write-ahead log, which holds a transaction until it ends, grows
less (a first build of 100k posts: to 537 MB instead of 985 MB, as large as the index). Its time is the same."""
_FTS_HASH = 64 << 20
"""The memory an FTS5 table may fill before it writes a segment (its ``hashsize``; 1 MB by default, some
100 posts): a batch then goes to disk as one segment, and fewer segments are merged again later (a first
build of 20k posts: the parent's CPU 5.9 s instead of 7.7 s)."""


def index_file(roots: Sequence[str], zone_key: str = "local") -> Path:
    """The index of a library, beside its scan cache: one for each set of folders as they are named (the
    index keeps paths as a walk of them gives them: ``posts`` and ``/home/me/posts`` are two indexes, not
    one re-indexed whenever the other is used) and where they are."""
    from platformdirs import user_cache_dir

    named = "\0".join(f"{os.path.abspath(r)}\1{r}" for r in roots)
    key = hashlib.sha256((named + "\0" + zone_key).encode("utf-8", "surrogateescape")).hexdigest()
    return Path(user_cache_dir("postshelf")) / f"search-{key[:24]}.sqlite"


@dataclass(frozen=True)
class Hit:
    """A post found: where it is, what it is, how well it matched and the text around the match."""

    path: str
    relative: str
    title: str
    date: datetime | None
    categories: tuple[tuple[str, ...], ...]
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    score: float
    snippet: str
    marks: tuple[tuple[int, int], ...]
    """Where the matches stand in the snippet: (start, end) character offsets."""
    draft: bool = False

    @property
    def id(self) -> str:
        """The post's id, as its JSON record has it (``postshelf:`` and a hash of path, title, date)."""
        basis = "\0".join([self.relative, self.title, rfc3339(self.date) or ""])
        return "postshelf:" + hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:20]

    def marked_snippet(self, before: str = "«", after: str = "»") -> str:
        out, pos = [], 0
        for start, end in self.marks:
            out += [self.snippet[pos:start], before, self.snippet[start:end], after]
            pos = end
        return "".join(out) + self.snippet[pos:]


@dataclass
class SyncReport:
    indexed: int = 0
    removed: int = 0
    unchanged: int = 0


Progress = Callable[[int, int], None]


class SearchIndex:
    """One library's index, open. Not shared between threads: each opens its own."""

    def __init__(self, file: Path | str, zone: tzinfo | None = None) -> None:
        self.file = Path(file)
        self.zone = zone
        self.db = self._open()

    # --- the file ----------------------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = self._connect()
            if self._usable(db):
                return db
            db.close()
        except sqlite3.DatabaseError:
            pass
        self._set_aside()
        db = self._connect()
        self._create(db)
        return db

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.file, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def _usable(self, db: sqlite3.Connection) -> bool:
        """Ours and of this version (a new, empty file is made ours here)."""
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            self._create(db)
            return True
        if not {"info", "docs", "texts", "words", "chars"} <= tables:
            return False
        row = db.execute("SELECT value FROM info WHERE key='schema'").fetchone()
        if row is None or row[0] != str(SCHEMA):
            return False
        db.execute("SELECT count(*) FROM docs").fetchone()  # (a damaged file fails here, not later)
        return True

    def _set_aside(self) -> None:
        """A damaged or foreign index is removed (with its WAL files) to be built anew."""
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self.file}{suffix}")

    @staticmethod
    def _create(db: sqlite3.Connection) -> None:
        columns = ", ".join(COLUMNS)
        db.executescript(
            f"""
            BEGIN;
            CREATE TABLE IF NOT EXISTS info(key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS docs(
                id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, relative TEXT NOT NULL,
                mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL, title TEXT NOT NULL,
                date REAL, date_text TEXT, categories TEXT NOT NULL, tags TEXT NOT NULL,
                authors TEXT NOT NULL, draft INTEGER NOT NULL, keys TEXT NOT NULL,
                author_keys TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS docs_stamps ON docs(path, mtime_ns, size);
            CREATE TABLE IF NOT EXISTS texts(id INTEGER PRIMARY KEY, text BLOB NOT NULL);
            CREATE VIRTUAL TABLE IF NOT EXISTS words USING fts5({columns}, content='', detail=full,
                tokenize="{TOKENIZER}");
            CREATE VIRTUAL TABLE IF NOT EXISTS chars USING fts5({columns}, content='', detail=column,
                tokenize="{TOKENIZER}");
            INSERT INTO words(words, rank) VALUES ('hashsize', {_FTS_HASH});
            INSERT INTO chars(chars, rank) VALUES ('hashsize', {_FTS_HASH});
            INSERT OR REPLACE INTO info VALUES ('schema', '{SCHEMA}');
            COMMIT;
            """
        )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM docs").fetchone()[0])

    # --- keeping it up to date ------------------------------------------------------------------------

    def sync(
        self,
        roots: Sequence[str],
        progress: Progress | None = None,
        workers: int | None = None,
        stamps: Mapping[str, tuple[int, int]] | None = None,
    ) -> SyncReport:
        """Index what changed under ``roots`` since the last sync (new and changed posts, by mtime and
        size), and take out what is gone. Given ``stamps``, every post's (mtime, size) as a scan just found
        them, no walk is made: the posts whose stamps differ from the index's are indexed. Many posts are
        read by ``workers`` processes (by default one more than the cores). ``progress(done, total)`` is
        told how many are read, all of them only once all are in the index. An index found damaged on the
        way is set aside and built anew."""
        try:
            return self._sync(roots, progress, workers, stamps)
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError):  # (locked, full, read-only: not the file's fault)
                raise
            self.db.close()
            self._set_aside()
            self.db = self._connect()
            self._create(self.db)
            return self._sync(roots, progress, workers, stamps)

    def _sync(
        self,
        roots: Sequence[str],
        progress: Progress | None,
        workers: int | None,
        stamps: Mapping[str, tuple[int, int]] | None,
    ) -> SyncReport:
        listing = None
        if stamps is None:
            # (before the walk, if any: a change made during it changes a file's ctime, and shows next time)
            count = len(self)
            version = self._version()  # (first: what is read from here on is of this version or later)
            before = self._stored_survey()
            found = survey(list(roots), before[1] if before else b"", expected=count)
            listing = Listing(
                found.whole, version, found.listing, found.stamps, before[1] if before else None
            )
            if found.whole == self._fingerprint():
                return SyncReport(unchanged=count)
            alike = before and before[0] == found.listing and _same_layout(before[1], found.stamps)
            edited = self._edited(roots, found) if alike and count else None
            if edited is None:
                changed, gone, unchanged_count = self._walked(roots)
            else:
                changed, gone, unchanged_count = edited, [], count - len(edited)
        else:
            changed, gone, unchanged_count = self._compare(roots, stamps)
        report = SyncReport(unchanged=unchanged_count)
        self._write(self._entries(changed, progress, workers), gone, report, listing)
        if progress is not None and changed:  # (all of them only once they are in: searches find them)
            progress(len(changed), len(changed))
        return report

    def _edited(self, roots: Sequence[str], found: Survey) -> list[SourceFile] | None:
        """After edits alone, the posts that changed, by the survey's comparison of every file's stamps with
        those the last survey kept (a re-index after an edit of one post of 100k then needs no walk, nor
        a query of the posts' stamps in ``docs``: only the kept stamps, compared as bytes). Each file whose
        stamps differ must be a post of the index, a regular file of one name that was one file of one name
        before (a walk keeps one of two names of one file). Anything else (a note that may have become a
        post, a link) is None: the walk decides.
        (A file added, removed or renamed changes the listing, and never comes here.)"""
        if found.differing_shared:
            return None
        place = placer(roots)
        edited = []
        for path, mtime, size, same_file in found.differing:
            row = self.db.execute("SELECT mtime_ns, size FROM docs WHERE path=?", (path,)).fetchone()
            if row is None or not _one_name(path):
                return None
            if tuple(row) != (mtime, size) or not same_file:  # (else its ctime alone changed: a chmod)
                # (as a walk gives it: a .txt file found in a folder is maybe no post now)
                maybe = path not in roots and kind_of(os.path.basename(path)) is True
                edited.append(SourceFile(path, *place(path), mtime, size, maybe))
        return edited

    def _walked(self, roots: Sequence[str]) -> tuple[list[SourceFile], list[str], int]:
        """What changed since the last sync, by a walk of the files: (posts new or changed, paths gone,
        how many are unchanged)."""
        known = self._known()
        unchanged: set[str] = set()
        changed = walk(list(roots), [], known, check_txt=False, unchanged=unchanged)
        seen = unchanged | {s.path for s in changed}
        return changed, [path for path in known if path not in seen], len(unchanged)

    def _stored_survey(self) -> tuple[str, bytes] | None:
        """The :attr:`~converters.walk.Survey.listing` and :attr:`~converters.walk.Survey.stamps` of the
        survey that led to the index's :meth:`_fingerprint`, if it has one."""
        kept: dict[str, Any] = {}
        rows: dict[str, Any] = {}
        for key, value in self.db.execute(
            f"SELECT key, value FROM info WHERE key IN ('fingerprint', 'listing') OR {_STAMP_KEYS}"
        ):
            (kept if key in ("fingerprint", "listing") else rows)[key] = value
        # The listing names the fingerprint it was kept with: a version of postshelf that knows nothing of
        # the listing and the stamps (and leaves them as they are) changes or forgets the fingerprint.
        fingerprint, _, listing = str(kept.get("listing")).partition(" ")
        if (
            fingerprint != kept.get("fingerprint")
            or not rows
            or not all(isinstance(v, bytes) for v in rows.values())
        ):
            return None
        stamps = b"".join(rows[key] for key in sorted(rows))
        # (only rows as _stamp_rows makes them: _keep_survey then rewrites the ones that changed, and no other)
        return (listing, stamps) if _stamp_rows(stamps) == rows else None

    def _known(self) -> dict[str, tuple[str, int, int]]:
        """The index's posts as :func:`~converters.walk.walk` and :func:`~converters.walk.survey` take
        them: path → (path, mtime, size)."""
        stored = self.db.execute("SELECT path, mtime_ns, size FROM docs")
        return {path: (path, mtime, size) for path, mtime, size in stored}

    def _version(self) -> int:
        """A number that changes whenever another connection commits to the index."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def partial(self) -> bool:
        """Whether a sync stopped midway left the index part built."""
        return self.db.execute("SELECT 1 FROM info WHERE key='partial'").fetchone() is not None

    def _fingerprint(self) -> str | None:
        """The :func:`~converters.walk.fingerprint` of the files as the index holds them: the last survey's
        (kept with its listing and stamps), unless a sync by a scan's stamps or a midway commit forgot it
        since."""
        row = self.db.execute("SELECT value FROM info WHERE key='fingerprint'").fetchone()
        return None if row is None else str(row[0])

    def outdated(self, roots: Sequence[str], stamps: Mapping[str, tuple[int, int]]) -> int:
        """How many posts a sync given these ``stamps`` would index or take out (all of them, for an index
        found damaged on the way: a sync builds it anew)."""
        try:
            changed, gone, _ = self._compare(roots, stamps)
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError):  # (locked, say: not the file's fault)
                raise
            return len(stamps)
        return len(changed) + len(gone)

    def _compare(
        self, roots: Sequence[str], stamps: Mapping[str, tuple[int, int]]
    ) -> tuple[list[SourceFile], list[str], int]:
        """(posts new or changed, paths gone, how many are unchanged) by the index's stamps and these (the
        reader's, at 100k posts: no copy of the index's stamps is made, only of its paths)."""
        indexed: set[str] = set()
        changed: list[SourceFile] = []
        gone: list[str] = []
        unchanged = 0
        place = placer(roots)
        for path, mtime, size in self.db.execute("SELECT path, mtime_ns, size FROM docs"):
            indexed.add(path)
            stamp = stamps.get(path)
            if stamp is None:
                gone.append(path)
            elif stamp[0] != mtime or stamp[1] != size:
                changed.append(SourceFile(path, *place(path), *stamp))
            else:
                unchanged += 1
        changed += [
            SourceFile(path, *place(path), *stamp) for path, stamp in stamps.items() if path not in indexed
        ]
        return changed, gone, unchanged

    def _entries(
        self, sources: list[SourceFile], progress: Progress | None, workers: int | None
    ) -> Iterator[tuple[Any, ...] | str]:
        """Each changed post's row (or its path, when it is no post any more), as they are read."""
        jobs = [(s.path, s.relative, s.maybe, self.zone) for s in sources]
        total = len(jobs)
        cores = workers if workers is not None else (os.cpu_count() or 1)
        from .workers import ordered_map, read_ahead, single_threaded

        if total >= PARALLEL_FROM and cores > 1 and single_threaded():
            processes = cores if workers is not None else cores + _WAITING
            chunks = [jobs[i : i + _CHUNK] for i in range(0, total, _CHUNK)]
            done = 0
            stop = threading.Event()
            rows_ahead = read_ahead(
                ordered_map(_entries_of, chunks, processes, stop=stop, niceness=WORKER_NICENESS),
                _FTS_BATCH // _CHUNK,
                stop,
            )
            for rows in rows_ahead:
                yield from rows
                done += len(rows)
                if progress is not None and done < total:
                    progress(done, total)
        else:
            for done, job in enumerate(jobs, 1):
                yield _entry(job)
                if progress is not None and done % 64 == 0 and done < total:
                    progress(done, total)

    def _write(
        self,
        entries: Iterator[tuple[Any, ...] | str],
        gone: list[str],
        report: SyncReport,
        listing: Listing | None,
    ) -> None:
        """The changes into the index, with the survey that led to them (its fingerprint, listing and
        stamps): in one transaction, or for many posts in one every :data:`_COMMIT_EVERY` (the survey with
        the last). The survey is forgotten, and the next sync walks, when changes came from a scan's stamps
        (which may be older than the files), when another process wrote to the index since the survey was
        compared with it, or when a file could not be read (it is tried again)."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")  # (one writer at a time: a second process waits, then sees ours)
        whole = listing is not None and self._version() == listing.version
        try:
            for path in gone:
                self._remove(path)
                report.removed += 1
            pending: _Pending = {}
            written = 0  # (posts since the last commit)
            for entry in entries:
                if isinstance(entry, str):  # (a .txt file that is no post: out, if it was in)
                    report.removed += self._remove(entry, pending)
                    whole = whole and not isinstance(entry, Unread)
                    continue
                whole = whole and entry[2] != UNREAD
                self._remove(entry[0], pending)
                rowid = self._free_id(entry[5])
                db.execute(
                    "INSERT INTO docs(id, path, relative, mtime_ns, size, title, date, date_text, categories,"
                    " tags, authors, draft, keys, author_keys) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (rowid, *entry[:11], _casefold(entry[7] + entry[8]), _casefold(entry[9])),
                )
                pending[rowid] = (entry[11], entry[12], entry[13])
                if len(pending) == _FTS_BATCH:
                    self._insert_pending(pending)
                written += 1
                if written >= _COMMIT_EVERY and not pending:
                    whole = self._commit_midway() and whole
                    written = 0
                report.indexed += 1
            self._insert_pending(pending)
            if whole and listing is not None:
                self._keep_survey(listing)
            elif listing is not None or report.indexed or report.removed:
                self._forget_survey()
            db.execute("DELETE FROM info WHERE key='partial'")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # (a midway BEGIN IMMEDIATE that failed, or Ctrl-C just after its COMMIT)
                db.execute("ROLLBACK")
            raise

    def _commit_midway(self) -> bool:
        """Commit a long sync's work so far and go on in a new transaction: stopped later (the reader
        closed, a script killed), it keeps what it did, marked :meth:`partial` until a sync ends. The
        index's fingerprint goes first: until the end the index is not what the files are. Whether no
        other process wrote to the index in between."""
        self._forget_survey()
        self.db.execute("INSERT OR REPLACE INTO info VALUES ('partial', '1')")
        version = self._version()
        self.db.execute("COMMIT")
        self.db.execute("BEGIN IMMEDIATE")
        return self._version() == version

    def _keep_survey(self, listing: Listing) -> None:
        """The survey's fingerprint, listing and stamps, with the index they led to. The stamps go in rows
        of :data:`_STAMPS_CHUNK` bytes, and only the rows that changed are written (when nothing but the
        index wrote to it since ``listing.kept`` was read): after an edit of one post of 100k, some 100 KB
        instead of 3 MB."""
        rows = _stamp_rows(listing.stamps)
        if listing.kept is None:
            self.db.execute(f"DELETE FROM info WHERE {_STAMP_KEYS}")
            kept = {}
        else:
            kept = _stamp_rows(listing.kept)
            self.db.executemany("DELETE FROM info WHERE key=?", [(key,) for key in kept if key not in rows])
        self.db.executemany(
            "INSERT OR REPLACE INTO info VALUES (?, ?)",
            [("fingerprint", listing.fingerprint), ("listing", f"{listing.fingerprint} {listing.listing}")]
            + [(key, chunk) for key, chunk in rows.items() if kept.get(key) != chunk],
        )

    def _forget_survey(self) -> None:
        """The index is no longer what the files' last survey found: the next sync walks. (The stamps
        stay: without the listing they are never read, and a sync that goes on after a midway commit
        writes only the rows that changed.)"""
        self.db.execute("DELETE FROM info WHERE key IN ('fingerprint', 'listing')")

    def _insert_pending(self, pending: _Pending) -> None:
        """The posts' texts and tokens into their tables, by rowid: FTS5 writes what it holds to disk each
        time a rowid comes lower than the one before (ids go by date, files by path: at almost every post,
        which made a first build a third slower), and a B-tree fills its pages in order."""
        columns = ", ".join(COLUMNS)
        rows = sorted(pending.items())
        self.db.executemany("INSERT INTO texts(id, text) VALUES (?,?)", [(i, row[0]) for i, row in rows])
        for rowid, (_, words, chars) in rows:
            self.db.execute(f"INSERT INTO words(rowid, {columns}) VALUES (?,?,?,?,?,?)", (rowid, *words))
            self.db.execute(f"INSERT INTO chars(rowid, {columns}) VALUES (?,?,?,?,?,?)", (rowid, *chars))
        pending.clear()

    def _free_id(self, timestamp: float | None) -> int:
        """The next id of the post's second (:func:`date_key`), after those taken."""
        first = date_key(timestamp)
        last = first + (1 << _SLOT_BITS) - 1
        row = self.db.execute("SELECT max(id) FROM docs WHERE id BETWEEN ? AND ?", (first, last)).fetchone()
        rowid = first if row[0] is None else int(row[0]) + 1
        # (past the second's last id, a full second's posts go on into the next second's ids, if free)
        while rowid > last and self.db.execute("SELECT 1 FROM docs WHERE id = ?", (rowid,)).fetchone():
            rowid += 1
        return rowid

    def _remove(self, path: str, pending: _Pending | None = None) -> int:
        """Take a post out: a contentless FTS5 table forgets a row only when told its tokens again, which
        are made anew from what ``docs`` keeps (the same rules: the schema's version pins them). A post
        whose text and tokens wait in ``pending`` goes into its tables first: it must be there to be taken
        out."""
        row = self.db.execute(
            "SELECT id, title, categories, tags, authors FROM docs WHERE path=?", (path,)
        ).fetchone()
        if row is None:
            return 0
        rowid, title, categories, tags, authors = row
        if pending and rowid in pending:
            self._insert_pending(pending)
        (text,) = self.db.execute("SELECT text FROM texts WHERE id=?", (rowid,)).fetchone()
        words, chars = _token_columns(title, zlib.decompress(text).decode("utf-8"), tags, categories, authors)
        columns = ", ".join(COLUMNS)
        self.db.execute(
            f"INSERT INTO words(words, rowid, {columns}) VALUES ('delete', ?,?,?,?,?,?)", (rowid, *words)
        )
        self.db.execute(
            f"INSERT INTO chars(chars, rowid, {columns}) VALUES ('delete', ?,?,?,?,?,?)", (rowid, *chars)
        )
        self.db.execute("DELETE FROM docs WHERE id=?", (rowid,))
        self.db.execute("DELETE FROM texts WHERE id=?", (rowid,))
        return 1

    # --- searching --------------------------------------------------------------------------------------

    def search(self, text: str | Query, limit: int = 50, drafts: bool = False) -> list[Hit]:
        """The posts a query finds, best first (bm25, the title weighted up; ties newest first); a query
        of single CJK characters and fields alone, newest first. Past :data:`WINDOW` matches, only the
        newest that many are ranked (see there)."""
        query = parse_query(text, self.zone) if isinstance(text, str) else text
        if query.empty:
            return []
        plan = _Plan.of(query, limit)
        with self.snapshot():
            window = plan.window_floor(self.db) if plan.ranked and limit > 0 else None
            hits = self._run(plan, query, drafts, window)
            if window is not None and len(hits) < limit:  # (filters left too few of the window: rank all)
                hits = self._run(plan, query, drafts, None)
        return hits

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: the statements within see the index as one commit left it, whatever
        another process writes meanwhile (a search's posts, then their texts; a search, then its count).
        Within a sync's own transaction, that one (where the posts still to go into FTS5 are not seen)."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN")
        try:
            yield
        finally:
            if self.db.in_transaction:
                self.db.execute("COMMIT")

    def count(self, text: str | Query, drafts: bool = False) -> int:
        """How many posts a query finds (what a limited :meth:`search` leaves out included)."""
        query = parse_query(text, self.zone) if isinstance(text, str) else text
        if query.empty:
            return 0
        plan = _Plan.of(query, 0)
        source, params = _source(plan, query, drafts, plan.low)
        return int(self.db.execute(f"SELECT count(*) {source}", params).fetchone()[0])

    def _run(self, plan: _Plan, query: Query, drafts: bool, window: int | None) -> list[Hit]:
        source, params = _source(plan, query, drafts, plan.low if window is None else window)
        columns = "d.id, d.path, d.relative, d.title, d.date_text, d.categories, d.tags, d.authors, d.draft"
        if plan.lead:
            score = f"bm25({plan.lead}, {', '.join(map(str, WEIGHTS))})" if plan.ranked else "0.0"
            order = "score, d.id DESC" if plan.ranked else f"{plan.lead}.rowid DESC"
        else:
            score, order = "0.0", "d.id DESC"
        sql = f"SELECT {columns}, {score} AS score {source} ORDER BY {order}"
        if plan.limit > 0:
            sql += " LIMIT ?"
            params.append(plan.limit)
        rows = self.db.execute(sql, params).fetchall()
        texts = self._texts([row[0] for row in rows])
        terms = query.terms()
        # (a search within a sync: its posts whose texts still wait in its batch are left out)
        return [_hit(row, texts[row[0]], terms) for row in rows if row[0] in texts]

    def _texts(self, ids: list[int]) -> dict[int, bytes]:
        """The compressed texts of these posts (kept apart from ``docs``: a scan of it, as a sync makes,
        then reads no text)."""
        found: dict[int, bytes] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self.db.execute(f"SELECT id, text FROM texts WHERE id IN ({marks})", chunk))
        return found


def _same_layout(before: bytes, now: bytes) -> bool:
    """Whether two surveys' stamps are laid out alike (as they are when their listings are the same):
    anything else, as stamps kept by another version, is no ground to compare files by."""
    return len(before) == len(now) and before[:8] == now[:8]


def _one_name(path: str) -> bool:
    """A regular file by this name, and by no other (no link, hard or symbolic)."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_nlink == 1


def bring_up_to_date(
    roots: Sequence[str],
    zone: tzinfo | None,
    zone_key: str,
    stamps: Mapping[str, tuple[int, int]] | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> bool:
    """:meth:`SearchIndex.sync` for a program with threads (the reader): much to index (a first build) in
    a new process, on every core (see :func:`~converters.workers.single_threaded`); a few posts, or all
    of them when that process cannot be had, here. Without ``stamps`` the files are walked: here for a
    small library (:data:`WALK_HERE_UP_TO`), else by that process. Whether the index may have changed."""
    from .dates import named_by
    from .workers import run_elsewhere

    file = index_file(roots, zone_key)
    if named_by(zone, zone_key):
        with SearchIndex(file, zone) as index:
            if stamps is None:
                much = not 0 < len(index) <= WALK_HERE_UP_TO
            else:
                much = index.outdated(roots, stamps) >= PARALLEL_FROM
            if much:
                before = index._version()
                arguments = ["--zone-key", zone_key, "--", *roots]
                if run_elsewhere("search_index", arguments, progress, cancelled):
                    return index._version() != before  # (no commit there: the files were as indexed)
                if cancelled():
                    return False
    with SearchIndex(file, zone) as index:
        report = index.sync(roots, progress, stamps=stamps)
    return bool(report.indexed or report.removed)


BACKGROUND_NICENESS = 10
"""How much lower than the reader's the priority of a build in a process of its own is: the reader's
screen and its own work come first on cores the build would otherwise fill (with one worker more than
them); on cores with nothing else to do, the build takes as long."""


def _main(argv: list[str] | None = None) -> int:
    """``--zone-key KEY -- PATH...``: what :func:`bring_up_to_date` runs in a process of its own. Prints
    ``progress DONE TOTAL`` lines; exits 0 once the index is up to date."""
    from .dates import resolve_zone
    from .workers import given_elsewhere, lower_priority, say_progress

    paths, zone_key = given_elsewhere("search_index", argv)
    lower_priority(BACKGROUND_NICENESS)  # (its workers, forked from it, too)
    with SearchIndex(index_file(paths, zone_key), resolve_zone(zone_key)) as index:
        index.sync(paths, say_progress)
    return 0


WINDOW = 3000
"""Matches a ranked search scores at most. bm25 costs ~2.5 µs a match: a word in all 100k posts would take
250 ms. Past this many, the newest :data:`WINDOW` matches are ranked (a word in that many posts says
little about which is best: its idf is near 0), unless the query's filters leave fewer than its limit of
them, when every match is."""

_SLOT_BITS = 12
_SHIFT = 1 << 36
"""Seconds added to a date's timestamp so that every year from 1 to 9999 gives a positive id."""


def date_key(timestamp: float | None) -> int:
    """The first id of a post dated ``timestamp`` (its second's 2**12 ids; undated posts have the lowest
    ids of all). Posts are numbered in date order so that an FTS5 table, whose rows come in rowid order at
    no cost, gives them newest first: a newest-first search reads only as far as its limit."""
    return 1 if timestamp is None else (math.floor(timestamp) + _SHIFT) << _SLOT_BITS


def _group_table(group: list[Term]) -> str:
    tables = {_table(t) for t in group}
    return tables.pop() if len(tables) == 1 else "mixed"


@dataclass
class _Plan:
    """How a query is answered: the FTS5 table that leads (its groups and exclusions in one MATCH), the
    others as filters, the range of ids its dates allow."""

    limit: int
    lead: str | None
    expression: str
    others: dict[str, list[list[Term]]]
    excluded: dict[str, list[Term]]
    low: int
    high: int

    @property
    def ranked(self) -> bool:
        return self.lead == "words"

    @classmethod
    def of(cls, query: Query, limit: int) -> _Plan:
        groups: dict[str, list[list[Term]]] = {"words": [], "chars": [], "mixed": []}
        for group in query.groups:
            if len(group) == 1:
                for piece in _pieces(group[0]):
                    groups[_table(piece)].append([piece])
            else:
                groups[_group_table(group)].append(group)
        excluded: dict[str, list[Term]] = {"words": [], "chars": []}
        for term in query.excluded:
            excluded[_table(term)].append(term)
        lead = "words" if groups["words"] else "chars" if groups["chars"] else None
        expression = ""
        if lead is not None:
            expression = _fts_expression(groups.pop(lead))
            for term in excluded.pop(lead):
                expression = f"({expression}) NOT {_fts_term(term)}"
        low = date_key(query.after.timestamp()) if query.after else 0
        high = date_key(query.before.timestamp()) + (1 << _SLOT_BITS) if query.before else 1 << 62
        return cls(limit, lead, expression, groups, excluded, low, high)

    def window_floor(self, db: sqlite3.Connection) -> int | None:
        """The id of the :data:`WINDOW`-th newest match, if there are more."""
        row = db.execute(
            f"SELECT rowid FROM {self.lead} WHERE {self.lead} MATCH ? AND rowid BETWEEN ? AND ?"
            f" ORDER BY rowid DESC LIMIT 1 OFFSET {WINDOW - 1}",
            (self.expression, self.low, self.high),
        ).fetchone()
        return None if row is None else int(row[0])


def _source(plan: _Plan, query: Query, drafts: bool, low: int) -> tuple[str, list[Any]]:
    """The FROM and WHERE of a search and of its count: the leading FTS5 table's matches among the ids
    from ``low`` (CROSS JOIN: the FTS5 table drives the loop, in its rowid order, which is the posts' date
    order, so that a newest-first search stops at its limit), or the posts alone, then the filters."""
    where, params = _filters(plan, query, drafts, low)
    if plan.lead:
        lead = plan.lead
        return (
            f"FROM {lead} CROSS JOIN docs d ON d.id = {lead}.rowid"
            f" WHERE {lead} MATCH ? AND {lead}.rowid BETWEEN ? AND ? AND {where}",
            [plan.expression, low, plan.high, *params],
        )
    return f"FROM docs d WHERE d.id BETWEEN ? AND ? AND {where}", [low, plan.high, *params]


def _filters(plan: _Plan, query: Query, drafts: bool, low: int) -> tuple[str, list[Any]]:
    """The SQL that keeps what the query asks for beyond the leading MATCH (terms of the other table
    looked for only among the ids the search covers)."""
    clauses: list[str] = ["1"]
    params: list[Any] = []
    if not drafts:
        clauses.append("d.draft = 0")
    for groups in plan.others.values():
        for group in groups:
            parts = []
            for term in group:
                table = _table(term)
                parts.append(f"SELECT rowid FROM {table} WHERE {table} MATCH ? AND rowid BETWEEN ? AND ?")
                params += [_fts_term(term), low, plan.high]
            clauses.append(f"d.id IN ({' UNION '.join(parts)})")
    for table, terms in plan.excluded.items():
        for term in terms:
            clauses.append(
                f"d.id NOT IN (SELECT rowid FROM {table} WHERE {table} MATCH ? AND rowid BETWEEN ? AND ?)"
            )
            params += [_fts_term(term), low, plan.high]
    for tag in query.tags:  # (keys: categories and tags, case-folded: see _write)
        clauses.append("instr(d.keys, ?) > 0")
        params.append(f"\x1f{tag}\x1f")
    for author in query.authors:
        clauses.append("instr(d.author_keys, ?) > 0")
        params.append(author)
    for path in query.categories:
        clauses.append("instr(d.keys, ?) > 0")
        params.append("\x1d" + "".join(f"\x1e{name}" for name in path) + "\x1e")
    if query.after is not None:  # (the ids' range is by the second: the dates themselves decide)
        clauses.append("d.date >= ?")
        params.append(query.after.timestamp())
    if query.before is not None:
        clauses.append("d.date <= ?")
        params.append(query.before.timestamp())
    return " AND ".join(clauses), params


def _casefold(value: str | None) -> str:
    return (value or "").casefold()


def _table(term: Term) -> str:
    """Where a term is looked for: one CJK character (and nothing else) in the table of characters."""
    found = query_tokens(term.text)
    return "chars" if len(found) == 1 and is_char(found[0][0]) else "words"


def _fts_term(term: Term) -> str:
    """A term as an FTS5 expression: every token quoted, the phrase's tokens in order."""
    variants = [v for v in _phrases(term.text) if v] if term.phrase else []
    if variants:  # (an empty one, ends stripped, is the characters anywhere: _pieces looks for them)
        expression = " OR ".join('"' + " ".join(tokens) + '"' for tokens in variants)
    else:
        phrases = query_tokens(term.text)
        parts = ['"' + " ".join(p) + '"' for p in phrases]
        if term.prefix and parts and is_word(phrases[-1][0]):
            parts[-1] += "*"
        expression = " AND ".join(parts)
    return f"title : ({expression})" if term.title_only else f"({expression})"


JOINS = 4
"""Gaps of a quoted phrase between two CJK runs (``"跨域 问题"``) found both ways, as a gap in the text and
as no gap (``跨域问题``): Chinese writes no space between words, and a query often has one. Each is a
phrase of its own to FTS5 (2**n of them): gaps past this many must be gaps in the text too."""


def _phrases(text: str) -> list[list[str]]:
    """A quoted phrase's token sequences, in order, any of which is the phrase: the gaps between its CJK
    runs kept, or closed (see :data:`JOINS`). Within a sequence a run's lone last character marks the gap
    to what follows; at its ends such characters go (there a run of the phrase may be part of a longer run
    of the text, and :func:`_pieces` looks for a character alone anywhere)."""
    pieces = words_of(fold(text))
    gaps = [i for i in range(len(pieces) - 1) if not is_word(pieces[i]) and not is_word(pieces[i + 1])]
    gaps = gaps[:JOINS]
    found: list[list[str]] = []
    for closed in range(1 << len(gaps)):
        shut = {gap for bit, gap in enumerate(gaps) if closed >> bit & 1}
        joined = "".join(p + ("" if i in shut else " ") for i, p in enumerate(pieces))
        sequence = tokens(joined)[0].split()
        while sequence and is_char(sequence[0]):
            sequence.pop(0)
        while sequence and is_char(sequence[-1]):
            sequence.pop()
        if sequence not in found:
            found.append(sequence)
    return found


def _pieces(term: Term) -> list[Term]:
    """A term that mixes single CJK characters with words or longer runs (``第60段``) → its pieces, each
    looked for in its own table and all of them required: the words table holds no single characters.
    A quoted single character is that character."""
    found = query_tokens(term.text)
    single = [p for p in found if len(p) == 1 and is_char(p[0])]
    if not single or len(found) == 1:
        return [Term(term.text, False, term.title_only, term.prefix)] if single else [term]
    chars = [Term(p[0], False, term.title_only) for p in single]
    if term.phrase:  # (the phrase of what has positions, and the characters beside it)
        return [term, *chars] if all(_phrases(term.text)) else chars
    pieces = words_of(term.text)
    return [
        Term(p, False, term.title_only, term.prefix and i == len(pieces) - 1) for i, p in enumerate(pieces)
    ]


def _fts_expression(groups: list[list[Term]]) -> str:
    return " AND ".join("(" + " OR ".join(_fts_term(t) for t in group) + ")" for group in groups)


# --- what the index holds of a post -----------------------------------------------------------------------


def _entries_of(jobs: list[tuple[str, str, bool, tzinfo | None]]) -> list[tuple[Any, ...] | str]:
    """:func:`_entry` of each job, each step taken for a group of posts before the next (why:
    :mod:`converters.steps`; a first build's workers take a fifth less time)."""
    read = (_read(job) for job in jobs)
    rows: list[tuple[Any, ...] | str] = []
    for group in post_groups(read, lambda item: 0 if isinstance(item, str) else len(item[2].body)):
        posts = [item for item in group if not isinstance(item, str)]
        try:
            texts = iter(_texts_together([post for _, _, post in posts]))
        except Exception:  # (a post that trips the converter costs only itself)
            texts = iter([_text(post) for _, _, post in posts])
        rows += [item if isinstance(item, str) else _columns(*item, next(texts)) for item in group]
    return rows


def _entry(job: tuple[str, str, bool, tzinfo | None]) -> tuple[Any, ...] | str:
    """A post's row: its docs columns, then its token columns for ``words`` and for ``chars``. A file
    that turns out to be no post gives its path (an :class:`Unread` one when it could not be read)."""
    item = _read(job)
    return item if isinstance(item, str) else _columns(*item, _text(item[2]))


def _read(
    job: tuple[str, str, bool, tzinfo | None],
) -> tuple[tuple[str, str, bool, tzinfo | None], os.stat_result, Post] | str:
    """The job, its file's stat and its post; or, for a file that turns out to be no post, its path (an
    :class:`Unread` one when it could not be read)."""
    from .reading import read_post  # (the converter's modules: not needed to search)

    path, _, maybe, zone = job
    try:
        st = os.stat(path)
        post = read_post(path, zone)
    except Exception:  # (gone since the walk, or a bug: tried again at the next sync)
        return Unread(path)
    if maybe and post.front_matter_format is None:
        return path if post.readable else Unread(path)
    return job, st, post


def _text(post: Post) -> str:
    """The post's text as its JSON record's ``content_text`` (none for a post that trips the converter:
    it is indexed by its metadata alone)."""
    from .document import Rendered

    try:
        return Rendered(post).text if post.readable else ""
    except Exception:
        return ""


def _texts_together(posts: list[Post]) -> list[str]:
    """:func:`_text` of each post, the HTML ones cleaned a step at a time; raises what cleaning raises."""
    from .document import Rendered, clean_html_posts

    docs = clean_html_posts(post for post in posts if post.readable)
    return [Rendered(post, clean=docs.get(id(post))).text if post.readable else "" for post in posts]


def _columns(
    job: tuple[str, str, bool, tzinfo | None], st: os.stat_result, post: Post, text: str
) -> tuple[Any, ...]:
    path, relative, _, _ = job
    meta = post.meta
    tags, authors, categories = _meta_columns(meta)
    words, chars = _token_columns(meta.title, text, tags, categories, authors)
    date = meta.date.timestamp() if meta.date else None
    # The tokens as UTF-8, which is what SQLite keeps: a str would be encoded to go through the pipe to
    # the parent, decoded there, and encoded again for SQLite (~3 % of a first build's CPU).
    return (
        path, relative, st.st_mtime_ns if post.readable else UNREAD, st.st_size, meta.title, date,
        rfc3339(meta.date), categories, tags, authors, int(meta.draft), zlib.compress(text.encode("utf-8"), 1),
        [w.encode("utf-8") for w in words], [c.encode("utf-8") for c in chars],
    )  # fmt: skip


class Unread(str):
    """The path of a file that could not be read, to know whether it is a post: out of the index for now,
    read again at the next sync."""


UNREAD = -1
"""The mtime kept for a post that could not be read (indexed by its name alone): no file has it, so the
next sync reads it again."""


@dataclass(frozen=True)
class Listing:
    """A survey's :func:`~converters.walk.fingerprint` of the files, and the index's version it was
    compared with (:meth:`SearchIndex._version`)."""

    fingerprint: str
    version: int
    listing: str
    """The survey's :attr:`~converters.walk.Survey.listing`, kept with the fingerprint."""
    stamps: bytes
    """The survey's :attr:`~converters.walk.Survey.stamps`, kept for the next sync to compare the files
    with."""
    kept: bytes | None
    """The stamps the index kept when the survey was made, if any."""


_STAMPS_CHUNK = 64 << 10
_STAMP_KEYS = "key BETWEEN 'stamps' AND 'stamps ~'"
"""The rows of ``info`` that hold the stamps: ``stamps 000000``, ``stamps 000001``, and so on."""


def _stamp_rows(stamps: bytes) -> dict[str, bytes]:
    return {
        f"stamps {i // _STAMPS_CHUNK:06d}": stamps[i : i + _STAMPS_CHUNK]
        for i in range(0, len(stamps), _STAMPS_CHUNK)
    }


_Pending = dict[int, tuple[bytes, list[bytes], list[bytes]]]
"""Posts of a sync still to go into ``texts`` and the FTS5 tables: rowid → (its compressed text, its tokens
for ``words``, for ``chars``)."""


def _meta_columns(meta: Meta) -> tuple[str, str, str]:
    """tags, authors, categories as ``docs`` keeps them (names between \\x1f; each category path opening
    with \\x1d and each name with \\x1e: a prefix of components is found with ``instr``)."""
    tags = "\x1f" + "\x1f".join(meta.tags) + "\x1f" if meta.tags else ""
    authors = "\x1f" + "\x1f".join(meta.authors) + "\x1f" if meta.authors else ""
    categories = "".join(
        "\x1d" + "".join(f"\x1e{name}" for name in path) + "\x1e" for path in meta.categories
    )
    return tags, authors, categories


_NAMES = re.compile("[\x1d\x1e\x1f]")


@functools.lru_cache(maxsize=4096)
def _name_tokens(name: str) -> tuple[str, str]:
    """:func:`tokens` of a tag, category or author name: a library has few, each in many posts."""
    return tokens(name)


def _token_columns(
    title: str, text: str, tags: str, categories: str, authors: str
) -> tuple[list[str], list[str]]:
    """The five columns' tokens for ``words`` and for ``chars``. Each tag, author and category name is
    tokenised alone, a separator between two: no phrase runs from one name into the next."""
    words, chars = [], []
    for value in (title, text):
        ordered, singles = tokens(value)
        words.append(ordered)
        chars.append(singles)
    for value in (tags, categories, authors):
        pieces = [_name_tokens(n) for n in _NAMES.split(value) if n]
        words.append(f" {NAMES_APART} ".join(ordered for ordered, _ in pieces if ordered))
        chars.append(" ".join({ch for _, singles in pieces for ch in singles.split()}))
    return words, chars


# --- hits -------------------------------------------------------------------------------------------------

SNIPPET_CHARS = 80


def _hit(row: tuple[Any, ...], text: bytes, terms: list[Term]) -> Hit:
    _, path, relative, title, date_text, categories, tags, authors, draft, score = row
    body = zlib.decompress(text).decode("utf-8")
    snippet, marks = make_snippet(body, terms)
    return Hit(
        path=path,
        relative=relative,
        title=title,
        date=datetime.fromisoformat(date_text) if date_text else None,
        categories=tuple(tuple(p.split("\x1e")[1:-1]) for p in categories.split("\x1d")[1:]),
        tags=tuple(tags.split("\x1f")[1:-1]) if tags else (),
        authors=tuple(authors.split("\x1f")[1:-1]) if authors else (),
        score=0.0 - float(score),  # (bm25 is lower for a better match)
        snippet=snippet,
        marks=marks,
        draft=bool(draft),
    )


def marked_words(terms: Sequence[Term]) -> list[str]:
    """What of a query's terms is marked where it is found: their words and CJK runs (a phrase's one by
    one: the text may have spaces where the query had none), longest first, else in the query's order."""
    return sorted(dict.fromkeys(w for t in terms for w in words_of(t.text)), key=len, reverse=True)


def make_snippet(
    text: str, terms: list[Term], width: int = SNIPPET_CHARS
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About ``width`` characters of ``text`` around the first match of any term, on one line, with
    where each match stands in it. The opening of the text when no term is in it (a title match).
    Only the window is folded (case, accents): a post's whole text would cost milliseconds a hit."""
    needles = marked_words(terms)
    whole = sorted({t.text.strip() for t in terms if len(words_of(t.text)) > 1}, key=len, reverse=True)
    found = re.search("|".join(map(re.escape, whole)), text, re.IGNORECASE) if whole else None
    if found is None:  # (a term as typed first: 第60段 before the first 第 of the text)
        found = re.search("|".join(map(re.escape, needles)), text, re.IGNORECASE) if needles else None
    start = max(0, found.start() - width // 3) if found else 0
    window = " ".join(text[start : start + 3 * width].split())
    if start and window:
        window = window.split(" ", 1)[-1] if " " in window[:12] else window  # (not from within a word)
    snippet = window[:width]
    piece, offsets = fold_with_map(snippet)
    marks: list[tuple[int, int]] = []
    for needle in {fold(n) for n in needles}:
        pos = piece.find(needle)
        while pos >= 0:
            a, b = offsets[pos], offsets[pos + len(needle) - 1] + 1
            if not any(a < e and s < b for s, e in marks):
                marks.append((a, b))
            pos = piece.find(needle, pos + len(needle))
    return snippet, tuple(sorted(marks))


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """``text`` folded as words are (:func:`~converters.search_tokens.fold`), and for each character of
    the result the offset of the character it came from."""
    if text.isascii():
        return text.lower(), list(range(len(text)))
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = fold(ch) if not ch.isspace() else ch
        out.append(folded)
        where.extend([i] * len(folded))
    return "".join(out), where
