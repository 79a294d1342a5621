"""The one model every other module speaks: Problem, Meta and Post.

Readers produce these, writers consume them, and the app shows them; none of them knows about files
beyond the ``path`` they carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

Severity = Literal["error", "warning"]
BodyKind = Literal["html", "markdown"]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a post: reported, never raised."""

    path: str
    message: str
    severity: Severity = "warning"
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "line": self.line, "message": self.message}


@dataclass(slots=True)
class Meta:
    """Normalised front matter of one post: what the library holds for every post.

    Kept small on purpose (no body, no raw front matter): a library of 100k posts holds 100k of these.
    """

    path: str
    title: str
    date: datetime | None = None
    updated: datetime | None = None
    categories: tuple[tuple[str, ...], ...] = ()
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    cover: str | None = None
    language: str = "und"
    body_kind: BodyKind = "markdown"
    problems: tuple[Problem, ...] = ()
    draft: bool = False
    """Not published by its generator (a drafts folder, ``draft: true``, ``published: false``): left
    out of a library and a run unless drafts are asked for."""

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


@dataclass(slots=True)
class Post:
    """A whole post: its metadata, the original front matter, the body and every problem found reading it."""

    meta: Meta
    body: str
    front_matter: dict[str, Any] = field(default_factory=dict)
    front_matter_format: Literal["yaml", "toml", "json"] | None = None
    excerpt: str | None = None
    """The body before ``<!--more-->``, when the post has one."""
    body_line: int = 1
    """The line of the file the body starts on, for problems found in the body."""
    readable: bool = True
    """False for a file that could not be read at all: it stands in the library with its problem, and
    no writer writes anything for it."""

    @property
    def path(self) -> str:
        return self.meta.path

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.meta.problems


class Resource(NamedTuple):
    """An image file an output refers to: its name there, its file in the image store, its media type."""

    name: str
    file: str
    media_type: str
