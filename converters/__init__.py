"""postshelf's UI-free core: read posts, clean their HTML, write Markdown, XHTML, EPUB and JSON.

The small public API; everything else is an implementation detail of the modules below.

    post = read_post("source/_posts/hello.md")          # never raises: problems are in post.problems
    rendered = Rendered(post)                           # cleans once, converts on demand
    rendered.markdown, rendered.text                    # CommonMark, plain text
    fragment_markup(rendered.clean.root)                # EPUB-ready XHTML fragment
    record(rendered, "hello.md")                        # the postshelf.post/1 JSON record
    library = scan_library(["source/_posts"])           # metadata of a folder, cached
"""

from .document import Rendered, RenderOptions
from .html import clean, unwrap_url
from .jsonout import record
from .library import Library, load_cached, scan_library
from .markdown import html_to_markdown
from .post import Meta, Post, Problem
from .reading import read_head, read_post, read_text
from .xhtml import document, fragment_markup

__all__ = [
    "Library",
    "Meta",
    "Post",
    "Problem",
    "RenderOptions",
    "Rendered",
    "clean",
    "document",
    "fragment_markup",
    "html_to_markdown",
    "load_cached",
    "read_head",
    "read_post",
    "read_text",
    "record",
    "scan_library",
    "unwrap_url",
]
