"""Markdown bodies: passed through, with template tags (Hexo, Jekyll, Hugo) resolved and HTML blocks cleaned."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from converters.document import RenderOptions, convert_html_blocks
from converters.template_tags import resolve_tags, split_fences


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


def test_unknown_tags_are_kept_with_one_warning_per_name() -> None:
    md, warnings = resolve_tags(
        "See {% include footer.html %} and {% include nav.html %}\n\n{{< chart data=1 >}}\n{{< chart >}}\n",
        "u.md",
    )
    assert "{% include footer.html %}" in md and "{% include nav.html %}" in md and "{{< chart >}}" in md
    assert warnings == [
        ("template tag kept as text: {% include %}", 1),
        ("shortcode kept as text: {{< chart >}}", 3),
    ]


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

    text = "---\ntitle: t\n---\nline one\n\n{% include footer.html %}\n\n```\n{% not_this %}\n```\n{{< chart abc >}}\n"
    problems = [str(p) for p in Rendered(read_text(text, "a.md")).problems]
    assert problems == [
        "a.md:6: warning: template tag kept as text: {% include %}",
        "a.md:11: warning: shortcode kept as text: {{< chart >}}",
    ]


# --- the tags real sites use (#17 item 6) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Hexo's image tag: a title and an alt each quoted in the rest, else the rest is the title
        ('{% asset_img grid.png \'"网格" "示意图"\' %}', '![示意图](p/grid.png "网格")'),
        ("{% asset_img grid.png 400 300 网格 示意 %}", "![网格 示意](p/grid.png)"),
        ("{% asset_link data.csv 数据 %}", "[数据](p/data.csv)"),
        ('<img src="{% asset_path chart.png %}">', '<img src="p/chart.png">'),
        ("{% label primary@重要 %}", "*重要*"),
        ("{% button https://example.org/, 下载 %}", "[下载](https://example.org/)"),
        ("{% gist abc123 %}", "[Gist abc123](https://gist.github.com/abc123)"),
        ("{% youtube dQw4 %}", "[YouTube video](https://www.youtube.com/watch?v=dQw4)"),
        ('{{< youtube id="xyz" title="A talk" >}}', "[A talk](https://www.youtube.com/watch?v=xyz)"),
        ("{{< vimeo 146022717 >}}", "[Vimeo video](https://vimeo.com/146022717)"),
        ("{{< gist spf13 7896402 >}}", "[Gist spf13/7896402](https://gist.github.com/spf13/7896402)"),
        ('{{< tweet user="someone" id="123" >}}', "[Post by @someone](https://x.com/someone/status/123)"),
        (
            '{{< figure src="/img/a.jpg" title="Fjord" caption="At dawn" >}}',
            "![Fjord](/img/a.jpg)\n\n*At dawn*",
        ),
        ("Write `{% foo %}` or ``{{< bar >}}`` as code.", "Write `{% foo %}` or ``{{< bar >}}`` as code."),
        ("{{</* figure src=x */>}}", "{{< figure src=x >}}"),
    ],
)
def test_an_inline_tag_becomes_what_it_stands_for(source: str, expected: str) -> None:
    md, warnings = resolve_tags(source + "\n", "source/_posts/p.md")
    assert md == expected + "\n" and warnings == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{% highlight ruby linenos %}\nputs 1\n{% endhighlight %}\n", "```ruby\nputs 1\n```\n"),
        (
            '{{< highlight go "linenos=table" >}}\nfmt.Println(1)\n{{< /highlight >}}\n',
            "```go\nfmt.Println(1)\n```\n",
        ),
        ("{% mermaid %}\ngraph TD; A-->B\n{% endmermaid %}\n", "```mermaid\ngraph TD; A-->B\n```\n"),
        ("{% plantuml %}\nA -> B\n{% endplantuml %}\n", "```plantuml\nA -> B\n```\n"),
        ("{% note warning 注意 %}\n先备份。\n{% endnote %}\n", "> **注意**\n>\n> 先备份。\n\n"),
        ("{% note info %}\n一行\n{% endnote %}\n", "> 一行\n\n"),
        ("{{% notice tip %}}\nUse it.\n{{% /notice %}}\n", "> Use it.\n\n"),
        (
            "{% tabs demo %}\n<!-- tab 第一 -->\n甲\n<!-- endtab -->\n<!-- tab 第二 -->\n乙\n<!-- endtab -->\n{% endtabs %}\n",
            "**第一**\n\n甲\n\n**第二**\n\n乙\n",
        ),
    ],
)
def test_a_block_tag_becomes_what_it_stands_for(source: str, expected: str) -> None:
    md, warnings = resolve_tags(source, "p.md")
    assert md == expected and warnings == []


SITES = Path(__file__).parent / "fixtures" / "sites"


def test_links_between_posts_resolve_to_the_target_file_titled_as_it_is(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(SITES, tmp_path / "sites")
    hexo = tmp_path / "sites" / "hexo" / "source" / "_posts"
    post = str(hexo / "undated-name.md")
    md, warnings = resolve_tags(
        "See {% post_link spring-notes %} and {% post_link undated-name Itself %}.\n", post
    )
    assert md == "See [春天的笔记](2023-05-01-spring-notes.md) and [Itself](undated-name.md).\n"
    assert warnings == []
    jekyll = tmp_path / "sites" / "jekyll"
    post = str(jekyll / "blog" / "_posts" / "2020-02-02-folder-category.md")
    md, _ = resolve_tags("[Earlier]({% post_url 2015-07-25-space-separated %})\n", post)
    assert md == "[Earlier](../../_posts/2015-07-25-space-separated.markdown)\n"
    hugo = tmp_path / "sites" / "hugo" / "content" / "posts"
    md, _ = resolve_tags(
        '[Bundle]({{< ref "/posts/a-bundle" >}}) [Walk]({{< relref "first.md#top" >}})\n',
        str(hugo / "first.md"),
    )
    assert md == "[Bundle](a-bundle/index.md) [Walk](first.md#top)\n"
    # a link to a post that is not there stays as written, and says so
    md, warnings = resolve_tags("{% post_link nowhere %}\n", str(hexo / "undated-name.md"))
    assert md == "{% post_link nowhere %}\n" and warnings == [
        ("template tag kept as text: {% post_link %}", 1)
    ]


def test_a_bare_image_name_in_a_hexo_post_is_its_asset_folders_file() -> None:
    """post_asset_folder: true publishes each post at its asset folder (#17, real sites' 1,336 images)."""
    post = SITES / "hexo" / "source" / "_posts" / "2023-05-01-spring-notes.md"
    md, _ = resolve_tags("![网格](grid.png) and ![missing](nothere.png) and `![code](grid.png)`\n", str(post))
    assert md == (
        "![网格](2023-05-01-spring-notes/grid.png) and ![missing](nothere.png) and `![code](grid.png)`\n"
    )


def test_an_escaped_shortcode_prints_even_in_code_and_a_spaced_closing_tag_is_named() -> None:
    md, warnings = resolve_tags(
        "```go-html-template\n{{</* figure src=x */>}}\n```\n\n{{< / chart >}}\n", "p.md"
    )
    assert md.startswith("```go-html-template\n{{< figure src=x >}}\n```\n")
    assert warnings == [("shortcode kept as text: {{< chart >}}", 5)]


def test_jekyll_folder_categories_count_from_its_source_folder(tmp_path: Path) -> None:
    from converters.library import scan_library

    site = tmp_path / "site"
    (site / "src" / "notes" / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("source: src\n", encoding="utf-8")
    (site / "src" / "notes" / "_posts" / "2020-01-01-a.md").write_text("---\ntitle: A\n---\nText.\n")
    posts = scan_library([str(site)], use_cache=False).posts
    assert [(m.title, m.categories) for m in posts] == [("A", (("notes",),))]


def test_a_known_tag_left_as_text_is_warned_about() -> None:
    """A block around a fenced code block, or a tag written over two lines, is not rendered: it is kept
    as text, and said so, like an unknown tag."""
    around = "正文\n\n{{< admonition note >}}\n```go\nx := 1\n```\n{{< /admonition >}}\n"
    out, warnings = resolve_tags(around, "/site/content/posts/a.md")
    assert "{{< admonition note >}}" in out
    assert [w for w, _ in warnings] == ["shortcode kept as text: {{< admonition >}}"]
    split = "见 ({% link\n_posts/2017-10-19-a.markdown %}) 一文\n"
    out, warnings = resolve_tags(split, "/site/_posts/2017-10-21-b.markdown")
    assert "{% link" in out and [w for w, _ in warnings] == ["template tag kept as text: {% link %}"]
    fine = "{{< youtube abc >}}\n\n看 {{</* youtube x */>}} 的写法\n"
    assert resolve_tags(fine, "/site/content/posts/c.md")[1] == []


def test_tags_in_an_html_body_of_a_site_are_warned_about(tmp_path: Path) -> None:
    from converters.template_tags import tags_in_html

    site = tmp_path / "site"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "hugo.toml").write_text('title = "s"\n', encoding="utf-8")
    post = site / "content" / "posts" / "a.md"
    html = "<p>前</p>\n<div>\n{{< youtube abc >}}\n</div>\n<pre><code>{{< figure src=x >}}</code></pre>\n"
    assert tags_in_html(html, str(post)) == [("shortcode kept as text: {{< youtube >}}", 3)]
    assert tags_in_html(html, str(tmp_path / "loose.md")) == []  # (no site: its braces are its own)


def test_liquid_tags_in_a_hugo_site_are_its_text(tmp_path: Path) -> None:
    """Hugo reads no ``{% %}``: a Hugo post that writes one (about Jekyll, say) keeps it as written, its
    ``{% raw %}`` included, and no warning says it was kept; in a Hexo or Jekyll site it is a tag."""
    hugo = tmp_path / "hugo"
    (hugo / "content" / "posts").mkdir(parents=True)
    (hugo / "hugo.toml").write_text('title = "s"\n', encoding="utf-8")
    jekyll = tmp_path / "jekyll"
    (jekyll / "_posts").mkdir(parents=True)
    (jekyll / "_config.yml").write_text("title: s\n", encoding="utf-8")
    text = "1. {% raw %} {% endraw %}将不需要了。\n\n{% note info %}\n提示\n{% endnote %}\n\n{{< youtube abc >}}\n"
    markdown, warnings = resolve_tags(text, str(hugo / "content" / "posts" / "a.md"))
    assert markdown.startswith(
        "1. {% raw %} {% endraw %}将不需要了。\n\n{% note info %}\n提示\n{% endnote %}"
    )
    assert "youtube.com" in markdown and warnings == []
    markdown, _ = resolve_tags(text, str(jekyll / "_posts" / "2020-01-01-a.md"))
    assert markdown.startswith("1.  将不需要了。\n\n> 提示")
