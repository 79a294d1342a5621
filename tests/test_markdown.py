"""Scraped HTML → clean tree → CommonMark: every rule, checked against a real CommonMark parser."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from converters.document import plain_text
from converters.html import clean
from converters.markdown import html_to_markdown
from converters.markdown_marks import OPENERS
from converters.markdown_prepare import code_fence, code_span
from converters.urls import unwrap_url

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "html").glob("*.html"))
CM = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def convert(html: str) -> str:
    return html_to_markdown(clean(html).root)


def rendered_text(markdown: str) -> str:
    return re.sub(r"<[^>]+>", "", CM.render(markdown))


@pytest.mark.parametrize("source", FIXTURES, ids=lambda p: p.stem)
def test_fixture_converts_to_its_expected_markdown(source: Path) -> None:
    expected = source.with_suffix(".md").read_text(encoding="utf-8")
    assert convert(source.read_text(encoding="utf-8")) == expected


@pytest.mark.parametrize("source", FIXTURES, ids=lambda p: p.stem)
def test_fixture_markdown_never_shows_literal_emphasis(source: Path) -> None:
    """Markers visible after rendering are only those the source text itself shows."""
    import lxml.html

    markdown = source.with_suffix(".md").read_text(encoding="utf-8")
    shown = html_lib.unescape(rendered_text(markdown))
    source_text = lxml.html.fromstring(source.read_text(encoding="utf-8")).text_content()
    for marker in ("**", "~~", "<strong>", "<em>"):
        assert shown.count(marker) <= source_text.count(marker), marker


def test_emphasis_is_markdown_where_commonmark_renders_it_and_html_only_where_not() -> None:
    md = convert("<p>这是<strong>加粗</strong>的，他说<strong>“重要。”</strong>然后走了。</p>")
    assert "这是**加粗**的" in md
    assert "<strong>“重要。”</strong>然后" in md
    rendered = CM.render(md)
    assert rendered.count("<strong>") == 2
    # every HTML fallback is needed: the same span as ** would not render
    for m in re.finditer(r"<strong>(.+?)</strong>", md):
        line = md[: m.start()] + "**" + m.group(1) + "**" + md[m.end() :]
        assert "<strong>" not in CM.render(line).split("这是")[1].split("</strong>", 1)[1]


def test_no_spaces_are_added_next_to_cjk() -> None:
    assert convert("<p>前<strong>中</strong>后</p>") == "前**中**后\n"
    assert convert("<p>前<em>中</em>后</p>") == "前*中*后\n"


def test_text_that_looks_like_markdown_is_escaped_and_nothing_else() -> None:
    md = convert("<p># 不是标题</p><p>1. 不是列表</p><p>&lt;tag&gt; a_b 5*3 [x]</p><p>C# and a # b</p>")
    assert md == "\\# 不是标题\n\n1\\. 不是列表\n\n\\<tag> a_b 5\\*3 \\[x\\]\n\nC# and a # b\n"
    assert "<h1>" not in CM.render(md) and "<ol" not in CM.render(md)


def test_ideographic_space_and_nbsp_are_kept() -> None:
    md = convert("<p>\u3000\u3000首行缩进，不间断\u00a0空格</p>")
    assert md.startswith("\u3000\u3000首行缩进") and "\u00a0" in md


def test_code_blocks_keep_language_and_get_a_long_enough_fence() -> None:
    md = convert('<pre><code class="hljs language-js"><span>const</span> a = "```";</code></pre>')
    assert md == '````js\nconst a = "```";\n````\n'
    assert code_fence("x", "brush: bad") == "```\nx\n```"
    assert code_span("a`b") == "``a`b``" and code_span("`x`") == "`` `x` ``"


@pytest.mark.parametrize(
    ("cls", "lang"),
    [
        ("language-python", "python"),
        ("lang-go", "go"),
        ("hljs rust", "rust"),
        ("brush: php;", "php"),
        ("prettyprint", None),
    ],
)
def test_code_language_from_highlighter_classes(cls: str, lang: str | None) -> None:
    md = convert(f'<pre class="{cls}">x = 1</pre>')
    assert md.startswith(f"```{lang or ''}\n")


def test_tables_have_rectangular_rows_and_escaped_pipes() -> None:
    md = convert(
        "<table><tr><th>a</th><th>b</th></tr><tr><td>1|2</td></tr><tr><td>x<br>y</td><td>z</td></tr></table>"
    )
    assert md == "| a | b |\n|---|---|\n| 1\\|2 |  |\n| x<br>y | z |\n"
    assert CM.render(md).count("<tr>") == 3


def test_one_cell_layout_table_is_unwrapped() -> None:
    assert convert("<table><tr><td><p>只是排版</p></td></tr></table>") == "只是排版\n"


def test_br_runs_are_one_break_and_no_hard_breaks_remain() -> None:
    md = convert("<div>一<br><br><br>二<br>三</div>")
    assert md == "一\n\n二\n\n三\n"
    assert "  \n" not in md and "\\\n" not in md


def test_images_use_the_lazy_source_and_unwrapped_proxies() -> None:
    md = convert('<p><img data-original="//img.example.cn/a.jpg" src="data:image/gif;base64,AA"></p>'
                 '<p><img src="https://cors.zfour.workers.dev/?http://x.example.cn/b.png"></p>')  # fmt: skip
    assert md == "![](https://img.example.cn/a.jpg)\n\n![](http://x.example.cn/b.png)\n"


def test_keep_proxies_keeps_them() -> None:
    html = '<p><img src="https://cors.zfour.workers.dev/?http://x.example.cn/b.png"></p>'
    assert "cors.zfour.workers.dev" in html_to_markdown(clean(html, keep_proxies=True).root)


@pytest.mark.parametrize(
    ("url", "real"),
    [
        ("https://link.juejin.cn/?target=https%3A%2F%2Fa.example%2Fx", "https://a.example/x"),
        ("https://www.oschina.net/action/GoToLink?url=https%3A%2F%2Fb.example%2F", "https://b.example/"),
        ("https://link.zhihu.com/?target=http%3A//c.example/p", "http://c.example/p"),
        ("https://cors.zfour.workers.dev/?http://d.example/i.jpg", "http://d.example/i.jpg"),
        ("//e.example/x.png", "https://e.example/x.png"),
        (
            "https://f.example/search?q=https://not.a.wrapper",
            "https://f.example/search?q=https://not.a.wrapper",
        ),
    ],
)
def test_unwrap_url(url: str, real: str) -> None:
    assert unwrap_url(url) == real


def test_sub_and_sup_survive_as_inline_html() -> None:
    assert convert("<p>H<sub>2</sub>O x<sup>2</sup></p>") == "H<sub>2</sub>O x<sup>2</sup>\n"


@pytest.mark.parametrize(
    "html",
    [
        "<p>unclosed <b>bold <i>italic",
        "a < b and <<< stray",
        "<div>" * 10_000 + "deep" + "</div>" * 10_000,
        "&bogus; &#xZZZ; &#99999999; &amp",
        "control \x00\x07\x1b[31m chars",
        "lone \ud800 surrogate",
        "<table><tr><td>" * 50 + "x",
        "<pre><code>" + "<span>" * 3000 + "x",
    ],
)
def test_bad_input_gives_output_not_exceptions(html: str) -> None:
    md = convert(html)
    assert isinstance(md, str)
    assert "\x1b" not in md and "\x00" not in md and "\ud800" not in md


def test_deep_nesting_keeps_the_text() -> None:
    assert "deep" in convert("<div>" * 10_000 + "deep" + "</div>" * 10_000)


def test_large_body_converts() -> None:
    body = "<p>" + "长文本，" * 200 + "</p>\n"
    md = convert(body * 400)  # ~2.5 MB of HTML
    assert md.count("长文本") == 200 * 400


_PIECES = [*"<>/&;#*_`[]()!\\-+.=|~ \n\tabp123中文“”。，", "<p>", "</p>", "<b>", "</b>", "<br>", "<li>", "<pre>",
           "<code>", "<table><tr><td>", "<em>", "</em>", "<a href='x'>", "</a>", "<img src=y>"]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=60).map("".join))
def test_random_html_never_raises(html: str) -> None:
    assert isinstance(convert(html), str)


_MORE_PIECES = [*_PIECES, "<!-- note -->", "<hr>", "<input disabled>", "<wbr>", "<ol start=3><li>", "<h3>", "</h3>",
                "<blockquote>", "&amp;", "&lt;", "&nbsp;", "\u3000", "<span class=x>", "</span>", "<del>", "<sup>",
                "<div>", "</div>", "<p>", "</p>", "<th>", "</tr><tr>", "</a>", "</li>", "<ul>", "</td>",
                "<img src='https://e.com/a b.png' alt='*x*'>", "<img>"]  # fmt: skip


def _fed_from_the_tree_and_from_html(html: str) -> tuple[str, str]:
    import copy

    from converters.html import clean
    from converters.markdown_html2text import run_html2text, run_html2text_on_html
    from converters.markdown_marks import Holds
    from converters.markdown_prepare import prepare

    tree = copy.deepcopy(clean(html).root)
    prepare(tree, Holds())
    return run_html2text(copy.deepcopy(tree)), run_html2text_on_html(copy.deepcopy(tree))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_MORE_PIECES), max_size=60).map("".join))
def test_html2text_fed_from_the_tree_reads_as_it_reads_the_serialized_tree(html: str) -> None:
    fed, read = _fed_from_the_tree_and_from_html(html)
    assert fed == read


@pytest.mark.parametrize(
    "html",
    [
        # A list, a paragraph or an image, text after it, then a list: html2text puts a blank line before
        # the second list only when it knows the tag in between was not a list.
        "<div><ul><li>a</li></ul><p>x</p>tail<ul><li>b</li></ul></div>",
        "<div><ul><li>a</li></ul><div>x</div>tail<ol><li>b</li></ol></div>",
        "<div><ul><li>a</li></ul><img src='https://example.com/i.png'>tail<ul><li>b</li></ul></div>",
        # images: alone, with alt text holding Markdown, inside a link, without a source
        "<p>x <img src='https://example.com/a b.png' alt='a *b* [c]'> y</p>",
        "<p><a href='https://example.com/'><img src='https://example.com/i.png' alt='i'></a></p>",
        "<p><a href='https://example.com/i.png'><img src='https://example.com/i.png'></a> z</p>",
        "<blockquote><p>q</p><img src='https://example.com/i.png'> r</blockquote>",
        "<ul><li>  lead <b>b</b> <img src='https://example.com/i.png'>  trail  </li></ul>",
    ],
)
def test_html2text_fast_paths_read_as_html2text_does(html: str) -> None:
    fed, read = _fed_from_the_tree_and_from_html(html)
    assert fed == read


_plain = st.text(
    alphabet=st.characters(
        whitelist_categories=("L", "N", "P", "S", "Zs"), blacklist_characters="\u3000\u00a0"
    ),
    min_size=1,
    max_size=80,
)


_CONTEXTS = [
    "<p>{}</p>", "<ul><li>{}</li></ul>", "<blockquote>{}</blockquote>", "<h2>{}</h2>", "<p>x<br>{}</p>",
    "<div><b>a</b>{}</div>", "<table><tr><td>h</td><td>i</td></tr><tr><td>{}</td><td>z</td></tr></table>",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(_plain, st.sampled_from(_CONTEXTS))
def test_plain_text_survives_the_round_trip(text: str, context: str) -> None:
    """Any text, however Markdown-like, in a paragraph, list, quote, heading, after a break or bold, or in
    a table cell, comes back character for character after CommonMark rendering."""
    html = context.format(html_lib.escape(text))
    md = convert(html)
    shown = html_lib.unescape(re.sub(r"<[^>]+>", "", CM.render(md)))
    expected = html_lib.unescape(re.sub(r"<[^>]+>", "", html))
    assert "".join(shown.split()) == "".join(expected.split())


@pytest.mark.parametrize("text", ["&#0;", "&#65;", "x &#x41; y", "&amp;", "a&copy;b", "&#1234567;", "& #65;"])
def test_text_that_reads_as_a_character_reference_stays_text(text: str) -> None:
    """CommonMark reads ``&#65;`` as "A": written as text, it must come back as the five characters."""
    md = convert(f"<p>{html_lib.escape(text)}</p>")
    assert html_lib.unescape(re.sub(r"<[^>]+>", "", CM.render(md))).strip() == text


