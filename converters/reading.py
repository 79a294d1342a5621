"""Bytes on disk → :class:`~converters.post.Post`.

Handles what real archives contain: BOMs, CRLF, UTF-16, GB18030/GBK, YAML/TOML/JSON front matter (with the
leading blank lines scrapers leave, and Hexo's form with no opening ``---``), and every normalisation of
Hexo's metadata rules. Reading never raises and never writes: whatever is wrong becomes a Problem.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any

from .chars import SURROGATE, path_text, sanitize_text
from .dates import date_from_name, parse_date
from .frontmatter_yaml import hexo_loader, parse_lenient, parse_simple
from .post import BodyKind, Meta, Post, Problem

HEAD_BYTES = 8192
"""How much of a file a library scan reads: real front matter and the body samples (kind, language) fit;
the rest of the file is read only when the front matter is longer."""

MAX_POST_BYTES = 64 * 1024 * 1024
"""Larger files (and standard input) are reported, not read: no blog post is this big, and reading it
would stall a scan."""

MAX_FRONT_MATTER_VALUES = 10_000
"""Front matter with more values than this is refused: YAML aliases can make a few lines stand for
billions of values (ten nested anchors of nine aliases each), which every writer would then walk."""
MAX_FRONT_MATTER_DEPTH = 64
"""Front matter nested deeper than this is refused (a writer walking it would exhaust the stack)."""

COVER_KEYS = ("headimg", "thumbnail", "cover", "banner", "image", "featured_image", "cover_image")
DATE_KEYS = ("date", "pubDate", "pub_date", "published", "created", "publishDate")
UPDATED_KEYS = ("updated", "lastmod", "last_modified_at", "modified", "lastUpdated")


@dataclass(slots=True)
class Split:
    """A post's text cut into front matter and body; line numbers are 1-based, in the decoded text."""

    front_matter: str | None
    format: str | None  # "yaml" | "toml" | "json"
    body: str
    fm_line: int = 1
    body_line: int = 1


# --- decoding ------------------------------------------------------------------------------------------


def decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Decode a file's bytes; ``None`` text means the file is not a text post at all."""
    problems: list[Problem] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _newlines(data.decode("utf-16")), problems
        except UnicodeDecodeError as e:
            return _newlines(data.decode("utf-16", "replace")), [
                Problem(path, f"undecodable UTF-16 at byte {e.start}; replaced", "error")
            ]
    if b"\x00" in data[:8192] and _looks_binary(data[:8192]):
        return None, [Problem(path, "binary file, not a text post", "error")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        text, problems = _decode_legacy(data, path, e.start)
    if b"\x00" in data and "\x00" in text:  # the bytes first: searching them is ~8x cheaper
        text = text.replace("\x00", "")
        problems.append(Problem(path, "NUL bytes removed", "warning"))
    return _newlines(text), problems


def _looks_binary(head: bytes) -> bool:
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) // 20 or head.count(0) > 4


def _decode_legacy(data: bytes, path: str, bad_at: int) -> tuple[str, list[Problem]]:
    """Not UTF-8: GB18030 (a superset of GBK and GB2312) is what Chinese archives use, else ask charset-normalizer."""
    for encoding in ("gb18030",):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _plausible_cjk(text):
            return text, [Problem(path, f"not UTF-8; read as {encoding.upper()}", "warning")]
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:  # charset-normalizer is a guesser; a failure to guess is not the user's problem
        best = None
    if best is not None and best.encoding not in ("utf_8", "ascii"):
        return str(best), [Problem(path, f"not UTF-8; read as {best.encoding}", "warning")]
    return data.decode("utf-8", "replace"), [
        Problem(path, f"undecodable bytes (first at byte {bad_at}) replaced with U+FFFD", "error")
    ]


def _plausible_cjk(text: str) -> bool:
    """GB18030 decodes almost any bytes; accept it only when the result is mostly common Han text."""
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f")
    odd = sum(
        1 for ch in text if ord(ch) > 0x7F and not ("\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\uffef")
    )
    return han > 0 and odd <= han // 10


def _newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# --- splitting -----------------------------------------------------------------------------------------

_FENCE = {"---": "yaml", "+++": "toml", ";;;": "json"}
_DASHES = re.compile(r"-{3,}")
_KEYLIKE = re.compile(r"[A-Za-z_][\w-]*[ \t]*:(?:[ \t]|$)")


_BLANK_LINES = re.compile(r"(?:[ \t]*\n)*")
_YAML_OPENER = re.compile(r"---[ \t]*\n")
_FENCE_LINE = re.compile(r"(?:-{3,}|\.\.\.)[ \t]*$", re.M)


