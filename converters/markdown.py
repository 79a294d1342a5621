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
from collections.abc import Callable

from lxml import etree

from .markdown_html2text import run_html2text
from .markdown_marks import Holds
from .markdown_prepare import prepare
from .markdown_repair import (
    escape_bare_markers,
    fill_holds,
    indent_list_continuations,
    resolve_breaks,
    resolve_emphasis,
    resolve_escapes,
    restore_spaces,
    tidy,
)
from .steps import Step, run_steps


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
        self.holds = Holds()
        self.text = ""


def _start(tree: etree._Element) -> _Draft:
    draft = _Draft(tree)
    prepare(tree, draft.holds)
    return draft


def _write(draft: _Draft) -> _Draft:
    assert draft.tree is not None
    draft.text = run_html2text(draft.tree)
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
        draft.text = fill_holds(draft.text, draft.holds, kinds)
        return draft

    return step


def _finish(draft: _Draft) -> str:
    return draft.text.strip("\n") + "\n" if draft.text.strip() else ""


# --- before html2text -----------------------------------------------------------------------------------


# --- after html2text ------------------------------------------------------------------------------------


MARKDOWN_STEPS: tuple[Step, ...] = (
    _start,
    _write,
    _on_text(restore_spaces),
    _on_text(indent_list_continuations),
    _filling("table"),
    _filling("span"),
    _on_text(resolve_breaks),
    _on_text(resolve_escapes),
    _on_text(resolve_emphasis),
    _on_text(tidy),
    _on_text(escape_bare_markers),
    _filling("code"),
    _finish,
)
"""A clean tree (converted in place) to CommonMark, one step after another (see :mod:`converters.steps`)."""
