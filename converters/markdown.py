"""Clean document tree → CommonMark, through html2text configured once, then repaired.

html2text alone damages scraped Chinese articles: it pads ``**bold**`` with ASCII spaces next to CJK text,
writes emphasis that CommonMark's flanking rules never render (``**“重要。”**然后``), turns U+3000 into a
space, breaks fences and tables, and lets ``<p># 不是标题</p>`` become a heading. We therefore hand it a
tree in which everything it gets wrong is protected:

* characters that Markdown could read as syntax are replaced with noncharacters (U+FDD0…) and escaped
  afterwards only where the final text needs it;
* emphasis, line breaks, code and tables become markers or placeholders and are written by us once the
  surrounding text is final, so emphasis is ``**…**`` where CommonMark renders it and ``<strong>…</strong>``
  only where it would not.
"""

from __future__ import annotations

import copy
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import urljoin

import html2text
import lxml.html
from html2text.utils import escape_md
from lxml import etree

from .steps import Step, run_steps
from .tree import drop_tag, replace_with_text, text_content

# Noncharacters are reserved for internal use and removed from input by html.sanitize_text, so they can
# never collide with post text.
ESCAPABLE = "*_`[]<#>\\&~"
_SENTINEL = {ch: chr(0xFDD0 + i) for i, ch in enumerate(ESCAPABLE)}
# "-", "+" and the "." of "1." where a text chunk starts: list markers only if they end up at a line start.
LINE_DASH, LINE_PLUS, LINE_DOT = "\ufdec", "\ufded", "\ufdee"
_FROM_SENTINEL = {v: k for k, v in _SENTINEL.items()} | {LINE_DASH: "-", LINE_PLUS: "+", LINE_DOT: "."}
_SENTINELS = "".join(_FROM_SENTINEL)
_UNPROTECT = str.maketrans(_FROM_SENTINEL)
_CHUNK_MARKER = re.compile(r"(\s*)(?:([-+])(?=\s|[-+]|$)|(\d{1,9})\.(?=\s|$))")
IDEO_SPACE, NBSP = "\ufddb", "\ufddc"
STRONG_OPEN, STRONG_CLOSE, EM_OPEN, EM_CLOSE, DEL_OPEN, DEL_CLOSE = (chr(c) for c in range(0xFDDD, 0xFDE3))
SUB_OPEN, SUB_CLOSE, SUP_OPEN, SUP_CLOSE = (chr(c) for c in range(0xFDE3, 0xFDE7))
BREAK, CELL_BREAK, HOLD_OPEN, HOLD_CLOSE, LIST_CONT = "\ufde7", "\ufdea", "\ufde8", "\ufde9", "\ufdeb"

_NEEDS_MAP = re.compile("[" + re.escape(ESCAPABLE) + "\u3000\u00a0]")
_TEXT_MAP = str.maketrans({**_SENTINEL, "\u3000": IDEO_SPACE, "\u00a0": NBSP})
_OPENERS = {STRONG_OPEN: STRONG_CLOSE, EM_OPEN: EM_CLOSE, DEL_OPEN: DEL_CLOSE}
_CLOSERS = {v: k for k, v in _OPENERS.items()}
_MARKS = {
    STRONG_OPEN: ("**", "<strong>", "</strong>"),
    EM_OPEN: ("*", "<em>", "</em>"),
    DEL_OPEN: ("~~", "<del>", "</del>"),
}
_EMPHASIS_TAGS = {
    "strong": (STRONG_OPEN, STRONG_CLOSE), "b": (STRONG_OPEN, STRONG_CLOSE),
    "em": (EM_OPEN, EM_CLOSE), "i": (EM_OPEN, EM_CLOSE),
    "del": (DEL_OPEN, DEL_CLOSE), "s": (DEL_OPEN, DEL_CLOSE), "strike": (DEL_OPEN, DEL_CLOSE),
    "sub": (SUB_OPEN, SUB_CLOSE), "sup": (SUP_OPEN, SUP_CLOSE),
}  # fmt: skip
_BLOCK_IN_CELL = {"table", "pre", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "dl", "hr"}
_PREFIX = re.compile(r"^((?:[ ]{0,3}>[ ]?)*)([ ]*)((?:[-*+]|\d{1,9}[.)])[ ]+)?")
_HOLD = re.compile(f"{HOLD_OPEN}(\\d+){HOLD_CLOSE}")
_ASCII_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


