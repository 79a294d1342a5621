"""The scan cache: each post's Meta as one flat row of plain values, written with marshal and a CRC-32,
one file per set of folders and time zone in the user's cache directory."""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .outputs import write_atomic
from .post import Meta, Problem

# A cached post is one flat tuple of plain values (marshal reads 100k of them in ~0.1 s, ~6x faster than
# the same rows as JSON, and keeps shared category tuples shared):
#   (path, mtime_ns, size, title, date, date_offset, updated, updated_offset,
#    categories, tags, authors, cover, language, body_kind, problems, draft)
# A date is its POSIX timestamp plus its UTC offset in seconds, or its ISO text where a float would not
# give back the same microsecond; problems are (message, severity, line) triples.
Row = tuple[Any, ...]


def cache_file(roots: list[str], zone_key: str) -> Path:
    """The cache of a scan of ``roots`` in a zone; a site's configuration (its time zone, say) is part of
    the key, so a scan made before it changed is not used after."""
    from platformdirs import user_cache_dir

    from .site import site_of

    sites = [site.config_stamp for r in roots if (site := site_of(r)) is not None]
    key = hashlib.sha256(
        ("\0".join(os.path.abspath(r) for r in roots) + "\0" + zone_key + "\0" + "\0".join(sites)).encode()
    ).hexdigest()
    return Path(user_cache_dir("postshelf")) / f"scan-{key[:24]}.bin"


_SHARED: dict[object, object] = {}
"""One object for each distinct category path, tag list, author list and time zone: 100k posts from a
few dozen sources share them instead of holding 100k copies."""


def _shared(value: object) -> object:
    return _SHARED.setdefault(value, value)


_ZONES: dict[int, timezone] = {}


def _zone_of(offset_seconds: int) -> timezone:
    zone = _ZONES.get(offset_seconds)
    if zone is None:
        zone = timezone(timedelta(seconds=offset_seconds)) if offset_seconds else timezone.utc
        _ZONES[offset_seconds] = zone
    return zone


def shared_row(row: Row) -> Row:
    """The same row, its category paths, tags and authors shared with every other post of the library
    (which also keeps them shared, and the cache small, when marshal writes them)."""
    return (*row[:8], _shared(row[8]), _shared(row[9]), _shared(row[10]), *row[11:])


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
    if isinstance(value, float):
        return datetime.fromtimestamp(value, _zone_of(seconds))
    return datetime.fromisoformat(value).replace(tzinfo=_zone_of(seconds))


def row_from_meta(meta: Meta, mtime_ns: int, size: int) -> Row:
    date, date_offset = _pack_date(meta.date)
    updated, updated_offset = _pack_date(meta.updated)
    problems = tuple((p.message, p.severity, p.line) for p in meta.problems)
    return (
        meta.path, mtime_ns, size, meta.title, date, date_offset, updated, updated_offset,
        meta.categories, meta.tags, meta.authors, meta.cover, meta.language, meta.body_kind, problems,
        meta.draft,
    )  # fmt: skip


def meta_from_row(row: Row, fromtimestamp: Callable[..., datetime] = datetime.fromtimestamp) -> Meta:
    path, _, _, title, date, date_offset, updated, updated_offset, cats, tags, authors, cover, lang, kind, problems, draft = row  # fmt: skip
    if path.__class__ is not str or title.__class__ is not str or cats.__class__ is not tuple:
        raise ValueError("a damaged cache row")  # (the caller discards the cache; a few ns a post)
    when: datetime | None
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
        draft is True,
    )


_CACHE_HEADER = ("postshelf-scan", 8, sys.version_info[:2])  # (8: sites' rules, drafts)


def row_order(row: Row) -> tuple[int, float, str]:
    """:func:`sort_key` of the row's post, from the row: no datetime to make for most posts."""
    date = row[4]
    if date is None:
        return (1, 0.0, row[0])
    if date.__class__ is not float:
        date = _unpack_date(date, row[5]).timestamp()  # type: ignore[union-attr]
    return (0, -date, row[0])


_CACHE_MAGIC = b"postshelf-scan-cache "


def load_cache(file: Path) -> list[Row]:
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


def save_cache(file: Path, rows: list[Row]) -> None:
    """Written atomically; a cache that cannot be written only makes the next scan slower."""
    with contextlib.suppress(OSError, ValueError):
        payload = marshal.dumps((_CACHE_HEADER, rows))
        write_atomic(file, _CACHE_MAGIC + b"%08x\n" % zlib.crc32(payload) + payload)
