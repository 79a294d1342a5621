"""Front matter and body → :class:`~converters.post.Meta`: Hexo's rules for titles, dates, categories,
tags, authors and covers, and what is guessed from the body (its kind, title, excerpt and language)."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any

from .chars import ATX_HEADING, HAN_BASIC, SURROGATE, path_text, sanitize_text
from .dates import date_from_name, parse_date
from .front_matter import Split
from .post import BodyKind, Meta, Problem
from .site import Site, not_rendered, site_of_file

COVER_KEYS = ("headimg", "thumbnail", "cover", "banner", "image", "featured_image", "cover_image")


DATE_KEYS = ("date", "pubDate", "pub_date", "published", "created", "publishDate")


UPDATED_KEYS = ("updated", "lastmod", "last_modified_at", "modified", "lastUpdated")


_EMPTY: tuple[Any, ...] = (None, "", [], {})
"""Values that mean "not given". A constant: written inline, the list and dict are built at every test."""


def _first(fm: dict[str, Any], keys: tuple[str, ...], dates: bool = False) -> Any:
    """The first of ``keys`` given a value. With ``dates``, a true or false is no date: ``published:
    false`` is Jekyll's and Hexo's flag, where other sites' ``published`` is a date."""
    for key in keys:
        value = fm.get(key)
        if value not in _EMPTY and not (dates and isinstance(value, bool)):
            return value
    return None


def _text(value: Any) -> str:
    """A front-matter value as metadata text, with what no document may hold taken out (a title of
    ``"a\x01b"`` would make every XHTML and EPUB writer emit invalid XML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return sanitize_text(str(value).strip())


def normalise_categories(value: Any) -> tuple[tuple[str, ...], ...]:
    """Hexo's rules: a list is one hierarchy, nested lists are separate hierarchies, a string is one category."""
    if value in _EMPTY:
        return ()
    if not isinstance(value, list):
        name = _text(value)
        return ((name,),) if name else ()
    main: list[str] = []
    others: list[tuple[str, ...]] = []
    for item in value:
        if isinstance(item, list):
            path = tuple(n for n in (_text(x) for x in item if x is not None) if n)
            if path:
                others.append(path)
        elif item is not None:
            name = _text(item)
            if name:
                main.append(name)
    return ((tuple(main),) if main else ()) + tuple(others)


def flat_categories(values: list[Any], split_words: bool) -> tuple[tuple[str, ...], ...]:
    """Jekyll's and Hugo's rules: every name a category of its own, none under another. ``values``: the
    front matter's values in order (a list, a name, or with ``split_words`` Jekyll's space-separated
    names)."""
    names: dict[str, None] = {}
    for value in values:
        if value in _EMPTY:
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item is None or isinstance(item, (list, dict)):
                continue
            text = _text(item)
            for name in text.split() if split_words and isinstance(item, str) else [text]:
                if name:
                    names.setdefault(name)
    return tuple((name,) for name in names)


def normalise_tags(value: Any) -> tuple[str, ...]:
    if value in _EMPTY:
        return ()
    items = value if isinstance(value, list) else re.split(r"[,，]", _text(value))
    seen: dict[str, None] = {}
    for item in items:
        if isinstance(item, (list, dict)) or item is None:
            continue
        name = _text(item)
        if name:
            seen.setdefault(name)
    return tuple(seen)


def normalise_authors(value: Any) -> tuple[str, ...]:
    if value in _EMPTY:
        return ()
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name") or item.get("title")
        if item not in (None, ""):
            name = _text(item)
            if name:
                names.append(name)
    return tuple(names)


def cover_of(fm: dict[str, Any]) -> str | None:
    value = _first(fm, COVER_KEYS)
    if value is None:
        images = fm.get("images")
        if isinstance(images, list) and images:
            value = images[0]
    if isinstance(value, dict):
        value = value.get("src") or value.get("url") or value.get("path")
    if isinstance(value, list):
        value = value[0] if value else None
    return _text(value) or None if value is not None else None