def test_an_html_page_pasted_unescaped_into_code_stays_code() -> None:
    """Scrapers paste sample pages into <pre> without escaping them; a reader wants the listing, tags and all."""
    html = (
        '<pre><code class="copyable"><!DOCTYPE html>\n<html>\n<head>\n<script>\nfunction f(){ return 1 }\n'
        '</script>\n</head>\n<body>\n<button onclick="f()">定位<button>\n<div id="box">\n  <div>找到了</div>\n'
        "</div>\n</body>\n</html></code></pre>"
    )
    md = convert(html)
    assert md.startswith(
        "```\n<!DOCTYPE html>\n<html>\n<head>\n<script>\nfunction f(){ return 1 }\n</script>"
    )
    assert (
        '<button onclick="f()">定位<button>' in md
        and "  <div>找到了</div>" in md
        and md.endswith("</html>\n```\n")
    )


def test_text_after_a_stray_end_of_page_is_kept() -> None:
    """libxml2 drops what follows ``</html>``; in a scraped body those end tags end nothing."""
    md = convert("<p>第一段</p></body></html>\n<p>第二段</p> 尾巴")
    assert md == "第一段\n\n第二段\n\n尾巴\n"
    assert convert("<p>一</p></BODY> 中 </Html >二") == "一\n\n中 二\n"


