"""XHTML documents, JSON records and EPUB books: valid, deterministic, and safe whatever the post holds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from datetime import timezone
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from converters import html as html_module
from converters import steps
from converters.document import Rendered, plain_text
from converters.epub import EpubWriter, reading_order
from converters.html import clean, parse
from converters.jsonout import feed_chunks, feed_item_text, record, slugify
from converters.pipeline import Filters, Settings, convert_post, convert_posts
from converters.post import Post
from converters.reading import read_post, read_text
from converters.xhtml import document, fragment_markup

XHTML = "{http://www.w3.org/1999/xhtml}"
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "converters" / "schema" / "post.schema.json").read_text()
)
SAMPLES = Path(__file__).resolve().parents[1] / "converters" / "samples"
EPUBCHECK = Path("/usr/share/java/epubcheck.jar")
POSTSHELF = str(Path(sys.executable).with_name("postshelf"))


def sample_posts() -> list[Path]:
    return sorted(p for p in SAMPLES.rglob("*") if p.suffix in (".md", ".txt"))


def xhtml_of(path: Path, images: str = "link") -> str:
    post = read_post(path, timezone.utc)
    rendered = Rendered(post)
    return document(post.meta, fragment_markup(rendered.clean.root, images))  # type: ignore[arg-type]


@pytest.mark.parametrize("path", sample_posts(), ids=lambda p: p.stem)
def test_every_sample_is_a_well_formed_epub_content_document(path: Path) -> None:
    doc = xhtml_of(path)
    assert doc.startswith('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n')
    root = ET.fromstring(doc.encode())
    assert root.tag == XHTML + "html"
    assert root.get("lang") == root.get("{http://www.w3.org/XML/1998/namespace}lang")
    assert root.find(f"{XHTML}head/{XHTML}title") is not None
    section = root.find(f"{XHTML}body/{XHTML}section")
    assert section is not None and section.get("{http://www.idpf.org/2007/ops}type") == "chapter"
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))
    for el in root.iter():
        tag = el.tag.replace(XHTML, "")
        assert tag not in ("script", "iframe", "form", "font", "center", "object", "embed")
        for name, value in el.attrib.items():
            assert not name.startswith("on") and name not in ("style", "width", "height")
            assert not value.lower().startswith("javascript:")
        if tag == "img":
            pytest.fail("remote <img> left in link mode")


def test_image_modes() -> None:
    path = SAMPLES / "news" / "2022-01-11-city-parks.txt"
    link = xhtml_of(path, "link")
    assert (
        '<figure class="image"><a class="image" href="http://static.example-news.cn/img/2022/01/11/park-1.jpeg">'
        in link
    )
    remote = xhtml_of(path, "remote")
    assert '<img src="http://static.example-news.cn/img/2022/01/11/park-1.jpeg" alt=""/>' in remote
    dropped = xhtml_of(path, "drop")
    assert "park-1.jpeg" not in dropped and "<img" not in dropped


def test_content_models_are_repaired() -> None:
    tree = clean("<p>text <ul><li>a</li></ul></p><ul>stray<p>para</p></ul><strong><div>block</div></strong>"
                 "<table><td>cell</td><tr><td>x</td></tr></table><a href='https://a.example'><a href='https://b.example'>in</a></a>")  # fmt: skip
    markup = fragment_markup(tree.root)
    root = ET.fromstring(f'<div xmlns="http://www.w3.org/1999/xhtml">{markup}</div>')
    for ul in root.iter(XHTML + "ul"):
        assert all(child.tag == XHTML + "li" for child in ul)
        assert not (ul.text or "").strip()
    for p in root.iter(XHTML + "p"):
        assert not [c for c in p if c.tag.replace(XHTML, "") in ("div", "ul", "table", "p")]
    for table in root.iter(XHTML + "table"):
        assert all(c.tag in (XHTML + "tbody", XHTML + "thead", XHTML + "caption") for c in table)
    for a in root.iter(XHTML + "a"):
        assert a.find(f".//{XHTML}a") is None


def test_titles_and_text_are_escaped_as_data() -> None:
    post = read_text(
        '---\ntitle: "<script>alert(1)</script> & [bold]x[/]"\n---\n<p>a &lt;b&gt; &amp; c</p>\n', "t.md"
    )
    doc = document(post.meta, fragment_markup(Rendered(post).clean.root))
    root = ET.fromstring(doc.encode())
    assert root.find(f"{XHTML}head/{XHTML}title").text == "<script>alert(1)</script> & [bold]x[/]"  # type: ignore[union-attr]
    assert "<script>" not in doc


@pytest.mark.parametrize("path", sample_posts(), ids=lambda p: p.stem)
def test_json_record_matches_the_schema(path: Path) -> None:
    rec = record(Rendered(read_post(path, timezone.utc)), path.name)
    jsonschema.validate(rec, SCHEMA)
    assert list(rec) == list(SCHEMA["required"])  # keys in the documented order
    ET.fromstring(f'<div xmlns="http://www.w3.org/1999/xhtml">{rec["content_html"]}</div>')
    json.dumps(rec, ensure_ascii=False, allow_nan=False)


def test_json_record_fields() -> None:
    path = SAMPLES / "news" / "2022-01-11-city-parks.txt"
    rec = record(Rendered(read_post(path, timezone.utc)), "news/2022-01-11-city-parks.txt")
    assert rec["title"] == "盘点2022丨滨海城市新增口袋公园_市民家门口的绿色客厅_"
    assert rec["date_published"] == "2022-01-11T04:39:04+00:00"
    assert rec["authors"] == [{"name": "趣头条"}]
    assert rec["categories"] == [["新媒体", "趣头条", "分类"]]
    assert rec["image"] == "http://static.example-news.cn/img/2022/01/11/park-cover.jpeg"
    assert rec["language"] == "zh"
    assert rec["images"][0]["url"].endswith("park-1.jpeg")
    assert rec["counts"]["cjk_chars"] > 100 and rec["reading_minutes"] >= 1
    assert rec["front_matter"]["comments"] is False
    assert rec["slug"] == "2022-01-11-city-parks"
    again = record(Rendered(read_post(path, timezone.utc)), "news/2022-01-11-city-parks.txt")
    assert again == rec  # deterministic


def test_summary_prefers_the_excerpt() -> None:
    post = read_text("---\ntitle: x\n---\nFirst part.\n\n<!-- more -->\n\nSecond part.\n", "x.md")
    assert Rendered(post).summary == "First part."


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t\n\u3000ab中。", max_size=1200), st.integers(min_value=1, max_value=300))
def test_a_summary_squeezes_only_as_far_as_its_cut(text: str, limit: int) -> None:
    from converters.document import _shortened

    whole = " ".join(text.split())
    assert _shortened(text, limit) == (whole if len(whole) <= limit else whole[: limit - 1].rstrip() + "…")


def test_json_feed_document_is_valid_json_feed_11() -> None:
    recs = [record(Rendered(read_post(p, timezone.utc)), p.name) for p in sample_posts()[:3]]
    doc = json.loads("".join(feed_chunks((feed_item_text(r) for r in recs), "Feed")))
    assert doc["version"] == "https://jsonfeed.org/version/1.1" and doc["title"] == "Feed"
    assert len(doc["items"]) == 3
    for item in doc["items"]:
        assert item["id"] and ("content_html" in item or "content_text" in item)
        assert item["_postshelf"]["schema"] == "postshelf.post/1"
        assert all(v is not None for v in item.values())
    assert json.loads("".join(feed_chunks(iter(()), "Empty")))["items"] == []


def test_slugify_keeps_cjk() -> None:
    assert slugify("趣头条 News!") == "趣头条-news"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("!!!") == "post"


def test_plain_text_has_one_line_per_block() -> None:
    assert plain_text(clean("<p>a<b>b</b></p>tail<ul><li>x</li><li>y</li></ul>").root) == "ab\ntail\nx\ny"


def _book(path: Path, posts: list[Path]) -> None:
    metas = [read_post(p, timezone.utc) for p in posts]
    metas.sort(key=lambda p: (p.meta.date is None, p.meta.date.timestamp() if p.meta.date else 0))
    order = reading_order([p.meta for p in metas])
    book = EpubWriter(str(path), "Samples")
    for i in order:
        post = metas[i]
        book.add(post.meta, fragment_markup(Rendered(post).clean.root))
    book.close()


def test_epub_container_and_determinism(tmp_path: Path) -> None:
    a, b = tmp_path / "a.epub", tmp_path / "b.epub"
    _book(a, sample_posts())
    _book(b, sample_posts())
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"application/epub+zip"
        opf = z.read("OEBPS/content.opf").decode()
        for needle in (
            "<dc:identifier",
            "<dc:title>Samples</dc:title>",
            "<dc:language>",
            "dcterms:modified",
            "<dc:creator>",
        ):
            assert needle in opf
        nav = ET.fromstring(z.read("OEBPS/nav.xhtml"))
        hrefs = [a.get("href") for a in nav.iter(XHTML + "a")]
        spine = [
            line.split('href="')[1].split('"')[0]
            for line in opf.splitlines()
            if "chapter-" in line and "<item " in line
        ]
        assert hrefs == spine  # the table of contents follows the reading order
        for name in z.namelist():
            if name.endswith(".xhtml"):
                ET.fromstring(z.read(name))


HOSTILE_POSTS = {
    "hostile-metadata.md": '---\ntitle: "a\\x01b\\uFFFE"\nauthor: "x\\x02"\ncategories: ["c\\x0b"]\n---\n<p>正文</p>\n',
    "hostile-urls.md": (
        '---\ntitle: 链接\n---\n<blockquote cite="javascript:alert(1)"><p>引</p></blockquote>'
        '<p><q cite="javascript:x">q</q><img src="javascript:alert(3)" alt="图"> <a href="java\tscript:x">a</a>'
        ' <a href="https://example.org/a##b">two hashes</a></p>\n'
    ),
}


@pytest.mark.skipif(not (EPUBCHECK.exists() and shutil.which("java")), reason="epubcheck is not installed")
def test_epubcheck_accepts_one_book_of_everything(tmp_path: Path, corpus_or_none: Path | None) -> None:
    """epubcheck once per suite run (each run starts a JVM: ~4 s): one book of the samples, the shared
    corpus when it is here and hostile posts (control characters in metadata, javascript: URLs), as
    `convert --to epub` writes it, with --title of a control character."""
    from image_server import ImageServer
    from test_images import _image_post

    for name, text in HOSTILE_POSTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    inputs = [str(p) for p in sample_posts()] + [str(tmp_path / n) for n in HOSTILE_POSTS]
    if corpus_or_none is not None:
        inputs += [str(p) for p in sorted((corpus_or_none / "family").iterdir())]
    book = tmp_path / "everything.epub"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    with ImageServer() as server:  # (and every kind of image a book may hold, with --images embed)
        extra = f'<p><img src="{server.url("/img/evil.svg")}" alt="svg"><img src="{server.url("/img/old.bmp")}"></p>'
        inputs.append(str(_image_post(tmp_path / "images", server, extra=extra)))
        done = subprocess.run(
            [POSTSHELF, "convert", *inputs, "--to", "epub", "-o", str(book), "--title", "书\x0b名", "-q",
             "--images", "embed", "--image-timeout", "5"],
            capture_output=True, text=True, timeout=300, env=env,
        )  # fmt: skip
    assert book.exists(), done.stderr
    with zipfile.ZipFile(book) as z:
        assert len([n for n in z.namelist() if n.startswith("OEBPS/images/")]) == 6
    result = subprocess.run(
        ["java", "-jar", str(EPUBCHECK), str(book)], capture_output=True, text=True, timeout=300
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0 and "0 fatals / 0 errors / 0 warnings" in report, report


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab中文かな한글-'’.,1 \n_é\u4e00\uf900", max_size=60))
def test_word_counts_by_runs_count_what_one_match_per_word_counts(text: str) -> None:
    from converters.document import _CJK_CHAR, _LATIN_WORD, word_counts

    assert word_counts(text) == {
        "cjk_chars": len(_CJK_CHAR.findall(text)),
        "latin_words": len(_LATIN_WORD.findall(text)),
    }


def test_asking_for_markdown_first_leaves_the_clean_tree_as_it_was() -> None:
    post = read_text(
        "---\ntitle: t\n---\n<p>一<strong>二</strong><br>三</p><table><tr><td>a</td></tr></table>", "p.md"
    )
    reference = Rendered(post)
    expected = (reference.text, fragment_markup(reference.clean.root, "link"), reference.markdown)
    markdown_first = Rendered(post)
    markdown = markdown_first.markdown
    assert (markdown_first.text, fragment_markup(markdown_first.clean.root, "link"), markdown) == expected


_HTML_PIECES = ["<p>", "</p>", "<ul>", "</ul>", "<ol start=x>", "<li>", "</li>", "<a href='x'>", "</a>", "<div>",
                "</div>", "<strong>", "</strong>", "<dl>", "<dt>", "<dd>", "<figure>", "<figcaption>", "<img src=y>",
                "<h2>", "</h2>", "<table><tr><td>", "text", "文字", " "]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_HTML_PIECES), max_size=40).map("".join))
def test_xhtml_repairs_skip_only_leaves_that_need_none(html: str) -> None:
    import converters.xhtml as xhtml

    root = clean(html).root
    fast = fragment_markup(root)

    class Everything:
        def __contains__(self, item: object) -> bool:
            return True

    saved = xhtml._REPAIRED_EVEN_EMPTY
    xhtml._REPAIRED_EVEN_EMPTY = Everything()  # type: ignore[assignment]
    try:
        assert fragment_markup(root) == fast
    finally:
        xhtml._REPAIRED_EVEN_EMPTY = saved
    ET.fromstring(f"<div>{fast}</div>")  # well-formed


_FRAGMENT_PIECES = [*"<>&\"'ab中 \n\r", "&amp;", "&lt;", "<p>", "</p>", "<b>x</b>", "<br>", "<img src='u.png'>",
                    "<ul><li>", "<table><tr><td>", "<pre>", "</pre>", "<a href='https://e.org/?a=1&b=2'>", "</a>"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENT_PIECES), max_size=40).map("".join))
def test_a_fragment_serialized_whole_equals_it_serialized_child_by_child(html: str) -> None:
    from converters.xhtml import _children_xml, _each_child_xml, body_fragment

    tree = body_fragment(clean(html).root, "remote")
    assert _children_xml(tree) == _each_child_xml(tree)


@pytest.mark.parametrize(
    "body",
    [
        "a&#1;b",
        "a&#1b",
        "<p>a&#x1f;b</p>",
        "a&#xFFFE;b",
        "<p title='&#2;'>a&#x7F;b</p>",
        '<a href="&#1;x">ab</a>',
    ],
)
def test_references_to_characters_no_document_may_hold_are_dropped(body: str) -> None:
    post = read_text(f"---\ntitle: t\n---\n<div>{body}</div>\n", "p.md")
    rendered = Rendered(post)
    xhtml = fragment_markup(rendered.clean.root)
    ET.fromstring(f"<div>{xhtml}</div>")  # well-formed XML
    for out in (rendered.markdown, rendered.text, xhtml):
        assert "ab" in out.replace("[", "").replace("]", "")
        assert not any(ch in out for ch in "\x01\x02\x1f\x7f\ufffe")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("a&<>\"'\n\r\t中 ;#")), max_size=20))
def test_escape_and_quoteattr_equal_the_standard_librarys(text: str) -> None:
    from xml.sax import saxutils

    from converters.xhtml import escape, quoteattr

    assert escape(text) == saxutils.escape(text)
    assert quoteattr(text) == saxutils.quoteattr(text)


TOGETHER_FORMATS = ["markdown", "html", "epub", "json", "jsonl", "jsonfeed"]


def _posts_to_convert(fixtures: Path) -> list[tuple[Post, str]]:
    paths = [*sample_posts(), *sorted((fixtures / "reading").glob("*.md"))]
    return [(read_post(p, timezone.utc), p.name) for p in paths]


@pytest.mark.parametrize("fmt", TOGETHER_FORMATS)
def test_posts_converted_together_equal_posts_converted_one_by_one(fixtures: Path, fmt: str) -> None:
    """Each step of the pipeline runs for a whole chunk of posts before the next: nothing of one post may
    leak into another's output, and a filtered-out post keeps its place."""
    for filters, chosen in ((Filters(), 44), (Filters(tags=("vim", "travel", "linux")), 4)):
        settings = Settings(fmt, timezone.utc, "link", False, True, filters)
        together = list(convert_posts(_posts_to_convert(fixtures), settings))
        alone = [convert_post(post, name, settings) for post, name in _posts_to_convert(fixtures)]
        assert [(r.relative, r.text, r.problems) for r in together] == [
            (r.relative, r.text, r.problems) for r in alone
        ]
        assert sum(r.text is not None for r in together) == chosen


