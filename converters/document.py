"""One post, rendered once: the clean tree and the Markdown that every writer and the reader share.

Both are computed on first use and kept, so a JSON record (which needs both) cleans the HTML once.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from lxml import etree

from .chars import CJK_LETTERS
from .html import CleanDocument, clean, clean_steps
from .markdown import html_to_markdown
from .post import Post, Problem
from .steps import run_steps
from .template_tags import resolve_tags, tags_in_html

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_CJK_CHAR = re.compile(f"[{CJK_LETTERS}]")
_LATIN_WORD = re.compile(rf"[^\W\d_{CJK_LETTERS}]+(?:['’-][^\W_]+)*|\d+(?:[.,]\d+)*")
CJK_CHARS_PER_MINUTE = 400
WORDS_PER_MINUTE = 220
_BLOCKS = {
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "table", "ul", "ol",
    "figure", "figcaption", "dt", "dd", "hr", "br",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Options that mean the same in every writer."""

    keep_proxies: bool = False


def _new_parser() -> MarkdownIt:
    """CommonMark with tables, strikethrough and footnotes, raw HTML allowed: the Markdown posts are in."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
    return md.use(footnote_plugin)


@cache
def _markdown_renderer() -> MarkdownIt:
    """The one CommonMark parser, made on first use: only posts written in Markdown need it, and importing
    it costs a sixth of the command's start-up."""
    return _new_parser()


@cache
def _block_parser() -> MarkdownIt:
    """:func:`_markdown_renderer` without inline parsing: the same blocks where they stand, at about half
    the cost, for a caller that looks only for HTML blocks."""
    return _new_parser().disable("inline")


def clean_html_posts(posts: Iterable[Post], keep_proxies: bool = False) -> dict[int, CleanDocument]:
    """The clean tree of each post whose body is HTML, by ``id(post)`` (each post once), its parsing and
    its cleaning each run over them all (why: :mod:`converters.steps`), for :class:`Rendered` to be given."""
    html = {id(post): post for post in posts if post.meta.body_kind == "html"}
    cleaned = run_steps([post.body for post in html.values()], clean_steps(keep_proxies))
    return dict(zip(html, cleaned, strict=True))