def test_the_parsed_root_is_a_bare_div_of_its_own() -> None:
    """The writers take the root as the whole post: no parent, none of the page's <body> attributes."""
    from converters.html import parse

    root = parse(
        '<html><head><title>t</title></head><body class="page" onload="x()">前<p>文</p></body></html>'
    )
    assert root.getparent() is None and root.tag == "div" and not root.attrib
    assert root.text == "前" and [el.tag for el in root] == ["p"] and root.tail is None
    assert parse("<title>only a head</title>").getparent() is None


_ATTRIBUTE_PIECES = ["<div class=a>", "<div>", "</div>", "<p id=x>", "<p>", "</p>", "<span style='x'>", "</span>",
                     "<input type=hidden>", "<b hidden>", "</b>", "<img src=y alt=z>", "<!-- c -->", "t"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_ATTRIBUTE_PIECES), max_size=30).map("".join))
def test_the_python_walks_select_what_the_xpaths_select(html: str) -> None:
    from converters.html import _maybe_hidden, _with_attributes, parse

    root = parse(html)
    assert _maybe_hidden(root) == root.xpath(".//*[@hidden or @type or @class or @id]")
    assert _with_attributes(root) == root.xpath(".//*[@*]")


# The line passes after html2text visit only the lines that can change; each must equal its plain regex form.
_LINE_PIECES = [*" \t\n\n\n.)-+>1234567890a中", "1.", "2)", " - ", "> ", "\ufddd", "\ufdde", "   \n", "\t\n"]


