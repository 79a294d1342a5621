"""The clean tree made safe for html2text: syntax characters, emphasis and breaks turned into markers, code
and tables held as placeholders written by us."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from .markdown_html2text import run_html2text
from .markdown_marks import (
    BLOCK_IN_CELL,
    BREAK,
    CELL_BREAK,
    CHUNK_MARKER,
    EMPHASIS_TAGS,
    FROM_SENTINEL,
    IDEO_SPACE,
    LINE_DASH,
    LINE_DOT,
    LINE_PLUS,
    LIST_CONT,
    MARK_HTML,
    NBSP,
    NEEDS_MAP,
    TEXT_MAP,
    Holds,
)
from .markdown_repair import fill_holds
from .tree import drop_tag, parent_of, replace_with_text, text_content


def prepare(root: etree._Element, holds: Holds) -> None:
    """Protect text, mark emphasis and breaks, and set aside code and tables (innermost tables first)."""
    for pre in list(root.iter("pre")):  # a clean tree's <pre> holds only text
        _hold_code_block(pre, holds)
    for code in list(root.iter("code", "kbd")):
        if code.getparent() is not None:
            _hold_code_span(code, holds)
    in_cells = {br for cell in root.iter("td", "th") for br in cell.iter("br")}
    inline_only = {br for el in root.iter("a", "h1", "h2", "h3", "h4", "h5", "h6") for br in el.iter("br")}
    needs_map, marker_at = NEEDS_MAP.search, CHUNK_MARKER.match
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
        elif tag in EMPHASIS_TAGS:
            _mark_inline(el, *EMPHASIS_TAGS[tag])
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
    for li in list(root.iter("li")):
        _wrap_loose_runs(li)
        _mark_continuations(li)


_LI_BLOCKS = {"p", "div", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "dl", "figure"}
_ITEM_BLOCKS = _LI_BLOCKS | {"ul", "ol"}


def _wrap_loose_runs(container: etree._Element) -> None:
    """Text and inline elements that follow a block within a list item (``<li><p>…</p><a>link</a></li>``)
    made a paragraph of their own, in the blocks within it too: html2text writes such a run at the left
    margin, where it ends the list."""
    for block in [el for el in container if el.tag in _ITEM_BLOCKS]:
        if block.tag in _LI_BLOCKS:
            _wrap_loose_runs(block)
        run: list[etree._Element] = []
        follower = block.getnext()
        while follower is not None and follower.tag not in _ITEM_BLOCKS:
            run.append(follower)
            follower = follower.getnext()
        if not (block.tail or "").strip() and not run:
            continue
        paragraph = etree.Element("p")
        paragraph.text, block.tail = block.tail, None
        block.addnext(paragraph)
        for el in run:
            paragraph.append(el)  # (with its tail)


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
    text = text.translate(TEXT_MAP)
    m = CHUNK_MARKER.match(text)
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


def _hold_code_block(pre: etree._Element, holds: Holds) -> None:
    token = holds.add(code_fence(pre.text or "", pre.get("data-lang")), "code")
    p = etree.Element("p")
    p.text = token
    p.tail = pre.tail
    parent_of(pre).replace(pre, p)


def _hold_code_span(code: etree._Element, holds: Holds) -> None:
    span = code_span(text_content(code))
    replace_with_text(code, holds.add(span, "span") if span else "")


def _hold_table(table: etree._Element, holds: Holds) -> None:
    markdown = _pipe_table(table, holds)
    if markdown is None:
        markdown = _html_table(table)
    token = holds.add(markdown, "table")
    p = etree.Element("p")
    p.text = token
    p.tail = table.tail
    parent_of(table).replace(table, p)


def _pipe_table(table: etree._Element, holds: Holds) -> str | None:
    rows: list[list[str]] = []
    for tr in table.iter("tr"):
        if tr.getparent() is None:
            continue
        row: list[str] = []
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            if any(d.tag in BLOCK_IN_CELL for d in cell.iterdescendants()):
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
        lines.insert(0, " ".join(text_content(caption).split()).translate(TEXT_MAP) + "\n")
    return "\n".join(lines)


def _cell_markdown(cell: etree._Element, holds: Holds) -> str:
    div = etree.Element("div")
    div.text = cell.text
    for child in list(cell):
        div.append(child)
    text = run_html2text(div).replace(CELL_BREAK, "<br>")
    text = fill_holds(text, holds, ("span",))  # GFM splits cells even at pipes inside code spans
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return "<br>".join(lines).replace("|", "\\|")


def _html_table(table: etree._Element) -> str:
    """A table a pipe table cannot express stays HTML (cleaned, one line per row)."""
    for el in table.iter():
        if el.text:
            el.text = _plain(el.text)
        if el.tail:
            el.tail = _plain(el.tail)
    return str(lxml.html.tostring(table, encoding="unicode")).strip()


def _plain(text: str) -> str:
    """Undo our text markers for content written as raw HTML."""
    out = []
    for ch in text:
        if ch in FROM_SENTINEL:
            out.append({"<": "&lt;", "&": "&amp;", ">": "&gt;"}.get(FROM_SENTINEL[ch], FROM_SENTINEL[ch]))
        elif ch == IDEO_SPACE:
            out.append("\u3000")
        elif ch == NBSP:
            out.append("\u00a0")
        elif ch in (CELL_BREAK, BREAK):
            out.append("<br>")
        elif ch in MARK_HTML:
            out.append(MARK_HTML[ch])
        else:
            out.append(ch)
    return "".join(out)