_HTML_H = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1\s*>", re.S | re.I)


_TAGS = re.compile(r"<[^>]+>")


_HTML_SIGNS = re.compile(
    r"<(?:p|div|br|img|h[1-6]|ul|ol|li|table|span|strong|b|em|section|article|figure|blockquote|pre|a)\b[^>]*>",
    re.I,
)


_BLOCKY = re.compile(r"<(?:p|div|br)\b[^>]*>", re.I)


_MD_LINE = re.compile(r"(?: {0,3}#{1,6} |```|~~~| {0,3}[-*+] \S| {0,3}\d+\. |> |\{% )")
"""Markdown's signs at the start of a line."""
_MD_LINK = re.compile(r"!?\[[^\]\n]{0,300}\]\([^)\s]+(?:\s+\"[^\"\n]*\")?\)")
_MD_STRONG = re.compile(r"\*\*[^*\n]+\*\*")
"""Markdown's signs within a line: a link or an image, strong emphasis (a link in strong emphasis is two)."""


KIND_SAMPLE = 1000
"""Characters read at each end of a long body to tell its kind."""


def body_kind(body: str) -> BodyKind:
    """Scraped HTML or Markdown. Markdown with HTML inside is Markdown (CommonMark reads its HTML): a body
    with Markdown's own syntax, or with paragraphs of text between blank lines, which scraped HTML never
    has (its text sits inside tags, on few lines). Otherwise HTML when block tags outnumber Markdown's
    line-start signs. A long body is judged by its opening and its end: a post imported from another
    blog may open with that blog's HTML and show its Markdown only at the end."""
    sample, blocks, blank = _kind_sample(body)
    if _HTML_SIGNS.search(sample) is None:
        return "markdown"
    # Counted line by line, not with one multi-line findall: scraped HTML comes as a few very long lines.
    md = sum(1 for line in sample.split("\n") if _MD_LINE.match(line))
    # (each looked for only where its literal part is: a regex is tried at every character)
    links = len(_MD_LINK.findall(sample)) if "](" in sample else 0
    signs = md + links + (len(_MD_STRONG.findall(sample)) if "**" in sample else 0)
    if signs >= 2 and (blank or signs >= 4):
        return "markdown"
    if sum(1 for block in blocks if block.strip() and not block.lstrip().startswith("<")) >= 2:
        return "markdown"  # paragraphs of text
    if sample.lstrip().startswith("<") and (md == 0 or len(_HTML_SIGNS.findall(sample)) >= md):
        return "html"
    return "html" if len(_BLOCKY.findall(sample)) > 3 * md + 2 else "markdown"


_PRE = re.compile(r"<pre\b.*?</pre\s*>", re.I | re.S)


def _kind_sample(body: str) -> tuple[str, list[str], bool]:
    """What :func:`body_kind` reads of a body: its text, its whole blocks (between blank lines), and
    whether it has a blank line. All of a short body; of a long one, its opening and its end, less the
    blocks the cuts go through and the end's code (a scraped post may end with a listing, whose blank
    lines and ``#`` comments are no Markdown)."""
    if len(body) <= 2 * KIND_SAMPLE:
        return body, body.split("\n\n"), "\n\n" in body
    head, tail = body[:KIND_SAMPLE], body[-KIND_SAMPLE:]
    lowered = tail.lower()
    if "<pre" in lowered:
        tail = _PRE.sub("", tail)
        lowered = tail.lower()
    if "</pre" in lowered:  # (a listing that began before the cut: what follows it)
        tail = tail[lowered.rindex("</pre") :].partition(">")[2]
        lowered = tail.lower()
    if "<pre" in lowered:  # (one that runs to the end)
        tail = tail[: lowered.index("<pre")]
    head_blocks, tail_blocks = head.split("\n\n"), tail.split("\n\n")
    blank = len(head_blocks) > 1 or len(tail_blocks) > 1
    return head + "\n" + tail, head_blocks[:-1] + tail_blocks[1:], blank


