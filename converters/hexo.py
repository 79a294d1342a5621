"""Markdown bodies: Hexo/Jekyll tag plugins resolved where their meaning is clear, the rest kept verbatim.

``{% codeblock lang:x %}`` becomes a fence, ``{% asset_img f alt %}`` an image in the post's asset folder,
``{% blockquote %}`` a quote, ``{% raw %}`` disappears around its content. Anything else (``{% include %}``,
Hugo shortcodes) stays as the author wrote it, with a warning.
"""

from __future__ import annotations

import re
import shlex
from pathlib import PurePosixPath

_FENCE = re.compile(r"^([ ]{0,3})(`{3,}|~{3,})")
# Every pattern here runs over post text, so each is linear: no tag's arguments span a line, and no
# search runs past the next ``{%`` (an unclosed tag must cost its own line, not the rest of the post).
_TAG_ARGS = r"((?:[^\n%{]|%(?!\})|\{(?!%))*)"  # (a tag's arguments: up to its %}, never past a line or a {%)
_BLOCK_OPEN = re.compile(rf"\{{%-?[ \t]*(codeblock|code|blockquote|quote)\b{_TAG_ARGS}%\}}\n?")
_BLOCK_END = {
    name: re.compile(rf"\{{%-?[ \t]*end{name}[ \t]*-?%\}}\n?")
    for name in ("codeblock", "code", "blockquote", "quote")
}
_ASSET_IMG = re.compile(rf"\{{%-?[ \t]*asset_(?:img|image)[ \t]{_TAG_ARGS}%\}}")
_RAW = re.compile(r"\{%-?[ \t]*(?:end)?raw[ \t]*-?%\}")
_ANY_TAG = re.compile(
    r"\{%(?:[^%{]|%(?!\})|\{(?!%))*%\}|\{\{[<%](?:[^%>{}]|[%>](?!\}\})|\}(?!\})|\{(?!\{))*[%>]\}\}"
)


_RESOLVED = {"codeblock", "code", "blockquote", "quote", "asset_img", "asset_image"}
_TAG_NAME = re.compile(r"\{[{%][<%]?-?\s*/?(?:end)?([\w-]*)")


def resolve_tags(markdown: str, post_path: str) -> tuple[str, list[tuple[str, int]]]:
    """Resolve tag plugins outside code fences; return the Markdown and warnings about what was kept, each
    with its line in the body (from 1)."""
    warnings: list[tuple[str, int]] = []
    markdown = _RAW.sub("", markdown)  # Liquid removes raw/endraw even inside fences
    if "{%" not in markdown and "{{" not in markdown:
        return markdown, warnings
    chunks = split_fences(markdown)
    out = []
    asset_dir = PurePosixPath(post_path.replace("\\", "/")).stem
    line = 1
    for text, is_code in chunks:
        if is_code:
            out.append(text)
            line += text.count("\n")
            continue
        for tag in _ANY_TAG.finditer(text):  # (looked for in the text as written, for its line)
            name = _TAG_NAME.match(tag.group(0))
            if name is None or name.group(1) not in _RESOLVED:
                where = line + text.count("\n", 0, tag.start())
                warnings.append((f"template tag kept as text: {' '.join(tag.group(0).split())[:60]}", where))
        line += text.count("\n")
        text = _resolve_blocks(text)
        text = _ASSET_IMG.sub(lambda m: _asset_image(_tag_args(m.group(1)), asset_dir), text)
        out.append(text)
    return "".join(out), warnings


def split_fences(markdown: str) -> list[tuple[str, bool]]:
    """Cut Markdown into (text, inside a fenced code block) runs, keeping every character."""
    chunks: list[tuple[str, bool]] = []
    buf: list[str] = []
    fence: str | None = None
    for line in markdown.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is None and m:
            chunks.append(("".join(buf), False))
            buf, fence = [line], m.group(2)
        elif fence is not None and m and m.group(2)[0] == fence[0] and len(m.group(2)) >= len(fence):
            buf.append(line)
            chunks.append(("".join(buf), True))
            buf, fence = [], None
        else:
            buf.append(line)
    chunks.append(("".join(buf), fence is not None))
    return [c for c in chunks if c[0]]


def _args(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _tag_args(text: str) -> str:
    """A tag's arguments as matched (up to its ``%}``), without the blanks and the ``-`` of ``-%}``."""
    text = text.strip()
    return text[:-1].rstrip() if text.endswith("-") else text


def _resolve_blocks(text: str) -> str:
    """Block tags (``{% codeblock %}`` … ``{% endcodeblock %}``) replaced by what they mean. Once a tag
    name has no end tag after some point, later openings of it are not searched again: an unclosed tag
    costs one search, not one per opening (a regex spanning both tags took minutes on 2,000 lines)."""
    out: list[str] = []
    pos = 0
    unclosed: set[str] = set()
    for opening in _BLOCK_OPEN.finditer(text):
        name = opening.group(1)
        if opening.start() < pos or name in unclosed:
            continue
        end = _BLOCK_END[name].search(text, opening.end())
        if end is None:
            unclosed.add(name)
            continue
        out.append(text[pos : opening.start()])
        out.append(_block(name, _tag_args(opening.group(2)), text[opening.end() : end.start()]))
        pos = end.end()
    out.append(text[pos:])
    return "".join(out)


def _block(name: str, arg_text: str, body: str) -> str:
    from .markdown_prepare import (
        code_fence,  # here, not at the top: the reader imports this module at start-up
    )

    args, body = _args(arg_text), body.rstrip("\n")
    if name in ("codeblock", "code"):
        lang = next((a[5:] for a in args if a.startswith("lang:")), None)
        return code_fence(body, lang) + "\n"
    lines = ["> " + line if line else ">" for line in body.split("\n")]
    if args:
        author = " ".join(a for a in args if not a.startswith(("http://", "https://")))
        if author:
            lines += [">", "> — " + author]
    return "\n".join(lines) + "\n"


def _asset_image(arg_text: str, asset_dir: str) -> str:
    args = _args(arg_text)
    if args and not re.search(r"\.\w{2,5}$", args[0]) and len(args) > 1:
        args = args[1:]  # a leading CSS class
    if not args:
        return ""
    src = args[0]
    rest = [a for a in args[1:] if not a.isdigit()]
    alt = " ".join(rest).replace("[", "\\[").replace("]", "\\]")
    path = src if "/" in src or src.startswith(("http://", "https://")) else f"{asset_dir}/{src}"
    return f"![{alt}]({path.replace(' ', '%20')})"
