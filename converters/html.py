"""Scraped HTML → a clean document tree, once per post, shared by every writer.

What scrapers leave and readers do not want: lazy-loaded images whose real URL hides in ``data-original``,
proxy and redirect wrappers around URLs, scripts, styles, hidden elements, copy-code buttons, ``<font>`` and
``<center>`` wrappers, inline styles and event attributes, one-cell layout tables, highlighted code split into
hundreds of ``<span>``. The result keeps every visible character of the article and nothing else.

The tree is lxml's; writers must not change it (they work on a copy when they need to).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import cast

from lxml import etree

from .chars import CJK_PUNCTUATION, FULLWIDTH, HAN, KANA, RADICALS
from .html_parse import parse
from .steps import Step
from .tree import drop_tag, drop_tree, owner_table, parent_of, replace_with_text, text_content
from .urls import URL_ATTRS, unwrap_url, url_is_safe

# Elements whose content is never article text.
DROP = {
    "script", "style", "noscript", "template", "head", "meta", "link", "title", "button", "input", "select",
    "textarea", "svg", "canvas", "map", "area", "param", "source", "track", "base", "object", "dialog",
}  # fmt: skip
# Wrappers that carry no meaning of their own: keep their content, lose the tag.
UNWRAP = {
    "font", "center", "span", "form", "label", "fieldset", "legend", "nobr", "big", "small", "tt", "main",
    "article", "section", "header", "footer", "aside", "nav", "hgroup", "address", "details", "summary",
    "html", "body", "picture", "o:p", "abbr", "cite", "dfn", "time", "var", "samp", "bdi", "bdo", "data", "wbr",
}  # fmt: skip
# Elements a clean document may hold; anything else (including unknown tags) is unwrapped.
KEEP = {
    "div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre",
    "code", "kbd", "a", "img", "figure", "figcaption", "table", "thead", "tbody", "tfoot", "tr", "th", "td",
    "caption", "strong", "b", "em", "i", "u", "s", "del", "strike", "ins", "mark", "sub", "sup", "q", "br", "hr",
}  # fmt: skip
EMBEDS = {"iframe", "video", "audio", "embed"}
ALLOWED_ATTRS = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start", "reversed"},
    "pre": {"data-lang"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
LAZY_SRC = ("data-original", "data-original-src", "data-src", "data-actualsrc", "data-lazy-src", "data-url")
CHROME_TEXT = {"复制代码", "复制", "copy", "Copy", "Copy code", "代码"}
CHROME_CLASSES = re.compile(r"\b(copy-code-btn|code-copy|copy-btn|btn-copy|hljs-copy)\b")
CHROME_IDS = {"recommend_bottom", "article_bottom"}
_LANG_PATTERNS = (
    re.compile(r"\blanguage-([\w+#.-]+)"),
    re.compile(r"\blang-([\w+#.-]+)"),
    re.compile(r"\bbrush:\s*([\w+#.-]+)"),
    re.compile(r"\bhljs\s+(?!language-)([\w+#.-]+)"),
    re.compile(r"\bhighlight\s+(?!language-)([\w+#.-]+)"),
)
_NOT_LANGS = {"hljs", "copyable", "prettyprint", "highlight", "linenums", "notranslate", "code", "source"}
_CJK = RADICALS + CJK_PUNCTUATION + KANA + HAN + FULLWIDTH  # (a line break between two is no space)
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t]*\n\s*(?=[{_CJK}])")
_NEWLINE_BEFORE_CJK = re.compile(rf"\n[^\S\n]*[{_CJK}]")  # (the last newline of a run: linear)


@dataclass(slots=True)
class CleanDocument:
    """The cleaned body: an lxml ``<div>`` root and the images and links it shows."""

    root: etree._Element
    images: list[dict[str, str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def clean(html: str, keep_proxies: bool = False) -> CleanDocument:
    """Parse and clean scraped HTML. Never raises on malformed input."""
    return clean_tree(parse(html), keep_proxies)


def clean_steps(keep_proxies: bool = False) -> tuple[Step, Step]:
    """:func:`clean` as two steps, for :func:`converters.steps.run_steps`."""
    return parse, functools.partial(clean_tree, keep_proxies=keep_proxies)


def clean_tree(root: etree._Element, keep_proxies: bool = False) -> CleanDocument:
    """Clean a parsed body in place.

    The work is done by lxml's C helpers (strip_elements, strip_tags, XPath) wherever it can be: this runs
    for every post of every export, and per-element Python was most of its cost."""
    doc = CleanDocument(root)
    _flatten_code(root)
    # Whole subtrees first, so that nothing inside them (an image in a hidden div) is seen later.
    etree.strip_elements(root, *DROP, with_tail=False)
    dropped = False
    for el in _maybe_hidden(root):
        if (not dropped or _attached(el, root)) and _unwanted(el):
            drop_tree(el)
            dropped = True
    for pre in list(root.iter("pre")):
        _drop_copy_button(pre.getnext())
    for el in list(root.iter(*EMBEDS)):
        _embed_to_link(el, keep_proxies)
    for el in list(root.iter("img")):
        _fix_image(el, doc, keep_proxies)
    for el in list(root.iter("a")):
        _fix_link(el, doc, keep_proxies)
    unwanted_tags = {el.tag for el in root.iter()} - KEEP
    if unwanted_tags:
        etree.strip_tags(root, *unwanted_tags)
    for el in _with_attributes(root):
        _strip_attributes(el, el.tag)
    _unwrap_layout_tables(root)
    _remove_empty(root)
    _join_cjk_lines(root)
    return doc


_JUDGED_BY = frozenset({"hidden", "type", "class", "id"})


def _maybe_hidden(root: etree._Element) -> list[etree._Element]:
    """The elements below ``root`` that carry an attribute :func:`_unwanted` judges, in document order:
    the XPath ``.//*[@hidden or @type or @class or @id]``, at a quarter of its cost."""
    judged = _JUDGED_BY.isdisjoint
    return [
        el for el in root.iter(etree.Element) if el is not root and (keys := el.keys()) and not judged(keys)
    ]


