"""The reader, driven with Textual's Pilot: every key and action, state across restarts, hostile posts."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from helpers import search_for, settle, titles, wait_for
from textual.widgets import Input, Label, OptionList

from tui.app import PostshelfApp
from tui.screens import export as export_screen
from tui.screens.export import ExportScreen, worst_first
from tui.screens.help import HelpScreen
from tui.screens.pick import PickScreen
from tui.state import StateStore
from tui.widgets.article import ArticleView
from tui.widgets.category_tree import CategoryTree
from tui.widgets.post_list import PostList

SAMPLES = Path(__file__).resolve().parents[1] / "converters" / "samples"
SIZE = (140, 40)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    shutil.copytree(SAMPLES, root)
    return root


def make_app(root: Path, **kwargs: object) -> PostshelfApp:
    return PostshelfApp(
        [str(root)], zone=timezone.utc, use_cache=False, export_base=root.parent / "exports", **kwargs
    )  # type: ignore[arg-type]


async def test_opens_with_every_post_newest_first(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = titles(app)
        assert len(shown) == 21
        assert shown[0] == "讨论一下环境变量" and shown[-2:] == [
            "Lighting notes",
            "LockSupport 是什么？一文讲清楚",
        ]
        tree = app.query_one(CategoryTree)
        labels = [str(n.label) for n in tree.root.children]
        assert labels[0] == "All posts (21)" and labels[1].startswith("Categories") and "Archive" in labels[5]


async def test_moving_and_opening_posts(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        posts = app.query_one(PostList)
        await pilot.press("j", "j", "k")
        assert posts.cursor == 1
        await pilot.press("enter")
        await settle(pilot)
        article = app.query_one(ArticleView)
        assert article.content is not None and article.content.meta.title == "Three quiet days in Kyoto"
        assert app.focused is article
        assert any("Day one" in line for line in article._plain)
        await pilot.press("n")
        await settle(pilot)
        assert article.content.meta.title == "linux 服务器数据迁移"
        await pilot.press("p", "p")
        await settle(pilot)
        assert article.content.meta.title == "讨论一下环境变量"


async def test_click_opens_a_post(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click(PostList, offset=(5, 2))
        await pilot.click(PostList, offset=(5, 2))
        await settle(pilot)
        assert app.reader.current == app.query_one(PostList).rows[2]


async def test_filter_as_you_type_in_chinese(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        for ch in "迁移":
            await pilot.press(ch)
        await pilot.pause()
        assert sorted(titles(app)) == ["linux 服务器数据迁移", "x86 应用如何低成本迁移到 Arm 架构"]
        await pilot.press("escape")
        await pilot.pause()
        assert len(titles(app)) == 21


async def test_category_tree_selects_posts(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(CategoryTree)
        categories = tree.root.children[1]
        news = next(n for n in categories.children if str(n.label).startswith("新媒体"))
        tree.move_cursor(news)
        await wait_for(pilot, lambda: len(titles(app)) == 3, "the category's posts")
        news.expand()
        await pilot.pause()
        assert [str(c.label) for c in news.children] == ["ZAKER (1)", "cnBeta (1)", "趣头条 (1)"]
        archive = tree.root.children[5]
        archive.expand()
        await pilot.pause()
        year = archive.children[0]
        assert str(year.label).startswith("2024")
        tree.move_cursor(year)
        await wait_for(pilot, lambda: len(titles(app)) == 2, "the year's posts")


async def test_marks_bookmarks_and_sort_survive_a_restart(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("b", "s")
        await wait_for(pilot, lambda: "oldest first" in str(app.query_one("#list-title").render()))
        assert titles(app)[0] == "javascript 中使用 callback 控制流程"
    state = StateStore()
    lib = state.library(app.reader.library_key)
    assert lib.bookmarks == {"tech/2024-11-02-env-vars.md"} and "tech/2024-11-02-env-vars.md" in lib.read
    assert lib.sort == "oldest"
    again = make_app(library)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.reader.sort == "oldest"
        article = again.query_one(ArticleView)
        await wait_for(pilot, lambda: article.content is not None, "the last post, restored")
        await pilot.pause(0.3)  # past the list's preview delay: no preview may replace it
        assert article.content.meta.title == "讨论一下环境变量"  # type: ignore[union-attr]
        index = next(i for i, m in enumerate(again.reader.library.posts) if m.title == "讨论一下环境变量")  # type: ignore[union-attr]
        assert again.reader.marks.symbol(again.reader.library.posts[index]) == " ★"  # read, bookmarked
        await pilot.press("m")
        assert not again.reader.marks.is_read(again.reader.library.posts[index].path)


async def test_find_toc_and_source(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")  # Kyoto: has headings
        await settle(pilot)
        await pilot.press("f")
        for ch in "day":
            await pilot.press(ch)
        article = app.query_one(ArticleView)
        assert len(article.matches) == 4  # title, heading, "Day one", "Day two"
        await pilot.press("enter")
        assert article.match_index == 1
        await pilot.press("escape")
        assert article.matches == []
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, PickScreen)
        options = app.screen.query_one(OptionList)
        assert options.option_count == 3
        await pilot.press("down", "enter")
        await pilot.pause()
        assert article.scroll_offset.y > 0 or article.virtual_size.height <= article.size.height
        await pilot.press("v")
        assert article.show_source and any(
            "---" not in line and "Breakfast" in line for line in article._plain
        )


async def test_open_link_and_copy(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    app = make_app(library)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one(PostList).cursor = titles(app).index("NGINX Unit 1.25.0 发布，动态 Web 应用服务器")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, PickScreen)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert opened == ["https://unit.nginx.org/installation/"]
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("down", "enter")  # the Markdown
        await pilot.pause()
        assert copied and copied[0].startswith("NGINX Unit 1.25.0")


async def open_export(pilot) -> ExportScreen:  # type: ignore[no-untyped-def]
    """The export dialog, opened on the first post of the list."""
    await settle(pilot)
    await pilot.press("enter", "e")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ExportScreen)
    return screen


async def run_export(pilot, screen: ExportScreen) -> str:  # type: ignore[no-untyped-def]
    """Press Export, wait for it, and give the dialog's result line."""
    await pilot.click("#export-run")
    await settle(pilot)
    return str(screen.query_one("#export-result").render())


