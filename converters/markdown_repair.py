"""html2text's output repaired: placeholders filled, markers resolved into the escapes and emphasis
CommonMark renders as meant, stray list markers escaped, blank runs tidied."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator

from .markdown_marks import (
    ASCII_PUNCT,
    BREAK,
    CELL_BREAK,
    CLOSERS,
    FROM_SENTINEL,
    HOLD,
    HOLD_OPEN,
    IDEO_SPACE,
    LIST_CONT,
    MARK_HTML,
    MARKS,
    NBSP,
    OPENERS,
    PREFIX,
    SENTINELS,
    STRONG_OPEN,
    SUB_CLOSE,
    SUB_OPEN,
    SUP_CLOSE,
    SUP_OPEN,
    UNPROTECT,
    Holds,
)


def _prefix(line: str) -> re.Match[str]:
    """:data:`PREFIX` matched at the line's start (always: each of its parts may be empty)."""
    m = PREFIX.match(line)
    assert m is not None
    return m


def restore_spaces(md: str) -> str:
    return md.replace(IDEO_SPACE, "\u3000").replace(NBSP, "\u00a0").replace(CELL_BREAK, "<br>")


def fill_holds(md: str, holds: Holds, kinds: tuple[str, ...]) -> str:
    if HOLD_OPEN not in md:
        return md
    if kinds == ("span",):

        def inline(m: re.Match[str]) -> str:
            text, kind = holds.items[int(m.group(1))]
            return text if kind == "span" else m.group(0)

        return HOLD.sub(inline, md)
    # Only the lines that hold something
    spans = _by_line(md, _positions(md, HOLD_OPEN))
    return _rewrite_lines(md, spans, lambda line, _: _fill_block_line(line, holds, kinds))


def _fill_block_line(line: str, holds: Holds, kinds: tuple[str, ...]) -> str:
    """A line with its held blocks of ``kinds`` written out, each on lines of its own under the line's
    quote and list prefix; the line as it is when its first hold is of another kind."""
    m = HOLD.search(line)
    if not m or holds.items[int(m.group(1))][1] not in kinds:
        return line
    pieces = []
    pos = 0
    for m in HOLD.finditer(line):
        text, _ = holds.items[int(m.group(1))]
        head = line[pos : m.start()]
        prefix_m = _prefix(head)
        prefix = head if prefix_m and prefix_m.end() == len(head) else None
        if prefix is None:  # text before the block on the same line: give the block its own lines
            pieces.append(head.rstrip())
            prefix = _continuation(head)
            block_lines = text.split("\n")
            pieces.append("\n".join(prefix + ln if ln else prefix.rstrip() for ln in block_lines))
        else:
            cont = _continuation(prefix)
            block_lines = text.split("\n")
            first = prefix + block_lines[0]
            rest = [cont + ln if ln else cont.rstrip() for ln in block_lines[1:]]
            pieces.append("\n".join([first, *rest]))
        pos = m.end()
    tail = line[pos:]
    if tail.strip():
        pieces.append(_continuation(line) + tail.strip())
    return "\n".join(p for p in pieces if p != "")


_LIST_ITEM = re.compile(r"^((?:[ ]*>[ ]?)*)([ ]*)((?:[-*+]|\d{1,9}[.)])[ ]+)")


def indent_list_continuations(md: str) -> str:
    if LIST_CONT not in md:
        return md
    out: list[str] = []
    indent = ""
    for line in md.split("\n"):
        m = _LIST_ITEM.match(line)
        if m and LIST_CONT not in line:
            indent = m.group(1) + " " * (len(m.group(2)) + len(m.group(3)))
        if LIST_CONT in line:
            line = line.replace(LIST_CONT, "")
            if indent and line.strip():
                line = indent + line.lstrip(" ")
        out.append(line)
    return "\n".join(out)


def _continuation(line: str) -> str:
    """The prefix that continues the container(s) a line is in: blockquote markers and list indentation."""
    m = _prefix(line)
    quotes, indent, marker = m.group(1), m.group(2), m.group(3) or ""
    return quotes + indent + " " * len(marker)


def resolve_breaks(md: str) -> str:
    """A ``<br>`` (or a run of them) ends the paragraph: no hard breaks inside paragraphs."""
    if BREAK not in md:
        return md
    out: list[str] = []
    for line in md.split("\n"):
        if BREAK not in line:
            out.append(line)
            continue
        prefix = line[: _prefix(line).end()]
        parts = [p.strip(" \t") for p in re.split(f"[ \\t]*{BREAK}[{BREAK}\\s]*", line[len(prefix) :])]
        parts = [p for p in parts if p]
        if not parts:
            out.append(prefix.rstrip())
            continue
        cont = _continuation(line)
        lines = [prefix + parts[0]]
        for part in parts[1:]:
            lines.append(cont.rstrip())
            lines.append(cont + part)
        out.append("\n".join(lines))
    return "\n".join(out)


