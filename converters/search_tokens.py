"""Text → the tokens the search index holds, and a query's words → the tokens to look for.

SQLite's FTS5 tokenizers cannot cut Chinese, Japanese or Korean, which put no spaces between words, and
its trigram tokenizer cannot answer a query of one or two characters. So the text is cut here, and FTS5
is given tokens ready made (lower-case words and prefixed CJK tokens, separated by spaces):

* a word of other scripts (letters and digits) is one token, case-folded, its accents taken off;
* a run of CJK characters gives its bigrams (``b中国 b国人``), consecutive, so that a query of n ≥ 2
  characters is the phrase of its n-1 bigrams: found exactly where the run holds it; a run of one
  character, which has no bigram, gives itself (``s中``). Two runs are kept apart by a separator token,
  so that no such phrase spans them (``中国 国人`` holds no ``中国人``). A word and a run stand side by
  side, so a phrase may mix the two (``"打开Python文件"``, found with or without spaces around the word);
* and its characters one by one (``u中``), for one-character queries, in a table of their own without
  positions (they need none, and positions would double the index).
"""

from __future__ import annotations

import re
import unicodedata

from .chars import CJK_LETTERS

_CJK_RUN = re.compile(f"[{CJK_LETTERS}]+")
_PIECE = re.compile(rf"([{CJK_LETTERS}]+)|[^\W_{CJK_LETTERS}]+")
"""A CJK run (group 1) or a word of other scripts."""
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
SEPARATOR = "zz"
"""The token between two CJK runs (in a phrase too: the gap between its runs). Words are prefixed ``w``,
CJK bigrams ``b``, a CJK character alone ``s`` (and ``u`` in the table of characters)."""
NAMES_APART = "zy"
"""The token between two names of a field (tags, categories, authors): no query's, so that no phrase
runs from one name into the next."""


def fold(text: str) -> str:
    """Text as the index holds it: case-folded, compatibility-normalised, accents taken off (Hangul
    syllables, which decomposition takes apart, put together again). Folded again last: composing can
    give capitals back (𝚺 → Σ), and FTS5's tokenizer lowers none but ASCII's."""
    if text.isascii():
        return text.lower()
    stripped = _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))
    return unicodedata.normalize("NFKC", stripped).casefold()


def tokens(text: str) -> tuple[str, str]:
    """``text`` → (its words and CJK bigrams, in order; its CJK characters), both space-separated. A run
    ``abcd`` gives ``bab bbc bcd``, a word ``Café`` gives ``wcafe``, ``ab 中 cd`` gives ``bab zz s中 zz
    bcd``."""
    ordered: list[str] = []
    runs: list[str] = []
    after_run = False
    for found in _PIECE.finditer(fold(text)):
        piece = found.group()
        if found.lastindex:  # (a CJK run)
            if after_run:
                ordered.append(SEPARATOR)
            if len(piece) > 1:  # (its bigrams, made by C code: this runs over every character indexed)
                ordered.append("b" + " b".join(map(str.__add__, piece, piece[1:])))
            else:
                ordered.append("s" + piece)
            runs.append(piece)
            after_run = True
        else:
            ordered.append("w" + piece)
            after_run = False
    singles = sorted(set("".join(runs)))
    return " ".join(ordered), "u" + " u".join(singles) if singles else ""


def query_tokens(text: str) -> list[list[str]]:
    """A query's text → the token sequences (phrases) that must all be found: each word a phrase of one
    token, each CJK run of two or more characters the phrase of its bigrams, a single CJK character the
    one-character token (``u``, looked for in the table of characters)."""
    found: list[list[str]] = []
    for piece in words_of(fold(text)):
        if _CJK_RUN.match(piece):
            if len(piece) == 1:
                found.append(["u" + piece])
            else:
                found.append(["b" + piece[i : i + 2] for i in range(len(piece) - 1)])
        else:
            found.append(["w" + piece])
    return found


def words_of(text: str) -> list[str]:
    """The pieces a query or a text is cut into: words of other scripts and CJK runs, as written."""
    return [found.group() for found in _PIECE.finditer(text)]
