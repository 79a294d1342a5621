"""html2text configured once and driven straight from an lxml tree (no HTML written and tokenized again)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urljoin

import html2text
import lxml.html
from html2text.utils import escape_md
from lxml import etree


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


def new_html2text() -> html2text.HTML2Text:
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


_READS_ATTRIBUTES = frozenset(("a", "img", "ol", "abbr"))
"""The tags whose attributes html2text looks at (with its Google Docs mode and tag callback off)."""


_WRITTEN_WITHOUT_END_TAG = frozenset(
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


def run_html2text(tree: etree._Element) -> str:
    """html2text over a tree, its handlers called straight from the tree: the calls its HTMLParser makes
    reading ``lxml.html.tostring(tree)``, without writing the HTML and tokenizing it again in Python
    (a quarter of the pipeline's time). Text reaches it with ``&``, ``<`` and ``>`` already protected
    (see :func:`prepare`), so HTMLParser would have passed every text node as one piece, as here."""
    h = new_html2text()
    handle_tag = h.handle_tag
    # html2text's own handle_data, told the text needs no escaping (what the override below does for
    # HTMLParser's calls), without the extra call per text node
    handle_data: Callable[..., None] = functools.partial(html2text.HTML2Text.handle_data, h)
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
            elif tag.__class__ is str and tag not in _WRITTEN_WITHOUT_END_TAG:
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


def run_html2text_on_html(tree: etree._Element) -> str:
    """The reference :func:`run_html2text` must equal: html2text reading the serialized tree."""
    return new_html2text().handle(lxml.html.tostring(tree, encoding="unicode"))