class _HTML2Text(html2text.HTML2Text):
    """html2text without its own Markdown escaping: our markers already protect every character that
    needs it, escaped afterwards where the final text needs it (html2text's regexes ran four times on
    every text chunk)."""

    def handle_data(self, data: str, entity_char: bool = False) -> None:
        super().handle_data(data, True)

    def o(self, data: str, puredata: bool = False, force: bool | str = False) -> None:
        # html2text squeezes each text chunk with ``re.sub(r"\s+", " ", data)``: a search that tries every
        # character, ~6 % of the whole pipeline. Squeeze it here with str.split, then let it go on as for
        # text already squeezed. (Its other steps before that one do nothing in our configuration.)
        if puredata and not self.pre and not self.quiet and self.abbr_data is None and not self.google_doc:
            data = _squeezed_chunk(self, data)
            puredata = False
        super().o(data, puredata, force)


def _squeezed_chunk(h: html2text.HTML2Text, data: str) -> str:
    """What html2text's ``o`` makes of a text chunk's whitespace: runs squeezed to one space, and a leading
    one taken off and kept as ``h.space``, to be written only if something follows it."""
    data = squeeze_whitespace(data)
    if data[:1] == " ":
        h.space = True
        return data[1:]
    return data


def squeeze_whitespace(text: str) -> str:
    r"""``re.sub(r"\s+", " ", text)`` (the same whitespace: ``str.split``'s), without a regex search."""
    if not text:
        return text
    squeezed = " ".join(text.split())
    if text[0].isspace():
        squeezed = " " + squeezed if squeezed else " "
    if text[-1].isspace() and squeezed != " ":
        squeezed += " "
    return squeezed


def _html2text() -> html2text.HTML2Text:
    """The one html2text configuration postshelf uses."""
    h = _HTML2Text(bodywidth=0)
    h.unicode_snob = True
    h.body_width = 0
    h.ul_item_mark = "-"
    h.inline_links = True
    h.protect_links = False
    h.wrap_links = False
    h.wrap_list_items = False
    h.wrap_tables = False
    h.skip_internal_links = True
    h.use_automatic_links = True
    h.single_line_break = False
    h.mark_code = False
    h.ignore_images = False
    h.images_to_alt = False
    h.images_with_size = False
    h.default_image_alt = ""
    h.escape_snob = False
    return h


class _Holds:
    """Placeholders for what we write ourselves: code blocks, code spans and tables."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []  # (markdown, kind)

    def add(self, markdown: str, kind: str) -> str:
        """``kind``: "span" (inline code), "table" (a block whose text still needs escaping and emphasis)
        or "code" (a fenced block, written last so nothing touches its text)."""
        self.items.append((markdown, kind))
        return f"{HOLD_OPEN}{len(self.items) - 1}{HOLD_CLOSE}"


def html_to_markdown(root: etree._Element, *, in_place: bool = False) -> str:
    """Convert a clean tree (from :func:`converters.html.clean`) to CommonMark. The tree is not modified,
    unless ``in_place`` says the caller has no further use for it (which spares copying it)."""
    return str(run_steps([root if in_place else copy.deepcopy(root)], MARKDOWN_STEPS)[0])


class _Draft:
    """A post's Markdown on its way: the tree until html2text has read it, then the text, with the
    placeholders still to fill."""

    __slots__ = ("holds", "text", "tree")

    def __init__(self, tree: etree._Element) -> None:
        self.tree: etree._Element | None = tree
        self.holds = _Holds()
        self.text = ""


def _start(tree: etree._Element) -> _Draft:
    draft = _Draft(tree)
    _prepare(tree, draft.holds)
    return draft


def _write(draft: _Draft) -> _Draft:
    assert draft.tree is not None
    draft.text = _run_html2text(draft.tree)
    draft.tree = None  # (its memory goes now, not with the group)
    return draft


def _on_text(edit: Callable[[str], str]) -> Callable[[_Draft], _Draft]:
    def step(draft: _Draft) -> _Draft:
        draft.text = edit(draft.text)
        return draft

    step.__name__ = edit.__name__
    return step


def _filling(*kinds: str) -> Callable[[_Draft], _Draft]:
    def step(draft: _Draft) -> _Draft:
        draft.text = _fill_holds(draft.text, draft.holds, kinds)
        return draft

    return step


def _finish(draft: _Draft) -> str:
    return draft.text.strip("\n") + "\n" if draft.text.strip() else ""


_READS_ATTRIBUTES = frozenset(("a", "img", "ol", "abbr"))
"""The tags whose attributes html2text looks at (with its Google Docs mode and tag callback off)."""
_VOID = frozenset(
    [
        "area",
        "base",
        "basefont",
        "br",
        "col",
        "frame",
        "hr",
        "img",
        "input",
        "isindex",
        "link",
        "meta",
        "param",
    ]
)
"""The elements libxml2's HTML serializer writes without an end tag."""
_PARAGRAPHS = frozenset(("p", "div"))


