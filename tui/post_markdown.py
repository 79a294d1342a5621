"""Rich's Markdown renderer, with images kept where they stand.

Rich draws an image as a block of its own, out of the paragraph, quote, list item, heading or table cell
it stands in: a quoted image showed as its name above a lone ``▌``, and ``before ![a](u) after`` as
``🌆 a`` above ``before  after``. Here the text blocks take an image into their own text instead, through
``on_child_close``, the hook Rich gives an element for its children.
"""

from __future__ import annotations

from rich.markdown import (
    Heading,
    ImageItem,
    Markdown,
    MarkdownContext,
    MarkdownElement,
    Paragraph,
    TableDataElement,
)
from rich.style import Style
from rich.text import Text


def _image_text(image: ImageItem) -> Text:
    """🌆 and the alt text (or the file name), linked to the image as Rich links it (not a ``data:`` image,
    a link of up to megabytes), and marked with the image's address for the article to draw it there."""
    destination = image.destination
    title = image.text or Text(
        "image" if destination.startswith("data:") else destination.strip("/").rsplit("/", 1)[-1]
    )
    target = image.link or destination
    if image.hyperlinks and target and not target.startswith("data:"):
        title.stylize(Style(link=target))
    if destination:
        title.stylize(Style(meta={"image": destination}))
    return Text.assemble("🌆 ", title)


class _KeepsImages:
    """A text block that takes an image into its own text (mixed in before Rich's element class)."""

    def _image_target(self) -> Text:
        return self.text  # type: ignore[attr-defined]

    def on_child_close(self, context: MarkdownContext, child: MarkdownElement) -> bool:
        if isinstance(child, ImageItem):
            self._image_target().append_text(_image_text(child))
            return False
        return super().on_child_close(context, child)  # type: ignore[misc]


class _Paragraph(_KeepsImages, Paragraph):
    pass


class _Heading(_KeepsImages, Heading):
    pass


class _Cell(_KeepsImages, TableDataElement):
    def _image_target(self) -> Text:
        return self.content


class PostMarkdown(Markdown):
    """Markdown as the article pane shows it."""

    elements = {
        **Markdown.elements,
        "paragraph_open": _Paragraph,
        "heading_open": _Heading,
        "td_open": _Cell,
        "th_open": _Cell,
    }
