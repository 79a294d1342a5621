"""The private parts of our dependencies we lean on (issue 16). html2text has no public hooks for what
converters/markdown.py tunes, and Rich none for CJK line breaking (tui/wrap.py): both are pinned to the
releases tested here, and these tests say plainly what broke when a release changes them."""

from __future__ import annotations

from importlib.metadata import version

import html2text
import pytest
import rich._wrap

from tui import wrap

HTML2TEXT_PRIVATE = [
    "space",
    "p_p",
    "start",
    "outtextf",
    "outcount",
    "maybe_automatic_link",
    "lastWasList",
    "current_tag",
    "br_toggle",
    "blockquote",
    "split_next_td",
    "stressed",
    "preceding_stressed",
    "preceding_data",
    "pre",
    "p",
    "out",
    "quiet",
    "abbr_data",
    "handle_data",
    "o",
    "handle_tag",
    "tag_callback",
    "google_doc",
    "images_to_alt",
    "ignore_images",
    "default_image_alt",
    "inline_links",
    "images_with_size",
]


def _release(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version(name).split(".")[:2] if part.isdigit())


def test_html2text_is_a_tested_release() -> None:
    assert (2024, 2) <= _release("html2text") < (2026, 0), (
        f"html2text {version('html2text')} is outside the tested range (>=2024.2.26,<2026): "
        "converters/markdown.py reads its private attributes; run the suite against it and widen the pin"
    )


def test_html2text_still_has_what_markdown_py_reads() -> None:
    converter = html2text.HTML2Text()
    missing = [name for name in HTML2TEXT_PRIVATE if not hasattr(converter, name)]
    assert not missing, f"html2text {version('html2text')} lacks {missing}: converters/markdown.py needs them"
    from html2text.utils import escape_md

    assert callable(escape_md)


def test_rich_is_a_tested_release_with_the_wrap_hook() -> None:
    assert (13, 0) <= _release("rich") < (16, 0), (
        f"rich {version('rich')} is outside the tested range (>=13,<16): tui/wrap.py replaces its word splitter"
    )
    assert callable(rich._wrap.words) and callable(rich._wrap.divide_line), (
        "rich._wrap changed: see tui/wrap.py"
    )
    assert wrap.install()


@pytest.mark.parametrize("name", ["html2text", "rich"])
def test_the_pins_in_pyproject_match(name: str) -> None:
    from pathlib import Path

    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    pins = [d for d in project["project"]["dependencies"] if d.startswith(name)]
    assert pins and "<" in pins[0], f"{name} needs an upper bound in pyproject.toml: we use its private API"