@pytest.mark.parametrize("fmt", TOGETHER_FORMATS)
@pytest.mark.parametrize("trouble", [RecursionError, KeyError])
def test_a_post_that_trips_in_a_chunk_costs_only_itself(
    fixtures: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, trouble: type[Exception]
) -> None:
    posts = _posts_to_convert(fixtures)
    settings = Settings(fmt, timezone.utc, "link", False, True)
    alone = [convert_post(post, name, settings) for post, name in posts]
    victim = next(i for i, (post, _) in enumerate(posts) if i and post.meta.body_kind == "html")

    def parse_or_trouble(html: str) -> etree._Element:
        if html == posts[victim][0].body:
            raise trouble("tripped")
        return parse(html)

    monkeypatch.setattr(html_module, "parse", parse_or_trouble)  # (every format parses an HTML body)
    got = list(convert_posts(posts, settings))
    for i, (result, expected) in enumerate(zip(got, alone, strict=True)):
        if i != victim:
            assert (result.text, result.problems) == (expected.text, expected.problems)
    assert got[victim].text is None
    message = "too deeply nested to convert" if trouble is RecursionError else "internal error: KeyError"
    assert [p.severity for p in got[victim].problems] == ["error"]
    assert message in got[victim].problems[0].message


def test_groups_are_bounded_in_posts_and_text_and_taken_as_needed() -> None:
    sizes = [10, 20, 600_000, 500_000, 3_000_000, *[1] * 40]
    taken: list[int] = []

    def items() -> Iterator[int]:
        for i, n in enumerate(sizes):
            taken.append(i)
            yield n

    groups = steps.groups(items(), lambda n: n)
    assert next(groups) == [10, 20, 600_000]  # the next one would pass the text bound
    assert len(taken) == 4  # read only as far as needed to know that
    assert next(groups) == [500_000]
    assert next(groups) == [3_000_000]  # larger than the bound alone: a group of its own
    assert [len(g) for g in groups] == [steps.GROUP_POSTS, 40 - steps.GROUP_POSTS]


