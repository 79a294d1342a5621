"""YAML front matter read the way Hexo reads it (YAML 1.2 core schema), at libyaml's speed.

PyYAML implements YAML 1.1, where ``no``/``on``/``yes`` are booleans, ``010`` is octal, ``12:30:45`` is a
base-60 integer and ``2021-10-28`` becomes a date object. Hexo (js-yaml) reads YAML 1.2, so real posts rely on
those staying strings. We keep libyaml's C parser and swap only the implicit resolvers. Dates stay strings
too: :mod:`converters.dates` reads every date form in one place.

:func:`parse_simple` is the fast path: a line parser for the ``key: value`` / ``- item`` shapes that almost
every scraped post uses. It returns ``None`` for anything it is not certain about, and the tests check it
gives exactly what the YAML loader gives on every fixture and on the shared corpus.
"""

from __future__ import annotations

import functools
import re
from typing import Any

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_INT = re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(?:\.[0-9]*)?[eE][-+]?[0-9]+)"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


@functools.cache
def hexo_loader() -> type:
    """libyaml's safe loader with YAML 1.2 core-schema scalars and no timestamp type.

    Made (and PyYAML imported, ~13 ms) on first use: :func:`parse_simple` reads most posts without it, so
    a scan of a library of simple front matter never pays for it."""
    import yaml

    base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # (PyYAML without libyaml: only slower)

    class HexoLoader(base):  # type: ignore[misc]
        yaml_implicit_resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}

    HexoLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
    HexoLoader.add_implicit_resolver("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""])
    HexoLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
    HexoLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
    HexoLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])
    return HexoLoader


def load_yaml(text: str) -> Any:
    """Parse YAML front matter; raises :class:`yaml.YAMLError` (with a line mark) when malformed."""
    import yaml

    return yaml.load(text, Loader=hexo_loader())


# --- the fast path -------------------------------------------------------------------------------------

_PLAIN_BAD_START = set("-?:,[]{}#&*!|>'\"%@`")
# Characters libyaml refuses to read: a text holding any of them goes to the real parser for its error.
_NOT_YAML_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
"""What YAML's printable set (``[^\\x09\\x0a\\x0d\\x20-\\x7e\\x85\\xa0-\\ud7ff\\ue000-\\ufffd\\U00010000-\\U0010ffff]``)
leaves out, written as what it holds: the negated class took 7 ms to compile, at every start."""


def _scalar(text: str) -> tuple[bool, Any]:
    """One scalar on one line → (certain, value). Uncertain shapes go to the real YAML parser."""
    if not text:
        return False, None
    first = text[0]
    if first == "'":
        if len(text) < 2 or text[-1] != "'":
            return False, None
        inner = text[1:-1]
        if "'" in inner.replace("''", ""):
            return False, None
        return True, inner.replace("''", "'")
    if first == '"':
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != '"' or '"' in inner or "\\" in inner:
            return False, None
        return True, inner
    if not _MAYBE_TYPED.match(text):  # one test rules out bool, null, int and float for most values
        if first in _PLAIN_BAD_START or ": " in text or " #" in text or text.endswith(":") or "\t" in text:
            return False, None
        return True, text
    # Each typed form opens with its own characters: one test of the first rules out the others.
    if first in "tTfF":
        if _BOOL.match(text):
            return True, text.lower() == "true"
    elif first in "nN~":
        if _NULL.match(text):
            return True, None
    elif _INT.match(text):
        return True, int(text[2:], 16) if text.startswith("0x") else int(text)
    elif _FLOAT.match(text):
        if "inf" in text.lower() or "nan" in text.lower():
            return False, None
        return True, float(text)
    if (
        text == "<<"
        or first in _PLAIN_BAD_START
        or ": " in text
        or " #" in text
        or text.endswith(":")
        or "\t" in text
    ):
        return False, None
    return True, text


_MAYBE_TYPED = re.compile(r"[-+0-9.~nNtTfF<]|$")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")

# A library repeats the same keys and lines (categories, authors, ``comments: false``) thousands of times:
# each is judged once. Values are immutable (str, int, float, bool, None), so sharing them is safe.
_MEMO_LIMIT = 8192
_KEY_OK: dict[str, bool] = {}


