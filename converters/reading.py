"""A post file → :class:`~converters.post.Post`: whole, or only its head for a library scan.

The steps are :mod:`~converters.decoding` (bytes to text), :mod:`~converters.front_matter` (text to front
matter and body) and :mod:`~converters.metadata` (both to Meta). Reading never raises and never writes:
whatever is wrong becomes a Problem; files that are not regular, or too large, are refused unread.
"""

from __future__ import annotations

import os
import stat
from datetime import tzinfo
from pathlib import Path

from .decoding import decode
from .front_matter import parse_front_matter, split
from .metadata import HEAD_BYTES, build_meta, excerpt_of
from .post import Meta, Post, Problem

MAX_POST_BYTES = 64 * 1024 * 1024
"""Larger files (and standard input) are reported, not read: no blog post is this big, and reading it
would stall a scan."""


def read_text(
    text: str, path: str, zone: tzinfo | None = None, problems: list[Problem] | None = None
) -> Post:
    """Decoded text → Post."""
    problems = list(problems or [])
    part = split(text)
    fm, fm_problems = parse_front_matter(part, path)
    problems.extend(fm_problems)
    meta = build_meta(path, fm, part.body, problems, zone, part)
    return Post(
        meta=meta,
        body=part.body,
        front_matter=fm,
        front_matter_format=part.format,  # type: ignore[arg-type]
        excerpt=excerpt_of(part.body),
        body_line=part.body_line,
    )


def read_bytes(data: bytes, path: str, zone: tzinfo | None = None) -> Post:
    text, problems = decode(data, path)
    if text is None:
        return unreadable(path, problems)
    return read_text(text, path, zone, problems)


def unreadable(path: str, problems: list[Problem]) -> Post:
    """A Post standing for a file that could not be read at all, so callers still have something to show."""
    meta = Meta(path=path, title=Path(path).name, problems=tuple(problems))
    return Post(meta=meta, body="", readable=False)


class NotAPostFile(OSError):
    """A path that names no regular file (a FIFO, a device, a socket): reading it could block forever
    or never end, so it is refused before any read."""


def open_regular(path: str) -> tuple[int, os.stat_result]:
    """An open descriptor on ``path`` and its stat, if it is a regular file (links followed).

    Opened without blocking, so a FIFO named as a post does not wait for a writer; checked on the open
    descriptor, so a file swapped for a device in between is caught too."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
    except OSError:
        os.close(fd)
        raise
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        kind = (
            "a FIFO"
            if stat.S_ISFIFO(st.st_mode)
            else "a device"
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "not a regular file"
        )
        raise NotAPostFile(f"{kind}: only regular files are read")
    return fd, st


def too_large(path: str, size: int | None = None) -> Problem:
    what = f"{size:,} bytes" if size is not None else f"over {MAX_POST_BYTES:,} bytes"
    return Problem(
        path, f"too large to be a post ({what}; the limit is {MAX_POST_BYTES // 2**20} MB)", "error"
    )


def read_post(path: str | os.PathLike[str], zone: tzinfo | None = None) -> Post:
    """Read one post file. Never raises: an unreadable file gives a Post carrying an error Problem."""
    name = os.fspath(path)
    try:
        fd, st = open_regular(name)
        try:
            if st.st_size > MAX_POST_BYTES:
                return unreadable(name, [too_large(name, st.st_size)])
            data = _read_up_to(fd, MAX_POST_BYTES + 1)  # (a file may grow, or lie about its size)
        finally:
            os.close(fd)
    except OSError as e:
        return unreadable(name, [Problem(name, f"cannot read: {e.strerror or e}", "error")])
    if len(data) > MAX_POST_BYTES:
        return unreadable(name, [too_large(name)])
    return read_bytes(data, name, zone)


def read_head(path: str, zone: tzinfo | None = None) -> Meta:
    """Metadata only, from the head of a file: the front matter and enough of the body to tell its kind and
    language. Gives the same Meta as :func:`read_post` for every fixture (the tests check it)."""
    meta = read_head_if_post(path, zone, require_front_matter=False)
    assert meta is not None
    return meta


def read_head_if_post(
    path: str, zone: tzinfo | None = None, require_front_matter: bool = True
) -> Meta | None:
    """:func:`read_head`, or None for a file without front matter when one is required (a ``.txt`` file
    is a post only when it has front matter): a scan then opens each such file once, not twice."""
    return read_head_stamped(path, zone, require_front_matter)[0]


def read_head_stamped(
    path: str, zone: tzinfo | None = None, require_front_matter: bool = True
) -> tuple[Meta | None, int, int]:
    """:func:`read_head_if_post` with the file's (mtime in ns, size) as it was opened, for a scan's cache
    (-1 for the size when the file could not be opened, so that the next scan tries it again)."""
    try:
        # (os.open, not open(): a scan opens thousands of files, and a Python file object costs ~5 µs)
        fd, st = open_regular(path)
        try:
            size = st.st_size
            if size > MAX_POST_BYTES:
                return unreadable(path, [too_large(path, size)]).meta, st.st_mtime_ns, size
            data = _read_up_to(fd, HEAD_BYTES)
            if len(data) < size and not _front_matter_closed(data):
                data += _read_up_to(fd, MAX_POST_BYTES - len(data))
        finally:
            os.close(fd)
    except OSError as e:
        return unreadable(path, [Problem(path, f"cannot read: {e.strerror or e}", "error")]).meta, 0, -1
    stamp = st.st_mtime_ns
    text, problems = decode(_trim_partial_utf8(data) if len(data) < size else data, path)
    if text is None:
        return unreadable(path, problems).meta, stamp, size
    part = split(text)
    if require_front_matter and part.format is None:
        return None, stamp, size
    fm, fm_problems = parse_front_matter(part, path)
    return build_meta(path, fm, part.body, problems + fm_problems, zone, part), stamp, size


def _read_up_to(fd: int, limit: int) -> bytes:
    """Up to ``limit`` bytes from ``fd``, or to its end: ``os.read`` may return less than asked."""
    chunks = []
    while limit > 0:
        chunk = os.read(fd, min(limit, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        limit -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _front_matter_closed(head: bytes) -> bool:
    first = head.lstrip()[:3]
    if first in (b"---", b"+++", b";;;"):
        return head.find(b"\n" + first, 3) != -1 or head.find(b"\n...", 3) != -1
    return True


def _trim_partial_utf8(data: bytes) -> bytes:
    """Cut a head read at a character boundary so a multibyte character split in two is not 'undecodable'."""
    cut = len(data)
    while cut > len(data) - 4 and cut > 0 and (data[cut - 1] & 0xC0) == 0x80:
        cut -= 1
    if cut > 0 and data[cut - 1] >= 0xC0:
        cut -= 1
    return data[:cut]