def _tidy_reference(md: str) -> str:
    from converters import markdown_repair as m

    md = re.sub(r"[ \t]+$", "", md, flags=re.M)
    md = re.sub(r"\n{3,}", "\n\n", md)
    return m._STRAY_MARKS.sub("", md)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_LINE_PIECES), max_size=50).map("".join))
def test_line_passes_equal_their_whole_text_regexes(md: str) -> None:
    from converters import markdown_repair as m

    assert m.tidy(md) == _tidy_reference(md)
    whole = m._BARE_MARKER.sub(
        lambda mm: (
            mm.group(1) + "\\" + mm.group(4)
            if mm.group(4)
            else mm.group(1) + (mm.group(2) or mm.group(5)) + "\\" + (mm.group(3) or mm.group(6))
        ),
        md,
    )
    assert m.escape_bare_markers(md) == whole


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*_LINE_PIECES, "\ufddf", "\ufde0", "\ufde1", "\ufde2", "\ufde3", "\ufde6"]),
                max_size=40).map("".join))  # fmt: skip
def test_emphasis_markers_are_found_as_a_regex_finds_them(line: str) -> None:
    from converters import markdown_repair as m

    pattern = re.compile(f"[{m._PAIR_CHARS}]")
    assert m._pair_marks(line) == pattern.findall(line)
    assert m._positions(line, m._PAIR_CHARS) == [x.start() for x in pattern.finditer(line)]
    touching = re.compile("|".join(f"{c}{o}|{o}{c}|{o} " for o, c in OPENERS.items()))
    found = m._positions(line, m._PAIR_CHARS)
    assert any(line[i : i + 2] in m._TOUCHING for i in found) == bool(touching.search(line))


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.sampled_from([*" \t\n\r\f\v\x1c\x85\xa0\u2003\u3000\u200b\ufeffab中"]), max_size=30)
)
def test_whitespace_is_squeezed_as_html2texts_regex_squeezes_it(text: str) -> None:
    from converters.markdown_html2text import squeeze_whitespace

    assert squeeze_whitespace(text) == re.sub(r"\s+", " ", text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from([*" \t\n\r\u3000\xa0a。中文あ，"]), max_size=30))