def _is_space(ch: str) -> bool:
    return ch == "" or ch in " \t\n\r\f\v\u00a0\u1680\u202f\u205f\u3000" or "\u2000" <= ch <= "\u200a"


def _is_punct(ch: str) -> bool:
    return ch != "" and unicodedata.category(ch)[0] in "PS"


def _positions(text: str, chars: str) -> list[int]:
    """Where any of ``chars`` stands in ``text``, in order. ``str.find`` per character: our markers are rare
    in a long text, and a regex character class costs ~5 ns a character to scan where find costs ~0.03."""
    found: list[int] = []
    for ch in chars:
        at = text.find(ch)
        while at >= 0:
            found.append(at)
            at = text.find(ch, at + 1)
    found.sort()
    return found


def _by_line(text: str, positions: list[int]) -> Iterator[tuple[int, int, list[int]]]:
    """(start, end) of each line holding one of ``positions``, with those positions made line-relative."""
    i, count = 0, len(positions)
    while i < count:
        at = positions[i]
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        if end < 0:
            end = len(text)
        j = i
        while j < count and positions[j] < end:
            j += 1
        yield start, end, [p - start for p in positions[i:j]]
        i = j


def _rewrite_lines(
    text: str, spans: Iterable[tuple[int, int, list[int]]], rewrite: Callable[[str, list[int]], str]
) -> str:
    """``text`` with each line of ``spans`` (from :func:`_by_line`) replaced by ``rewrite(line, found)``,
    every other line kept as it is, without splitting the whole text into lines."""
    out: list[str] = []
    done = 0
    for start, end, found in spans:
        out += (text[done:start], rewrite(text[start:end], found))
        done = end
    out.append(text[done:])
    return "".join(out)


def resolve_escapes(md: str) -> str:
    """Turn each protected character back into itself, escaped only where the final text would misread it."""
    positions = _positions(md, SENTINELS)
    return _rewrite_lines(md, _by_line(md, positions), _escape_line) if positions else md


def _escape_line(line: str, found: list[int]) -> str:
    start = _prefix(line).end()
    heading = bool(re.match(r"[ ]{0,3}#{1,6}(?:[ ]|$)", line[start:] if start else line))
    # (where a heading's closing sequence would begin: past it, only #s and spaces. Known once, not from
    # a copy of the rest of the line at each character escaped, which made a long line quadratic)
    closing_from = len(line.rstrip("#\ufdd6 \t")) if heading else len(line) + 1
    pieces = []
    pos = 0
    for i in found:
        prev = _plain_char(line[i - 1]) if i else ""
        nxt = _plain_char(line[i + 1]) if i + 1 < len(line) else ""
        pieces.append(line[pos:i])
        lead = line[start:i] if i - start <= 9 else "-"  # (a list item's number has 9 digits at most)
        closing = i + 1 >= closing_from
        pieces.append(
            _escape(FROM_SENTINEL[line[i]], i == start, prev, nxt, line[i + 1 : i + 41], closing, lead)
        )
        pos = i + 1
    pieces.append(line[pos:])
    return "".join(pieces)


def _plain_char(ch: str) -> str:
    return FROM_SENTINEL.get(ch, ch)


def _escape(ch: str, at_start: bool, prev: str, nxt: str, ahead: str, closing: bool, lead: str = "") -> str:
    """``ch`` as Markdown, given what stands around it: ``ahead``, the characters after it (40 of them);
    ``closing``, whether only a heading's closing sequence can follow it; ``lead``, what stands before it
    on its line when that is short."""
    if ch in "*`[]":
        return "\\" + ch
    if ch == "_":
        word = not (_is_space(prev) or _is_punct(prev) or _is_space(nxt) or _is_punct(nxt))
        return "_" if word else "\\_"
    if ch == "<":
        return "\\<" if nxt and ((nxt.isascii() and nxt.isalpha()) or nxt in "/!?") else "<"
    if ch in "#>":
        if at_start:
            return "\\" + ch
        if ch == "#" and closing and _is_space(prev):
            return "\\#"  # would be read as a closing sequence of the heading
        return ch
    if ch == "\\":
        return "\\\\" if nxt == "" or nxt in ASCII_PUNCT else "\\"
    if ch == "&":  # (what follows may be protected too: the "#" of "&#65;")
        return "\\&" if re.match(r"#?[A-Za-z0-9]+;", ahead.translate(UNPROTECT)) else "&"
    if ch == "~":
        return "\\~" if "~" in (prev, nxt) else "~"
    if ch in "-+":  # a text chunk's leading -/+ is a list marker only at the start of a line
        return "\\" + ch if at_start else ch
    if ch == ".":
        return "\\." if lead.isdigit() and len(lead) <= 9 and (nxt == "" or _is_space(nxt)) else "."
    return ch