async def test_export_the_list_through_the_converters(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(pilot)
        destination = screen.query_one("#export-destination", Input)
        assert destination.value == str(library.parent / "exports")  # one post: into the folder itself
        assert "this post: 讨论一下环境变量" in str(screen.query_one("#scope-post").label)
        screen.query_one("#export-format").value = "jsonl"  # type: ignore[attr-defined]
        await pilot.pause()
        assert destination.value.endswith("/讨论一下环境变量.jsonl")  # named after the post
        assert screen.paths() == [str(library / "tech" / "2024-11-02-env-vars.md")]  # the post on screen
        await pilot.click("#scope-list")
        await pilot.pause()
        assert len(screen.paths()) == 21
        assert destination.value.endswith("/all-posts.jsonl")  # the list: named after it, nothing to quote
        target = Path(destination.value)
        await pilot.click("#export-run")
        await settle(pilot)
        lines = target.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 21 and json.loads(lines[0])["schema"] == "postshelf.post/1"
        # One sample post is broken on purpose: the dialog stays open and says which.
        result = str(screen.query_one("#export-result").render())
        assert app.screen is screen and "Finished with 1 error" in result and "malformed" in result


async def test_export_the_post_on_screen_into_a_folder_with_enter(library: Path, tmp_path: Path) -> None:
    """The dialog's defaults (this post, Markdown), a folder typed in and enter: one file lands in it,
    and the next export offers the same folder."""
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(pilot)
        assert "the 21 posts in the list" in str(screen.query_one("#scope-list").label)
        box = screen.query_one("#export-destination", Input)
        box.value = str(tmp_path / "out")
        box.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert [p.name for p in (tmp_path / "out").iterdir()] == ["2024-11-02-env-vars.md"]
        assert app.is_running and app.screen is app.reader
        await pilot.press("e")
        await pilot.pause()
        again = app.screen.query_one("#export-destination", Input).value
        assert again == str(tmp_path / "out")  # the folder the last export went into


async def test_an_export_the_core_refuses_is_reported_not_fatal(
    library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from converters.options import UsageError

    def refusing(*_: object) -> int:
        raise UsageError("-o somewhere: not a folder")

    monkeypatch.setattr(export_screen, "run_convert", refusing)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(pilot)
        screen.query_one("#export-destination", Input).value = str(tmp_path / "out")
        await pilot.click("#export-run")
        await settle(pilot)
        assert "not a folder" in str(screen.query_one("#export-result").render())
        assert app.is_running and app.screen is screen
        assert not screen.query_one("#export-run").disabled


def test_export_names_need_no_quoting() -> None:
    assert export_screen.default_name("Search: 鸿蒙") == "search-鸿蒙"
    assert export_screen.default_name("新媒体 › 趣头条") == "新媒体-趣头条"
    assert export_screen.default_name("?!") == "posts"
    assert (
        export_screen.posts_phrase(1) == "the 1 post"
        and export_screen.posts_phrase(1200) == "the 1,200 posts"
    )


async def test_a_folder_without_posts_says_what_postshelf_reads(tmp_path: Path) -> None:
    (tmp_path / "notes.rst").write_text("not a post", encoding="utf-8")
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert titles(app) == []
        shown = " ".join(str(r) for r in app.query_one(ArticleView).renderables())
        assert f"No posts in {tmp_path}." in shown and ".txt files that open with front matter" in shown


def test_the_export_dialog_shows_errors_before_warnings() -> None:
    log = "".join(f"p{i}.md: warning: unreadable date\n" for i in range(8)) + "bad.md:3: error: malformed\n"
    assert worst_first(log, 3) == [
        "bad.md:3: error: malformed",
        "p0.md: warning: unreadable date",
        "p1.md: warning: unreadable date",
        "… and 6 more",
    ]
    assert worst_first("a.md: warning: w\n\n") == ["a.md: warning: w"]


async def test_reload_sees_changes_and_a_vanished_folder(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        (library / "travel" / "2024-05-02-kyoto.md").unlink()
        await pilot.press("r")
        await settle(pilot)
        assert len(titles(app)) == 20
        shutil.rmtree(library)
        await pilot.press("r")
        await settle(pilot)
        assert titles(app) == []


async def test_help_lists_every_key(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = {row[0] for row in app.screen.rows}
        for key in (
            "q",
            "?",
            "/",
            "ctrl+f",
            "f",
            "t",
            "o",
            "c",
            "e",
            "m",
            "b",
            "s",
            "v",
            "r",
            "n",
            "p",
            "j",
            "enter",
        ):
            assert any(key == k or key in k.split() for k in keys), key
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_search_the_whole_library(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search_for(pilot, "canal")
        assert titles(app) == ["Three quiet days in Kyoto"]


async def test_quit(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0 or app.return_code is None


async def test_hostile_posts_are_shown_literally(tmp_path: Path) -> None:
    root = tmp_path / "hostile"
    root.mkdir()
    (root / "evil.md").write_text(
        '---\ntitle: "[bold red]boom[/] \\e]52;c;ZXZpbA==\\a \\e[2J"\ncategories: ["[link=https://x]y[/link]"]\n---\n'
        "Body with [b]markup[/b] and \x1b[31mred\x1b[0m and a bell \x07.\n",
        encoding="utf-8",
    )
    (root / "broken.md").write_text("---\ntitle: x\ntags:\n- a\n-b\n---\nText.\n", encoding="utf-8")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        posts = app.query_one(PostList)
        evil = next(i for i in posts.rows if posts.posts[i].title.startswith("[bold"))
        posts.cursor = posts.rows.index(evil)
        await pilot.press("enter")
        await settle(pilot)
        screen_text = "\n".join(app.query_one(ArticleView)._plain)
        assert "[bold red]boom[/]" in screen_text and "[b]markup[/b]" in screen_text
        assert "\x1b" not in screen_text and "\x07" not in screen_text and "␛" in screen_text
        line = posts.render_line(posts.rows.index(evil) - posts.scroll_offset.y)
        assert "[bold red]boom[/]" in line.text and "\x1b" not in line.text
        tree_labels = " ".join(str(n.label) for n in app.query_one(CategoryTree).root.children[1].children)
        assert "[link=https://x]y[/link]" in tree_labels
        broken = next(i for i in posts.rows if posts.posts[i].title == "x")
        posts.focus()  # opening the first post moved the focus to the article
        posts.cursor = posts.rows.index(broken)
        await pilot.press("enter")
        await settle(pilot)
        shown = "\n".join(app.query_one(ArticleView)._plain)
        assert "problems" in shown and "malformed YAML" in shown
        assert app.reader.marks.symbol(posts.posts[broken]) == "! "


async def test_corrupt_state_is_set_aside(library: Path, isolated_dirs: Path) -> None:
    state = isolated_dirs / "state" / "postshelf" / "state.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text("{broken")
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert any("corrupt" in n.message for n in app._notifications)
    assert (state.parent / "state.json.corrupt-1").exists()
    assert json.loads(state.read_text())["version"] == 1


async def test_keys_can_be_remapped(library: Path, isolated_dirs: Path) -> None:
    config = isolated_dirs / "config" / "postshelf" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[keys]\nbookmark = "x"\n')
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert app.reader.state.bookmarks


async def test_narrow_terminal_collapses_panes(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.has_class("narrow")
        assert not app.query_one("#tree-pane").display
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.has_class("reading") and not app.query_one("#list-pane").display
        await pilot.press("escape")
        assert not app.screen.has_class("reading")
        await pilot.press("backslash")
        await pilot.pause()
        assert app.query_one("#tree-pane").display


async def test_theme_toggle_and_command_palette(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dark = app.current_theme.dark
        await pilot.press("ctrl+t")
        assert app.current_theme.dark != dark
        titles_of_commands = [c.title for c in app.get_system_commands(app.screen)]
        for name in ("Search", "Find", "Contents", "Export", "Bookmark", "Sort", "Source", "Reload"):
            assert name in titles_of_commands


def test_launch_picks_the_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.launch import choose_library, sample_library

    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text("# A project, not a blog\n")
    assert choose_library(None) == sample_library()
    assert Path(sample_library(), "news", "2022-01-11-city-parks.txt").exists()  # shipped as package data
    posts = tmp_path / "source" / "_posts"
    posts.mkdir(parents=True)
    (posts / "hello.md").write_text("---\ntitle: Hello\n---\nHi.\n")
    assert choose_library(None) == str(tmp_path)
    assert choose_library("elsewhere") == "elsewhere"


async def test_cached_library_is_shown_then_confirmed(library: Path) -> None:
    from converters.library import scan_library

    scan_library([str(library)], timezone.utc, "local")  # a previous session left a cache
    app = PostshelfApp([str(library)], zone=timezone.utc, use_cache=True)
    async with app.run_test(size=SIZE) as pilot:
        assert len(titles(app)) == 21  # in the very first frame: no worker had to run
        await settle(pilot)
        assert len(titles(app)) == 21
        assert "Scanning" not in str(app.query_one("#list-title").render())


async def test_a_cache_gone_stale_is_corrected_after_the_first_frame(library: Path) -> None:
    from converters.library import scan_library

    scan_library([str(library)], timezone.utc, "local")
    (library / "added-since.md").write_text("---\ntitle: Added since\ndate: 2030-01-01\n---\nNew.\n")
    app = PostshelfApp([str(library)], zone=timezone.utc, use_cache=True)
    async with app.run_test(size=SIZE) as pilot:
        assert "Added since" not in titles(app)  # what the cache knew
        await settle(pilot)
        assert titles(app)[0] == "Added since"  # what the check then found


async def test_tab_cycles_the_panes(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, PostList)
        await pilot.press("tab")
        assert isinstance(app.focused, ArticleView)
        await pilot.press("shift+tab", "shift+tab")
        assert isinstance(app.focused, CategoryTree)


async def test_a_post_that_breaks_the_converter_does_not_close_the_reader(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import converters.document

    def broken(self):  # type: ignore[no-untyped-def]
        raise ValueError("simulated converter bug")

    monkeypatch.setattr(converters.document.Rendered, "markdown", property(broken))
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        shown = "".join(line.strip(" │") for line in app.query_one(ArticleView)._plain)
        assert "could not convert: ValueError" in shown
        assert app.is_running


async def test_html_emphasis_fallbacks_show_as_emphasis_not_tags(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        posts = app.query_one(PostList)
        posts.cursor = titles(app).index("盘点2022丨滨海城市新增口袋公园_市民家门口的绿色客厅_")
        await pilot.press("enter")
        await settle(pilot)
        article = app.query_one(ArticleView)
        assert "<strong>" in article.content.markdown  # type: ignore[union-attr]  # the pipeline had to fall back
        shown = "".join(line.rstrip() for line in article._plain)
        assert "<strong>" not in shown and "**" not in shown and "晚饭后终于有地方散步了" in shown
        bold = [seg for strip in article.lines for seg in strip if "晚饭后" in seg.text]
        assert bold and all(seg.style is not None and seg.style.bold for seg in bold)


async def test_a_proxied_cover_shows_and_opens_as_the_image_itself(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one(PostList).cursor = titles(app).index(
            "盘点2022丨滨海城市新增口袋公园_市民家门口的绿色客厅_"
        )
        await pilot.press("enter")
        await settle(pilot)
        shown = "".join(app.query_one(ArticleView)._plain)
        assert "cover: http://static.example-news.cn/img/2022/01/11/park-cover.jpeg" in shown
        assert "workers.dev" not in shown
        await pilot.press("o")
        await pilot.pause()
        links = app.screen.query_one(OptionList)
        prompts = [str(links.get_option_at_index(i).prompt) for i in range(links.option_count)]
        assert "cover image: http://static.example-news.cn/img/2022/01/11/park-cover.jpeg" in prompts
        assert not any("workers.dev" in p for p in prompts)


async def test_a_large_first_scan_runs_in_a_process_of_its_own(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import converters.loading as app_module

    calls: list[list[str]] = []
    real = app_module.fill_cache_in_subprocess

    def spy(paths: list[str], *args: object) -> bool:
        calls.append(paths)
        return real(paths, *args)  # type: ignore[arg-type]

    scans: list[list[str]] = []
    real_scan = app_module.scan_library

    def scan_spy(paths: list[str], *args: object, **kwargs: object) -> object:
        scans.append(paths)
        return real_scan(paths, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(app_module, "fill_cache_in_subprocess", spy)
    monkeypatch.setattr(app_module, "scan_library", scan_spy)
    monkeypatch.setattr(app_module, "SCAN_ELSEWHERE_FROM", 5)
    app = PostshelfApp([str(library)], zone=None, zone_key="local", use_cache=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert calls == [[str(library)]]
        assert scans == []  # shown from the cache the other process filled, which the files still match
        assert len(titles(app)) == 21
    # A library whose dates are read in another zone than its key names is scanned here, by this process.
    calls.clear()
    other = shutil.copytree(library, library.parent / "other")
    app = PostshelfApp([str(other)], zone=timezone(timedelta(hours=5)), zone_key="local", use_cache=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert calls == [] and scans == [[str(other)]] and len(titles(app)) == 21


async def test_unreadable_posts_are_announced_once_per_set(tmp_path: Path) -> None:
    """The cache's library, then the full scan's: the same broken posts are not announced twice."""
    from converters.library import scan_library
    from converters.loading import Loaded
    from tui.screens.reader import LibraryLoaded

    root = tmp_path / "shelf"
    root.mkdir()
    (root / "good.md").write_text("---\ntitle: 好\n---\n正文。\n", encoding="utf-8")
    (root / "broken.md").write_text("---\ntitle: x\ntags:\n- a\n-b\n---\nText.\n", encoding="utf-8")
    app = make_app(root)
    told: list[str] = []
    notify = app.notify

    def recording(message: str, **kwargs: object) -> None:  # (a toast expires; this list does not)
        told.append(message)
        notify(message, **kwargs)  # type: ignore[arg-type]

    app.notify = recording  # type: ignore[method-assign]

    def warnings() -> list[str]:
        return [m for m in told if "could not be read cleanly" in m]

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert warnings() == ["1 post(s) could not be read cleanly: see Problems"]
        app.reader.post_message(
            LibraryLoaded(Loaded(scan_library([str(root)], timezone.utc, use_cache=False), checked=True))
        )
        await settle(pilot)
        assert len(warnings()) == 1
        (root / "broken2.md").write_text("---\ntitle: [unclosed\n---\nText.\n", encoding="utf-8")
        app.reader.post_message(
            LibraryLoaded(Loaded(scan_library([str(root)], timezone.utc, use_cache=False), checked=True))
        )
        await settle(pilot)
        assert warnings()[-1] == "2 post(s) could not be read cleanly: see Problems"


async def test_a_first_scan_elsewhere_keeps_the_paths_as_given(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opened by a relative path: the other process caches the posts under that path too, so the check
    that follows finds them all and reads none again (it used to cache absolute paths, and rescan)."""
    import converters.loading as loading

    scans: list[list[str]] = []
    real_scan = loading.scan_library
    monkeypatch.setattr(
        loading, "scan_library", lambda paths, *a, **k: scans.append(paths) or real_scan(paths, *a, **k)
    )
    monkeypatch.setattr(loading, "SCAN_ELSEWHERE_FROM", 5)
    monkeypatch.chdir(library.parent)
    app = PostshelfApp([library.name], zone=None, zone_key="local", use_cache=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert scans == [] and len(titles(app)) == 21
        assert all(not Path(m.path).is_absolute() for m in app.reader.library.posts)  # type: ignore[union-attr]


async def test_search_follows_the_words_as_they_are_typed_with_snippets_and_matches(library: Path) -> None:
    """ctrl+f (issue 18): results come while typing (the prompt still open), each with the text around
    its match; the article of a result opens with its matches found, and f, enter steps through them."""
    from tui.screens.prompt import PromptScreen
    from tui.widgets.article import ArticleView

    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await pilot.pause()
        for ch in "环境":
            await pilot.press(ch)
        await wait_for(pilot, lambda: len(titles(app)) == 3, "results while typing")
        assert isinstance(app.screen, PromptScreen)  # (still typing)
        assert "Search: 环境" in str(app.reader.query_one("#list-title", Label).render())
        posts = app.query_one(PostList)
        line = "".join(segment.text for segment in posts.render_line(0))
        assert "—" in line and "环境" in line.split("—", 1)[1]  # the snippet, after the title
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is posts
        await pilot.press("enter")  # open the best result
        await settle(pilot)
        article = app.query_one(ArticleView)
        await wait_for(pilot, lambda: len(article.matches) >= 1, "the matches in the article")
        first = article.match_index
        await pilot.press("f")
        await pilot.press("enter")
        await pilot.pause()
        assert len(article.matches) == 1 or article.match_index != first
        await pilot.press("escape", "escape", "escape")  # find, article, then out of the results
        await settle(pilot)
        assert len(titles(app)) == 21


async def test_a_search_asked_for_while_the_posts_are_read_runs_once_they_are(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+f while a large library is still being read (no list yet to show results in): the search waits
    for the posts, says so, and runs once they are read; it never fails."""
    import threading

    from tui.screens import reader as reader_module

    gate = threading.Event()
    real_open = reader_module.open_library

    def slow_open(*args: Any, **kwargs: Any) -> Any:
        gate.wait(10)
        yield from real_open(*args, **kwargs)

    monkeypatch.setattr(reader_module, "open_library", slow_open)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.reader.library is None
        await pilot.press("ctrl+f", *"环境", "enter")
        await pilot.pause(0.5)  # (past the wait for typing to pause)
        assert "once the posts are read" in str(app.reader.query_one("#list-title", Label).render())
        gate.set()
        await wait_for(pilot, lambda: len(titles(app)) == 3, "the results, once the posts are read")
        assert app.reader.selection is not None and app.reader.selection.kind == "search"


async def test_an_article_opened_from_a_search_finds_each_of_its_words(library: Path) -> None:
    """Every word of the search is found in the article (not only the longest), and a phrase's words one
    by one: the text may hold them with spaces between, or none."""
    from tui.widgets.article import ArticleView

    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search_for(pilot, '环境 "变量"')
        await pilot.press("enter")
        await settle(pilot)
        article = app.query_one(ArticleView)
        await wait_for(pilot, lambda: len(article.matches) >= 2, "the matches in the article")
        found = {article._plain[row][start:end] for row, start, end in article.matches}
        assert found == {"环境", "变量"}
        await pilot.press("f", "enter")  # (f shows the search's words, and steps through all of them)
        await pilot.pause()
        assert article.match_index == 1
        find = app.reader.query_one("#find", Input)
        assert find.value == "环境 变量"
        await pilot.press(*["backspace"] * len(find.value), *"变量")  # typed: found as typed
        await pilot.pause()
        assert {article._plain[row][start:end] for row, start, end in article.matches} == {"变量"}


async def test_a_search_finds_a_post_edited_since_the_library_was_read(library: Path) -> None:
    """ctrl+f brings the index up to date with the files first: an edit made while the reader is open is
    found without r."""
    app = make_app(library, zone_key="utc")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        edited = next(library.rglob("*.md"))
        edited.write_text(edited.read_text(encoding="utf-8") + "\n\n鹦鹉螺号\n", encoding="utf-8")
        await search_for(pilot, "鹦鹉螺号")
        await wait_for(pilot, lambda: len(titles(app)) == 1, "the post edited")


async def test_the_list_title_says_how_far_the_index_build_has_got(library: Path) -> None:
    """Searching while the index is built says so first (a list 35 columns wide shows it), not "(0)"; any
    list says when the build is done."""
    from tui.screens.reader import IndexProgress

    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        reader = app.reader

        def title() -> str:
            return str(reader.query_one("#list-title", Label).render())

        await search_for(pilot, "环境")
        reader.post_message(IndexProgress(reader.library, 390, 1000))  # type: ignore[arg-type]
        await wait_for(
            pilot, lambda: title().startswith("Search: 环境 · indexing 39%"), "the build's progress"
        )
        await pilot.press("escape")
        await settle(pilot)
        reader.post_message(IndexProgress(reader.library, 700, 1000))  # type: ignore[arg-type]
        await wait_for(pilot, lambda: "· indexing 70%" in title() and title().startswith("All posts (21)"))
        reader.post_message(IndexProgress(reader.library, 1, 1))  # type: ignore[arg-type]
        await wait_for(pilot, lambda: "indexing" not in title(), "the end of the build, said")


async def test_a_search_shown_while_the_index_is_built_runs_again_as_it_goes(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build commits as it goes: the search shown runs again on its progress, once every
    SEARCH_REFRESH seconds at most, and once more at its end."""
    from tui.screens import reader as reader_module
    from tui.screens.reader import IndexProgress

    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        reader = app.reader
        await search_for(pilot, "环境")
        runs: list[str] = []
        monkeypatch.setattr(reader, "search_library", runs.append)
        reader.post_message(IndexProgress(reader.library, 390, 1000))  # type: ignore[arg-type]
        await settle(pilot)
        assert runs == []  # (the search has just run)
        monkeypatch.setattr(reader_module, "SEARCH_REFRESH", 0.0)
        reader.post_message(IndexProgress(reader.library, 700, 1000))  # type: ignore[arg-type]
        await wait_for(pilot, lambda: runs == ["环境"], "the search run again")
        reader.post_message(IndexProgress(reader.library, 1, 1))  # type: ignore[arg-type]
        await wait_for(pilot, lambda: runs == ["环境", "环境"], "and at the end")


async def test_a_large_index_build_runs_in_a_process_of_its_own(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Posts enough to index on every core (here 21, as if many) are indexed by a new process: the reader
    runs threads, so it may not fork workers, and under Textual it cannot spawn them either (the resource
    tracker of multiprocessing asks ``sys.stderr`` for a descriptor, which Textual's stand-in lacks)."""
    from converters import search_index, workers

    monkeypatch.setattr(search_index, "PARALLEL_FROM", 5)
    elsewhere: list[str] = []
    run = workers.run_elsewhere
    monkeypatch.setattr(
        workers, "run_elsewhere", lambda module, *a: elsewhere.append(module) or run(module, *a)
    )
    app = make_app(library, zone_key="utc")  # (the zone a process of its own knows by its key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search_for(pilot, "环境")
        await wait_for(pilot, lambda: len(titles(app)) == 3, "the posts found")
        assert elsewhere == ["search_index"]
        assert not [n.message for n in app._notifications if "search index" in n.message]


async def test_a_search_lists_its_best_hits_and_says_how_many_there_are(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.screens import reader

    monkeypatch.setattr(reader, "SEARCH_HITS", 2)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search_for(pilot, "环境")
        await wait_for(pilot, lambda: len(titles(app)) == 2, "the best two")
        assert "Search: 环境 (2 of 3) · best first" in str(
            app.reader.query_one("#list-title", Label).render()
        )


async def test_a_query_that_finds_nothing_says_so_and_a_mistyped_one_is_no_error(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for query in ('"unbalanced', "NEAR(", "nothingmatchesthis"):
            await search_for(pilot, query)
            assert titles(app) == []
            assert "(0)" in str(app.reader.query_one("#list-title", Label).render())
            await pilot.press("escape")
            await settle(pilot)


async def test_no_worker_is_described_by_the_whole_library(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual describes a @work call by the repr of its arguments, and logs messages by theirs: with a
    library's 100k stamps or posts in them that was ~100 MB at the reader's peak (issue 18)."""
    from textual.worker import Worker

    described: list[str] = []
    init = Worker.__init__

    def recording(self: Worker[object], *args: object, **kwargs: object) -> None:
        described.append(str(kwargs.get("description", "")))
        init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Worker, "__init__", recording)
    app = make_app(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
    assert described and max(len(d) for d in described) < 200, max(described, key=len)[:300]