def _run_html2text(tree: etree._Element) -> str:
    """html2text over a tree, its handlers called straight from the tree: the calls its HTMLParser makes
    reading ``lxml.html.tostring(tree)``, without writing the HTML and tokenizing it again in Python
    (a quarter of the pipeline's time). Text reaches it with ``&``, ``<`` and ``>`` already protected
    (see :func:`_prepare`), so HTMLParser would have passed every text node as one piece, as here."""
    h = _html2text()
    handle_tag = h.handle_tag
    # html2text's own handle_data, told the text needs no escaping (what the override below does for
    # HTMLParser's calls), without the extra call per text node
    handle_data = functools.partial(html2text.HTML2Text.handle_data, h)
    # Most of a post is paragraphs. For <p> and <div> all of handle_tag's sixty-odd tests come to this
    # (with no tag callback and no Google Docs mode): a paragraph break, unless inside a link or a table
    # row being split, and the next list no longer follows a list. Done here, it costs a twentieth.
    blocks = _PARAGRAPHS if h.tag_callback is None and not h.google_doc else frozenset()
    if not h.google_doc and not h.links_each_paragraph and h.out == h.outtextf:
        handle_data = _plain_text_handler(h, handle_data)
    # An image, outside a link, comes to two writes (html2text's handle_tag reaches them after forty tests)
    plain_images = (
        h.tag_callback is None
        and not h.google_doc
        and h.inline_links
        and not (h.ignore_images or h.images_to_alt or h.images_as_html or h.images_with_size)
    )

    def paragraph(tag: str) -> None:
        h.current_tag = tag
        h.lastWasList = False
        if not h.astack and not h.split_next_td:
            h.p()

    for event, el in etree.iterwalk(tree, events=("start", "end")):
        tag = el.tag
        if event == "start":
            if tag.__class__ is str:  # not a comment or processing instruction: their text is not text
                if tag in blocks:
                    paragraph(tag)
                elif tag == "img" and plain_images and h.maybe_automatic_link is None:
                    h.current_tag = tag
                    h.lastWasList = False
                    src = el.get("src")
                    if src is not None:
                        alt = escape_md(el.get("alt") or h.default_image_alt)
                        h.o(f"![{alt}]({escape_md(urljoin(h.baseurl, src))})")
                        h.outcount += 1  # (html2text wrote the two parts apart)
                else:
                    handle_tag(tag, dict(el.attrib) if tag in _READS_ATTRIBUTES else {}, True)
                text = el.text  # (read once: each read decodes libxml2's UTF-8 again)
                if text:
                    handle_data(text, True)
        else:
            if tag in blocks:
                paragraph(tag)
            elif tag.__class__ is str and tag not in _VOID:
                handle_tag(tag, {}, False)
            tail = el.tail
            if tail:
                handle_data(tail, True)
    return h.optwrap(h.finish())


def _plain_text_handler(h: html2text.HTML2Text, general: Callable[[str, bool], None]) -> Callable[..., None]:
    """``handle_data(text, True)`` for ``h``, its three calls (``handle_data``, our ``o`` and html2text's)
    made one where the text is plain: outside ``<pre>``, links, abbreviations, ``<style>`` and hidden
    parts. There html2text's steps come to these; testing for the others took a tenth of its time."""
    out = h.outtextf

    def handle_text(text: str, _: bool = True) -> None:
        if (
            h.pre
            or h.quiet
            or h.maybe_automatic_link is not None
            or h.abbr_data is not None
            or h.stressed
            or h.preceding_stressed
            or h.style
        ):
            general(text, True)
            return
        h.preceding_data = text
        text = _squeezed_chunk(h, text)
        if not text:
            return
        if h.start:
            h.space = False
            h.p_p = 0
            h.start = False
        if h.p_p:
            out((h.br_toggle + "\n" + (">" * h.blockquote + " " if h.blockquote else "")) * h.p_p)
            h.space = False
            h.br_toggle = ""
        if h.space:
            if not h.lastWasNL:
                out(" ")
            h.space = False
        h.p_p = 0
        out(text)
        h.outcount += 1

    return handle_text