def _with_attributes(root: etree._Element) -> list[etree._Element]:
    """``.//*[@*]``, in Python: libxml2's XPath costs more than the walk."""
    return [el for el in root.iter(etree.Element) if el is not root and el.keys()]


def _attached(el: etree._Element, root: etree._Element) -> bool:
    """Still inside ``root`` (not in a subtree dropped a moment ago)."""
    return any(ancestor is root for ancestor in el.iterancestors())


def _drop_copy_button(el: etree._Element | None) -> None:
    """A "复制代码" button left right after its code block."""
    if (
        el is not None
        and el.tag in ("span", "div", "a")
        and len(el) == 0
        and (el.text or "").strip() in CHROME_TEXT
    ):
        drop_tree(el)


def _drop(el: etree._Element) -> None:
    if el.getparent() is not None:
        drop_tree(el)


def _unwanted(el: etree._Element) -> bool:
    """Hidden elements, copy buttons and empty site chrome (judged by their attributes)."""
    attrs = el.attrib
    if "hidden" in attrs or attrs.get("type") == "hidden":
        return True  # (hidden by the page's style, content is kept: a blog's collapsed code is its text)
    cls = attrs.get("class")
    if cls and CHROME_CLASSES.search(cls):
        return True
    return attrs.get("id") in CHROME_IDS and not text_content(el).strip() and el.find(".//img") is None


def _strip_attributes(el: etree._Element, tag: str) -> None:
    allowed = ALLOWED_ATTRS.get(tag)
    if allowed is None:
        if el.attrib:
            el.attrib.clear()
        return
    # (by items, and rebuilt: lxml refuses to look up or delete an attribute whose name is no XML name,
    # such as the "{{" of a Go template written inside a tag, though its parser made it)
    attributes = list(el.attrib.items())
    kept = [(str(name), str(value)) for name, value in attributes if name in allowed]
    kept = [(name, value) for name, value in kept if _safe_attribute(tag, name, value)]
    if len(kept) != len(attributes):
        el.attrib.clear()
        for name, value in kept:
            el.set(name, value)


def _safe_attribute(tag: str, name: str, value: str) -> bool:
    if name not in URL_ATTRS or url_is_safe(value):
        return True
    return tag == "img" and name == "src" and is_data_image(value)  # (a data: image is the picture itself)


def _best_srcset(srcset: str) -> str | None:
    best, best_w = None, -1.0
    for part in srcset.split(","):
        bits = part.strip().split()
        if not bits:
            continue
        width = 0.0
        if len(bits) > 1:
            try:
                width = float(bits[1].rstrip("wx"))
            except ValueError:
                width = 0.0
        if width > best_w:
            best, best_w = bits[0], width
    return best


