"""When to show what: the library as the cache last saw it at once, then as the files are now.

The reader shows the cached library in its first frame and replaces it when the check finds a change; a
large first scan fills the cache from a process of its own, on every core. This module is that policy,
free of any UI: whatever shows a library as it loads can use it (a script that only wants the result
calls :func:`converters.library.scan_library`, which reads the cache once).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo

from .library import Library, Progress, cache_is_current, fill_cache_in_subprocess, load_cached, scan_library
from .scan_cache import cache_file
from .walk import walk

SCAN_ELSEWHERE_FROM = 2000
"""Posts from which a first scan runs in a process of its own (a Python process starts in ~0.1 s)."""
QUICK_CACHE_BYTES = 64 * 1024 * 1024
"""A scan cache up to this size (~300k posts) is quick enough to read before a first frame (~0.3 s)."""


@dataclass
class Loaded:
    """One step of opening a library: what to show, and whether it is checked against the files."""

    library: Library
    checked: bool
    error: str | None = None
    stamps: dict[str, tuple[int, int]] | None = field(default=None, repr=False)
    """With a checked library: (mtime, size) of every post's file as the check found them, drafts
    included (the search index compares its own with them instead of walking the files again). Handed
    over once: the library itself keeps none (100k of them are ~20 MB)."""


def cached_quickly(paths: list[str], zone_key: str, drafts: bool = False) -> Library | None:
    """The cached library when it loads quickly enough to wait for (see :data:`QUICK_CACHE_BYTES`)."""
    try:
        size = cache_file(paths, zone_key).stat().st_size
    except OSError:
        return None
    return load_cached(paths, zone_key, freeze=True, drafts=drafts) if size <= QUICK_CACHE_BYTES else None


def open_library(
    paths: list[str],
    zone: tzinfo | None,
    zone_key: str = "local",
    *,
    use_cache: bool = True,
    shown: Library | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    scan_elsewhere: bool = False,
    drafts: bool = False,
) -> Iterator[Loaded]:
    """The library, as soon as it can be had and then as it is: a cached library (unless ``shown``, the
    one the caller already shows from the cache), then, if the files changed, the scanned one. The last
    step is always ``checked``. Never raises for a bad post or a scan bug: the reason is in ``error``.

    ``scan_elsewhere``: a program with threads (the reader) cannot fork the scan's reader processes
    safely, so its large first scan runs in a new process that fills the cache."""
    cached = shown
    if cached is None and use_cache:
        cached = load_cached(paths, zone_key, freeze=True, drafts=drafts)
        if cached is not None:
            yield Loaded(cached, checked=False)
    if cached is not None:
        stamps = cached.stamps
        if _still_current(cached):
            yield Loaded(cached, checked=True, stamps=stamps)
            return
    missing = [p for p in paths if not os.path.exists(p)]
    error = f"{', '.join(missing)}: no longer exists" if missing else None
    fresh = cached is None and not missing and use_cache
    if fresh and scan_elsewhere and _worth_another_process(paths, zone, zone_key):
        filled = _filled_elsewhere(paths, zone_key, progress, cancelled, drafts)
        if filled is not None:
            stamps = filled.stamps
            current = _still_current(filled)
            yield Loaded(filled, checked=current, stamps=stamps if current else None)
            if current:
                return
            progress = None  # what is left is reading that cache: a count must not start again at 0
    try:
        library = scan_library(
            paths, zone, zone_key, use_cache=use_cache, progress=progress, freeze=True, drafts=drafts
        )
    except Exception as e:  # a scan bug must leave the caller usable, with the reason
        library = Library(roots=list(paths), posts=[], problems=[])
        error = f"could not scan the library: {type(e).__name__}: {e}"
    stamps, library.stamps = library.stamps, {}
    yield Loaded(library, checked=True, error=error, stamps=stamps or None)


def _filled_elsewhere(
    paths: list[str], zone_key: str, progress: Progress | None, cancelled: Callable[[], bool], drafts: bool
) -> Library | None:
    """The library a process of its own scanned into the cache; shown at once, then checked as any opening
    from the cache is: the posts appear before the walk and stat of every file (~0.5 s for 100k)."""
    if not fill_cache_in_subprocess(paths, zone_key, progress, cancelled):
        return None
    return load_cached(paths, zone_key, freeze=True, drafts=drafts)


def _still_current(cached: Library) -> bool:
    """Whether the files are still those the cache knew (a walk and a stat of each)."""
    current = cache_is_current(cached)
    cached.stamps = {}  # (a path and stamp of every post, not needed once checked)
    return current


def _worth_another_process(paths: list[str], zone: tzinfo | None, zone_key: str) -> bool:
    """Whether a first scan should fill the cache from a process of its own: the library is large, and
    that process reads dates as this one does (it knows the zone only by its key)."""
    from .dates import named_by

    if not named_by(zone, zone_key):
        return False
    # (a walk that stops at that count: for 100k posts, the whole walk took ~0.3 s)
    found = walk(paths, [], check_txt=False, stat_files=False, ordered=False, enough=SCAN_ELSEWHERE_FROM)
    return len(found) >= SCAN_ELSEWHERE_FROM