def _run_html2text_on_html(tree: etree._Element) -> str:
    """The reference :func:`_run_html2text` must equal: html2text reading the serialized tree."""
    return _html2text().handle(lxml.html.tostring(tree, encoding="unicode"))


# --- before html2text -----------------------------------------------------------------------------------


def _prepare(root: etree._Element, holds: _Holds) -> None:
    """Protect text, mark emphasis and breaks, and set aside code and tables (innermost tables first)."""
    for pre in list(root.iter("pre")):  # a clean tree's <pre> holds only text
        _hold_code_block(pre, holds)
    for code in list(root.iter("code", "kbd")):
        if code.getparent() is not None:
            _hold_code_span(code, holds)
    in_cells = {br for cell in root.iter("td", "th") for br in cell.iter("br")}
    inline_only = {br for el in root.iter("a", "h1", "h2", "h3", "h4", "h5", "h6") for br in el.iter("br")}
    needs_map, marker_at = _NEEDS_MAP.search, _CHUNK_MARKER.match
    for el in list(root.iter()):
        text = el.text
        if text and (needs_map(text) or marker_at(text)):  # assigning text to lxml is costly: only if needed
            el.text = _protect(text)
        tail = el.tail
        if tail and el is not root and (needs_map(tail) or marker_at(tail)):
            el.tail = _protect(tail)
        tag = el.tag
        if tag == "br":
            replace_with_text(el, CELL_BREAK if el in in_cells else " " if el in inline_only else BREAK)
        elif tag in _EMPHASIS_TAGS:
            _mark_inline(el, *_EMPHASIS_TAGS[tag])
        elif tag in ("u", "ins", "mark"):
            drop_tag(el)
        elif tag in ("dt", "dd", "figcaption"):
            el.tag = "p"
        elif tag == "figure":
            el.tag = "div"
        elif tag in ("a", "img"):
            _encode_url(el, "href" if tag == "a" else "src")
    for table in reversed(list(root.iter("table"))):
        if table.getparent() is not None:
            _hold_table(table, holds)
    for li in root.iter("li"):
        _mark_continuations(li)


_LI_BLOCKS = {"p", "div", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "dl", "figure"}


def _mark_continuations(li: etree._Element) -> None:
    """html2text writes a list item's second paragraph (or code block) at the left margin, which ends the
    list; mark such blocks so they are indented under their item afterwards."""
    seen_content = bool((li.text or "").strip())
    stack = list(reversed(li))
    while stack:
        el = stack.pop()
        if el.tag in ("ul", "ol"):
            seen_content = True
            continue
        if el.tag in _LI_BLOCKS:
            if seen_content:
                el.text = LIST_CONT + (el.text or "")
            stack.extend(reversed(el))
        seen_content = seen_content or bool((el.text or "").strip()) or el.tag in ("img", "br")
        if (el.tail or "").strip():
            seen_content = True


def _protect(text: str) -> str:
    text = text.translate(_TEXT_MAP)
    m = _CHUNK_MARKER.match(text)
    if m is None:
        return text
    if m.group(2):
        return m.group(1) + (LINE_DASH if m.group(2) == "-" else LINE_PLUS) + text[m.end() :]
    return m.group(1) + m.group(3) + LINE_DOT + text[m.end() :]


def _encode_url(el: etree._Element, attr: str) -> None:
    url = el.get(attr)
    if url and re.search(r"[\s()<>]", url):
        el.set(attr, re.sub(r"[\s()<>]", lambda m: f"%{ord(m.group()):02X}", url))


def _mark_inline(el: etree._Element, opener: str, closer: str) -> None:
    """Replace an inline element by its content between two markers."""
    if not len(el):  # the usual ``<strong>text</strong>``: its text joins its neighbour's, in one step
        replace_with_text(el, opener + (el.text or "") + closer)
        return
    el.text = opener + (el.text or "")
    last = el[-1]
    last.tail = (last.tail or "") + closer
    drop_tag(el)


