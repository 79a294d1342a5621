"""postshelf's UI-free core: read posts, clean their HTML, write Markdown, XHTML, EPUB and JSON.

The small public API; everything else is an implementation detail of the modules below.

    post = read_post("source/_posts/hello.md")          # never raises: problems are in post.problems
    rendered = Rendered(post)                           # cleans once, converts on demand
    rendered.markdown, rendered.text                    # CommonMark, plain text
    fragment_markup(rendered.clean.root)                # EPUB-ready XHTML fragment
    record(rendered, "hello.md")                        # the postshelf.post/1 JSON record
    library = scan_library(["source/_posts"])           # metadata of a folder, cached
    settings = settings_for(ConvertOptions(paths=(), to="jsonl"))
    convert_path("a.md", settings).text                 # one post in any format: map it over paths
    convert_posts([(post, "a.md"), ...], settings)      # many, a step for all before the next: ~20 % faster
    run_convert(ConvertOptions(paths=("archive",), to="epub", output="a.epub"))   # what `convert` does
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Rendered": "document", "RenderOptions": "document", "clean": "html", "unwrap_url": "urls",
    "record": "jsonout", "Library": "library", "load_cached": "library", "scan_library": "library",
    "html_to_markdown": "markdown", "Meta": "post", "Post": "post", "Problem": "post",
    "read_head": "reading", "read_post": "reading", "read_text": "reading",
    "fragment_markup": "xhtml",
    "ConvertOptions": "options", "Settings": "pipeline", "Result": "pipeline", "convert_path": "pipeline", "convert_posts": "pipeline", "settings_for": "pipeline",
    "run_convert": "convert",
}  # fmt: skip
# (not xhtml's ``document``: once imported, the submodule converters.document takes that name, and which
# one ``from converters import document`` gave would depend on what was imported before)
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import on first use (PEP 562): ``import converters`` alone loads none of the modules below (a
    scan that never converts a post never pays for lxml and html2text)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'converters' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
