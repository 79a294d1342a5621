"""Many posts → one EPUB 3 book, written with zipfile (EbookLib is AGPL; the container is simple).

Chapters come in the order given (the caller sorts them by date), the navigation document groups them by
category path, and every identifier is derived from the content, so the same posts give the same bytes.
"""

from __future__ import annotations

import hashlib
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .chars import sanitize_text
from .post import Meta, Resource
from .xhtml import document, escape, quoteattr

STYLESHEET = """\
body { font-family: serif; line-height: 1.6; margin: 0 5%; }
header h1 { font-size: 1.5em; margin-bottom: 0.2em; }
header p { margin: 0.2em 0; color: #555; font-size: 0.9em; }
pre { white-space: pre-wrap; font-family: monospace; font-size: 0.85em; background: #f4f4f4; padding: 0.5em; }
code, kbd { font-family: monospace; }
blockquote { margin-left: 1em; padding-left: 1em; border-left: 3px solid #ccc; }
figure.image { margin: 1em 0; text-align: center; }
img { max-width: 100%; height: auto; }
figure.image a::before, span.image::before { content: "\\1F5BC\\FE0F  "; }
table { border-collapse: collapse; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.4em; }
"""
_FIXED_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)
UNCATEGORIZED = "—"


@dataclass
class _Chapter:
    meta: Meta
    href: str


@dataclass
class _NavNode:
    name: str
    children: dict[str, _NavNode] = field(default_factory=dict)
    chapters: list[_Chapter] = field(default_factory=list)


class EpubWriter:
    """Write chapters into an open zip one at a time; :meth:`close` adds the package files."""

    def __init__(self, file: str, title: str, language: str | None = None) -> None:
        self.title = sanitize_text(title)  # (--title comes from a shell: it may hold anything)
        self.language = language
        self.chapters: list[_Chapter] = []
        self.images: dict[str, str] = {}  # name in the book → media type
        self.cover: str | None = None
        self._digest = hashlib.sha256(self.title.encode())
        self._zip = zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("mimetype", date_time=(1980, 1, 1, 0, 0, 0))
        self._zip.writestr(info, "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        self._write("META-INF/container.xml", _CONTAINER)
        self._write("OEBPS/style.css", STYLESHEET)

    def _write(self, name: str, text: str) -> None:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, text.encode("utf-8"))

    def add(self, meta: Meta, body_xml: str, images: Iterable[Resource] = ()) -> None:
        """A chapter, and the image files it refers to (each written into the book once)."""
        for image in images:
            self._add_image(image)
        n = len(self.chapters) + 1
        href = f"chapter-{n:05d}.xhtml"
        doc = document(meta, body_xml, stylesheet="style.css", section_id=f"c{n}")
        self._digest.update(doc.encode("utf-8", "surrogatepass"))
        self._write(f"OEBPS/{href}", doc)
        self.chapters.append(_Chapter(meta, href))

    def _add_image(self, image: Resource) -> bool:
        if image.name in self.images:
            return True
        try:
            with open(image.file, "rb") as f:
                data = f.read()
        except OSError:  # (taken from the store meanwhile: the chapter shows its alt text)
            return False
        info = zipfile.ZipInfo(f"OEBPS/images/{image.name}", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED  # (pictures are compressed already)
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, data)
        self.images[image.name] = image.media_type
        self._digest.update(image.name.encode())
        return True

    def set_cover(self, image: Resource) -> None:
        """The book's cover image (an image also in a chapter is written once)."""
        if self._add_image(image):
            self.cover = image.name

    def close(self) -> None:
        metas = [c.meta for c in self.chapters]
        language = self.language or _most_common([m.language for m in metas]) or "und"
        identifier = "urn:uuid:" + str(uuid.UUID(bytes=self._digest.digest()[:16], version=5))
        dates = [when for m in metas if (when := m.updated or m.date) is not None]
        published = [m.date for m in metas if m.date is not None]
        modified = max(dates).astimezone(timezone.utc) if dates else _FIXED_TIME
        authors = list(dict.fromkeys(a for m in metas for a in m.authors))
        self._write("OEBPS/nav.xhtml", _nav(self.title, language, self.chapters))
        self._write(
            "OEBPS/content.opf",
            _opf(
                self.title,
                language,
                identifier,
                authors,
                max(published) if published else None,
                modified,
                self.chapters,
                self.images,
                self.cover,
            ),
        )
        self._zip.close()

    def abort(self) -> None:
        self._zip.close()