def resolve_emphasis(md: str) -> str:
    """Write each emphasis as ``**``/``*``/``~~`` where CommonMark renders it, else as inline HTML."""
    # Each line with a marker, with where its emphasis markers (not <sub>/<sup>) stand.
    spans = [
        (start, end, [i for i in at if md[start + i] in _PAIR_SET])
        for start, end, at in _by_line(md, _positions(md, _MARK_CHARS))
    ]
    if not spans:
        return md
    if not any(_open_of([md[start + i] for i in at]) for start, _, at in spans):
        # The usual case: no emphasis runs on past its line, so only the lines with markers need a look.
        return _rewrite_lines(md, spans, _emphasis_line)
    lines = _balance_lines(md.split("\n"))
    has_mark = _ANY_MARK.search
    return "\n".join([_emphasis_line(line) if has_mark(line) else line for line in lines])


_ANY_MARK = re.compile(f"[{STRONG_OPEN}-{SUP_CLOSE}]")


_MARK_CHARS = "".join(chr(c) for c in range(ord(STRONG_OPEN), ord(SUP_CLOSE) + 1))


def _left_open(line: str) -> list[str]:
    """The emphasis markers a line opens and does not close, innermost last."""
    return _open_of(_pair_marks(line))  # only the markers, not every character


def _open_of(marks: list[str]) -> list[str]:
    stack: list[str] = []
    for ch in marks:
        if ch in OPENERS:
            stack.append(ch)
        elif CLOSERS[ch] in stack:
            del stack[len(stack) - 1 - stack[::-1].index(CLOSERS[ch])]
    return stack


def _balance_lines(lines: list[str]) -> list[str]:
    """Emphasis never spans lines in our output: close it at the end of a line and reopen on the next."""
    result = []
    carry: list[str] = []
    for line in lines:
        if not carry and not _ANY_MARK.search(line):
            result.append(line)
            continue
        if carry and line.strip():
            start = _prefix(line).end()
            line = line[:start] + "".join(carry) + line[start:]
            carry = []
        stack = _left_open(line)
        if stack:
            line = line + "".join(OPENERS[o] for o in reversed(stack))
            carry = stack
        result.append(line)
    return result


_EMPTY_PAIRS = {o: re.compile(f"{o}(\\s*){c}") for o, c in OPENERS.items()}


_TOUCHING = frozenset(pair for o, c in OPENERS.items() for pair in (c + o, o + c, o + " "))
"""What the merge below acts on; a look for each tells whether it has anything to do (the usual answer: no)."""


def _emphasis_line(line: str, found: list[int] | None = None) -> str:
    """``found``: where the line's emphasis markers stand, when the caller knows."""
    if SUB_OPEN in line or SUB_CLOSE in line or SUP_OPEN in line or SUP_CLOSE in line:
        line = line.replace(SUB_OPEN, "<sub>").replace(SUB_CLOSE, "</sub>")
        line = line.replace(SUP_OPEN, "<sup>").replace(SUP_CLOSE, "</sup>")
        found = None  # (they moved)
    if found is None:
        found = _positions(line, _PAIR_CHARS)
    if len(found) == 2 and OPENERS.get(line[found[0]]) == line[found[1]]:
        return _write_pair(line, *found)  # the usual line: one pair, nothing to merge
    return _emphasis_pairs(line, found)


def _emphasis_pairs(line: str, found: list[int]) -> str:
    """:func:`_emphasis_line` for any markers: pairs merged, emptied, nested or left open."""
    # Merge a closing marker immediately reopened (<b>a</b><b>b</b>) and drop empty pairs.
    if any(line[i : i + 2] in _TOUCHING for i in found):
        for opener, closer in OPENERS.items():
            line = line.replace(closer + opener, "")
            if opener + closer in line or opener + " " in line:
                line = _EMPTY_PAIRS[opener].sub(r"\1", line)
        found = _positions(line, _PAIR_CHARS)
    left = len(found)
    known: list[int] | None = found
    while left:
        if known is None:  # (the line changed)
            known = _positions(line, _PAIR_CHARS)
        pair = _innermost_pair(line, known)
        if pair is None:
            return line
        known = None
        i, j = pair
        if i < 0:  # a closer with no opener: drop it
            line = line[:j] + line[j + 1 :]
            left -= 1
            continue
        left -= 2
        line = _write_pair(line, i, j)
    return line