@pytest.mark.parametrize("fmt", TOGETHER_FORMATS)
def test_a_post_given_twice_in_a_group_is_converted_alike_both_times(fmt: str) -> None:
    """Markdown is made from the clean tree in place: converting that tree twice would mangle the second."""
    path = next(p for p in sample_posts() if read_post(p).meta.body_kind == "html")
    post = read_post(path, timezone.utc)
    settings = Settings(fmt, timezone.utc, "link", False, True)
    alone = convert_post(read_post(path, timezone.utc), "a.md", settings)
    twice = list(convert_posts([(post, "a.md"), (post, "a.md")], settings))
    assert [r.text for r in twice] == [alone.text] * 2


def test_every_name_of_the_public_api_resolves() -> None:
    import converters

    assert all(callable(getattr(converters, name)) for name in converters.__all__)


def test_every_url_written_into_xhtml_is_a_valid_uri() -> None:
    """Real links with two #: a single-page site's route and a doubled anchor (#17 item 8)."""
    from converters.xhtml import safe_url

    assert (
        safe_url("https://docs.example.org/#/zh-CN/guide#anchor")
        == "https://docs.example.org/#/zh-CN/guide%23anchor"
    )
    assert safe_url("bkhz.html##1") == "bkhz.html#%231"
    assert safe_url("https://a.example/c d?q=中#frag") == "https://a.example/c%20d?q=%E4%B8%AD#frag"