def split(text: str) -> Split:
    """Find the front matter, wherever Hexo, Jekyll and Hugo would find it."""
    quick = _split_common(text)
    if quick is not None:
        return quick
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start == len(lines):
        return Split(None, None, "")
    opener = lines[start].rstrip()
    if opener.startswith("{"):
        return _split_json_object(text, lines, start)
    fmt = _FENCE.get(opener) or ("yaml" if _DASHES.fullmatch(opener) else None)
    if fmt is not None:
        closers = {"yaml": ("---", "..."), "toml": ("+++",), "json": (";;;",)}[fmt]
        for i in range(start + 1, len(lines)):
            line = lines[i]
            if line[:1] not in "-+;." or not line:
                continue
            if line.rstrip() in closers or (fmt == "yaml" and _DASHES.fullmatch(line.rstrip())):
                fm = "\n".join(lines[start + 1 : i])
                if fmt == "yaml" and not _looks_like_mapping(fm):
                    break  # a body that opens with a --- rule: nothing here is front matter
                return Split(fm, fmt, "\n".join(lines[i + 1 :]), start + 2, i + 2)
        return Split(None, None, "\n".join(lines[start:]), body_line=start + 1)
    # Hexo also accepts front matter with no opening ---: key lines, then a --- line.
    if _KEYLIKE.match(opener):
        for i in range(start + 1, len(lines)):
            if _DASHES.fullmatch(lines[i].rstrip()):
                fm = "\n".join(lines[start:i])
                if _looks_like_mapping(fm):
                    return Split(fm, "yaml", "\n".join(lines[i + 1 :]), start + 1, i + 2)
                break
            if lines[i].strip() and not (lines[i][0] in " \t-#" or _KEYLIKE.match(lines[i])):
                break
    return Split(None, None, "\n".join(lines[start:]), body_line=start + 1)


def _split_common(text: str) -> Split | None:
    """The usual ``---`` … ``---`` case without splitting the whole file into lines (a scan does this
    for every post). Anything unusual returns None for :func:`split`'s general rules."""
    pos = _BLANK_LINES.match(text).end()
    opener = _YAML_OPENER.match(text, pos)
    if opener is None:
        return None
    closer = _closing_fence(text, opener.end())
    if closer is None:
        return None
    fm = text[opener.end() : max(opener.end(), closer.start() - 1)]
    if not _looks_like_mapping(fm):
        return None
    fm_line = text.count("\n", 0, pos) + 2
    body_line = fm_line + fm.count("\n") + (2 if fm else 1)
    return Split(fm, "yaml", text[closer.end() + 1 :], fm_line, body_line)


def _closing_fence(text: str, start: int) -> re.Match[str] | None:
    r"""The first ``---`` or ``...`` line at or after ``start`` (which opens a line): what searching for
    ``^(?:-{3,}|\.\.\.)[ \t]*$`` would find, but sought with ``str.find`` on the two ways such a line can
    open. The search tries the pattern at every position of the front matter (~3 µs a post)."""
    found = _FENCE_LINE.match(text, start)
    while found is None:
        dashes = text.find("\n---", start)
        dots = text.find("\n...", start, len(text) if dashes < 0 else dashes)
        line = dots if dots >= 0 else dashes
        if line < 0:
            return None
        start = line + 1
        found = _FENCE_LINE.match(text, start)
    return found


def _looks_like_mapping(fm: str) -> bool:
    if _KEYLIKE.match(fm):
        return True  # the usual case, without splitting the front matter into lines
    for line in fm.split("\n"):
        if line.strip() and not line.lstrip().startswith("#"):
            return bool(_KEYLIKE.match(line))
    return True  # an empty block between two --- lines is empty front matter


def _split_json_object(text: str, lines: list[str], start: int) -> Split:
    offset = sum(len(line) + 1 for line in lines[:start])
    try:
        _, end = json.JSONDecoder().raw_decode(text, offset)
    except json.JSONDecodeError:
        return Split(None, None, "\n".join(lines[start:]), body_line=start + 1)
    except RecursionError:  # nested past what the decoder can follow: front matter it is, but unreadable
        end = _json_object_end(text, offset)
        if end is None:
            return Split(None, None, "\n".join(lines[start:]), body_line=start + 1)
    body = text[end:]
    body_line = text.count("\n", 0, end) + 1
    if body.startswith("\n"):
        body, body_line = body[1:], body_line + 1
    return Split(text[offset:end], "json", body, start + 1, body_line)