def image_source(el: etree._Element) -> str | None:
    """The real URL of an ``<img>``: a lazy-loading attribute wins over a placeholder ``src``; a
    ``data:`` image is the picture itself when nothing else names one and it is more than a placeholder."""
    for name in LAZY_SRC:
        value = (el.get(name) or "").strip()
        if value and url_is_safe(value):
            return value
    src = (el.get("src") or "").strip()
    if src and url_is_safe(src):
        return src
    srcset = el.get("data-srcset") or el.get("srcset")
    best = _best_srcset(srcset) if srcset else None
    if best and url_is_safe(best):
        return best
    return src if is_data_image(src) else None


DATA_PLACEHOLDER = 128
"""Characters of data below which a ``data:`` image is a lazy loader's placeholder (a 1×1 GIF is ~70)."""


def is_data_image(url: str) -> bool:
    """A ``data:image/…`` URL of a raster image or SVG with more in it than a placeholder."""
    head, comma, data = url.partition(",")
    return (
        bool(comma)
        and re.match(r"(?i)data:image/(png|jpe?g|gif|webp|svg\+xml|bmp)[;,]", head + ",") is not None
        and len(data) >= DATA_PLACEHOLDER
    )


def _fix_image(el: etree._Element, doc: CleanDocument, keep_proxies: bool) -> None:
    src = image_source(el)
    if not src:
        alt = (el.get("alt") or "").strip()
        if alt:
            replace_with_text(el, alt)
        else:
            _drop(el)
        return
    src = unwrap_url(src, keep_proxies)
    alt = " ".join((el.get("alt") or "").split())
    title = " ".join((el.get("title") or "").split())
    el.attrib.clear()
    el.set("src", src)
    el.set("alt", alt)
    if title:
        el.set("title", title)
    doc.images.append({"url": src, "alt": alt})


def _fix_link(el: etree._Element, doc: CleanDocument, keep_proxies: bool) -> None:
    href = (el.get("href") or "").strip()
    if not href or not url_is_safe(href) or href == "#":
        if not text_content(el).strip() and el.find(".//img") is None:
            _drop(el)
        else:
            drop_tag(el)
        return
    href = unwrap_url(href, keep_proxies)
    el.set("href", href)
    if not text_content(el).strip() and el.find(".//img") is None:
        _drop(el)
        return
    if href.startswith(("http://", "https://", "mailto:")) and href not in doc.links:
        doc.links.append(href)


def _embed_to_link(el: etree._Element, keep_proxies: bool) -> None:
    src = el.get("src") or el.get("data-src") or ""
    if not src:
        source = el.find(".//source")
        src = source.get("src", "") if source is not None else ""
    if not src or not url_is_safe(src):
        _drop(el)
        return
    src = unwrap_url(src, keep_proxies)
    link = etree.Element("a", href=src)
    link.text = " ".join((el.get("title") or "").split()) or src
    p = etree.Element("p")
    p.append(link)
    p.tail = el.tail
    parent_of(el).replace(el, p)


def code_language(pre: etree._Element) -> str | None:
    """The language of a code block, from the classes highlighters leave on it, its ``<code>`` or its wrapper."""
    candidates = [pre, *pre.iterchildren("code")]
    parent = pre.getparent()
    if parent is not None:
        candidates.append(parent)
        grandparent = parent.getparent()
        if grandparent is not None:
            candidates.append(grandparent)
    for el in candidates:
        lang_attr = (el.get("lang") or el.get("data-lang") or "").strip()
        if lang_attr and el.tag in ("code", "pre"):
            return lang_attr.lower()
        cls = el.get("class") or ""
        for rx in _LANG_PATTERNS:
            m = rx.search(cls)
            if m and m.group(1).lower() not in _NOT_LANGS:
                return m.group(1).lower().strip(".")
    return None


def _flatten_code(root: etree._Element) -> None:
    """Turn every ``<pre>`` into plain text: highlighting spans gone, ``<br>`` as newlines, language kept."""
    for figure in list(root.iter("figure", "table")):
        gutter = figure.find(".//td[@class='gutter']")
        if gutter is not None and (holder := gutter.getparent()) is not None:
            holder.remove(gutter)
    for pre in list(root.iter("pre")):
        if pre.getparent() is None:
            continue
        lang = code_language(pre)
        text = _code_text(pre)
        tail = pre.tail
        pre.clear()
        pre.text = text
        pre.tail = tail
        if lang:
            pre.set("data-lang", lang)