class Rendered:
    """A post with its body turned into the one clean model: the clean tree and the Markdown, each made
    on first use and kept (a JSON record needs both, from one cleaning), or given by a caller that made
    them for a group of posts at once (:mod:`converters.pipeline`)."""

    def __init__(
        self,
        post: Post,
        options: RenderOptions | None = None,
        *,
        clean: CleanDocument | None = None,
        markdown: str | None = None,
    ) -> None:
        self.post = post
        self.options = options or RenderOptions()
        self._clean = clean
        self._markdown = markdown
        self._tokens: tuple[list[Token], dict[str, Any]] | None = None

    @cached_property
    def _source_markdown(self) -> tuple[str, list[tuple[str, int]]]:
        return resolve_tags(self.post.body, self.post.path)

    def _source_tokens(self) -> tuple[list[Token], dict[str, Any]]:
        """A Markdown body parsed once, for its HTML (:attr:`clean`) and its HTML blocks (:attr:`markdown`):
        parsing is most of markdown-it's time, and a JSON record needs both."""
        if self._tokens is None:
            env: dict[str, Any] = {}
            markdown = self._source_markdown[0]
            tokens = _markdown_renderer().parse(markdown, env)
            _unclosed_as_text(markdown, tokens)
            self._tokens = tokens, env
        return self._tokens

    @property
    def clean(self) -> CleanDocument:
        """The clean tree (for XHTML, text, images and links)."""
        if self._clean is None:
            self._clean = clean(self.html_source(), self.options.keep_proxies)
        return self._clean

    def html_source(self) -> str:
        """The body as HTML, before cleaning: the post's own, or its Markdown rendered."""
        if self.post.meta.body_kind == "html":
            return self.post.body
        md = _markdown_renderer()
        tokens, env = self._source_tokens()
        return str(md.renderer.render(tokens, md.options, env))  # (md.render, from the tokens kept)

    @property
    def markdown(self) -> str:
        """The body as CommonMark."""
        if self._markdown is None:
            if self.post.meta.body_kind == "html":
                self._markdown = html_to_markdown(self.clean.root)
            else:
                tokens = self._tokens[0] if self._tokens else None  # (parsed already when HTML was asked for)
                self._markdown = convert_html_blocks(self._source_markdown[0], self.options, tokens)
        return self._markdown

    @property
    def problems(self) -> list[Problem]:
        found = list(self.post.problems)
        start = self.post.body_line - 1
        if self.post.meta.body_kind == "markdown":
            found += [Problem(self.post.path, w, "warning", start + n) for w, n in self._source_markdown[1]]
        else:
            kept = tags_in_html(self.post.body, self.post.path)
            found += [Problem(self.post.path, w, "warning", start + n) for w, n in kept]
        return found

    @cached_property
    def text(self) -> str:
        return plain_text(self.clean.root)

    @cached_property
    def counts(self) -> dict[str, int]:
        return word_counts(self.text)

    @property
    def reading_minutes(self) -> int:
        """``ceil(cjk_chars / 400 + latin_words / 220)``; 0 for an empty post."""
        c = self.counts
        if not c["cjk_chars"] and not c["latin_words"]:
            return 0
        minutes = c["cjk_chars"] / CJK_CHARS_PER_MINUTE + c["latin_words"] / WORDS_PER_MINUTE
        return max(1, -int(-minutes // 1))

    @cached_property
    def summary(self) -> str:
        """The excerpt before ``<!--more-->``, else the front matter's description, else the opening text."""
        if self.post.excerpt:
            excerpt_post = Post(meta=self.post.meta, body=self.post.excerpt)
            text = Rendered(excerpt_post, self.options).text
        else:
            fm = self.post.front_matter
            described = next(
                (fm[k] for k in ("description", "excerpt", "summary") if isinstance(fm.get(k), str)), ""
            )
            text = described.strip() or self.text
        return _shortened(text)


SUMMARY_LENGTH = 200


def _shortened(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """``text`` with its blank runs squeezed to one space, cut to ``limit`` characters with an ellipsis.
    A long text is squeezed only as far as the cut: squeezing a prefix gives a prefix of the squeezed
    whole, so a prefix that squeezes to more than ``limit`` characters decides the summary."""
    if len(text) > 4 * limit:
        head = " ".join(text[: 4 * limit].split())
        if len(head) > limit:
            return head[: limit - 1].rstrip() + "…"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_CJK_RUN = re.compile(_CJK_CHAR.pattern + "+")


def word_counts(text: str) -> dict[str, int]:
    """CJK characters and other words, counted by runs: a CJK article has thousands of characters but few
    runs. Each run then stands as one CJK character for the word count, which ends or joins words exactly
    as the whole run did."""
    if text.isascii():  # (no CJK to find: spare the search of every character)
        return {"cjk_chars": 0, "latin_words": len(_LATIN_WORD.findall(text))}
    reduced, runs = _CJK_RUN.subn("中", text)  # each run now one character: the count is in the lengths
    return {"cjk_chars": len(text) - len(reduced) + runs, "latin_words": len(_LATIN_WORD.findall(reduced))}


def plain_text(root: etree._Element) -> str:
    """Visible text with one line per block, for search, counts and summaries."""
    parts: list[str] = []
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            if el.tag in _BLOCKS:
                parts.append("\n")
            parts.append(el.text or "")
        else:
            if el.tag in _BLOCKS:
                parts.append("\n")
            if el is not root:
                parts.append(el.tail or "")
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


_RAW_TEXT = re.compile(r"<(script|style|textarea|title|iframe|xmp|noembed|noframes)\b[^<>]*(?<!/)>", re.I)
"""The opening tag of an element whose content is no markup, or is not shown: left open, it takes the rest
of the page with it (one that closes itself, ``<iframe … />``, does not)."""


def _unclosed_as_text(markdown: str, tokens: list[Token]) -> None:
    """A raw HTML tag of :data:`_RAW_TEXT` that a Markdown post opens and never closes (``the <script>
    tag``, written in prose) is made its text: as HTML it would take the rest of the post with it, in
    every output but the Markdown, which no author who left it open meant. Closed anywhere after the line
    it stands on, outside code (a code block showing ``<script src=…></script>`` closes nothing), it is
    HTML."""
    if _RAW_TEXT.search(markdown) is None:
        return
    lines = markdown.lower().split("\n")
    for token in tokens:
        if token.type in ("fence", "code_block") and token.map:
            lines[token.map[0] : token.map[1]] = [""] * (token.map[1] - token.map[0])
    # (code spans, roughly: what stands between two backticks; split, not a pattern, to stay linear)
    lowered = "\n".join("".join(line.split("`")[0::2]) if "`" in line else line for line in lines)
    line_starts = [0, *(m.end() for m in re.finditer("\n", lowered))]
    last_end_tag: dict[str, int] = {}

    def closed(name: str, line: int) -> bool:
        name = name.lower()
        if name not in last_end_tag:
            last_end_tag[name] = lowered.rfind("</" + name)
        return last_end_tag[name] >= line_starts[min(line, len(line_starts) - 1)]

    def as_text(m: re.Match[str], line: int) -> str:
        return m.group(0) if closed(m.group(1), line) else "&lt;" + m.group(0)[1:]

    for token in tokens:
        if token.map is None:
            continue
        line = token.map[0]
        if token.type == "html_block":
            token.content = _RAW_TEXT.sub(functools.partial(as_text, line=line), token.content)
        elif token.type == "inline":
            for child in token.children or ():
                m = _RAW_TEXT.fullmatch(child.content) if child.type == "html_inline" else None
                if m is not None and not closed(m.group(1), line):
                    child.type = "text"


def convert_html_blocks(markdown: str, options: RenderOptions, tokens: list[Token] | None = None) -> str:
    """Markdown passes through unchanged, except HTML blocks, which go through the HTML pipeline.
    ``tokens``: the Markdown already parsed, when the caller has it."""
    if "<" not in markdown:
        return markdown
    if tokens is None:
        tokens = _block_parser().parse(markdown)
        _unclosed_as_text(markdown, tokens)
    blocks = [(t, t.map) for t in tokens if t.type == "html_block" and t.level == 0 and t.map]
    if not blocks:
        return markdown
    lines = markdown.split("\n")
    for token, (start, end) in reversed(blocks):
        source = token.content.removesuffix("\n")  # (its lines, as :func:`_unclosed_as_text` left them)
        if re.fullmatch(r"\s*(<!--.*?-->\s*)+", source, re.S):
            continue  # comments (the excerpt marker among them) stay as they are
        converted = html_to_markdown(clean(source, options.keep_proxies).root).strip("\n")
        lines[start:end] = converted.split("\n") if converted else []
    return "\n".join(lines)
