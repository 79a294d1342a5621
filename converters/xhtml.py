"""Clean tree → EPUB 3 XHTML content document (or the body fragment of one).

EPUB reading systems use a strict XML parser and epubcheck holds documents to HTML5's content models, so
scraped HTML is repaired here: blocks are lifted out of paragraphs, tables rebuilt row by row, lists given
only list items, links made valid URLs. Remote images are not allowed inside an EPUB: by default each
becomes a figure linking to the image.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

from lxml import etree

from .dates import html_datetime
from .options import ImageMode
from .post import Meta
from .tree import drop_tag, drop_tree, owner_table, parent_of, text_content

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
PHRASING_PARENTS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "a", "strong", "b", "em", "i", "u", "s", "del", "ins", "mark",
    "sub", "sup", "q", "code", "kbd", "span", "dt", "figcaption", "caption", "pre",
}  # fmt: skip
INLINE = PHRASING_PARENTS - {"p", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "figcaption", "caption", "pre"}
BLOCK = {
    "div", "p", "ul", "ol", "dl", "table", "pre", "blockquote", "figure", "hr", "h1", "h2", "h3", "h4", "h5",
    "h6", "li", "dd", "dt", "figcaption",
}  # fmt: skip
_URL_SAFE = "/:?#[]@!$&'()*+,;=%~-._"


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as entities: ``xml.sax.saxutils.escape``, whose module imports
    ``urllib.request`` (and with it http, email and ssl: a third of the command's start-up)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(text: str) -> str:
    """An attribute value, escaped and quoted: ``xml.sax.saxutils.quoteattr``."""
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' in text:
        return f"'{text}'" if "'" not in text else '"{}"'.format(text.replace('"', "&quot;"))
    return f'"{text}"'


def safe_url(url: str) -> str:
    """Percent-encode what a URL may not hold (spaces, quotes, non-ASCII, a second ``#``) and repair
    stray ``%``: every URL written into XHTML is then a valid URI (``…/#/zh-CN/x#y`` and ``a.html##1``
    are real links that epubcheck rejects as written)."""
    url = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", url.strip())
    base, hash_mark, fragment = url.partition("#")
    encoded = quote(base, safe=_URL_SAFE.replace("#", ""))
    return encoded + hash_mark + quote(fragment, safe=_URL_SAFE.replace("#", "")) if hash_mark else encoded


def _is_remote(url: str) -> bool:
    return bool(re.match(r"(?i)^(https?:)?//", url))


def body_fragment(
    root: etree._Element, images: ImageMode = "link", files: Mapping[str, str] | None = None
) -> etree._Element:
    """A copy of the clean tree repaired to XHTML content models; the input is not modified. ``files``:
    for ``embed`` and ``local``, each image URL had → the relative path of its file in the output."""
    tree = copy.deepcopy(root)
    _images(tree, images, files or {})
    _links(tree)
    _content_models(tree)
    return tree


def fragment_markup(
    root: etree._Element, images: ImageMode = "link", files: Mapping[str, str] | None = None
) -> str:
    """The body as an XHTML fragment (well-formed XML, no namespace declarations)."""
    tree = body_fragment(root, images, files)
    return _children_xml(tree)


def _children_xml(el: etree._Element) -> str:
    if not el.attrib and el.tag == "div" and "\r" not in (el.text or ""):
        # One serialization of the whole tree, its own tags cut off: a call per child cost ~1 µs each.
        whole = etree.tostring(el, encoding="unicode", with_tail=False)
        return whole[5:-6] if whole.startswith("<div>") else ""  # ("<div/>": nothing inside)
    return _each_child_xml(el)


def _each_child_xml(el: etree._Element) -> str:
    parts = [escape(el.text or "")]
    for child in el:
        parts.append(etree.tostring(child, method="xml", encoding="unicode", with_tail=True))
    return "".join(parts)


# --- images and links -----------------------------------------------------------------------------------


def _images(tree: etree._Element, mode: ImageMode, files: Mapping[str, str]) -> None:
    for img in list(tree.iter("img")):
        if img.getparent() is None:
            continue
        src = img.get("src", "")
        if mode == "drop":
            drop_tree(img)
        elif src in files or mode == "remote" or src[:11].lower() == "data:image/":
            # (the image's own file; the remote image; or a data: image, which is no remote resource:
            # it stands as it is, unless embed or local wrote it out as a file)
            img.set("src", safe_url(files.get(src, src)))
            img.set("alt", img.get("alt", ""))
        else:  # link, and what embed or local could not have
            _image_to_link(img, src)


def _image_to_link(img: etree._Element, src: str) -> None:
    label = img.get("alt") or img.get("title") or _file_name(src) or "image"
    inside_link = any(a.tag == "a" for a in img.iterancestors())
    if inside_link or (not _is_remote(src) and not src.startswith(("https:", "http:"))):
        replacement = etree.Element("span", {"class": "image"})
        replacement.text = label
    else:
        replacement = etree.Element("a", {"class": "image", "href": safe_url(src)})
        replacement.text = label
    parent = parent_of(img)
    lone_in_p = (
        parent.tag == "p"
        and not (parent.text or "").strip()
        and len(parent) == 1
        and not (img.tail or "").strip()
    )
    flow_parent = parent.tag in ("div", "li", "blockquote", "td", "th", "dd", "figure") or parent is _root(
        img
    )
    figure = None
    if lone_in_p or (flow_parent and parent.tag != "figure"):
        figure = etree.Element("figure", {"class": "image"})
        figure.append(replacement)
    node = figure if figure is not None else replacement
    node.tail = img.tail
    if lone_in_p:
        node.tail = parent.tail
        parent_of(parent).replace(parent, node)
    else:
        parent.replace(img, node)


def _root(el: etree._Element) -> etree._Element:
    while (parent := el.getparent()) is not None:
        el = parent
    return el


def _file_name(url: str) -> str:
    path = url.split("?")[0].split("#")[0].rstrip("/")
    return path.rsplit("/", 1)[-1][:80]


def _links(tree: etree._Element) -> None:
    for a in list(tree.iter("a")):
        href = a.get("href")
        if href is None:
            continue
        if re.match(r"(?i)^(https?|ftp):", href) and not urlsplit(href.strip()).netloc:
            drop_tag(a)  # ("http://", "http:://host": no address a reader could open, and not a valid URL)
            continue
        if a.get("class") == "image" or re.match(r"(?i)^(https?|mailto|ftp):", href):
            a.set("href", safe_url(href))
            if any(p.tag == "a" for p in a.iterancestors()):
                drop_tag(a)
            continue
        drop_tag(a)  # relative and fragment links point at nothing inside a book


# --- content models -------------------------------------------------------------------------------------


_REPAIRED_EVEN_EMPTY = {"ul", "ol", "li", "dl", "dt", "dd", "figure", "a"}
"""Elements :func:`_content_models` may change whether or not they have children."""


def _definition_groups(dl: etree._Element) -> None:
    """Terms each followed by a description, descriptions each after a term: an empty one where the post
    left it out (HTML's content model for ``dl``, to which epubcheck holds a book)."""
    if any(child.tag == "div" for child in dl):
        return  # (groups wrapped in divs: left as they are)
    previous = None
    for child in list(dl):
        if child.tag == "dd" and previous is None:
            child.addprevious(etree.Element("dt"))
        previous = child.tag
    if previous == "dt":
        dl.append(etree.Element("dd"))


def _content_models(tree: etree._Element) -> None:
    for el in list(tree.iter("strike")):
        el.tag = "del"
    for table in reversed(list(tree.iter("table"))):
        _rebuild_table(table)
    for el in reversed(list(tree.iter())):
        tag = el.tag
        if not len(el) and tag not in _REPAIRED_EVEN_EMPTY:
            continue  # a leaf (most of a post: paragraphs of text, images) has nothing to repair below
        if el is tree or el.getparent() is None:
            continue
        has_block = False
        for child in el:  # (a loop, not any(): this runs for every element with children)
            if child.tag in BLOCK:
                has_block = True
                break
        if not has_block and tag not in _REPAIRED_EVEN_EMPTY:
            continue  # (a paragraph of text, emphasis and images: the rest of a post)
        if tag in ("ul", "ol"):
            _list_children(el)
        elif tag == "li" and parent_of(el).tag not in ("ul", "ol"):
            el.tag = "div"
        elif tag == "dl":
            for child in el:
                if child.tag not in ("dt", "dd", "div"):
                    child.tag = "dd"
            _definition_groups(el)
        elif tag in ("dt", "dd") and parent_of(el).tag != "dl":
            el.tag = "div" if has_block else "p"
        if tag == "p" and has_block:
            el.tag = "div"
        elif tag in INLINE and has_block:
            drop_tag(el)
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6", "dt", "figcaption", "caption", "pre") and has_block:
            for child in list(el):
                if child.tag in BLOCK:
                    drop_tag(child)
        if tag == "figure":
            _figure_captions(el)
        if tag == "ol":
            start = el.get("start")
            if start is not None and not re.fullmatch(r"-?\d+", start.strip()):
                del el.attrib["start"]
            if "reversed" in el.attrib:
                el.set("reversed", "reversed")
        if tag == "a" and any(p.tag == "a" for p in el.iterancestors()):
            drop_tag(el)
    for el in tree.iter("pre"):
        lang = str(el.attrib.pop("data-lang", ""))
        if lang:
            el.set("class", "language-" + re.sub(r"[^\w+#.-]", "", lang))


def _list_children(lst: etree._Element) -> None:
    """Only ``<li>`` may stand in a list: stray text and elements go into items of their own."""
    items: list[etree._Element] = []
    current: etree._Element | None = None

    def stray_item() -> etree._Element:
        nonlocal current
        if current is None:
            current = etree.Element("li")
            items.append(current)
        return current

    if (lst.text or "").strip():
        stray_item().text = lst.text
    lst.text = None
    for child in list(lst):
        lst.remove(child)
        tail, child.tail = child.tail, None
        if child.tag == "li":
            items.append(child)
            current = None
        else:
            stray_item().append(child)
        if tail and tail.strip():
            item = stray_item()
            if len(item):
                item[-1].tail = (item[-1].tail or "") + tail
            else:
                item.text = (item.text or "") + tail
    lst.extend(items)


def _figure_captions(figure: etree._Element) -> None:
    captions = list(figure.iterchildren("figcaption"))
    for cap in captions[1:]:
        cap.tag = "p"
    if captions and figure[0] is not captions[0] and figure[-1] is not captions[0]:
        figure.remove(captions[0])
        figure.append(captions[0])


def _rebuild_table(table: etree._Element) -> None:
    """Rows in order, each with only cells, under ``thead``/``tbody``: whatever the scraped table was."""
    head_rows: list[etree._Element] = []
    body_rows: list[etree._Element] = []
    for tr in table.iter("tr"):
        if owner_table(tr) is not table:
            continue
        cells = [c for c in tr if c.tag in ("td", "th")]
        if not cells:
            continue
        row = etree.Element("tr")
        for cell in cells:
            for attr in ("colspan", "rowspan"):
                v = cell.get(attr)
                if v is not None and not (v.isdigit() and 0 < int(v) < 1000):
                    del cell.attrib[attr]
            cell.tail = None
            row.append(cell)
        (head_rows if parent_of(tr).tag == "thead" else body_rows).append(row)
    caption = table.find("caption")
    tail = table.tail
    table.clear()
    table.tail = tail
    if caption is not None and text_content(caption).strip():
        caption.tail = None
        table.append(caption)
    if head_rows:
        thead = etree.SubElement(table, "thead")
        thead.extend(head_rows)
    if body_rows:
        tbody = etree.SubElement(table, "tbody")
        tbody.extend(body_rows)
    if not head_rows and not body_rows:
        drop_tree(table)


# --- the whole document ---------------------------------------------------------------------------------


def header_markup(meta: Meta) -> str:
    """Title, byline, date and category path, as the top of the chapter."""
    parts = [f"<h1>{escape(meta.title)}</h1>"]
    byline = []
    if meta.authors:
        byline.append(f'<span class="author">{escape(", ".join(meta.authors))}</span>')
    if meta.date is not None:
        stamp = html_datetime(meta.date)
        byline.append(
            f"<time datetime={quoteattr(stamp)}>{escape(meta.date.strftime('%Y-%m-%d %H:%M'))}</time>"
        )
    if byline:
        parts.append('<p class="byline">' + " · ".join(byline) + "</p>")
    if meta.categories:
        paths = "; ".join(" › ".join(path) for path in meta.categories)
        parts.append(f'<p class="categories">{escape(paths)}</p>')
    if meta.tags:
        parts.append(f'<p class="tags">{escape(", ".join("#" + t for t in meta.tags))}</p>')
    return "<header>" + "".join(parts) + "</header>"


def document(
    meta: Meta,
    body_xml: str,
    stylesheet: str | None = None,
    section_id: str | None = None,
) -> str:
    """A complete EPUB 3 XHTML content document."""
    lang = escape(meta.language or "und")
    css = f'\n<link rel="stylesheet" type="text/css" href={quoteattr(stylesheet)}/>' if stylesheet else ""
    sid = f" id={quoteattr(section_id)}" if section_id else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<!DOCTYPE html>\n"
        f'<html xmlns="{XHTML_NS}" xmlns:epub="{EPUB_NS}" lang="{lang}" xml:lang="{lang}">\n'
        "<head>\n"
        '<meta charset="utf-8"/>\n'
        f"<title>{escape(meta.title) or 'Untitled'}</title>{css}\n"
        "</head>\n"
        "<body>\n"
        f'<section epub:type="chapter"{sid}>\n'
        f"{header_markup(meta)}\n"
        f"{body_xml}\n"
        "</section>\n"
        "</body>\n"
        "</html>\n"
    )
