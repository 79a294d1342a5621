"""Bytes that claim to be an image → an image a book may hold, or the reason they are none.

Whatever a server says its bytes are, they are looked at: JPEG, PNG, GIF and WebP (the raster formats EPUB
3.3 allows) are kept as they are once Pillow has read their size and decoded them (a truncated file fails
here, and a small file that claims billions of pixels is refused before it is decoded); SVG is parsed and
stripped of what could run or reach out (scripts, event handlers, foreign objects, links other than to its
own parts); any other format Pillow reads is converted to PNG. An HTML page saved under an image's name is
no image.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from typing import Any

MAX_PIXELS = 40_000_000
"""An image of more pixels is refused before it is decoded (a 50,000 × 50,000 PNG can be 100 KB)."""

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/svg+xml": ".svg"}
"""The formats kept as they are, with their file extensions: the core image types of EPUB 3.2, which
every reading system shows. WebP, which EPUB 3.3 added but many readers (and epubcheck 4) lack, is
converted like any other format."""

_PILLOW_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}


class NotAnImage(Exception):
    """Why bytes are no image a reader may be given (the message says it to the user)."""


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    media_type: str
    width: int
    height: int


def check_image(data: bytes) -> CheckedImage:
    """``data`` as an image to keep (see the module's docstring), or :class:`NotAnImage`."""
    if not data:
        raise NotAnImage("empty")
    if _looks_like_svg(data):
        return sanitise_svg(data)
    return _raster(data)


def _raster(data: bytes) -> CheckedImage:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            kind = probe.format or ""
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise NotAnImage(f"not an image ({_what(data)})") from None
    except Image.DecompressionBombError as e:
        raise NotAnImage(f"too large: a decompression bomb ({e})") from None
    if width * height > MAX_PIXELS:
        raise NotAnImage(f"too large: {width:,} × {height:,} pixels")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # (every byte decoded: a truncated file fails here)
            if kind in _PILLOW_FORMATS:
                return CheckedImage(data, _PILLOW_FORMATS[kind], width, height)
            return _converted(image, width, height)
    except Exception as e:  # (Pillow raises many kinds for a damaged file)
        raise NotAnImage(f"damaged {kind or 'image'}: {e}") from None


def _converted(image: Any, width: int, height: int) -> CheckedImage:
    """A format EPUB lacks → PNG where it has transparency or few colours, else JPEG (a WebP photo as PNG
    would be several times its size)."""
    out = io.BytesIO()
    if "A" in image.getbands() or "transparency" in image.info or image.mode in ("1", "L", "P", "LA", "PA"):
        image.convert("RGBA").save(out, "PNG")
        return CheckedImage(out.getvalue(), "image/png", width, height)
    image.convert("RGB").save(out, "JPEG", quality=90)
    return CheckedImage(out.getvalue(), "image/jpeg", width, height)


def _what(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "an HTML page"
    if head.startswith((b"{", b"[")):
        return "JSON"
    return "unknown bytes"


# --- SVG --------------------------------------------------------------------------------------------------

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK = "{http://www.w3.org/1999/xlink}href"
_UNSAFE_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "audio", "video", "handler"}
_URL_IN_CSS = re.compile(r"(?i)url\s*\(\s*['\"]?(?!#)|@import|expression\s*\(|javascript:")


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<svg", b"<?xml", b"<!--", b"<!doctype svg")) and b"<svg" in data[:4096].lower()


def sanitise_svg(data: bytes) -> CheckedImage:
    """An SVG without scripts, event handlers, foreign content, external references or CSS that loads
    anything: what is left draws the same picture and can do nothing else."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True,
                             remove_pis=True, load_dtd=False)  # fmt: skip
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise NotAnImage(f"damaged SVG: {e}") from None
    if root is None or etree.QName(root).localname != "svg":
        raise NotAnImage("not an image (XML that is not SVG)")
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        name = etree.QName(el)
        if name.localname in _UNSAFE_ELEMENTS or (name.namespace not in (_SVG_NS, None)):
            parent = el.getparent()
            if parent is not None:
                parent.remove(el)
            continue
        for attr in list(el.attrib):
            value = el.attrib[attr]
            local = etree.QName(attr).localname.lower()
            runs = local.startswith("on")
            reaches_out = (attr == _XLINK or local == "href") and not _safe_reference(value)
            if runs or reaches_out or (local == "style" and _URL_IN_CSS.search(value)):
                del el.attrib[attr]
        if name.localname == "style" and _URL_IN_CSS.search(el.text or ""):
            el.text = ""
    for link in list(root.iter(f"{{{_SVG_NS}}}a", "a")):  # (a picture in a book links nowhere)
        _unwrap(link)
    width, height = _svg_size(root)
    cleaned = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    return CheckedImage(cleaned, "image/svg+xml", width, height)


def _unwrap(el: Any) -> None:
    """Replace an element by its children."""
    parent = el.getparent()
    if parent is None:
        return
    at = parent.index(el)
    for child in reversed(list(el)):
        parent.insert(at, child)
    parent.remove(el)


def _safe_reference(value: str) -> bool:
    """A reference within the SVG itself, or an embedded raster image."""
    value = value.strip()
    return value.startswith("#") or bool(re.match(r"(?i)data:image/(png|jpeg|gif|webp);", value))


def _svg_size(root: object) -> tuple[int, int]:
    """The SVG's size in pixels, as far as its attributes say (0 where they do not)."""
    from lxml import etree

    assert isinstance(root, etree._Element)

    def number(value: str | None) -> float:
        m = re.match(r"\s*([0-9.]+)\s*(px)?\s*$", value or "")
        return float(m.group(1)) if m else 0.0

    width, height = number(root.get("width")), number(root.get("height"))
    if not (width and height):
        box = (root.get("viewBox") or "").replace(",", " ").split()
        if len(box) == 4:
            with contextlib.suppress(ValueError):
                width, height = float(box[2]), float(box[3])
    return int(width), int(height)