def test_links_with_no_address_and_terms_with_no_description_are_repaired() -> None:
    """From a real site's book that epubcheck refused: a link to "http://" (RSC-020), one to
    "http:://host" (RSC-023), and a dl of terms alone (RSC-005)."""
    post = read_text(
        "---\ntitle: t\n---\n"
        '<p><a href="http://">空</a> <a href="http:://www.example.org">坏</a> <a href="https://example.org/">好</a></p>'
        "<dl><dt>术语</dt></dl><dl><dd>只有描述</dd><dt>甲</dt><dd>乙</dd></dl>",
        "p.md",
    )
    markup = fragment_markup(Rendered(post).clean.root, "link")
    assert '<a href="https://example.org/">好</a>' in markup
    assert "空" in markup and "坏" in markup and 'href="http://"' not in markup and "http::" not in markup
    assert "<dl><dt>术语</dt><dd/></dl>" in markup
    assert "<dl><dt/><dd>只有描述</dd><dt>甲</dt><dd>乙</dd></dl>" in markup


def test_end_tags_and_comments_alone_show_nothing(tmp_path: Path) -> None:
    """A Markdown post's closing tag on a line of its own (an HTML block of its own to CommonMark) shows
    nothing in any output, nor does a fragment of comments: neither ``\\</div>`` nor ``<!-- -->`` as text."""
    path = tmp_path / "closing.md"
    body = "<div class=note>\nSome text.\n</div>\n\nMore.\n</fieldset>\n\nEnd.\n</div>\n"
    path.write_text(f"---\ntitle: t\n---\n\n{body}", encoding="utf-8")
    rendered = Rendered(read_post(path, timezone.utc))
    assert rendered.markdown.split() == ["Some", "text.", "More.", "End."]
    assert rendered.text.split() == ["Some", "text.", "More.", "End."]
    for markup in ("</div>\n</div>", "<!-- a comment -->", "</p> <!-- x --> </span>"):
        assert parse(markup).text is None and len(parse(markup)) == 0, markup