def _most_common(values: Iterable[str]) -> str | None:
    counts = Counter(v for v in values if v and v != "und")
    return counts.most_common(1)[0][0] if counts else None


_CONTAINER = """<?xml version="1.0" encoding="utf-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""


def _opf(
    title: str,
    language: str,
    identifier: str,
    authors: list[str],
    published: datetime | None,
    modified: datetime,
    chapters: list[_Chapter],
    images: dict[str, str],
    cover: str | None,
) -> str:
    creators = "".join(f"\n    <dc:creator>{escape(a)}</dc:creator>" for a in authors[:50])
    date = (
        f"\n    <dc:date>{published.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}</dc:date>"
        if published
        else ""
    )
    items = "".join(
        f'\n    <item id="c{i}" href="{c.href}" media-type="application/xhtml+xml"/>'
        for i, c in enumerate(chapters, 1)
    )
    items += "".join(
        f'\n    <item id="img{i}" href="images/{name}" media-type="{media_type}"'
        + (' properties="cover-image"' if name == cover else "")
        + "/>"
        for i, (name, media_type) in enumerate(images.items(), 1)
    )
    spine = "".join(f'\n    <itemref idref="c{i}"/>' for i in range(1, len(chapters) + 1))
    return f"""<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="book-id" xml:lang={quoteattr(language)}>
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="book-id">{identifier}</dc:identifier>
    <dc:title>{escape(title)}</dc:title>
    <dc:language>{escape(language)}</dc:language>{creators}{date}
    <meta property="dcterms:modified">{modified.strftime("%Y-%m-%dT%H:%M:%SZ")}</meta>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="css" href="style.css" media-type="text/css"/>{items}
  </manifest>
  <spine>{spine}
  </spine>
</package>
"""


def _category_tree(items: list[tuple[Meta, object]]) -> _NavNode:
    root = _NavNode("")
    for meta, value in items:
        path = meta.categories[0] if meta.categories else (UNCATEGORIZED,)
        node = root
        for name in path:
            node = node.children.setdefault(name, _NavNode(name))
        node.chapters.append(value)  # type: ignore[arg-type]
    return root


def reading_order(metas: list[Meta]) -> list[int]:
    """Chapter order for a book: grouped by category path (groups in order of their first post), date
    order within each group. epubcheck requires the table of contents to follow the spine, and the table of
    contents is grouped by category, so the spine must be too."""
    root = _category_tree([(m, i) for i, m in enumerate(metas)])
    order: list[int] = []
    stack = [root]
    while stack:
        node = stack.pop()
        order.extend(node.chapters)  # type: ignore[arg-type]
        stack.extend(reversed(list(node.children.values())))
    return order


def _nav(title: str, language: str, chapters: list[_Chapter]) -> str:
    root = _category_tree([(c.meta, c) for c in chapters])
    body = _nav_list(root) or "<ol><li><span>—</span></li></ol>"
    lang = quoteattr(language)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang={lang} xml:lang={lang}>
<head>
<meta charset="utf-8"/>
<title>{escape(title)}</title>
</head>
<body>
<nav epub:type="toc" id="toc">
<h1>{escape(title)}</h1>
{body}
</nav>
</body>
</html>
"""


def _nav_list(node: _NavNode) -> str:
    """Nested ``<ol>``: category groups (as spans) holding their chapters (category paths are shallow)."""
    items = [f'<li><a href="{c.href}">{escape(c.meta.title) or "—"}</a></li>' for c in node.chapters]
    for name, child in node.children.items():
        inner = _nav_list(child)
        items.append(f"<li><span>{escape(name) or '—'}</span>{inner}</li>" if inner else "")
    items = [i for i in items if i]
    return "<ol>" + "".join(items) + "</ol>" if items else ""