def _code_text(pre: etree._Element) -> str:
    parts: list[str] = []
    walker = etree.iterwalk(pre, events=("start", "end"))
    for event, el in walker:
        if el is pre:
            if event == "start":
                parts.append(el.text or "")
            continue
        if event == "start":
            tag = el.tag if isinstance(el.tag, str) else ""
            cls = el.get("class") or ""
            if not tag or tag in DROP or CHROME_CLASSES.search(cls) or (el.text or "").strip() in CHROME_TEXT:
                walker.skip_subtree()
                parts.append(el.tail or "")
                continue
            if tag == "br":
                if not (el.tail or "").startswith("\n"):  # "<br>\n" is one line break, not two
                    parts.append("\n")
            elif tag in ("div", "p", "li") and parts and not parts[-1].endswith("\n"):
                parts.append("\n")  # line-per-div highlighters
            parts.append(el.text or "")
        else:
            parts.append(el.tail or "")
    text = "".join(parts)
    if text.startswith("\n"):
        text = text[1:]
    return text.rstrip("\n ")


def _unwrap_layout_tables(root: etree._Element) -> None:
    """A table with one cell is page layout, not data: keep the cell's content, lose the table."""
    for table in list(root.iter("table")):
        if table.getparent() is None:
            continue
        cells = [c for c in table.iter("td", "th") if owner_table(c) is table]
        if len(cells) > 1:
            continue
        div = etree.Element("div")
        if cells:
            cell = cells[0]
            div.text = cell.text
            for child in list(cell):
                div.append(child)
        div.tail = table.tail
        parent_of(table).replace(table, div)


_CONTAINERS = {
    "div",
    "p",
    "li",
    "blockquote",
    "figure",
    "figcaption",
    "dd",
    "dt",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
}
_INLINE_EMPTYABLE = {
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "del",
    "strike",
    "ins",
    "mark",
    "sub",
    "sup",
    "code",
    "kbd",
    "q",
}


def _remove_empty(root: etree._Element) -> None:
    """Drop elements with no text and no image: empty chrome divs, ``<p> </p>`` spacers, empty emphasis."""
    for el in reversed(list(root.iter(*_CONTAINERS, *_INLINE_EMPTYABLE, "ul", "ol"))):
        if el is root or el.getparent() is None:
            continue
        text = el.text or ""  # (read once: each read makes a new Python string)
        if len(el) == 0 and not text.strip(" \t\n\r\u00a0\u3000"):
            if text and el.tag in _INLINE_EMPTYABLE:
                drop_tag(el)  # keep the space it held
            else:
                _drop(el)
        elif (
            el.tag in _CONTAINERS
            and not text.strip()
            and all(c.tag == "br" and not (c.tail or "").strip() for c in el)
        ):
            _drop(el)


_TEXT_WITH_NEWLINE = etree.XPath(".//text()[contains(., $nl)]")


def _join_cjk_lines(root: etree._Element) -> None:
    """A source line break between two CJK characters is no space at all (CSS Text 3's segment-break rule).
    A clean tree's ``<pre>`` holds only its own text, which is left alone."""
    if not _may_break_cjk(etree.tostring(root, method="text", encoding="unicode")):
        return  # the usual case: one search of the whole text spares the search of each text node
    # Read every text node before changing any: lxml's smart strings find their parent through libxml2's
    # text nodes, which setting .text or .tail replaces.
    texts = cast("list[etree._ElementUnicodeResult]", _TEXT_WITH_NEWLINE(root, nl="\n"))
    found = [(t.getparent(), t.is_tail, str(t)) for t in texts]
    for parent, is_tail, text in found:
        joined = _CJK_BREAK.sub("", text)
        if joined == text or parent is None:
            continue
        if is_tail:
            parent.tail = joined
        elif parent.tag != "pre":
            parent.text = joined


def _may_break_cjk(text: str) -> bool:
    """Whether ``_CJK_BREAK`` matches somewhere in ``text``, looked for from each newline followed by a CJK
    character: the pattern as it stands starts with a look-behind, which a search tries at every character.
    Every text node is a piece of the whole text, so a whole without a match has no node with one."""
    for m in _NEWLINE_BEFORE_CJK.finditer(text):
        at = m.start()
        while at and text[at - 1].isspace():  # back to the start of the run of blanks it ends
            at -= 1
        if _CJK_BREAK.match(text, at):  # (its look-behind sees the text before ``at``)
            return True
    return False