def code_fence(text: str, lang: str | None) -> str:
    """A fenced code block whose fence is longer than any backtick run inside."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    info = lang if lang and "`" not in lang and not any(c.isspace() for c in lang) else ""
    return f"{fence}{info}\n{text}\n{fence}"


def code_span(text: str) -> str:
    text = " ".join(text.split("\n"))
    if not text.strip():
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" or (text[0] == " " and text[-1] == " ") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _hold_code_block(pre: etree._Element, holds: _Holds) -> None:
    token = holds.add(code_fence(pre.text or "", pre.get("data-lang")), "code")
    p = etree.Element("p")
    p.text = token
    p.tail = pre.tail
    pre.getparent().replace(pre, p)


def _hold_code_span(code: etree._Element, holds: _Holds) -> None:
    span = code_span(text_content(code))
    replace_with_text(code, holds.add(span, "span") if span else "")


def _hold_table(table: etree._Element, holds: _Holds) -> None:
    markdown = _pipe_table(table, holds)
    if markdown is None:
        markdown = _html_table(table)
    token = holds.add(markdown, "table")
    p = etree.Element("p")
    p.text = token
    p.tail = table.tail
    table.getparent().replace(table, p)


def _pipe_table(table: etree._Element, holds: _Holds) -> str | None:
    rows: list[list[str]] = []
    for tr in table.iter("tr"):
        if tr.getparent() is None:
            continue
        row: list[str] = []
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            if any(d.tag in _BLOCK_IN_CELL for d in cell.iterdescendants()):
                return None
            text = _cell_markdown(cell, holds)
            span = int(cell.get("colspan", "1")) if (cell.get("colspan") or "1").isdigit() else 1
            row.append(text)
            row.extend([""] * (min(span, 50) - 1))
        if row:
            rows.append(row)
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    caption = table.find("caption")
    if caption is not None and text_content(caption).strip():
        lines.insert(0, " ".join(text_content(caption).split()).translate(_TEXT_MAP) + "\n")
    return "\n".join(lines)


def _cell_markdown(cell: etree._Element, holds: _Holds) -> str:
    div = etree.Element("div")
    div.text = cell.text
    for child in list(cell):
        div.append(child)
    text = _run_html2text(div).replace(CELL_BREAK, "<br>")
    text = _fill_holds(text, holds, ("span",))  # GFM splits cells even at pipes inside code spans
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return "<br>".join(lines).replace("|", "\\|")


def _html_table(table: etree._Element) -> str:
    """A table a pipe table cannot express stays HTML (cleaned, one line per row)."""
    for el in table.iter():
        if el.text:
            el.text = _plain(el.text)
        if el.tail:
            el.tail = _plain(el.tail)
    return lxml.html.tostring(table, encoding="unicode").strip()


def _plain(text: str) -> str:
    """Undo our text markers for content written as raw HTML."""
    out = []
    for ch in text:
        if ch in _FROM_SENTINEL:
            out.append({"<": "&lt;", "&": "&amp;", ">": "&gt;"}.get(_FROM_SENTINEL[ch], _FROM_SENTINEL[ch]))
        elif ch == IDEO_SPACE:
            out.append("\u3000")
        elif ch == NBSP:
            out.append("\u00a0")
        elif ch in (CELL_BREAK, BREAK):
            out.append("<br>")
        elif ch in _MARK_HTML:
            out.append(_MARK_HTML[ch])
        else:
            out.append(ch)
    return "".join(out)


_MARK_HTML = {
    STRONG_OPEN: "<strong>", STRONG_CLOSE: "</strong>", EM_OPEN: "<em>", EM_CLOSE: "</em>",
    DEL_OPEN: "<del>", DEL_CLOSE: "</del>", SUB_OPEN: "<sub>", SUB_CLOSE: "</sub>",
    SUP_OPEN: "<sup>", SUP_CLOSE: "</sup>",
}  # fmt: skip


# --- after html2text ------------------------------------------------------------------------------------


def _restore_spaces(md: str) -> str:
    return md.replace(IDEO_SPACE, "\u3000").replace(NBSP, "\u00a0").replace(CELL_BREAK, "<br>")


def _fill_holds(md: str, holds: _Holds, kinds: tuple[str, ...]) -> str:
    if HOLD_OPEN not in md:
        return md
    if kinds == ("span",):

        def inline(m: re.Match[str]) -> str:
            text, kind = holds.items[int(m.group(1))]
            return text if kind == "span" else m.group(0)

        return _HOLD.sub(inline, md)
    # Only the lines that hold something
    spans = _by_line(md, _positions(md, HOLD_OPEN))
    return _rewrite_lines(md, spans, lambda line, _: _fill_block_line(line, holds, kinds))


def _fill_block_line(line: str, holds: _Holds, kinds: tuple[str, ...]) -> str:
    """A line with its held blocks of ``kinds`` written out, each on lines of its own under the line's
    quote and list prefix; the line as it is when its first hold is of another kind."""
    m = _HOLD.search(line)
    if not m or holds.items[int(m.group(1))][1] not in kinds:
        return line
    pieces = []
    pos = 0
    for m in _HOLD.finditer(line):
        text, _ = holds.items[int(m.group(1))]
        head = line[pos : m.start()]
        prefix_m = _PREFIX.match(head)
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


def _indent_list_continuations(md: str) -> str:
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
    m = _PREFIX.match(line)
    quotes, indent, marker = m.group(1), m.group(2), m.group(3) or ""
    return quotes + indent + " " * len(marker)


def _resolve_breaks(md: str) -> str:
    """A ``<br>`` (or a run of them) ends the paragraph: no hard breaks inside paragraphs."""
    if BREAK not in md:
        return md
    out: list[str] = []
    for line in md.split("\n"):
        if BREAK not in line:
            out.append(line)
            continue
        prefix = line[: _PREFIX.match(line).end()]
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
    out, done = [], 0
    for start, end, found in spans:
        out += (text[done:start], rewrite(text[start:end], found))
        done = end
    out.append(text[done:])
    return "".join(out)


def _resolve_escapes(md: str) -> str:
    """Turn each protected character back into itself, escaped only where the final text would misread it."""
    positions = _positions(md, _SENTINELS)
    return _rewrite_lines(md, _by_line(md, positions), _escape_line) if positions else md


def _escape_line(line: str, found: list[int]) -> str:
    start = _PREFIX.match(line).end()
    heading = bool(re.match(r"[ ]{0,3}#{1,6}(?:[ ]|$)", line[start:] if start else line))
    pieces = []
    pos = 0
    for i in found:
        prev = _plain_char(line[i - 1]) if i else ""
        nxt = _plain_char(line[i + 1]) if i + 1 < len(line) else ""
        pieces.append(line[pos:i])
        pieces.append(
            _escape(_FROM_SENTINEL[line[i]], i == start, prev, nxt, line[i + 1 :], heading, line[start:i])
        )
        pos = i + 1
    pieces.append(line[pos:])
    return "".join(pieces)


def _plain_char(ch: str) -> str:
    return _FROM_SENTINEL.get(ch, ch)


def _escape(ch: str, at_start: bool, prev: str, nxt: str, rest: str, heading: bool, lead: str = "") -> str:
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
        if ch == "#" and heading and _is_space(prev) and not rest.strip("#\ufdd6 \t"):
            return "\\#"  # would be read as a closing sequence of the heading
        return ch
    if ch == "\\":
        return "\\\\" if nxt == "" or nxt in _ASCII_PUNCT else "\\"
    if ch == "&":  # (what follows may be protected too: the "#" of "&#65;")
        return "\\&" if re.match(r"#?[A-Za-z0-9]+;", rest[:40].translate(_UNPROTECT)) else "&"
    if ch == "~":
        return "\\~" if "~" in (prev, nxt) else "~"
    if ch in "-+":  # a text chunk's leading -/+ is a list marker only at the start of a line
        return "\\" + ch if at_start else ch
    if ch == ".":
        return "\\." if lead.isdigit() and len(lead) <= 9 and (nxt == "" or _is_space(nxt)) else "."
    return ch


def _resolve_emphasis(md: str) -> str:
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
        if ch in _OPENERS:
            stack.append(ch)
        elif _CLOSERS[ch] in stack:
            del stack[len(stack) - 1 - stack[::-1].index(_CLOSERS[ch])]
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
            start = _PREFIX.match(line).end()
            line = line[:start] + "".join(carry) + line[start:]
            carry = []
        stack = _left_open(line)
        if stack:
            line = line + "".join(_OPENERS[o] for o in reversed(stack))
            carry = stack
        result.append(line)
    return result


_EMPTY_PAIRS = {o: re.compile(f"{o}(\\s*){c}") for o, c in _OPENERS.items()}


_TOUCHING = frozenset(pair for o, c in _OPENERS.items() for pair in (c + o, o + c, o + " "))
"""What the merge below acts on; a look for each tells whether it has anything to do (the usual answer: no)."""


def _emphasis_line(line: str, found: list[int] | None = None) -> str:
    """``found``: where the line's emphasis markers stand, when the caller knows."""
    if SUB_OPEN in line or SUB_CLOSE in line or SUP_OPEN in line or SUP_CLOSE in line:
        line = line.replace(SUB_OPEN, "<sub>").replace(SUB_CLOSE, "</sub>")
        line = line.replace(SUP_OPEN, "<sup>").replace(SUP_CLOSE, "</sup>")
        found = None  # (they moved)
    if found is None:
        found = _positions(line, _PAIR_CHARS)
    if len(found) == 2 and _OPENERS.get(line[found[0]]) == line[found[1]]:
        return _write_pair(line, *found)  # the usual line: one pair, nothing to merge
    return _emphasis_pairs(line, found)


