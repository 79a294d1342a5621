"""Markdown bodies: passed through, with Hexo tag plugins resolved and HTML blocks cleaned."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from converters.document import RenderOptions, convert_html_blocks
from converters.hexo import resolve_tags, split_fences


def test_codeblock_becomes_a_fence() -> None:
    md, warnings = resolve_tags(
        "{% codeblock backup.php lang:php %}\n<?php echo 1;\n{% endcodeblock %}\n", "p.md"
    )
    assert md == "```php\n<?php echo 1;\n```\n" and warnings == []


def test_asset_img_points_into_the_post_asset_folder() -> None:
    md, _ = resolve_tags(
        "{% asset_img 1.png %}\n{% asset_img js-2.PNG 添加`api` %}\n", "source/_posts/my-post.md"
    )
    assert md == "![](my-post/1.png)\n![添加`api`](my-post/js-2.PNG)\n"


def test_blockquote_with_attribution() -> None:
    md, _ = resolve_tags("{% blockquote Someone, Somewhere %}\nQuote line.\n{% endblockquote %}\n", "q.md")
    assert md == "> Quote line.\n>\n> — Someone, Somewhere\n"


def test_raw_tags_disappear_even_in_fences() -> None:
    md, _ = resolve_tags("```cpp\n{% raw %}a{{b}}{% endraw %}\n```\n", "r.md")
    assert md == "```cpp\na{{b}}\n```\n"


def test_unknown_tags_are_kept_with_a_warning() -> None:
    md, warnings = resolve_tags(
        "See {% include footer.html %} and {{% notice warning %}}x{{% /notice %}}\n", "u.md"
    )
    assert "{% include footer.html %}" in md and "{{% notice warning %}}" in md
    assert len(warnings) == 3


def test_tags_inside_code_fences_are_left_alone() -> None:
    text = "```\n{% asset_img x.png %}\n```\n"
    assert resolve_tags(text, "c.md")[0] == text
    assert [c for c, code in split_fences(text + "after\n") if code] == [text]


def test_markdown_passes_through_but_html_blocks_are_cleaned() -> None:
    md = '# Title\n\nSome *text* with <br/> inline.\n\n<div class="x" style="color:red">\n<p>块 <strong>粗</strong></p>\n</div>\n\nEnd.\n'
    out = convert_html_blocks(md, RenderOptions())
    assert out.startswith("# Title\n\nSome *text* with <br/> inline.\n\n")
    assert "块 **粗**" in out and "<div" not in out and out.endswith("End.\n")
    assert convert_html_blocks("<!-- more -->\ntext\n", RenderOptions()) == "<!-- more -->\ntext\n"


def test_a_markdown_body_is_parsed_once_for_its_html_and_its_markdown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lxml import etree

    from converters import document
    from converters.html import clean
    from converters.reading import read_bytes

    post = read_bytes(
        "---\ntitle: t\n---\n\n# 标题\n\n正文 *强调*\n\n<div class='x'><p>块 <b>粗</b></p></div>\n".encode(),
        "p.md",
    )
    md = document._markdown_renderer()
    whole_html = md.render(post.body)
    parses = []
    parse = type(md).parse
    monkeypatch.setattr(type(md), "parse", lambda self, *a, **k: parses.append(1) or parse(self, *a, **k))
    rendered = document.Rendered(post)
    root, markdown = rendered.clean.root, rendered.markdown  # (a JSON record's order)
    assert len(parses) == 1
    parses.clear()
    assert document.Rendered(post).markdown == markdown and len(parses) == 1  # (blocks only)
    assert (
        markdown
        == convert_html_blocks(post.body, RenderOptions())
        == "\n# 标题\n\n正文 *强调*\n\n块 **粗**\n"
    )
    assert etree.tostring(root, encoding="unicode") == etree.tostring(
        clean(whole_html).root, encoding="unicode"
    )


_MARKDOWN_PIECES = ["# h\n", "text *em* <span>x</span>\n", "\n", "<div>\n", "</div>\n", "- item\n", "  <p>in</p>\n",
                    "> quote <b>x</b>\n", "```\n", "<pre>\n", "</pre>\n", "<!-- more -->\n", "| a | b |\n",
                    "|---|---|\n", "[^1]: note <i>x</i>\n", "    code <div>\n", "<table><tr><td>c</td></tr></table>\n",
                    "`<div>`\n", "1. one\n", "<br>\n"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_MARKDOWN_PIECES), max_size=25).map("".join))
def test_the_block_parser_finds_the_html_blocks_the_whole_parser_finds(markdown: str) -> None:
    from converters.document import _block_parser, _markdown_renderer

    def html_blocks(tokens: list) -> list:
        return [(t.map, t.content) for t in tokens if t.type == "html_block" and t.level == 0]

    assert html_blocks(_block_parser().parse(markdown)) == html_blocks(_markdown_renderer().parse(markdown))
    assert convert_html_blocks(markdown, RenderOptions()) == convert_html_blocks(
        markdown, RenderOptions(), _markdown_renderer().parse(markdown)
    )


def test_sample_and_fixture_markdown_converts_the_same_with_either_parser() -> None:
    from converters.document import _markdown_renderer
    from converters.reading import read_post

    root = Path(__file__).parent
    paths = [*root.glob("fixtures/**/*.md"), *(root.parent / "converters" / "samples").glob("**/*.md")]
    bodies = [read_post(p).body for p in paths]
    assert sum("<" in b for b in bodies) >= 3
    for body in bodies:
        whole = convert_html_blocks(body, RenderOptions(), _markdown_renderer().parse(body))
        assert convert_html_blocks(body, RenderOptions()) == whole


def test_a_kept_tag_is_reported_at_its_line_in_the_file() -> None:
    """`path:line: warning:` as the README promises, the line counted in the file (#17 item 6)."""
    from converters.document import Rendered
    from converters.reading import read_text

    text = "---\ntitle: t\n---\nline one\n\n{% include footer.html %}\n\n```\n{% not_this %}\n```\n{{< youtube abc >}}\n"
    problems = [str(p) for p in Rendered(read_text(text, "a.md")).problems]
    assert problems == [
        "a.md:6: warning: template tag kept as text: {% include footer.html %}",
        "a.md:11: warning: template tag kept as text: {{< youtube abc >}}",
    ]
