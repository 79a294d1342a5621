"""Post text made safe and pleasant for the terminal.

Post text is data: it only ever reaches the screen inside ``rich.text.Text`` objects or Rich's Markdown
renderer (never as Textual/Rich markup), and control characters (ESC, BEL, OSC sequences) are shown as
visible symbols instead of being sent to the terminal.
"""

from __future__ import annotations

import re

from converters.template_tags import split_fences

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional controls reorder what follows them on the terminal (U+202E shows "txt.exe" as "exe.txt"):
# they are formatting, invisible by design, and are dropped.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MARK = {"strong": "**", "em": "*", "del": "~~"}
ZWSP = "\u200b"


def _picture(m: re.Match[str]) -> str:
    code = ord(m.group())
    if code == 0x7F:
        return "\u2421"
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␇ for BEL ...
    return "\ufffd"


def safe(text: str, keep_newlines: bool = False) -> str:
    """Control characters as visible pictures, bidirectional controls dropped; newlines and tabs become
    spaces unless kept."""
    if not keep_newlines:
        text = text.replace("\n", " ").replace("\t", " ")
    return _BIDI.sub("", _CONTROL.sub(_picture, text))


def display_markdown(markdown: str) -> str:
    """The pipeline's Markdown as the reader shows it.

    Where CommonMark cannot express emphasis the pipeline writes ``<strong>…</strong>``; Rich's renderer
    ignores inline HTML, so for display only we write ``**`` with zero-width spaces inside, which makes the
    delimiters flank correctly and renders bold, never tags. Code is left exactly as it is.
    """
    markdown = safe(markdown, keep_newlines=True)
    if "<" not in markdown:
        return markdown
    out = []
    for chunk, is_code in split_fences(markdown):
        if not is_code:
            for _ in range(3):  # <em>a <strong>b</strong></em>: the outer level first, then the inner
                chunk, count = _INLINE.subn(_inline, chunk)
                if not count or "<" not in chunk:
                    break
        out.append(chunk)
    return "".join(out)


_INLINE = re.compile(
    # (the emphasized text never runs past another tag of its own kind: an unclosed one costs its own
    # stretch, not the rest of the post; nested kinds are taken a level at a time, see display_markdown)
    r"(`+).*?\1|<(strong|em|del)>((?:[^<]|<(?!/?\2>))+?)</\2>|<br\s*/?>"
    r"|</?(?:sub|sup|kbd|u|ins|mark|s)>",
    re.S,
)


def _inline(m: re.Match[str]) -> str:
    if m.group(1):
        return m.group(0)  # a code span
    if m.group(2):
        mark = _MARK[m.group(2)]
        return f"{mark}{ZWSP}{m.group(3)}{ZWSP}{mark}"
    return " " if m.group(0).startswith("<br") else ""
