"""Text → the tokens the search index holds, and a query's words → the tokens to look for.

SQLite's FTS5 tokenizers cannot cut Chinese, Japanese or Korean, which put no spaces between words, and
its trigram tokenizer cannot answer a query of one or two characters. So the text is cut here, and FTS5
is given tokens ready made (folded, separated by white space):

* a word of other scripts (letters and digits) is one token, case-folded, its accents taken off;
* a run of CJK characters gives its bigrams, consecutive, then its last character alone (``中国人`` →
  ``中国 国人 人``; a run of one character gives that character). A query of n ≥ 2 characters is the
  phrase of its n-1 bigrams: found exactly where a run holds it. The lone last character marks where a
  run ends, so that no such phrase spans two runs (``中国，国人`` gives ``中国 国 国人 人``, which holds
  no ``中国 国人``). A word and a run stand side by side, so a phrase may mix the two (``"打开Python文件"``,
  found with or without spaces around the word);
* and its CJK characters, each once (for one-character queries, in a table of their own without
  positions: they need none, and positions would double the index).

Words hold no CJK character and bigrams two, so no token of one kind can be taken for another.
:func:`tokens_plain` states these rules plainly; :func:`tokens` gives the same, made by C code.
"""

from __future__ import annotations

import re
import unicodedata
from array import array

from .chars import CJK_LETTERS

_CJK_RUN = re.compile(f"[{CJK_LETTERS}]+")
_PIECE = re.compile(rf"[{CJK_LETTERS}]+|[^\W_{CJK_LETTERS}]+")
"""A CJK run or a word of other scripts."""
_WORD = re.compile(rf"[^\W_{CJK_LETTERS}]+")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
NAMES_APART = "§"
"""The token between two names of a field (tags, categories, authors): no text's or query's (it is no
word character), so that no phrase runs from one name into the next."""


def fold(text: str) -> str:
    """Text as the index holds it: case-folded, compatibility-normalised, accents taken off (Hangul
    syllables, which decomposition takes apart, put together again). Folded again last: composing can
    give capitals back (𝚺 → Σ), and FTS5's tokenizer lowers none but ASCII's."""
    if text.isascii():
        return text.lower()
    stripped = _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))
    return unicodedata.normalize("NFKC", stripped).casefold()


def is_char(token: str) -> bool:
    """Whether a token is one CJK character (a run's last, or a query's character)."""
    return len(token) == 1 and _CJK_RUN.match(token) is not None


def is_word(token: str) -> bool:
    """Whether a token is a word (of other scripts than CJK's)."""
    return _CJK_RUN.match(token) is None


def tokens_plain(text: str) -> tuple[list[str], set[str]]:
    """The rules of :func:`tokens`, plainly: (the tokens in order, the CJK characters)."""
    ordered: list[str] = []
    chars: set[str] = set()
    for piece in _PIECE.findall(fold(text)):
        if _CJK_RUN.match(piece):
            ordered += _bigrams(piece)
            ordered.append(piece[-1])
            chars.update(piece)
        else:
            ordered.append(piece)
    return ordered, chars


# The one speed trick of the index's first build. The tokens of a post are some 2,500 bigrams: made one
# string at a time (slices, or a map of str.__add__) they took half of a worker's time per post. Here
# every character is put beside the next by array slices, in C, and nothing is made per token.
_UNIT = next(code for code in "IL" if array(code).itemsize == 4)
_GAP = "\n"
_WORD_MARK = "\ufdd0"
"""Stands for a word while the pairs are made: a noncharacter, no word's (nor a CJK run's)."""
_WORDS_APART = re.compile(f"({_WORD.pattern})")
_AFTER_GAP = re.compile(f"{_GAP}[^{_GAP}]")


def tokens(text: str) -> tuple[str, str]:
    """``text`` → (its words and CJK tokens in order, its CJK characters), each separated by white space
    (the same as :func:`tokens_plain`'s). ``Café 中国人`` gives ``cafe 中国 国人 人``."""
    pieces = _PIECE.findall(fold(text))
    if not pieces:
        return "", ""
    apart = _WORDS_APART.split(_GAP.join(pieces))  # (the CJK runs between words, a word, and so on)
    words = apart[1::2]
    line = _WORD_MARK.join(apart[0::2]) if words else apart[0]
    # Each character, then the one after it unless a gap or a word's mark comes between, then a space:
    # a run gives its bigrams and its last character alone (``ab\n`` → ``ab b\n``), a mark itself.
    after = _AFTER_GAP.sub(_GAP + _GAP, line[1:] + _GAP)
    ordered = _interleave(line, after, " " * len(line))
    if words:
        parts = ordered.split(_WORD_MARK)
        joined = [""] * (2 * len(parts) - 1)
        joined[0::2] = parts
        joined[1::2] = words
        ordered = "".join(joined)
    chars = set(array(_UNIT, line.encode("utf-32-le")))  # (code points: a str made per character cost more)
    chars.discard(ord(_GAP))
    chars.discard(ord(_WORD_MARK))
    return ordered, " ".join(map(chr, chars))


def _interleave(*columns: str) -> str:
    """Strings of one length → their characters taken in turn (``ab``, ``cd`` → ``acbd``)."""
    out = array(_UNIT, bytes(4 * len(columns) * len(columns[0])))
    for i, column in enumerate(columns):
        out[i :: len(columns)] = array(_UNIT, column.encode("utf-32-le"))
    return out.tobytes().decode("utf-32-le")


def query_tokens(text: str) -> list[list[str]]:
    """A query's text → the token sequences (phrases) that must all be found: each word a phrase of one
    token, each CJK run of two or more characters the phrase of its bigrams, a single CJK character the
    character itself (looked for in the table of characters)."""
    found: list[list[str]] = []
    for piece in words_of(fold(text)):
        if len(piece) > 1 and _CJK_RUN.match(piece):
            found.append(_bigrams(piece))
        else:
            found.append([piece])
    return found


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def words_of(text: str) -> list[str]:
    """The pieces a query or a text is cut into: words of other scripts and CJK runs, as written."""
    return _PIECE.findall(text)
