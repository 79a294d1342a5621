"""What a ``convert`` run is asked to do, as one typed record (pandoc's ``Opt``).

The command line builds it from argv; the reader's export dialog builds it from its form; both hand it to
:func:`converters.convert.run_convert`. Nobody builds an argument list to call postshelf from inside.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields
from datetime import tzinfo
from typing import Literal

ImageMode = Literal["link", "remote", "drop", "embed", "local"]
IMAGE_MODES: tuple[ImageMode, ...] = ("link", "remote", "drop", "embed", "local")
"""What XHTML and EPUB make of an image: a link to it, the remote image itself, nothing, the image inside
the book (EPUB), or a file beside the outputs (XHTML in a folder). The last two fetch each image once
into the image store (:mod:`converters.image_store`)."""


class UsageError(Exception):
    """Bad arguments: exit status 2."""


class OutputError(Exception):
    """The run cannot go on (an output cannot be written at all: disk full, read-only, closed pipe; a worker
    process killed): stop with status 1."""


FORMATS = ("markdown", "html", "json", "jsonl", "jsonfeed", "epub")
SUFFIX = {"markdown": ".md", "html": ".xhtml", "json": ".json"}
"""The file suffix of the formats written one file per post."""


@dataclass(frozen=True)
class ConvertOptions:
    """One ``convert`` run. Field names follow the command line's long options."""

    paths: tuple[str, ...]
    to: str = "markdown"
    output: str | None = None  # a folder, a file, or None / "-" for standard output
    category: str | None = None
    tag: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    images: ImageMode = "link"
    keep_proxies: bool = False
    no_front_matter: bool = False
    title: str | None = None
    timezone: str | None = None
    jobs: int | None = None
    overwrite: bool = False
    dry_run: bool = False
    fail_fast: bool = False
    quiet: bool = False
    files_from: str | None = None  # a file naming more paths, one a line ("-": standard input)
    null: bool = False  # files_from separates paths with NUL bytes, not newlines
    shard: tuple[int, int] | None = None  # (k, n): only the posts of shard k of n (1 <= k <= n)
    drafts: bool = False  # a site's drafts too
    refresh_images: bool = False  # ask again for stored images (conditional requests)
    image_timeout: float = 30.0  # seconds a whole image fetch may take

    @classmethod
    def from_namespace(cls, args: argparse.Namespace) -> ConvertOptions:
        """The options argparse parsed (``paths`` and ``tag`` as tuples)."""
        values = {f.name: getattr(args, f.name) for f in fields(cls) if hasattr(args, f.name)}
        values["paths"] = tuple(values.get("paths") or ())
        values["tag"] = tuple(values.get("tag") or ())
        if isinstance(values.get("shard"), str):
            values["shard"] = parse_shard(values["shard"])
        return cls(**values)

    @property
    def filtering(self) -> bool:
        """Whether any filter may leave posts out."""
        return bool(self.category or self.tag or self.since or self.until)


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` → (k, n); ValueError unless 1 <= k <= n."""
    k, sep, n = text.partition("/")
    if not sep or not k.strip().isdigit() or not n.strip().isdigit():
        raise ValueError(f"--shard {text}: expected K/N, such as 1/4")
    shard = int(k), int(n)
    if not 1 <= shard[0] <= shard[1]:
        raise ValueError(f"--shard {text}: K must be from 1 to N")
    return shard


def in_shard(path: str, shard: tuple[int, int]) -> bool:
    """Whether the post at ``path`` (as named on the command line or in --files-from) belongs to shard
    k of n: by a hash of the path that every machine computes alike, whatever its Python (not ``hash``)."""
    import hashlib
    import os

    digest = hashlib.blake2b(os.fsencode(path), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shard[1] == shard[0] - 1


def zone_option(name: str | None) -> tzinfo | None:
    """``--timezone``'s zone (None: the machine's), or a usage error naming what is wrong with it."""
    from .dates import resolve_zone

    try:
        return resolve_zone(name)
    except ValueError as e:
        raise UsageError(str(e)) from e