def _write_pair(line: str, i: int, j: int) -> str:
    """``line`` with the markers at ``i`` (an opener) and ``j`` (its closer) written as Markdown where
    CommonMark renders it there, else as inline HTML; a pair around nothing but spaces is dropped."""
    inner = line[i + 1 : j]
    core = inner.strip()
    if not core:
        return line[:i] + inner + line[j + 1 :]
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    start = line[:i]
    # whitespace just inside a marker moves outside it, unless it would start the line's text
    before = start if _prefix(start).end() == len(start) else start + lead
    after = trail + line[j + 1 :]
    mark, html_open, html_close = MARKS[line[i]]
    prev = before[-1] if before else ""
    nxt = after[0] if after else ""
    if _can_open(prev, core[0]) and _can_close(core[-1], nxt) and not _touches_marker(prev, nxt, mark):
        return before + mark + core + mark + after
    return before + html_open + core + html_close + after


def _touches_marker(prev: str, nxt: str, mark: str) -> bool:
    """``**a**`` glued to a literal ``*`` or ``~`` would merge into a longer delimiter run."""
    return mark[0] in (prev, nxt)


def _innermost_pair(line: str, found: list[int]) -> tuple[int, int] | None:
    """The first closed pair of markers (``found``: where the markers are), as (opener index, closer
    index); (-1, j) for a stray marker."""
    stack: list[int] = []
    for idx in found:
        ch = line[idx]
        if ch in OPENERS:
            stack.append(idx)
            continue
        for k in range(len(stack) - 1, -1, -1):
            if line[stack[k]] == CLOSERS[ch]:
                return stack[k], idx
        return -1, idx
    if stack:  # an opener with no closer: drop it
        return -1, stack[0]
    return None


_PAIR_CHARS = "".join(OPENERS) + "".join(CLOSERS)
"""The emphasis markers, found with ``str.find`` (see :func:`_positions`)."""


_PAIR_SET = frozenset(_PAIR_CHARS)


def _pair_marks(line: str) -> list[str]:
    """The emphasis markers of a line, in order."""
    return [line[i] for i in _positions(line, _PAIR_CHARS)]


def _can_open(prev: str, first: str) -> bool:
    """CommonMark left-flanking: not followed by space, and if followed by punctuation, preceded by space/punct."""
    if _is_space(first):
        return False
    return not _is_punct(first) or _is_space(prev) or _is_punct(prev)


def _can_close(last: str, nxt: str) -> bool:
    if _is_space(last):
        return False
    return not _is_punct(last) or _is_space(nxt) or _is_punct(nxt)


_BARE_MARKER = re.compile(
    r"^((?:[ ]{0,3}>[ ]?)*[ ]*)(?:(\d{1,9})([.)])$|([-+])$|(\d{1,9})(\))(?=[ \t]))", re.M
)


def escape_bare_markers(md: str) -> str:
    """Text lines html2text leaves readable as list items: a lone ``-``/``+``/``1.``, or ``1)`` (html2text
    writes ordered lists with ``.`` only, so a ``)`` marker is always text)."""

    def escape(m: re.Match[str]) -> str:
        if m.group(4):
            return m.group(1) + "\\" + m.group(4)
        digits = m.group(2) or m.group(5)
        return m.group(1) + digits + "\\" + (m.group(3) or m.group(6))

    # A ``^``-anchored regex tries every position of the text (~10 ns each); only a line that ends with
    # ``.``, ``)``, ``-`` or ``+``, or holds ``)`` followed by a blank, can match. (Finding one character
    # is ~20x faster than finding two: see :func:`_positions`.)
    candidates = []
    for at in _positions(md, ".)-+"):
        nxt = md[at + 1 : at + 2]
        if nxt == "\n" or nxt == "" or (nxt in " \t" and md[at] == ")"):
            candidates.append(at)
    if not candidates:
        return md
    return _rewrite_lines(md, _by_line(md, candidates), lambda line, _: _BARE_MARKER.sub(escape, line))


def tidy(md: str) -> str:
    """Strip trailing blanks from lines, squeeze blank-line runs to one, and drop stray markers."""
    if " \n" in md or "\t\n" in md or md.endswith((" ", "\t")):
        ends = [at - 1 for at in [*_positions(md, "\n"), len(md)] if at and md[at - 1] in " \t"]
        md = _rewrite_lines(md, _by_line(md, ends), lambda line, _: line.rstrip(" \t"))
    while "\n\n\n" in md:  # a regex for the runs costs ~40 µs a post; each pass shortens every run by a third
        md = md.replace("\n\n\n", "\n\n")
    # markers that lost their partner (malformed nesting) must not reach the reader
    return _STRAY_MARKS.sub("", md) if any(ch in md for ch in _MARK_CHARS) else md


_STRAY_MARKS = re.compile(f"[{''.join(MARK_HTML)}]")