def title_from_body(body: str, kind: BodyKind) -> str | None:
    if kind == "html":
        m = _HTML_H.search(body[:HEAD_BYTES])
        if m:
            import html as _html

            text = " ".join(_html.unescape(_TAGS.sub("", m.group(2))).split())
            return text or None
        return None
    m = ATX_HEADING.search(body[:HEAD_BYTES])
    return m.group(2).strip() if m else None


_MORE = re.compile(r"<!--\s*more\s*-->", re.I)


def excerpt_of(body: str) -> str | None:
    m = _MORE.search(body)
    return body[: m.start()].rstrip() if m else None


_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(f"[{HAN_BASIC}]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
)


_TWO_HAN = re.compile(f"[{HAN_BASIC}][^{HAN_BASIC}]*[{HAN_BASIC}]")


_KANA_OR_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")


_STOPWORDS = {
    "en": {"the", "and", "is", "of", "to", "in", "that", "it", "for", "with"},
    "es": {"el", "la", "de", "que", "y", "en", "los", "las", "una", "por"},
    "nl": {"de", "het", "een", "en", "van", "is", "dat", "niet", "op", "voor"},
    "id": {"yang", "dan", "di", "dari", "untuk", "dengan", "ini", "itu", "adalah", "dalam"},
    "de": {"der", "die", "das", "und", "ist", "nicht", "mit", "ein", "eine", "zu"},
    "fr": {"le", "la", "les", "et", "est", "un", "une", "des", "du", "pour"},
}


LANGUAGE_SAMPLE = 1500
"""Characters of the body the language guess looks at: the same for a head scan and a full read."""


def detect_language(fm: dict[str, Any], title: str, body: str) -> str:
    """A BCP 47 tag: the post's ``lang`` key, else a guess from its script and common words."""
    declared = _first(fm, ("lang", "language", "locale"))
    if isinstance(declared, str) and re.fullmatch(
        r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", declared.strip()
    ):
        return declared.strip().replace("_", "-")
    if _TWO_HAN.search(title) and not _KANA_OR_HANGUL.search(title):
        return "zh"  # a Chinese title settles it: the usual case, and much cheaper than the body
    text = title + " " + _TAGS.sub(" ", body[:LANGUAGE_SAMPLE])
    counts = {lang: len(rx.findall(text)) for lang, rx in _SCRIPTS}
    if counts["ja"] > 5:
        return "ja"
    best = max(counts, key=lambda k: counts[k])
    if counts[best] > 10 or (counts[best] and counts[best] * 4 > len(text.split())):
        return best
    words = re.findall(r"[a-z]+", text.lower())
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    lang = max(scores, key=lambda k: scores[k])
    return lang if scores[lang] >= 3 else ("en" if words else "und")