def test_cjk_line_breaks_are_looked_for_as_the_pattern_finds_them(text: str) -> None:
    from converters.html import _CJK_BREAK, _may_break_cjk

    assert _may_break_cjk(text) == bool(_CJK_BREAK.search(text))


def test_a_line_break_between_cjk_characters_is_joined_in_every_text_node() -> None:
    from lxml import etree

    from converters.html import clean

    root = clean("<p>第一行\n  第二行 <b>粗\n体</b> 中\n文<br>Latin\nline 中\n</p>").root
    assert etree.tostring(root, encoding="unicode") == (
        "<div><p>第一行第二行 <b>粗体</b> 中文<br/>Latin\nline 中\n</p></div>"
    )


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", " ", "中", "。", "“", "*", "\ufddd", "\ufdde", "\ufddf", "\ufde0"]), max_size=12
    ).map("".join)
)
def test_a_line_with_one_pair_of_markers_is_written_as_any_line_is(line: str) -> None:
    from converters import markdown_repair as m

    found = m._positions(line, m._PAIR_CHARS)
    assert m._emphasis_line(line, found) == m._emphasis_pairs(line, list(found))


@pytest.mark.parametrize(
    "html",
    [
        '<ul><li><p>One.</p><a href="https://e.com/x">Fork</a></li><li><p>Two.</p><a href="https://e.com/y">Y</a></li></ul>',
        "<div><ul><li><p>One.</p>tail text</li><li><p>Two.</p><strong>bold tail</strong></li></ul></div>",
        "<ul><li><div><h3>One</h3><p>About.</p><a href='https://e.com/x'>Fork</a> more</div></li><li>Two</li></ul>",
        "<ol><li><div>in a div</div>tail</li><li>b</li></ol>",
    ],
)
def test_what_follows_a_block_in_a_list_item_stays_in_the_item(html: str) -> None:
    """Text and links after a paragraph within a list item (a project list: a heading, a paragraph, a
    link) stay in the item: the list is one list, read in its order."""
    markdown = convert(html)
    tree = CM.parse(markdown)
    lists = [t for t in tree if t.type in ("bullet_list_open", "ordered_list_open")]
    assert len(lists) == 1, markdown
    assert all(t.level > 0 for t in tree if t.type == "paragraph_open"), markdown  # (all within the list)
    assert rendered_text(markdown).split() == plain_text(clean(html).root).split()
