"""A search as people type it → its parts: words (ANDed), ``"exact phrases"``, ``-excluded`` ones, ``OR``,
and the fields ``title:``, ``tag:``, ``category:`` (a path prefix: ``category:新媒体/趣头条``), ``author:``,
``after:`` and ``before:`` (dates).

Nothing a user types is an error: an unbalanced quote closes at the end, a bare ``*`` or ``-`` is
ignored, FTS5's own syntax (``NEAR(``, ``AND``, ``^``) is read as words. The parts are turned into FTS5
expressions by :mod:`converters.search_index`, every token quoted, so no query reaches SQLite unquoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from .dates import parse_date
from .search_tokens import fold, words_of

FIELDS = ("title", "tag", "category", "author", "after", "before")


@dataclass(frozen=True)
class Term:
    """A word or a phrase to find: in any text, or only in the title; ``prefix`` for ``kube*``."""

    text: str
    phrase: bool = False
    title_only: bool = False
    prefix: bool = False


@dataclass
class Query:
    """What a search asks for. ``groups``: each a list of terms of which one must match (``a OR b``);
    all groups must. ``excluded``: terms none of which may match."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    categories: list[tuple[str, ...]] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    after: datetime | None = None
    before: datetime | None = None
    notes: list[str] = field(default_factory=list)
    """What was read otherwise than typed (a date that is no date), to tell the user."""

    @property
    def empty(self) -> bool:
        return not (
            self.groups
            or self.excluded
            or self.tags
            or self.categories
            or self.authors
            or self.after
            or self.before
        )

    def terms(self) -> list[Term]:
        return [t for group in self.groups for t in group]


_PART = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)(?:"|$)|(\S+))')


def parse_query(text: str, zone: tzinfo | None = None) -> Query:
    """Read a query. Never raises."""
    query = Query()
    pending_or = False
    for m in _PART.finditer(text):
        negated, name, quoted, bare = m.group(1) == "-", (m.group(2) or "").lower(), m.group(3), m.group(4)
        if name and name not in FIELDS:  # (a word with a colon in it: http:, 12:30)
            quoted, bare, name = None, m.group(0).lstrip("-"), ""
        value = quoted if quoted is not None else (bare or "")
        if not name and quoted is None and value == "OR":
            pending_or = bool(query.groups)
            continue
        if name in ("tag", "author", "category", "after", "before"):
            _field(query, name, value, zone)
            pending_or = False
            continue
        term = _term(value, quoted is not None, name == "title")
        if term is None:
            continue
        if negated:
            query.excluded.append(term)
        elif pending_or:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        pending_or = False
    return query


def _term(value: str, phrase: bool, title_only: bool) -> Term | None:
    prefix = not phrase and value.endswith("*")
    value = value.strip("*") if not phrase else value
    pieces = words_of(fold(value))
    if not pieces:  # (a bare *, -, _ or punctuation: nothing to find)
        return None
    return Term(value, phrase and len(pieces) > 1, title_only, prefix)  # ("中" is that character)


def _field(query: Query, name: str, value: str, zone: tzinfo | None) -> None:
    value = value.strip()
    if not value:
        return
    if name == "tag":
        query.tags.append(value.casefold())
    elif name == "author":
        query.authors.append(value.casefold())
    elif name == "category":
        path = tuple(p.strip().casefold() for p in re.split(r"\s*[/>›]\s*", value) if p.strip())
        if path:
            query.categories.append(path)
    else:
        period = _period(value, zone)
        when: datetime | None
        if period is not None:
            when, reason = period[0] if name == "after" else period[1], None
        else:
            when, reason = parse_date(value, zone)
        if when is None:
            query.notes.append(f"{name}:{value} is no date ({reason or 'empty'}): left out")
        elif name == "after":
            query.after = when
        else:
            query.before = when


_PERIOD = re.compile(r"(\d{4})(?:([-/.])(\d{1,2}))?(?:\2(\d{1,2}))?")


def _period(value: str, zone: tzinfo | None) -> tuple[datetime, datetime] | None:
    """A day, a month or a year (``2024-06-30``, ``2024/06/30``, ``2024-06``, ``2024``) → its first moment
    and its last: ``after:`` is on or after the first, ``before:`` on or before the last (a post that
    evening too)."""
    found = _PERIOD.fullmatch(value)
    if found is None:
        return None
    year, month, day = int(found[1]), found[3], found[4]
    try:
        first = date(year, int(month or 1), int(day or 1))
    except ValueError:  # (no such day)
        return None
    try:
        if day:
            following = first + timedelta(days=1)
        elif month:
            following = date(year + first.month // 12, first.month % 12 + 1, 1)
        else:
            following = date(year + 1, 1, 1)
    except (ValueError, OverflowError):  # (the end of the year 9999: no later date to end before)
        following = None
    start = parse_date(first.isoformat(), zone)[0]
    if start is None:
        return None
    if following is None:
        return start, start.replace(month=12, day=31, hour=23, minute=59, second=59, microsecond=999999)
    end = parse_date(following.isoformat(), zone)[0]
    return None if end is None else (start, end - timedelta(microseconds=1))
