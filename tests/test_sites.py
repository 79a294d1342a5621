"""Hexo, Jekyll and Hugo sites read as their generators read them (issue 17): which files are posts, their
drafts, their time zone, their categories. The sites are small ones written for these tests, in
tests/fixtures/sites/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import timezone
from pathlib import Path

import pytest

from converters.library import scan_library
from converters.site import site_at, site_of
from converters.walk import walk

SITES = Path(__file__).parent / "fixtures" / "sites"
POSTSHELF = Path(sys.executable).parent / "postshelf"


@pytest.fixture
def sites(tmp_path: Path) -> Path:
    """A copy of the sites (a test may change one)."""
    shutil.copytree(SITES, tmp_path / "sites")
    return tmp_path / "sites"


def _names(folder: Path, **options: object) -> list[str]:
    library = scan_library([str(folder)], use_cache=False, **options)  # type: ignore[arg-type]
    return sorted(os.path.relpath(m.path, folder) for m in library.posts)


def _by_title(folder: Path, **options: object) -> dict[str, object]:
    library = scan_library([str(folder)], use_cache=False, **options)  # type: ignore[arg-type]
    return {m.title: m for m in library.posts}


def test_each_generator_is_recognised_by_its_configuration(sites: Path) -> None:
    hexo, jekyll, hugo = (site_at(str(sites / name)) for name in ("hexo", "jekyll", "hugo"))
    assert hexo is not None and hexo.generator == "hexo" and hexo.zone_name == "Asia/Shanghai"
    assert hexo.post_asset_folder
    assert jekyll is not None and jekyll.generator == "jekyll" and jekyll.zone_name == "America/Los_Angeles"
    assert hugo is not None and hugo.generator == "hugo" and hugo.zone_name == "Europe/Oslo"
    assert site_of(str(sites / "hexo" / "source" / "_posts")) == hexo  # found from below its root too
    assert site_at(str(sites)) is None  # a folder of sites is no site


def test_a_hexo_site_opened_at_its_root_lists_its_posts_only(sites: Path) -> None:
    """Not its scaffolds, README, theme files or pages; its drafts only when asked for."""
    posts = ["source/_posts/2023-05-01-spring-notes.md", "source/_posts/undated-name.md"]
    assert _names(sites / "hexo") == posts
    assert _names(sites / "hexo", drafts=True) == sorted([*posts, "source/_drafts/half-written.md"])
    # any folder between the root and the posts:
    assert _names(sites / "hexo" / "source") == [p.removeprefix("source/") for p in posts]


def test_a_jekyll_site_lists_its_dated_posts_of_every_posts_folder(sites: Path) -> None:
    """A file in _posts without a date in its name is no post; published: false and _drafts are drafts."""
    posts = [
        "_posts/2015-07-25-space-separated.markdown",
        "_posts/2021-09-14-flat-categories.md",
        "blog/_posts/2020-02-02-folder-category.md",
    ]
    assert _names(sites / "jekyll") == posts
    assert _names(sites / "jekyll", drafts=True) == sorted(
        [*posts, "_posts/2019-01-01-unpublished.md", "_drafts/an-idea.md"]
    )


def test_a_hugo_site_lists_its_content_less_section_pages_and_drafts(sites: Path) -> None:
    assert _names(sites / "hugo") == [
        "content/posts/a-bundle/index.md",
        "content/posts/first.md",
        "content/posts/two-tongues/index.en.md",
        "content/posts/two-tongues/index.zh-cn.md",
    ]
    assert "content/posts/wip.md" in _names(sites / "hugo", drafts=True)
    assert "content/posts/_index.md" not in _names(sites / "hugo", drafts=True)


def test_dates_without_an_offset_are_in_the_sites_time_zone(sites: Path) -> None:
    hexo = _by_title(sites / "hexo")
    assert hexo["春天的笔记"].date.isoformat() == "2023-05-01T09:30:00+08:00"  # type: ignore[attr-defined]
    jekyll = _by_title(sites / "jekyll")
    # the date of the file's name, at midnight in Los Angeles (summer and winter time)
    assert jekyll["Two flat categories"].date.isoformat() == "2021-09-14T00:00:00-07:00"  # type: ignore[attr-defined]
    assert jekyll["Space separated"].date.isoformat() == "2015-07-25T00:00:00-07:00"  # type: ignore[attr-defined]
    hugo = _by_title(sites / "hugo")
    assert hugo["Fjord walk"].date.isoformat() == "2022-03-04T10:00:00+01:00"  # type: ignore[attr-defined]
    assert hugo["A page bundle"].date.isoformat() == "2022-06-01T08:00:00+02:00"  # type: ignore[attr-defined]


def test_an_explicit_time_zone_wins_over_the_sites(sites: Path) -> None:
    hexo = _by_title(sites / "hexo", zone=timezone.utc, zone_key="UTC")
    assert hexo["春天的笔记"].date.isoformat() == "2023-05-01T09:30:00+00:00"  # type: ignore[attr-defined]


def test_categories_follow_each_generators_rules(sites: Path) -> None:
    hexo = _by_title(sites / "hexo")
    assert hexo["春天的笔记"].categories == (("技术", "前端"),)  # type: ignore[attr-defined]  # a hierarchy
    jekyll = _by_title(sites / "jekyll")
    assert jekyll["Two flat categories"].categories == (("team",), ("community",))  # type: ignore[attr-defined]
    assert jekyll["Two flat categories"].tags == ("release", "notes")  # type: ignore[attr-defined]
    assert jekyll["Space separated"].categories == (("swift",), ("ios",))  # type: ignore[attr-defined]
    # the folder above _posts first, then category:
    assert jekyll["From a category folder"].categories == (("blog",), ("news",))  # type: ignore[attr-defined]
    hugo = _by_title(sites / "hugo")
    assert hugo["Fjord walk"].categories == (("Travel",), ("Food",))  # type: ignore[attr-defined]


def test_drafts_are_marked_and_a_jekyll_flag_is_no_date(sites: Path) -> None:
    library = scan_library([str(sites / "jekyll")], use_cache=False, drafts=True)
    drafts = sorted(library.posts[i].title for i in library.drafts)
    assert drafts == ["An idea", "Kept back"]
    kept_back = next(m for m in library.posts if m.title == "Kept back")
    assert kept_back.problems == ()  # published: false is not an unreadable date


def test_a_change_of_the_sites_time_zone_is_not_hidden_by_the_cache(
    sites: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    before = scan_library([str(sites / "hexo")])
    assert {m.date.isoformat() for m in before.posts if m.date} >= {"2023-05-01T09:30:00+08:00"}
    config = sites / "hexo" / "_config.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("Asia/Shanghai", "UTC"), encoding="utf-8")
    os.utime(config, ns=(1, 1))  # (a different stamp, however quick the test)
    from converters import site

    site.site_at.cache_clear()
    site._site_at_or_above.cache_clear()
    after = scan_library([str(sites / "hexo")])
    assert "2023-05-01T09:30:00+00:00" in {m.date.isoformat() for m in after.posts if m.date}


def test_a_folder_without_a_site_keeps_the_plain_rules(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# notes\n", encoding="utf-8")
    (tmp_path / "a.md").write_text("---\ntitle: A\ncategories: [x, y]\n---\nText.\n", encoding="utf-8")
    problems: list = []
    assert [s.relative for s in walk([str(tmp_path)], problems)] == ["a.md"]
    assert scan_library([str(tmp_path)], use_cache=False).posts[0].categories == (("x", "y"),)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(POSTSHELF), *args], capture_output=True, text=True, timeout=120)


def test_list_and_convert_read_a_site_from_its_root(sites: Path, tmp_path: Path) -> None:
    listed = _run("list", str(sites / "jekyll"), "--json", "--no-cache")
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["title"] for r in rows] == ["Two flat categories", "From a category folder", "Space separated"]
    assert not any(r["draft"] for r in rows)
    with_drafts = _run("list", str(sites / "jekyll"), "--json", "--no-cache", "--drafts")
    assert sum(json.loads(line)["draft"] for line in with_drafts.stdout.splitlines()) == 2
    converted = _run("convert", str(sites / "hugo"), "--to", "jsonl")
    assert converted.returncode == 0, converted.stderr
    records = [json.loads(line) for line in converted.stdout.splitlines()]
    assert sorted(r["title"] for r in records) == ["A page bundle", "Fjord walk", "Hello", "你好"]
    assert {r["date_published"] for r in records} == {
        "2022-03-04T10:00:00+01:00",  # (Oslo in winter)
        "2022-06-01T08:00:00+02:00",
        "2022-07-01T09:00:00+02:00",  # (and in summer)
    }
    drafts = _run("convert", str(sites / "hugo"), "--to", "jsonl", "--drafts")
    assert "Work in progress" in {json.loads(line)["title"] for line in drafts.stdout.splitlines()}


async def test_the_reader_shows_drafts_under_their_own_node_marked_as_drafts(sites: Path) -> None:
    from helpers import settle, titles, wait_for

    from tui.app import PostshelfApp
    from tui.widgets.category_tree import CategoryTree
    from tui.widgets.post_list import PostList

    for drafts in (False, True):
        app = PostshelfApp([str(sites / "jekyll")], use_cache=False, drafts=drafts)
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            tree = app.query_one(CategoryTree)
            labels = [str(n.label) for n in tree.root.children]
            if not drafts:
                assert len(titles(app)) == 3 and not any(label.startswith("Drafts") for label in labels)
                continue
            node = next(n for n in tree.root.children if str(n.label).startswith("Drafts"))
            assert str(node.label) == "Drafts (2)"
            tree.move_cursor(node)
            await wait_for(
                pilot, lambda app=app: sorted(titles(app)) == ["An idea", "Kept back"], "the drafts"
            )
            posts = app.query_one(PostList)
            line = "".join(segment.text for segment in posts.render_line(0))
            assert "draft · " in line


def test_hugo_leaves_out_what_it_does_not_render_expired_and_future_pages(sites: Path) -> None:
    """Build options (a page's, and a section's cascade), expiryDate and publishDate, as Hugo reads them:
    such pages are no posts of the site, and are listed with the drafts when asked for."""
    content = sites / "hugo" / "content"
    (content / "glossary").mkdir()
    (content / "glossary" / "_index.md").write_text(
        "---\ntitle: Glossary\ncascade:\n  build:\n    render: never\n    list: never\n---\n",
        encoding="utf-8",
    )
    (content / "glossary" / "term.md").write_text("---\ntitle: A term\n---\nword\n", encoding="utf-8")
    (content / "aimed").mkdir()
    (content / "aimed" / "_index.md").write_text(
        '+++\ntitle = "x"\n[[cascade]]\n[cascade._target]\nkind = "section"\n[cascade.build]\nrender = "never"\n+++\n',
        encoding="utf-8",
    )
    (content / "aimed" / "kept.md").write_text("---\ntitle: Kept\n---\nx\n", encoding="utf-8")
    posts = content / "posts"
    (posts / "hidden.md").write_text(
        "---\ntitle: Hidden\nbuild:\n  render: never\n---\nx\n", encoding="utf-8"
    )
    (posts / "expired.md").write_text(
        "---\ntitle: Expired\nexpiryDate: 2020-01-01\n---\nx\n", encoding="utf-8"
    )
    (posts / "future.md").write_text(
        "---\ntitle: Future\npublishDate: 2999-01-01\n---\nx\n", encoding="utf-8"
    )
    (posts / "due.md").write_text(
        "---\ntitle: Due\npublishDate: 2020-01-01\nexpiryDate: 2999-01-01\n---\nx\n", encoding="utf-8"
    )
    listed = _names(sites / "hugo")
    assert "content/posts/due.md" in listed and "content/aimed/kept.md" in listed
    for left_out in ("glossary/term.md", "posts/hidden.md", "posts/expired.md", "posts/future.md"):
        assert f"content/{left_out}" not in listed
        assert f"content/{left_out}" in _names(sites / "hugo", drafts=True)


def test_a_hugo_bundle_is_named_by_its_folder_and_a_file_names_its_language(sites: Path) -> None:
    done = _run("convert", str(sites / "hugo"), "--to", "jsonl")
    records = {r["title"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert records["A page bundle"]["slug"] == "a-bundle"
    assert (records["Hello"]["slug"], records["Hello"]["language"]) == ("two-tongues", "en")
    assert records["你好"]["language"] == "zh-cn"


def test_a_site_whose_posts_folder_is_missing_says_so(tmp_path: Path) -> None:
    """A Jekyll site built from a source folder that a build step makes (source: .tmp/src)."""
    (tmp_path / "_config.yml").write_text("source: .tmp/src\n", encoding="utf-8")
    (tmp_path / "Gemfile").write_text('gem "jekyll"\n', encoding="utf-8")
    (tmp_path / "README.md").write_text("---\ntitle: not a post\n---\n", encoding="utf-8")
    done = _run("list", str(tmp_path), "--no-cache")
    assert done.stdout == "" and "a jekyll site without its posts" in done.stderr
