"""Character classes and the text patterns modules share: the characters no document may hold (and the one
function that takes them out), the CJK ranges, a Markdown heading line.

Every string that reaches XHTML, an EPUB's package and navigation, JSON or the screen passes through
:func:`sanitize_text` on its way in: the body when it is cleaned, every metadata value when the front
matter is read. Kept free of heavy imports: a library scan uses it too.
"""

from __future__ import annotations

import re

# The CJK ranges, as regex class bodies (each use joins the ones it means).
HAN_BASIC = "\u4e00-\u9fff"  # CJK Unified Ideographs
HAN = "\u3400-\u4dbf" + HAN_BASIC + "\uf900-\ufaff"  # with Extension A and the compatibility ideographs
KANA = "\u3040-\u30ff"
HANGUL = "\uac00-\ud7af"
BOPOMOFO = "\u3100-\u312f"
RADICALS = "\u2e80-\u2fff"  # CJK and Kangxi radicals, description characters
CJK_PUNCTUATION = "\u3001-\u303f"  # (U+3000, the ideographic space, is whitespace)
FULLWIDTH = "\uff00-\uffef"  # halfwidth and fullwidth forms
CJK_LETTERS = HAN + KANA + HANGUL
"""The characters read one to a word: a CJK text has no spaces between its words."""

ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)
"""A Markdown ATX heading line, its hashes and its text: the title a body opens with, the reader's outline."""

UNFIT_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufdd0-\ufdef\ufffe\uffff]")
"""C0 controls but tab and newlines, DEL, XML's forbidden U+FFFE and U+FFFF, and the noncharacters the
Markdown writer keeps for its own sentinels."""
SURROGATE = re.compile("[\ud800-\udfff]")
UNFIT = re.compile(f"{UNFIT_CONTROL.pattern[:-1]}\ud800-\udfff]")


def sanitize_text(text: str) -> str:
    """Drop what no document may hold: control characters, lone surrogates, internal-use noncharacters."""
    if UNFIT.search(text) is None:
        return text  # the usual case, in one pass over the text instead of two
    if SURROGATE.search(text):
        text = SURROGATE.sub("\ufffd", text)
    return UNFIT_CONTROL.sub("", text)


def path_text(path: str) -> str:
    """A path as valid text. A file name that is not UTF-8 reaches Python with its bad bytes as lone
    surrogates (``bad\\udcff.md``), which no JSON, XML or UTF-8 stream can carry: they are written as
    ``\\xff`` escapes instead."""
    if SURROGATE.search(path) is None:
        return path
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
