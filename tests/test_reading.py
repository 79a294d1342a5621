"""file → Post: every front-matter form, encoding and Hexo rule, and bad input that never raises."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from converters.metadata import body_kind, excerpt_of
from converters.reading import read_head, read_post

UTC = timezone.utc


def read(fixtures: Path, name: str):  # type: ignore[no-untyped-def]
    return read_post(fixtures / "reading" / name, UTC)


def test_customer_template_with_leading_blank_line(fixtures: Path) -> None:
    post = read(fixtures, "hexo-family.md")
    m = post.meta
    assert m.title == "盘点2021丨海边小城再获评_最具幸福感城市_"
    assert m.categories == (("新媒体", "趣头条", "分类"),)
    assert m.authors == ("趣头条",)
    assert m.date == datetime(2022, 1, 11, 4, 39, 4, tzinfo=UTC)
    assert m.cover == "https://cors.zfour.workers.dev/?http://static.example.cn/img/cover.jpeg"
    assert m.body_kind == "html"
    assert m.language == "zh"
    assert post.front_matter["comments"] is False
    assert post.front_matter_format == "yaml"
    assert not m.problems


def test_hexo_front_matter_without_opening_dashes(fixtures: Path) -> None:
    post = read(fixtures, "no-opening-dashes.md")
    assert post.meta.title == "Windows setup notes"
    assert post.meta.authors == ("Dana Lee",)
    assert post.meta.categories == ()
    assert post.body.strip() == "The body starts here."


def test_toml_front_matter(fixtures: Path) -> None:
    post = read(fixtures, "toml.md")
    assert post.front_matter_format == "toml"
    assert post.meta.title == "环境变量"
    assert post.meta.date == datetime(2024, 11, 2, 15, 1, 54, tzinfo=timezone(timedelta(hours=8)))
    assert post.meta.categories == (("编程", "Shell"),)
    assert post.meta.cover == "img/cover.jpg"  # Hugo's [[images]] table
    assert post.front_matter["weight"] == 3


@pytest.mark.parametrize(
    ("name", "title"), [("json-semicolons.md", "JSON front matter"), ("json-brace.md", "Brace JSON")]
)
def test_json_front_matter(fixtures: Path, name: str, title: str) -> None:
    post = read(fixtures, name)
    assert post.front_matter_format == "json"
    assert post.meta.title == title
    assert "Body" in post.body and "{" not in post.body and ";;;" not in post.body


def test_bom_and_crlf(fixtures: Path) -> None:
    post = read(fixtures, "bom-crlf.md")
    assert post.meta.title == "BOM and CRLF"
    assert post.body == "Line one.\nLine two.\n"
    assert not post.problems


def test_utf16_with_bom(fixtures: Path) -> None:
    post = read(fixtures, "utf16.md")
    assert post.meta.title == "十六位编码"
    assert "正文内容" in post.body


def test_gbk_is_detected_and_reported(fixtures: Path) -> None:
    post = read(fixtures, "gbk.md")
    assert post.meta.title == "国标编码的文章"
    assert post.meta.categories == (("编程", "中文"),)
    assert any("GB18030" in p.message and p.severity == "warning" for p in post.problems)


def test_yaml_is_read_as_yaml_12(fixtures: Path) -> None:
    post = read(fixtures, "yaml12.md")
    fm = post.front_matter
    assert post.meta.title == "2022"
    assert (fm["answer"], fm["switch"], fm["agree"], fm["clock"], fm["code"]) == (
        "no",
        "on",
        "yes",
        "12:30:45",
        "010",
    )
    assert (fm["count"], fm["ratio"], fm["flag"], fm["empty"]) == (7, 0.5, True, None)


def test_body_opening_with_a_rule_keeps_its_first_paragraph(fixtures: Path) -> None:
    post = read(fixtures, "body-rule.md")
    assert post.front_matter == {}
    assert "A first paragraph that sits between two rules." in post.body
    assert post.meta.title == "body-rule"


def test_nested_categories_tags_string_and_author_list(fixtures: Path) -> None:
    m = read(fixtures, "categories-nested.md").meta
    assert m.categories == (("Diary", "PlayStation"), ("Diary", "Games"), ("Life",))
    assert m.tags == ("games", "diary", "life")
    assert m.authors == ("Ann", "Bo")


def test_category_alias_author_mapping_and_cover(fixtures: Path) -> None:
    m = read(fixtures, "category-alias.md").meta
    assert m.categories == (("单一分类",),)
    assert m.authors == ("Wen",)
    assert m.cover == "https://example.org/cover.png"


def test_empty_values_mean_none(fixtures: Path) -> None:
    m = read(fixtures, "categories-empty.md").meta
    assert m.categories == () and m.tags == () and m.authors == ()
    assert m.cover == "https://example.org/banner.png"  # empty featured_image is skipped


def test_hugo_images_and_lastmod(fixtures: Path) -> None:
    m = read(fixtures, "hugo-images.md").meta
    assert m.cover == "https://example.org/first.png"
    assert m.date == datetime(2018, 6, 4, 9, 5, tzinfo=UTC)
    assert m.updated == datetime(2019, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_title_from_heading_then_file_name(fixtures: Path) -> None:
    assert read(fixtures, "title-from-heading.md").meta.title == "The heading is the title"
    assert read(fixtures, "title-from-name.md").meta.title == "title-from-name"


def test_more_marker_in_any_spelling(fixtures: Path) -> None:
    post = read(fixtures, "more-excerpt.md")
    assert post.excerpt == "The excerpt paragraph."
    assert excerpt_of("a\n<!--more-->\nb") == "a"
    assert excerpt_of("no marker") is None


def test_malformed_yaml_is_an_error_with_a_line_and_still_salvaged(fixtures: Path) -> None:
    post = read(fixtures, "malformed.md")
    errors = [p for p in post.problems if p.severity == "error"]
    assert len(errors) == 1 and errors[0].line == 7 and "YAML" in errors[0].message
    assert post.meta.title == '小程序提示"api.example.com"不在合法域名列表中'
    assert post.meta.tags == ("小程序", "uniapp")
    assert post.meta.categories == (("前端", "移动端"),)
    assert "Body of a post with broken YAML." in post.body


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ('+++\ntitle = "unclosed\n+++\nBody.\n', "TOML"),
        (';;;\n"title": "a",,\n;;;\nBody.\n', "JSON"),
    ],
)
def test_malformed_toml_and_json_are_errors_named_for_their_format(text: str, kind: str) -> None:
    from converters.reading import read_text

    post = read_text(text, "p.md")
    (error,) = post.problems
    assert error.severity == "error" and error.message.startswith(f"malformed {kind} front matter: ")
    assert post.meta.title == "p"


def test_a_yaml_value_its_constructors_refuse_is_malformed_yaml_and_the_rest_is_kept() -> None:
    from converters.reading import read_text

    post = read_text("---\ntitle: 标题\nd: !!timestamp 2021-13-45\n---\nBody.\n", "p.md")
    (error,) = post.problems
    assert error.severity == "error" and error.message.startswith("malformed YAML front matter: ")
    assert post.meta.title == "标题"


def test_broken_dates_warn_with_the_key_line(fixtures: Path) -> None:
    post = read(fixtures, "dates.md")
    assert post.meta.date is None
    assert post.meta.updated == datetime(2021, 7, 9, 8, 5, 3, tzinfo=UTC)
    (warning,) = post.problems
    assert warning.severity == "warning" and warning.line == 3 and "Invalid Date" in warning.message


def test_empty_file(fixtures: Path) -> None:
    post = read(fixtures, "empty.md")
    assert post.body == "" and post.meta.title == "empty"


def test_nul_bytes_are_removed_and_reported(fixtures: Path) -> None:
    post = read(fixtures, "nul.md")
    assert "\x00" not in post.body
    assert any("NUL" in p.message for p in post.problems)


def test_undecodable_bytes_are_reported(fixtures: Path) -> None:
    post = read(fixtures, "undecodable.md")
    assert post.problems
    assert "Good text" in post.body


def test_binary_file_is_an_error_not_a_crash(fixtures: Path) -> None:
    post = read(fixtures, "binary.md")
    assert post.meta.has_errors and "binary" in post.problems[0].message


def test_missing_and_unreadable_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    post = read_post(tmp_path / "nope.md")
    assert post.meta.has_errors and "cannot read" in post.problems[0].message
    locked = tmp_path / "locked.md"
    locked.write_text("---\ntitle: x\n---\n")
    import converters.reading as reading

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as denial:  # root can read anything: simulate (both open with os.open)
        denial.setattr(reading.os, "open", denied)
        assert "Permission denied" in read_post(locked).meta.problems[0].message
        meta = read_head(str(locked))
    assert meta.has_errors and "Permission denied" in meta.problems[0].message


def test_huge_post_is_refused_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import converters.reading as reading

    monkeypatch.setattr(reading, "MAX_POST_BYTES", 1024)
    big = tmp_path / "big.md"
    big.write_text("---\ntitle: big\n---\n" + "x" * 5000)
    assert "too large" in read_post(big).problems[0].message
    assert "too large" in read_head(str(big)).problems[0].message


def test_head_reading_gives_the_same_metadata_as_a_full_read(fixtures: Path) -> None:
    for path in sorted((fixtures / "reading").iterdir()):
        full = read_post(path, UTC).meta
        head = read_head(str(path), UTC)
        assert (head.title, head.date, head.categories, head.tags, head.authors, head.cover) == (
            full.title, full.date, full.categories, full.tags, full.authors, full.cover,
        ), path.name  # fmt: skip


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("<div><p>段落</p></div>", "html"),
        ("<strong>开头</strong>文字<br>更多<br>", "html"),
        ("# Title\n\nText with <br/> inside.\n", "markdown"),
        ("Plain text\n\n```\ncode\n```\n", "markdown"),
        ("Intro\n\n<ul class=todo>\n<li>a</li>\n<li>b</li>\n</ul>\n\nMore text.\n", "markdown"),
        # Markdown opening with HTML (#17 item 5): a picture in a div, a line break, then Markdown
        ("<div><img src=a.png></div><br>\n\n![one](1.png)\n\n![two](2.png)\n\nText.\n", "markdown"),
        # paragraphs of text with inline HTML and no Markdown sign in the sample
        (
            "First, a paragraph.\n\n<span>1<br/>2<br/>3<br/>4</span>\n\nThen another.\n\nAnd more.\n",
            "markdown",
        ),
        # scraped HTML, as archives hold it: text inside tags, on few lines
        ("<p>第一段</p>\n<p>第二段<br>换行</p>\n<p>**不是强调**</p>\n", "html"),
        ("<p>\n  The first.\n</p>\n\n<p>\n  The second.\n</p>\n\n<p>The third.</p>\n", "html"),
        ("<div><p>" + "长" * 3000 + "</p></div>\n\n<p>" + "尾" * 50 + "</p>\n", "html"),
        # imported from another blog: its HTML, then a note in Markdown (strong emphasis round a link)
        (
            "<div class=code><span>make</span></div>\n\n**[Note]: see [the old post](http://a.b/c)**\n",
            "markdown",
        ),
        (
            "<div class=code>" + "<span>x</span>" * 200 + "</div>\n\n**Moved**, see [there](http://a.b/c)\n",
            "markdown",
        ),
        # Markdown paragraphs round HTML blocks, the last at the very end
        (
            '<div class="x">\nSome text.\n</div>\n\nMore.\n\n<fieldset>text</fieldset>\n\nmore text\n',
            "markdown",
        ),
        # long scraped HTML: a listing with # comments at its opening; one with blank lines at its end
        ("<pre><code>\n# one\nmake\n# two\n</code></pre>" + ("<p>" + "正文" * 40 + "</p>") * 30, "html"),
        (
            "<p>"
            + "正文" * 1500
            + "</p><pre><code>int f() {\n\n  # x\n\n  return 0;\n}\n</code></pre><p>完</p>",
            "html",
        ),
    ],
)
def test_body_kind(body: str, kind: str) -> None:
    assert body_kind(body) == kind


def _body_kind_by_the_rule(body: str) -> str:
    """The rule body_kind implements, written plainly (it counts faster)."""
    import re

    from converters.metadata import _BLOCKY, _HTML_SIGNS, KIND_SAMPLE

    if len(body) <= 2 * KIND_SAMPLE:
        sample, blocks, blank = body, body.split("\n\n"), "\n\n" in body
    else:  # (the opening and the end less its code, less the blocks cut)
        head = body[:KIND_SAMPLE]
        tail = re.sub(r"(?is)<pre\b.*?</pre\s*>", "", body[-KIND_SAMPLE:])
        tail = re.sub(r"(?is)^.*</pre[^>]*>", "", tail)  # (a listing begun before the cut)
        tail = re.sub(r"(?is)<pre\b.*$", "", tail)  # (one that runs to the end)
        sample = head + "\n" + tail
        blocks = head.split("\n\n")[:-1] + tail.split("\n\n")[1:]
        blank = "\n\n" in head or "\n\n" in tail
    html = len(_HTML_SIGNS.findall(sample))
    if html == 0:
        return "markdown"
    md = len(re.findall(r"^(?: {0,3}#{1,6} |```|~~~| {0,3}[-*+] \S| {0,3}\d+\. |> |\{% )", sample, re.M))
    links = len(re.findall(r"!?\[[^\]\n]{0,300}\]\([^)\s]+(?:\s+\"[^\"\n]*\")?\)", sample))
    inline = links + len(re.findall(r"\*\*[^*\n]+\*\*", sample))
    if md + inline >= 2 and (blank or md + inline >= 4):
        return "markdown"  # Markdown's own syntax
    paragraphs = [b for b in blocks if b.strip() and not b.lstrip().startswith("<")]
    if len(paragraphs) >= 2:
        return "markdown"  # paragraphs of text between blank lines
    if sample.lstrip().startswith("<") and html >= md:
        return "html"
    return "html" if len(_BLOCKY.findall(sample)) > 3 * md + 2 else "markdown"


_PIECES = ["<p>", "</p>", "<div class=x>", "<br>", "<span>", "段落", "text", "\n", "\n\n", "# ", "- item",
           "1. one", "> quote", "```", "{% note %}", "  ", "<", ">", "<pre>", "* ", "\t", "![a](b.png)", "**x**",
           "[l](u)", "**[l](u)**", "x" * 900, "<pre>", "</pre>", "<PRE>"]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=80))
def test_body_kind_counts_as_its_rule_says(pieces: list[str]) -> None:
    body = "".join(pieces)
    assert body_kind(body) == _body_kind_by_the_rule(body)


def test_an_html_file_is_html_whatever_its_body_looks_like(tmp_path: Path) -> None:
    page = tmp_path / "2020-01-01-page.html"
    page.write_text("---\ntitle: Page\n---\nPlain words\n\nmore words\n\n*not emphasis*\n", encoding="utf-8")
    assert read_post(page, UTC).meta.body_kind == "html"


def test_every_corpus_post_loads_with_the_metadata_a_reader_sees(corpus: Path) -> None:
    for path in sorted((corpus / "family").iterdir()):
        post = read_post(path, UTC)
        m = post.meta
        assert m.title and m.title != path.stem, path.name
        assert len(m.categories) == 1 and len(m.categories[0]) == 3, path.name
        assert m.authors and m.cover, path.name
        assert m.body_kind == "html", path.name
        raw = path.read_text(encoding="utf-8")
        assert (m.date is None) == ("Invalid Date" in raw), path.name
        assert not [p for p in m.problems if p.severity == "error"], path.name
    for path in sorted((corpus / "diverse").iterdir()):
        post = read_post(path, UTC)
        assert post.meta.title, path.name


def _all_texts(fixtures: Path) -> list[tuple[str, str]]:
    from converters.decoding import decode

    folders = [fixtures, Path(__file__).resolve().parents[1] / "converters" / "samples"]
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    if corpus.is_dir():
        folders.append(corpus)
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                text, _ = decode(path.read_bytes(), str(path))
                if text is not None:
                    found.append((path.name, text))
    return found


def test_the_quick_split_agrees_with_the_general_rules(
    fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import converters.front_matter as front_matter

    quick_cases = [(name, front_matter._split_common(text), text) for name, text in _all_texts(fixtures)]
    monkeypatch.setattr(front_matter, "_split_common", lambda text: None)
    used = 0
    for name, quick, text in quick_cases:
        if quick is None:
            continue
        used += 1
        general = front_matter.split(text)
        assert (quick.front_matter, quick.format, quick.body, quick.fm_line, quick.body_line) == (
            general.front_matter, general.format, general.body, general.fm_line, general.body_line,
        ), name  # fmt: skip
    assert used >= 20


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="-.\n \tab", max_size=40),
    st.text(alphabet="-.\n \tab", max_size=40),
)
def test_the_closing_fence_is_the_first_line_the_pattern_finds(before: str, after: str) -> None:
    import re

    from converters.front_matter import _closing_fence

    text = before + "\n" + after  # the search starts where a line opens, as after an opening ---
    start = len(before) + 1
    expected = re.compile(r"^(?:-{3,}|\.\.\.)[ \t]*$", re.M).search(text, start)
    found = _closing_fence(text, start)
    assert (found and found.span()) == (expected and expected.span())


@pytest.mark.parametrize(
    "text",
    [
        ';;;\n"title": "bad \\ud800 title", "tags": ["x\\udfff"]\n;;;\n<p>body</p>\n',
        '{"title": "bad \\ud800 title", "tags": ["x\\udfff"]}\n<p>body</p>\n',
    ],  # (YAML and TOML refuse such escapes: only JSON front matter can carry one)
)
def test_lone_surrogate_escapes_in_front_matter_are_replaced(text: str) -> None:
    from converters.reading import read_text

    post = read_text(text, "p.md")
    assert post.meta.title == "bad \ufffd title"
    assert all("\ud800" not in v and "\udfff" not in v for v in (post.meta.title, *post.meta.tags))
    assert post.meta.tags == ("x\ufffd",) and post.problems[0].severity == "warning"
    json.dumps(post.front_matter, ensure_ascii=False).encode("utf-8")  # every writer can encode it now


def test_a_surrogate_pair_escape_is_a_character_not_a_problem() -> None:
    from converters.reading import read_text

    post = read_text(';;;\n"title": "party \\ud83c\\udf89"\n;;;\n', "p.md")
    assert post.meta.title == "party 🎉" and not post.problems


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="中文题あア한글 aZ1\n\u9fff\u4e00\u3040\u30ff\uac00\ud7af\u3000", max_size=12))
def test_a_title_settles_chinese_exactly_when_it_has_two_han_and_no_kana_or_hangul(title: str) -> None:
    import re

    from converters.metadata import detect_language

    han = len(re.findall(r"[\u4e00-\u9fff]", title))
    kana_or_hangul = re.search(r"[\u3040-\u30ff\uac00-\ud7af]", title)
    settled = han >= 2 and not kana_or_hangul
    # A Korean body outweighs any title of 12 characters: only the title's word makes this Chinese.
    assert (detect_language({}, title, "한국어" * 10) == "zh") == settled
