"""Characters no document may hold, and the one function that takes them out.

Every string that reaches XHTML, an EPUB's package and navigation, JSON or the screen passes through
:func:`sanitize_text` on its way in: the body when it is cleaned, every metadata value when the front
matter is read. Kept free of heavy imports: a library scan uses it too.
"""

from __future__ import annotations

import re

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