def _plain_key(name: str) -> bool:
    ok = _KEY_OK.get(name)
    if ok is None:
        ok = bool(_KEY.match(name)) and not _BOOL.match(name) and not _NULL.match(name)
        if len(_KEY_OK) < _MEMO_LIMIT:
            _KEY_OK[name] = ok
    return ok


_BLANK, _ITEM, _PAIR, _OPEN = 0, 1, 2, 3
_LINES: dict[str, tuple[int, Any, Any] | None] = {}
_UNSEEN = (-1, None, None)  # (memo.get's default: a line not seen yet, told apart by identity)


def _line(line: str) -> tuple[int, Any, Any] | None:
    """One front-matter line → (_BLANK, …), (_ITEM, depth, value), (_PAIR, key, value), (_OPEN, key, None)
    (a key whose block list may follow), or None when only the real parser can be sure."""
    # What libyaml refuses to read goes to it for its error. Looked at here, once per distinct line (most
    # lines repeat across a library), and through str.isprintable first: what it passes holds none of them.
    if "\t" in line or "\ufeff" in line or (not line.isprintable() and _NOT_YAML_PRINTABLE.search(line)):
        return None
    first = line[:1]
    if first == " " or first == "-":
        stripped = line.lstrip(" ")
        if not stripped:
            return (_BLANK, None, None)
        if stripped[:2] != "- ":
            return None
        ok, value = _scalar(stripped[2:].strip(" "))
        return (_ITEM, len(line) - len(stripped), value) if ok else None
    if not line:
        return (_BLANK, None, None)
    name, colon, rest = line.partition(":")
    if not colon or (rest and rest[0] != " ") or not _plain_key(name):
        return None
    raw = rest.strip(" ")
    if not raw:
        return (_OPEN, name, None)
    ok, value = _scalar(raw)
    return (_PAIR, name, value) if ok else None


def parse_simple(text: str) -> dict[str, Any] | None:
    """Parse the simple front-matter shapes exactly as :func:`load_yaml` would, or return ``None``.

    Plain string operations, no regex per line, and each distinct short line judged once (a library
    repeats ``comments: false`` and `` - 新媒体`` thousands of times): this runs for every post of a scan."""
    result: dict[str, Any] = {}
    key: str | None = None  # the key whose block list may follow
    items: list[Any] | None = None
    indent = -1
    memo = _LINES
    for line in text.split("\n"):
        parsed = memo.get(line, _UNSEEN)
        if parsed is _UNSEEN:
            parsed = _line(line)
            if len(line) <= 48 and len(memo) < _MEMO_LIMIT:
                memo[line] = parsed
        if parsed is None:
            return None
        kind, name, value = parsed
        if kind == _PAIR:
            result[name] = value
            key = items = None
        elif kind == _ITEM:
            if key is None:
                return None
            if items is None:
                indent = name
                items = result[key] = []
            elif name != indent:
                return None
            items.append(value)
        elif kind == _OPEN:
            result[name] = None
            key, items = name, None
    return result or None  # nothing but blank lines: let YAML say what that is


def parse_lenient(text: str) -> dict[str, Any]:
    """Salvage what a person would read from front matter that YAML rejects (e.g. ``-uniapp`` under a list).

    Used only after :func:`load_yaml` failed, so that a malformed post still shows its title and date.
    """
    result: dict[str, Any] = {}
    key: str | None = None
    for line in text.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.fullmatch(r"([A-Za-z_][\w -]*?)\s*:(?:\s+(.*?))?\s*", line)
        if m and not line[0].isspace():
            key, raw = m.group(1), (m.group(2) or "")
            result[key] = _lenient_scalar(raw) if raw else None
            if raw:
                key = None
            continue
        item = re.fullmatch(r"\s*-\s*(.*?)\s*", line)
        if item and key is not None:
            bucket = result.get(key)
            if not isinstance(bucket, list):
                bucket = result[key] = []
            bucket.append(_lenient_scalar(item.group(1)))
    return result


def _lenient_scalar(raw: str) -> Any:
    ok, value = _scalar(raw)
    if ok:
        return value
    import yaml

    try:
        return load_yaml(raw)
    except (yaml.YAMLError, ValueError):  # (ValueError: a value a constructor refuses, a bad !!timestamp)
        return raw.strip("'\"")
