"""The noncharacters and placeholders the Markdown writer puts in the text while html2text runs, and what
they stand for: syntax characters to escape later, emphasis, breaks, and held code and tables.

Noncharacters are reserved for internal use and removed from input by :func:`converters.chars.sanitize_text`,
so they can never collide with post text.
"""

from __future__ import annotations

import re

ESCAPABLE = "*_`[]<#>\\&~"
SENTINEL = {ch: chr(0xFDD0 + i) for i, ch in enumerate(ESCAPABLE)}
# "-", "+" and the "." of "1." where a text chunk starts: list markers only if they end up at a line start.
LINE_DASH, LINE_PLUS, LINE_DOT = "\ufdec", "\ufded", "\ufdee"
FROM_SENTINEL = {v: k for k, v in SENTINEL.items()} | {LINE_DASH: "-", LINE_PLUS: "+", LINE_DOT: "."}
SENTINELS = "".join(FROM_SENTINEL)
UNPROTECT = str.maketrans(FROM_SENTINEL)
CHUNK_MARKER = re.compile(r"(\s*)(?:([-+])(?=\s|[-+]|$)|(\d{1,9})\.(?=\s|$))")
IDEO_SPACE, NBSP = "\ufddb", "\ufddc"
STRONG_OPEN, STRONG_CLOSE, EM_OPEN, EM_CLOSE, DEL_OPEN, DEL_CLOSE = (chr(c) for c in range(0xFDDD, 0xFDE3))
SUB_OPEN, SUB_CLOSE, SUP_OPEN, SUP_CLOSE = (chr(c) for c in range(0xFDE3, 0xFDE7))
BREAK, CELL_BREAK, HOLD_OPEN, HOLD_CLOSE, LIST_CONT = "\ufde7", "\ufdea", "\ufde8", "\ufde9", "\ufdeb"
NEEDS_MAP = re.compile("[" + re.escape(ESCAPABLE) + "\u3000\u00a0]")
TEXT_MAP = str.maketrans({**SENTINEL, "\u3000": IDEO_SPACE, "\u00a0": NBSP})
OPENERS = {STRONG_OPEN: STRONG_CLOSE, EM_OPEN: EM_CLOSE, DEL_OPEN: DEL_CLOSE}
CLOSERS = {v: k for k, v in OPENERS.items()}
MARKS = {
    STRONG_OPEN: ("**", "<strong>", "</strong>"),
    EM_OPEN: ("*", "<em>", "</em>"),
    DEL_OPEN: ("~~", "<del>", "</del>"),
}
EMPHASIS_TAGS = {
    "strong": (STRONG_OPEN, STRONG_CLOSE), "b": (STRONG_OPEN, STRONG_CLOSE),
    "em": (EM_OPEN, EM_CLOSE), "i": (EM_OPEN, EM_CLOSE),
    "del": (DEL_OPEN, DEL_CLOSE), "s": (DEL_OPEN, DEL_CLOSE), "strike": (DEL_OPEN, DEL_CLOSE),
    "sub": (SUB_OPEN, SUB_CLOSE), "sup": (SUP_OPEN, SUP_CLOSE),
}  # fmt: skip
BLOCK_IN_CELL = {"table", "pre", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "dl", "hr"}
PREFIX = re.compile(r"^((?:[ ]{0,3}>[ ]?)*)([ ]*)((?:[-*+]|\d{1,9}[.)])[ ]+)?")
HOLD = re.compile(f"{HOLD_OPEN}(\\d+){HOLD_CLOSE}")
ASCII_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


class Holds:
    """Placeholders for what we write ourselves: code blocks, code spans and tables."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []  # (markdown, kind)

    def add(self, markdown: str, kind: str) -> str:
        """``kind``: "span" (inline code), "table" (a block whose text still needs escaping and emphasis)
        or "code" (a fenced block, written last so nothing touches its text)."""
        self.items.append((markdown, kind))
        return f"{HOLD_OPEN}{len(self.items) - 1}{HOLD_CLOSE}"


MARK_HTML = {
    STRONG_OPEN: "<strong>", STRONG_CLOSE: "</strong>", EM_OPEN: "<em>", EM_CLOSE: "</em>",
    DEL_OPEN: "<del>", DEL_CLOSE: "</del>", SUB_OPEN: "<sub>", SUB_CLOSE: "</sub>",
    SUP_OPEN: "<sup>", SUP_CLOSE: "</sup>",
}  # fmt: skip
