"""Post → JSON record (schema ``postshelf.post/1``), JSON Lines and JSON Feed 1.1.

Field names follow JSON Feed 1.1 where it has them; the schema ships as ``converters/schema/post.schema.json``.
Records are deterministic: keys in a fixed order, ids derived from the post, no clock time.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any

from .chars import path_text
from .dates import rfc3339
from .document import Rendered
from .options import ImageMode
from .urls import unwrap_url
from .xhtml import fragment_markup

SCHEMA = "postshelf.post/1"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def json_safe(value: Any) -> Any:
    """Front-matter values as JSON: dates as ISO 8601, everything else unknown as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v) for v in value]
    return str(value)


def slugify(text: str) -> str:
    """A URL-safe slug that keeps CJK and other letters (``趣头条 News!`` → ``趣头条-news``)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).strip("-_")
    return text[:80].strip("-") or "post"


def _name_of(path: PurePath) -> str:
    """A post's name from its file: a page bundle's ``index.md`` (``index.en.md``) is named by its folder,
    as Hugo names it."""
    stem = path.name.split(".", 1)[0]
    if stem in ("index", "_index") and path.parent.name:
        return path.parent.name
    return path.stem


def post_id(source_path: str, rendered: Rendered) -> str:
    meta = rendered.post.meta
    basis = "\0".join([source_path, meta.title, rfc3339(meta.date) or ""])
    return "postshelf:" + hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def record(
    rendered: Rendered, source_path: str, images: ImageMode = "remote", markdown: str | None = None
) -> dict[str, Any]:
    """The JSON record of one post, keys in schema order. ``markdown``: the body's, when the caller has
    made it already (:attr:`Rendered.markdown` otherwise)."""
    doc = rendered.clean
    text, summary, counts = rendered.text, rendered.summary, rendered.counts
    html = fragment_markup(doc.root, images)
    if markdown is None:
        markdown = rendered.markdown
    post, meta = rendered.post, rendered.post.meta
    fm = post.front_matter
    source_path = path_text(source_path)
    slug_source = fm.get("slug") or fm.get("abbrlink") or _name_of(PurePath(source_path))
    keep = rendered.options.keep_proxies
    return {
        "schema": SCHEMA,
        "id": post_id(source_path, rendered),
        "source_path": source_path,
        "slug": slugify(str(slug_source)),
        "title": meta.title,
        "date_published": rfc3339(meta.date),
        "date_modified": rfc3339(meta.updated),
        "authors": [{"name": a} for a in meta.authors],
        "categories": [list(p) for p in meta.categories],
        "tags": list(meta.tags),
        "image": unwrap_url(meta.cover, keep) if meta.cover else None,
        "language": meta.language,
        "summary": summary,
        "content_markdown": markdown,
        "content_html": html,
        "content_text": text,
        "images": doc.images,
        "links": doc.links,
        "counts": counts,
        "reading_minutes": rendered.reading_minutes,
        "front_matter": json_safe(fm),
        "problems": [p.to_dict() for p in rendered.problems],
    }


def dumps(rec: dict[str, Any], indent: int | None = None) -> str:
    return json.dumps(rec, ensure_ascii=False, indent=indent, allow_nan=False)


def feed_item(rec: dict[str, Any]) -> dict[str, Any]:
    """A JSON Feed 1.1 item carrying the same data; what JSON Feed has no field for goes under ``_postshelf``."""
    item: dict[str, Any] = {"id": rec["id"], "title": rec["title"]}
    for key in (
        "content_html",
        "content_text",
        "summary",
        "image",
        "date_published",
        "date_modified",
        "language",
    ):
        if rec.get(key) not in (None, ""):
            item[key] = rec[key]
    if rec["authors"]:
        item["authors"] = rec["authors"]
    if rec["tags"]:
        item["tags"] = rec["tags"]
    item["_postshelf"] = {
        k: rec[k]
        for k in ("schema", "source_path", "slug", "categories", "content_markdown", "images", "links",
                  "counts", "reading_minutes", "front_matter", "problems")
    }  # fmt: skip
    return item


def feed_item_text(rec: dict[str, Any]) -> str:
    """One feed item, serialised and indented as it stands inside the feed's ``items`` array."""
    body = json.dumps(feed_item(rec), ensure_ascii=False, indent=2, allow_nan=False)
    return "\n".join("    " + line for line in body.split("\n"))


def feed_chunks(items: Iterable[str], title: str) -> Iterator[str]:
    """A JSON Feed document from serialised items, piece by piece: a large export never holds every post."""
    head = json.dumps({"version": JSON_FEED_VERSION, "title": title}, ensure_ascii=False, indent=2)
    yield head[:-2] + ',\n  "items": ['
    first = True
    for item in items:
        yield ("\n" if first else ",\n") + item
        first = False
    yield "]\n}\n" if first else "\n  ]\n}\n"