def build_meta(
    path: str,
    fm: dict[str, Any],
    body: str,
    problems: list[Problem],
    zone: tzinfo | None,
    part: Split | None = None,
) -> Meta:
    """Normalise a front-matter mapping into :class:`Meta`, recording every value that could not be used.
    A post of a Hexo, Jekyll or Hugo site is read by that generator's rules (:mod:`converters.site`): its
    categories and tags, its drafts, and its time zone where ``zone`` leaves it to the machine."""
    site = site_of_file(path)
    if zone is None and site is not None:
        zone = site.zone
    if SURROGATE.search(path):
        problems.append(
            Problem(path, f"file name is not valid UTF-8: written as {path_text(path)}", "warning")
        )
    kind: BodyKind = "html" if path.lower().endswith((".html", ".htm")) else body_kind(body)
    raw_title = fm.get("title")
    title = _text(raw_title) if raw_title not in _EMPTY else ""
    if not title:  # (from the body's first heading, or the file name: as unfit for XML as front matter)
        title = sanitize_text(title_from_body(body, kind) or "") or sanitize_text(path_text(Path(path).stem))
    dates = []
    for keys, label in ((DATE_KEYS, "date"), (UPDATED_KEYS, "updated")):
        raw = _first(fm, keys, dates=True)
        value, reason = parse_date(raw, zone)
        if reason:
            problems.append(Problem(path, f"{label}: {reason}", "warning", _key_line(part, fm, keys)))
        dates.append(value)
    if dates[0] is None:  # no usable date in the front matter: the one the file's name begins with
        dates[0] = date_from_name(path, zone)
    raw_tags = fm.get("tags", fm.get("tag"))
    if site is None or site.generator == "hexo":
        categories = normalise_categories(fm["categories"] if "categories" in fm else fm.get("category"))
        tags = normalise_tags(raw_tags)
    elif site.generator == "jekyll":  # folders above _posts, then category and categories; words split
        folders = list(site.folder_categories(path))
        categories = flat_categories([folders, fm.get("category"), fm.get("categories")], split_words=True)
        tags = normalise_tags(raw_tags.split() if isinstance(raw_tags, str) else raw_tags)
    else:  # Hugo: a taxonomy is a flat list of terms
        categories = flat_categories([fm.get("categories", fm.get("category"))], split_words=False)
        tags = normalise_tags(raw_tags)
    return Meta(
        path=path,
        title=title,
        date=dates[0],
        updated=dates[1],
        categories=categories,
        tags=tags,
        authors=normalise_authors(fm.get("author", fm.get("authors"))),
        cover=cover_of(fm),
        language=_hugo_language(path, site) or detect_language(fm, title, body),
        body_kind=kind,
        problems=tuple(problems),
        draft=_is_draft(fm, path, site),
    )


_LANGUAGE_SUFFIX = re.compile(r"\.([a-z]{2,3}(?:-[a-z]{2,4})?)$", re.I)


def _hugo_language(path: str, site: Site | None) -> str | None:
    """Hugo's multilingual file names: ``about.fr.md``, ``index.zh-cn.md``."""
    if site is None or site.generator != "hugo":
        return None
    m = _LANGUAGE_SUFFIX.search(os.path.splitext(os.path.basename(path))[0])
    return m.group(1).lower() if m else None


def _is_draft(fm: dict[str, Any], path: str, site: Site | None) -> bool:
    """Not published by its generator: in a drafts folder, ``draft: true`` (Hugo; Hexo and Jekyll read it
    too), ``published: false`` (Jekyll, Hexo); for Hugo also a page not rendered (its build options, or a
    section's cascade), expired (``expiryDate`` past) or not yet due (``publishDate`` to come)."""
    if fm.get("draft") is True or fm.get("published") is False:
        return True
    if site is None:
        return False
    if site.generator == "hugo" and (not_rendered(fm) or _out_of_date(fm)):
        return True
    return site.in_drafts(os.path.abspath(path))


def _out_of_date(fm: dict[str, Any]) -> bool:
    """Hugo leaves out pages whose ``expiryDate`` has passed or whose ``publishDate`` is still to come
    (unless built with ``--buildExpired``/``--buildFuture``)."""
    now = datetime.now(timezone.utc)
    for keys, gone in (
        (("expiryDate", "expirydate", "unpublishdate"), True),
        (("publishDate", "publishdate"), False),
    ):
        value = next((fm[k] for k in keys if fm.get(k) not in (None, "")), None)
        if value is None:
            continue
        when, _ = parse_date(value, timezone.utc)
        if when is not None and (when <= now if gone else when > now):
            return True
    return False


def _key_line(part: Split | None, fm: dict[str, Any], keys: tuple[str, ...]) -> int | None:
    """The line of the first of ``keys`` present, so a warning points where the user must look."""
    if part is None or part.front_matter is None:
        return None
    key = next((k for k in keys if fm.get(k) not in _EMPTY), None)
    if key is None:
        return None
    m = re.search(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*[:=]", part.front_matter, re.M)
    return part.fm_line + part.front_matter.count("\n", 0, m.start()) if m else None


HEAD_BYTES = 8192
"""How much of a file a library scan reads: real front matter and the body samples (kind, language) fit;
the rest of the file is read only when the front matter is longer."""