def _json_object_end(text: str, offset: int) -> int | None:
    """Where the JSON value opening at ``offset`` ends, by counting brackets outside strings (for a value
    too deeply nested to decode, which :func:`parse_front_matter` then reports)."""
    depth = 0
    in_string = escaped = False
    for i in range(offset, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


# --- front matter ----------------------------------------------------------------------------------------


class _MalformedYAML(Exception):
    def __init__(self, reason: str, line: int) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line  # (line: within the front matter, from 0)


def _load_yaml(fm: str) -> Any:
    """The full YAML reading, through python-frontmatter's handler: imported only when a post needs it."""
    import frontmatter
    import yaml

    try:
        return frontmatter.YAMLHandler().load(fm, Loader=hexo_loader())
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        reason = getattr(e, "problem", None) or str(e).split("\n")[0]
        raise _MalformedYAML(reason, mark.line if mark is not None else 0) from e
    except ValueError as e:  # a value its constructors refuse (``!!timestamp 2021-13-45``)
        raise _MalformedYAML(str(e), 0) from e


def _load_toml(fm: str) -> Any:
    """TOML front matter (Hugo's ``+++``), its reader imported only when a post has it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    return tomllib.loads(fm)


_LEADING_TABS = re.compile(r"^\t+", re.M)


def parse_front_matter(part: Split, path: str) -> tuple[dict[str, Any], list[Problem]]:
    """The front matter as a mapping; malformed front matter is reported and salvaged line by line."""
    if part.front_matter is None or not part.front_matter.strip():
        return {}, []
    fm = part.front_matter
    if part.format == "yaml" and "\t" in fm:
        fm = _LEADING_TABS.sub(lambda m: "  " * len(m.group(0)), fm)  # as Hexo does (YAML forbids them)
    try:
        if part.format == "yaml":
            data = parse_simple(fm)
            if data is not None:  # (text keys, and no escapes: nothing below to do)
                return data, []
            data = _load_yaml(fm)
        elif part.format == "toml":
            data = _load_toml(fm)
        else:
            data = json.loads(fm) if fm.lstrip().startswith("{") else json.loads("{" + fm + "}")
    except _MalformedYAML as e:
        line = part.fm_line + e.line
        return parse_lenient(fm), [Problem(path, f"malformed YAML front matter: {e.reason}", "error", line)]
    except ValueError as e:  # (JSONDecodeError and TOMLDecodeError are ValueErrors; YAML's are above)
        kind = "TOML" if part.format == "toml" else "JSON"
        return {}, [Problem(path, f"malformed {kind} front matter: {e}", "error", part.fm_line)]
    except RecursionError:
        return {}, [Problem(path, "front matter nested too deeply", "error", part.fm_line)]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [Problem(path, "front matter is not a mapping of keys", "error", part.fm_line)]
    too_big = oversized(data)
    if too_big:
        salvaged = parse_lenient(fm) if part.format == "yaml" else {}
        if oversized(salvaged):
            salvaged = {}
        message = f"front matter refused: it {too_big} (YAML aliases?); read line by line instead"
        return salvaged, [Problem(path, message, "error", part.fm_line)]
    data = {str(k): v for k, v in data.items()}
    if "\\u" in fm or "\\U" in fm:  # only an escape can make a lone surrogate: decoded text has none
        cleaned = _without_surrogates(data)
        if cleaned != data:
            message = "front matter: lone surrogate escapes replaced with U+FFFD (no file can hold them)"
            return cleaned, [Problem(path, message, "warning", part.fm_line)]
    return data, []


def oversized(value: Any) -> str | None:
    """Why a parsed front matter is too large to use (see :data:`MAX_FRONT_MATTER_VALUES`), or None.
    Counted as a writer walks it, so values shared through YAML aliases count every time they recur;
    the walk stops at the bound, so it costs little whatever the front matter claims."""
    stack = [(value, 0)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_FRONT_MATTER_VALUES:
            return f"holds more than {MAX_FRONT_MATTER_VALUES:,} values"
        if depth > MAX_FRONT_MATTER_DEPTH:
            return f"is nested more than {MAX_FRONT_MATTER_DEPTH} levels deep"
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
            count += len(item)
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return None


def _without_surrogates(value: Any) -> Any:
    """The value with every lone surrogate in its text replaced: a title of ``"\\ud800"`` (legal JSON; YAML
    and TOML refuse it) would otherwise make every writer fail to encode the post."""
    if isinstance(value, str):
        return SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    return value


# --- normalising -------------------------------------------------------------------------------------------


_EMPTY = (None, "", [], {})
"""Values that mean "not given". A constant: written inline, the list and dict are built at every test."""


def _first(fm: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = fm.get(key)
        if value not in _EMPTY:
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


_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)
_HTML_H = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1\s*>", re.S | re.I)
_TAGS = re.compile(r"<[^>]+>")
_HTML_SIGNS = re.compile(
    r"<(?:p|div|br|img|h[1-6]|ul|ol|li|table|span|strong|b|em|section|article|figure|blockquote|pre|a)\b[^>]*>",
    re.I,
)
_BLOCKY = re.compile(r"<(?:p|div|br)\b[^>]*>", re.I)
_MD_LINE = re.compile(r"(?: {0,3}#{1,6} |```|~~~| {0,3}[-*+] \S| {0,3}\d+\. |> |\{% )")
"""Markdown's signs at the start of a line."""


KIND_SAMPLE = 1000


def body_kind(body: str) -> BodyKind:
    """Scraped HTML or Markdown: HTML when block tags outnumber Markdown's line-start signs."""
    head = body[:KIND_SAMPLE]
    if _HTML_SIGNS.search(head) is None:
        return "markdown"
    # Counted line by line, not with one multi-line findall: scraped HTML comes as a few very long lines.
    md = sum(1 for line in head.split("\n") if _MD_LINE.match(line))
    if head.lstrip().startswith("<") and (md == 0 or len(_HTML_SIGNS.findall(head)) >= md):
        return "html"
    return "html" if len(_BLOCKY.findall(head)) > 3 * md + 2 else "markdown"


def title_from_body(body: str, kind: BodyKind) -> str | None:
    if kind == "html":
        m = _HTML_H.search(body[:HEAD_BYTES])
        if m:
            import html as _html

            text = " ".join(_html.unescape(_TAGS.sub("", m.group(2))).split())
            return text or None
        return None
    m = _ATX.search(body[:HEAD_BYTES])
    return m.group(2).strip() if m else None


_MORE = re.compile(r"<!--\s*more\s*-->", re.I)


def excerpt_of(body: str) -> str | None:
    m = _MORE.search(body)
    return body[: m.start()].rstrip() if m else None


_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
)
_TWO_HAN = re.compile(r"[\u4e00-\u9fff][^\u4e00-\u9fff]*[\u4e00-\u9fff]")
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
    """Normalise a front-matter mapping into :class:`Meta`, recording every value that could not be used."""
    if SURROGATE.search(path):
        problems.append(
            Problem(path, f"file name is not valid UTF-8: written as {path_text(path)}", "warning")
        )
    kind = body_kind(body)
    raw_title = fm.get("title")
    title = _text(raw_title) if raw_title not in _EMPTY else ""
    if not title:  # (from the body's first heading, or the file name: as unfit for XML as front matter)
        title = sanitize_text(title_from_body(body, kind) or "") or sanitize_text(path_text(Path(path).stem))
    dates = []
    for keys, label in ((DATE_KEYS, "date"), (UPDATED_KEYS, "updated")):
        raw = _first(fm, keys)
        value, reason = parse_date(raw, zone)
        if reason:
            problems.append(Problem(path, f"{label}: {reason}", "warning", _key_line(part, fm, keys)))
        dates.append(value)
    if dates[0] is None:  # no usable date in the front matter: the one the file's name begins with
        dates[0] = date_from_name(path, zone)
    categories = fm["categories"] if "categories" in fm else fm.get("category")
    return Meta(
        path=path,
        title=title,
        date=dates[0],
        updated=dates[1],
        categories=normalise_categories(categories),
        tags=normalise_tags(fm.get("tags", fm.get("tag"))),
        authors=normalise_authors(fm.get("author", fm.get("authors"))),
        cover=cover_of(fm),
        language=detect_language(fm, title, body),
        body_kind=kind,
        problems=tuple(problems),
    )


def _key_line(part: Split | None, fm: dict[str, Any], keys: tuple[str, ...]) -> int | None:
    """The line of the first of ``keys`` present, so a warning points where the user must look."""
    if part is None or part.front_matter is None:
        return None
    key = next((k for k in keys if fm.get(k) not in _EMPTY), None)
    if key is None:
        return None
    m = re.search(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*[:=]", part.front_matter, re.M)
    return part.fm_line + part.front_matter.count("\n", 0, m.start()) if m else None


# --- entry points --------------------------------------------------------------------------------------------


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
