"""Small edits of lxml trees that keep the text: dropping an element or its tag, replacing it with text,
reading its text, finding the table a cell belongs to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from lxml import etree


def drop_tag(el: etree._Element) -> None:
    """Remove an element but keep its text, children and tail in place (lxml.html's drop_tag)."""
    parent = el.getparent()
    if parent is None:
        return
    previous = el.getprevious()
    text, tail = el.text, el.tail  # (read once: each read decodes libxml2's UTF-8 again)
    if text:
        if previous is None:
            parent.text = (parent.text or "") + text
        else:
            previous.tail = (previous.tail or "") + text
    if tail:
        if len(el):
            last = el[-1]
            last.tail = (last.tail or "") + tail
        elif previous is None:
            parent.text = (parent.text or "") + tail
        else:
            previous.tail = (previous.tail or "") + tail
    index = parent.index(el)
    parent[index : index + 1] = list(el)


def drop_tree(el: etree._Element) -> None:
    """Remove an element and everything in it, keeping its tail (lxml.html's drop_tree)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        previous = el.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + tail
        else:
            previous.tail = (previous.tail or "") + tail
    parent.remove(el)


def text_content(el: etree._Element) -> str:
    return "".join(cast("Iterator[str]", el.itertext()))  # (str for trees parsed from str)


def parent_of(el: etree._Element) -> etree._Element:
    """The parent of an element that has one (any element below the root it was reached from)."""
    parent = el.getparent()
    if parent is None:
        raise ValueError(f"<{el.tag}> has no parent")
    return parent


def replace_with_text(el: etree._Element, text: str) -> None:
    """Put ``text`` (and the element's tail) where the element was, and remove the element."""
    parent = el.getparent()
    if parent is None:
        return
    prev = el.getprevious()
    joined = text + (el.tail or "")
    if prev is not None:
        prev.tail = (prev.tail or "") + joined
    else:
        parent.text = (parent.text or "") + joined
    parent.remove(el)


def owner_table(cell: etree._Element) -> etree._Element | None:
    """The table a cell or row belongs to (the nearest, for nested tables)."""
    parent = cell.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent
