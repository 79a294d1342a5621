"""Any HTML fragment or document → an lxml tree under a ``<div>``, tolerating anything a scraper left.

libxml2 parses; what is done before it protects the text it would lose: tags written inside code, a
page's end tags in the middle of a body, references to characters XML cannot hold, nesting deeper than
libxml2 keeps, and tags with thousands of attributes.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

from .chars import UNFIT, sanitize_text

_CODE_REGION = re.compile(r"(<(pre|code)\b[^>]*>)(.*?)(</\2\s*>)", re.S | re.I)


_TAG_IN_CODE = re.compile(r"<(?=(/?)([A-Za-z][\w:.-]*|!DOCTYPE))")


_DOCUMENT_END = re.compile(r"</(?:body|html)\s*>", re.I)


# lxml's plain elements, not lxml.html's: its per-element class lookup runs Python code for every node
# touched, which cost a sixth of the whole conversion.
_LOCAL = threading.local()


def _parser() -> etree.HTMLParser:
    """One parser per thread: lxml parsers must not be shared between threads (the reader converts an
    article while an export runs)."""
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = etree.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True)
    return parser


def _escape_code_tags(html: str) -> str:
    """Inside ``<pre>``/``<code>``, a ``<Name`` that is not formatting markup was code text (generics,
    an HTML sample pasted unescaped): escape it so the parser keeps it as text, case and all."""

    def fix(m: re.Match[str]) -> str:
        # A pasted HTML page keeps even its <div>s as text; elsewhere they are highlighter lines.
        markup = {"span", "br", "code"} if _RAW_DOCUMENT.search(m.group(3)) else CODE_MARKUP
        inner = _TAG_IN_CODE.sub(lambda t: "<" if t.group(2).lower() in markup else "&lt;", m.group(3))
        return m.group(1) + inner + m.group(4)

    if "<pre" not in html and "<code" not in html and "<PRE" not in html:
        return html
    return _CODE_REGION.sub(fix, html)


_TAG = re.compile(r"<(/?)([A-Za-z][\w:-]*)\b[^<>]*?(/?)>")  # (not past the next <: linear)


# HTML's void elements: never opened, so they do not count towards the depth.
VOID_ELEMENTS = {
    "br",
    "img",
    "hr",
    "input",
    "meta",
    "link",
    "source",
    "wbr",
    "area",
    "col",
    "embed",
    "param",
    "track",
    "base",
}


MAX_DEPTH = 256


def _limit_depth(html: str, limit: int = MAX_DEPTH) -> str:
    """Drop the tags (never the text) of elements nested deeper than ``limit``: libxml2 silently loses
    everything below its own depth limit, and no article needs hundreds of levels."""
    if html.count("<") < limit:
        return html
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # (tag, kept)
    depth = 0
    pos = 0
    for m in _TAG.finditer(html):
        out.append(html[pos : m.start()])
        pos = m.end()
        closing, name = m.group(1), m.group(2).lower()
        if name in VOID_ELEMENTS or m.group(3):
            out.append(m.group(0))
            continue
        if not closing:
            kept = depth < limit
            stack.append((name, kept))
            depth += kept
            if kept:
                out.append(m.group(0))
            continue
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][0] == name:
                for _, was_kept in stack[i:]:
                    depth -= was_kept
                kept = stack[i][1]
                del stack[i:]
                if kept:
                    out.append(m.group(0))
                break
        else:
            out.append(m.group(0))
    out.append(html[pos:])
    return "".join(out)


_NUMERIC_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")


def _sanitize_references(html: str) -> str:
    """:func:`sanitize_text` for what numeric character references stand for (``&#1;``, ``&#xFFFE;``): the
    parser would put the characters themselves into the tree, which lxml then refuses to copy and XML may
    not hold. ``&#0;`` and references past Unicode are left to the parser, which gives U+FFFD for them."""

    def fix(m: re.Match[str]) -> str:
        code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        if not 0 < code <= 0x10FFFF:
            return m.group(0)
        char = chr(code)
        return sanitize_text(char) if UNFIT.match(char) else m.group(0)

    return _NUMERIC_REFERENCE.sub(fix, html) if "&#" in html else html


MAX_ATTRIBUTES = 512
"""Attributes kept per element: libxml2 checks each new attribute against the element's others, so one
tag of 80k attributes took 86 s to parse. No real element has a few hundred."""


_LONG_TAG = re.compile(r"<[A-Za-z][^<>]{4096,}>")  # (never past the next <: linear)


# (from the start of a run of blanks only: tried from each blank of a long run, the pattern was quadratic)
_ATTRIBUTE = re.compile(r"""(?<!\s)\s+[^\s=<>/"']+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?""")


def _limit_attributes(html: str) -> str:
    """Tags with more than :data:`MAX_ATTRIBUTES` attributes cut to that many. Only tags of over 4 KB are
    looked at (a long ``src`` or ``style`` is common; thousands of attributes are not)."""
    if len(html) < 4096:
        return html

    def cut(m: re.Match[str]) -> str:
        tag = m.group(0)
        attributes = list(_ATTRIBUTE.finditer(tag))
        if len(attributes) <= MAX_ATTRIBUTES:
            return tag
        return tag[: attributes[MAX_ATTRIBUTES - 1].end()] + (" /" if tag.endswith("/>") else "") + ">"

    return _LONG_TAG.sub(cut, html)


def parse(html: str) -> etree._Element:
    """Parse an HTML fragment or document into a ``<div>`` root, tolerating anything."""
    html = _limit_attributes(_sanitize_references(sanitize_text(html)))
    html = re.sub(r"^\s*<\?xml[^>]*>", "", html)
    html = _escape_code_tags(html)
    # libxml2 drops whatever follows </html> and sets apart what follows </body>: in a scraped body such end
    # tags (a page's chrome pasted in) end nothing, and the text after them is the post's.
    html = _DOCUMENT_END.sub("", html)
    container = etree.Element("div")
    if not html.strip():
        return container
    parser = _parser()
    try:
        doc = etree.fromstring(html, parser)
        if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
            doc = etree.fromstring(_limit_depth(html), parser)  # libxml2 dropped what lay too deep
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):  # nothing it could make a tree of
        container.text = html
        return container
    if doc is None:  # markup alone, which shows nothing: end tags, comments (``</div>`` left by a block)
        return container
    body = doc.find("body")
    if body is None:
        body = doc
    container.text = body.text
    for child in list(body):
        container.append(child)
    return container


_RAW_DOCUMENT = re.compile(r"<(?:!DOCTYPE|html|head|body|script)\b", re.I)


# Tags that may stand inside <pre>/<code> as markup; any other "<name" there was literal code text.
CODE_MARKUP = {
    "span", "code", "b", "strong", "i", "em", "br", "a", "font", "u", "s", "del", "ins", "mark", "sub", "sup",
    "small", "big", "kbd", "samp", "var", "q", "abbr", "tt", "div", "p", "pre", "ol", "ul", "li",
}  # fmt: skip