def _emphasis_pairs(line: str, found: list[int]) -> str:
    """:func:`_emphasis_line` for any markers: pairs merged, emptied, nested or left open."""
    # Merge a closing marker immediately reopened (<b>a</b><b>b</b>) and drop empty pairs.
    if any(line[i : i + 2] in _TOUCHING for i in found):
        for opener, closer in _OPENERS.items():
            line = line.replace(closer + opener, "")
            if opener + closer in line or opener + " " in line:
                line = _EMPTY_PAIRS[opener].sub(r"\1", line)
        found = _positions(line, _PAIR_CHARS)
    left = len(found)
    while left:
        if found is None:  # (the line changed)
            found = _positions(line, _PAIR_CHARS)
        pair = _innermost_pair(line, found)
        if pair is None:
            return line
        found = None
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
    before = start if _PREFIX.match(start).end() == len(start) else start + lead
    after = trail + line[j + 1 :]
    mark, html_open, html_close = _MARKS[line[i]]
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
        if ch in _OPENERS:
            stack.append(idx)
            continue
        for k in range(len(stack) - 1, -1, -1):
            if line[stack[k]] == _CLOSERS[ch]:
                return stack[k], idx
        return -1, idx
    if stack:  # an opener with no closer: drop it
        return -1, stack[0]
    return None


