"""Line breaking for Chinese, Japanese and Korean text in the article pane.

Rich breaks lines only at spaces, so a paragraph that mixes CJK with Latin words (``英特尔推出了 Gaudi2
数据中心加速卡，并将之与…``) wraps at the few spaces it has and leaves lines half empty. CJK text may break
between any two characters (except before closing punctuation, which stays with the character before
it: the kinsoku rule), so here each CJK character counts as a word of its own. Rich has no public hook for
this; :func:`install` replaces the word splitter its wrapping uses, and does nothing if a Rich release
no longer has it (the tests notice).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from converters.chars import BOPOMOFO, HAN, HANGUL, KANA, RADICALS

_CJK = RADICALS + KANA + BOPOMOFO + HAN + HANGUL
_CLOSING = "，。、；：！？」』）》〉】〕”’…—～·,.;:!?)\\]}%"
_OPENING = "「『（《〈【〔“‘(\\[{"
_WIDE_CLOSING = "".join(c for c in _CLOSING if ord(c) > 0x7F)
_WIDE_OPENING = "".join(c for c in _OPENING if ord(c) > 0x7F)
# One CJK character with the opening punctuation before it and the closing punctuation after it; or a
# run of Latin (anything else but spaces), with the full-width punctuation around it but never through it
# (``GPT-4、Claude、Gemini`` breaks after each 、, not in the middle of a name); or a lone other character.
# Each with the spaces after it, as Rich's own words are.
_WORD = re.compile(
    rf"\s*(?:[{_OPENING}]*[{_CJK}][{_CLOSING}]*"
    rf"|[{_WIDE_OPENING}]*[^\s{_CJK}{_WIDE_OPENING}{_WIDE_CLOSING}]+[{_WIDE_CLOSING}]*"
    rf"|\S[{_WIDE_CLOSING}]*)\s*"
)


def words(text: str) -> Iterable[tuple[int, int, str]]:
    """Rich's ``words``, with a break allowed between CJK characters."""
    match = _WORD.match(text)
    while match is not None:
        start, end = match.span()
        yield start, end, match.group(0)
        match = _WORD.match(text, end)


def install() -> bool:
    """Use :func:`words` for Rich's wrapping in this process; whether it could."""
    try:
        from rich import _wrap
    except ImportError:  # pragma: no cover - a Rich without the module
        return False
    if not callable(getattr(_wrap, "words", None)) or not callable(getattr(_wrap, "divide_line", None)):
        return False
    _wrap.words = words
    return True
