"""A post's text → its front matter and body: YAML, TOML and JSON fences (with the blank lines scrapers leave
and Hexo's form with no opening ``---``), each parsed as its generator parses it, and oversized or hostile
front matter refused."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from typing import Any

from .chars import SURROGATE
from .post import Problem
from .yaml_in import hexo_loader, parse_lenient, parse_simple

MAX_FRONT_MATTER_VALUES = 10_000
"""Front matter with more values than this is refused: YAML aliases can make a few lines stand for
billions of values (ten nested anchors of nine aliases each), which every writer would then walk."""


MAX_FRONT_MATTER_DEPTH = 64
"""Front matter nested deeper than this is refused (a writer walking it would exhaust the stack)."""


@dataclass(slots=True)
class Split:
    """A post's text cut into front matter and body; line numbers are 1-based, in the decoded text."""

    front_matter: str | None
    format: str | None  # "yaml" | "toml" | "json"
    body: str
    fm_line: int = 1
    body_line: int = 1


_FENCE = {"---": "yaml", "+++": "toml", ";;;": "json"}


_DASHES = re.compile(r"-{3,}")


_KEYLIKE = re.compile(r"[A-Za-z_][\w-]*[ \t]*:(?:[ \t]|$)")


_BLANK_LINES = re.compile(r"(?:[ \t]*\n)*")


_YAML_OPENER = re.compile(r"---[ \t]*\n")


_JSON_MEMBER = re.compile(r'"(?:[^"\\\n]|\\.)*"[ \t]*:')
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
        # Hexo closes a longer run of dashes with the same run only: ------ … --- is no front matter
        any_dashes = fmt == "yaml" and opener == "---"
        closers = closers if opener in ("---", "+++", ";;;") else (opener,)
        for i in range(start + 1, len(lines)):
            line = lines[i]
            if line[:1] not in "-+;." or not line:
                continue
            if line.rstrip() in closers or (any_dashes and _DASHES.fullmatch(line.rstrip())):
                fm = "\n".join(lines[start + 1 : i])
                if fmt == "yaml" and not _looks_like_mapping(fm):
                    break  # a body that opens with a --- rule: nothing here is front matter
                return Split(fm, fmt, "\n".join(lines[i + 1 :]), start + 2, i + 2)
        return Split(None, None, "\n".join(lines[start:]), body_line=start + 1)
    # Hexo also accepts front matter with no opening fence: key lines, then a --- line (YAML) or a ;;;
    # line (JSON, its members without braces).
    if _JSON_MEMBER.match(opener):
        for i in range(start + 1, len(lines)):
            if lines[i].rstrip() == ";;;":
                return Split("\n".join(lines[start:i]), "json", "\n".join(lines[i + 1 :]), start + 1, i + 2)
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
    blank = _BLANK_LINES.match(text)
    pos = blank.end() if blank else 0
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
        found = _json_object_end(text, offset)
        if found is None:
            return Split(None, None, "\n".join(lines[start:]), body_line=start + 1)
        end = found
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


class _MalformedYAML(Exception):
    def __init__(self, reason: str, line: int) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line  # (line: within the front matter, from 0)


def _load_yaml(fm: str) -> Any:
    """The full YAML reading, through python-frontmatter's handler: imported only when a post needs it."""
    import frontmatter
    import yaml

    try:
        return frontmatter.default_handlers.YAMLHandler().load(fm, Loader=hexo_loader())
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