_PAIR_CHARS = "".join(_OPENERS) + "".join(_CLOSERS)
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


def _escape_bare_markers(md: str) -> str:
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


def _tidy(md: str) -> str:
    """Strip trailing blanks from lines, squeeze blank-line runs to one, and drop stray markers."""
    if " \n" in md or "\t\n" in md or md.endswith((" ", "\t")):
        ends = [at - 1 for at in [*_positions(md, "\n"), len(md)] if at and md[at - 1] in " \t"]
        md = _rewrite_lines(md, _by_line(md, ends), lambda line, _: line.rstrip(" \t"))
    while "\n\n\n" in md:  # a regex for the runs costs ~40 µs a post; each pass shortens every run by a third
        md = md.replace("\n\n\n", "\n\n")
    # markers that lost their partner (malformed nesting) must not reach the reader
    return _STRAY_MARKS.sub("", md) if any(ch in md for ch in _MARK_CHARS) else md


_STRAY_MARKS = re.compile(f"[{''.join(_MARK_HTML)}]")


MARKDOWN_STEPS: tuple[Step, ...] = (
    _start,
    _write,
    _on_text(_restore_spaces),
    _on_text(_indent_list_continuations),
    _filling("table"),
    _filling("span"),
    _on_text(_resolve_breaks),
    _on_text(_resolve_escapes),
    _on_text(_resolve_emphasis),
    _on_text(_tidy),
    _on_text(_escape_bare_markers),
    _filling("code"),
    _finish,
)
"""A clean tree (converted in place) to CommonMark, one step after another (see :mod:`converters.steps`)."""