@pytest.mark.parametrize("name", ["script", "style", "textarea", "title", "iframe"])
def test_a_tag_named_in_prose_and_never_closed_is_text(tmp_path: Path, name: str) -> None:
    """``the <script> tag`` in a Markdown post's prose opens no element that takes the rest of the post:
    every output keeps all of it. Closed, it is HTML as before (a script's code is no text)."""
    path = tmp_path / "prose.md"
    path.write_text(
        f"---\ntitle: t\n---\n\nAdd async to the <{name}> tag.\n\nSecond paragraph.\n\n"
        f"<{name.upper()}> at a line's start.\n\nThe end.\n",
        encoding="utf-8",
    )
    rendered = Rendered(read_post(path, timezone.utc))
    assert rendered.text.split("\n") == [
        f"Add async to the <{name}> tag.",
        "Second paragraph.",
        f"<{name.upper()}> at a line's start.",
        "The end.",
    ]
    assert "The end." in rendered.markdown and "The end." in xhtml_of(path)
    closed = tmp_path / "closed.md"
    closed.write_text("---\ntitle: t\n---\n\nA <script>var x = 1;</script> b.\n\nEnd.\n", encoding="utf-8")
    assert Rendered(read_post(closed, timezone.utc)).text == "A b.\nEnd."
    embed = tmp_path / "embed.md"  # (one that closes itself: an embed, a link to it as before)
    embed.write_text(
        '---\ntitle: t\n---\n\nA video:\n\n<iframe src="https://www.youtube.com/embed/abc" allowfullscreen />\n\n'
        'After it, <iframe src="https://e.com/x"/> inline.\n',
        encoding="utf-8",
    )
    rendered = Rendered(read_post(embed, timezone.utc))
    assert rendered.text == "A video:\nhttps://www.youtube.com/embed/abc\nAfter it,\nhttps://e.com/x\ninline."
    shown = tmp_path / "shown.md"  # (an end tag shown in code closes nothing)
    shown.write_text(
        f"---\ntitle: t\n---\n\nUse the <{name}> tag, like this:\n\n```html\n<{name} src=a></{name}>\n```\n\n"
        f"Or write `</{name}>` after it.\n\n## Then\n\nThe end.\n",
        encoding="utf-8",
    )
    assert Rendered(read_post(shown, timezone.utc)).text.split("\n") == [
        f"Use the <{name}> tag, like this:", f"<{name} src=a></{name}>", f"Or write </{name}> after it.", "Then",
        "The end.",
    ]  # fmt: skip


def test_what_a_page_hides_by_its_style_is_kept_and_what_it_marks_hidden_is_not() -> None:
    """A blog's collapsed code (``display:none`` until a click) is the post's text, as a reader of the file
    sees it; an element marked ``hidden`` is none."""
    root = clean(
        '<p>Code:</p><div class="cnblogs_code_hide" style="display: none"><pre>make all</pre></div>'
        '<p style="visibility:hidden">quiet</p><div hidden>gone</div><input type="hidden" value="v">'
    ).root
    assert plain_text(root).split("\n") == ["Code:", "make all", "quiet"]
