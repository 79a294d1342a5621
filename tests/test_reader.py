"""The reader as a user meets it (issue 14): every character on screen, every key on the post on screen,
the place kept, one focus model, help that tells the truth, export and copy that say what they did."""

from __future__ import annotations

import itertools
import shutil
import unicodedata
from datetime import timezone
from pathlib import Path

import pytest
from helpers import search_for, settle, titles, wait_for
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual.widgets import OptionList

from tui import clipboard
from tui.app import PostshelfApp
from tui.keys import key_label
from tui.post_markdown import PostMarkdown
from tui.screens.export import ExportScreen
from tui.screens.help import HelpScreen
from tui.screens.pick import PickScreen
from tui.state import LibraryState, StateStore
from tui.text import safe
from tui.widgets.article import ArticleView, layout_lines
from tui.widgets.category_tree import CategoryTree
from tui.widgets.post_list import PostList

SAMPLES = Path(__file__).resolve().parents[1] / "converters" / "samples"
LONG = Path(__file__).parent / "fixtures" / "reader" / "long-cjk.md"
SIZES = [(80, 24), (100, 30), (120, 35), (200, 50)]
CJK = "\u3400-\u4dbf\u4e00-\u9fff"


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    shutil.copytree(SAMPLES, root)
    shutil.copy(LONG, root / "tech" / "2022-01-12-long-cjk.md")
    return root


def make_app(root: Path, **kwargs: object) -> PostshelfApp:
    return PostshelfApp(
        [str(root)], zone=timezone.utc, use_cache=False, export_base=root.parent / "exports", **kwargs
    )  # type: ignore[arg-type]


def cjk_of(text: str) -> str:
    import re

    return "".join(re.findall(f"[{CJK}]", text))


async def move_to(pilot, title: str, wait_preview: bool = True) -> int:  # type: ignore[no-untyped-def]
    """Put the list's cursor on a post, and wait for its preview."""
    app = pilot.app
    posts = app.query_one(PostList)
    posts.cursor = titles(app).index(title)
    index = posts.rows[posts.cursor]
    if wait_preview:
        await wait_for(pilot, lambda: app.reader.current == index, f"the preview of {title}")
    return index


LONG_TITLE = "在终端里读长文：一次关于换行的讨论"


async def read_long(pilot) -> ArticleView:  # type: ignore[no-untyped-def]
    """Open the long Chinese fixture article with enter, as a reader would; its view."""
    await move_to(pilot, LONG_TITLE)
    await pilot.press("enter")
    await settle(pilot)
    return pilot.app.query_one(ArticleView)  # type: ignore[no-any-return]


# --- 1. every character on screen ------------------------------------------------------------------------

TOKENS = st.sampled_from(
    [
        "中文", "排版", "测试", "终端", "阅读器", "，", "。", "、", "“引号”", "（括号）", "Latin", "words",
        "Anti-Curriculum", "GPT-4", "café", "nai\u0308ve", "e\u0301", "😀", "🎉", "2022", " ", " ", " ",
        "https://example.org/a/very/long/path/that/does/not/fit/anywhere/at/all?x=1",
    ]
)  # fmt: skip


def visible(text: str) -> str:
    """The characters a reader must see, in order (spaces may become line ends)."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text) if not ch.isspace())


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(TOKENS, min_size=1, max_size=40).map("".join), min_size=1, max_size=4),
    st.integers(10, 220),
)
def test_layout_keeps_every_character_within_the_width(paragraphs: list[str], width: int) -> None:
    """The property behind the article pane: laid out for a width, the lines hold every character of the
    text in order and none is wider than the width."""
    markdown = "\n\n".join(p.strip() or "x" for p in paragraphs)
    console = Console(width=width, color_system=None)
    lines = layout_lines([PostMarkdown(markdown)], console, width)
    assert all(cell_len(line.text) <= width for line in lines)
    shown = visible("".join(line.text for line in lines))
    assert shown == visible(markdown)


def assert_fits(article: ArticleView) -> None:
    """The article is laid out for the width it is drawn in, and loses no CJK character to it."""
    assert article._width == article.text_width, (article._width, article.text_width)
    assert max(cell_len(line) for line in article._plain) <= article.text_width
    console = Console(width=400, color_system=None)
    wide = "".join(line.text for line in layout_lines(article.renderables(), console, 400))
    assert cjk_of("".join(article._plain)) == cjk_of(wide)


@pytest.mark.parametrize("size", SIZES)
async def test_the_article_fits_its_pane_in_every_state(library: Path, size: tuple[int, int]) -> None:
    """Previewed, opened, after the tree is toggled twice, after the terminal narrows and widens, and
    restored at the next start: always laid out for the width it is drawn in (content less scrollbar)."""
    app = make_app(library)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await move_to(pilot, "在终端里读长文：一次关于换行的讨论")
        await settle(pilot)
        article = app.query_one(ArticleView)
        if article.display and article.region.width:  # (at 80 columns the preview pane is folded away)
            assert_fits(article)
        await pilot.press("enter")
        await settle(pilot)
        assert_fits(article)
        assert article.virtual_size.height > article.size.height  # long enough for a scrollbar
        await pilot.press("backslash")
        await settle(pilot)
        assert_fits(article)
        await pilot.press("backslash")
        await settle(pilot)
        assert_fits(article)
        await pilot.resize_terminal(size[0] - 17, size[1])
        await settle(pilot)
        assert_fits(article)
        await pilot.resize_terminal(*size)
        await settle(pilot)
        assert_fits(article)
    again = make_app(library)
    async with again.run_test(size=size) as pilot:
        await settle(pilot)
        article = again.query_one(ArticleView)
        assert article.content is not None and article.content.meta.title.startswith("在终端里读长文")
        if article.display and article.region.width:
            assert_fits(article)


async def test_paging_never_skips_a_line(library: Path) -> None:
    """However fast space is pressed, each page starts on the last line of the one before."""
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        article = await read_long(pilot)
        height = article.scrollable_content_region.height
        tops = [article.scroll_offset.y]
        for _ in range(6):
            await pilot.press("space")
            tops.append(article.scroll_offset.y)
        steps = [b - a for a, b in itertools.pairwise(tops)]
        assert all(0 < step <= height - 1 for step in steps[:-1]), (steps, height)
        await pilot.press("pageup")
        assert article.scroll_offset.y == tops[-1] - (height - 1) or tops[-1] < height


# --- 2. one current post ---------------------------------------------------------------------------------


async def test_keys_act_on_the_post_on_screen(library: Path) -> None:
    """Open one post, then let the cursor preview another: b, m and e act on the previewed one, the one
    the article shows, and the list marks it."""
    app = make_app(library)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # opens the first post
        await settle(pilot)
        first = app.reader.current
        await pilot.press("escape")  # back to the list
        previewed = await move_to(pilot, "Three quiet days in Kyoto")
        assert previewed != first
        posts = app.query_one(PostList)
        assert posts.shown == previewed
        assert app.query_one(ArticleView).content.meta.title == "Three quiet days in Kyoto"  # type: ignore[union-attr]
        await pilot.press("b")
        path = app.reader.library.posts[previewed].path  # type: ignore[union-attr]
        assert app.reader.marks.is_bookmarked(path)
        assert not app.reader.marks.is_bookmarked(app.reader.library.posts[first].path)  # type: ignore[union-attr,index]
        await pilot.press("m")
        assert app.reader.marks.is_read(path)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen) and app.screen.request.current == path
        await pilot.press("escape")
        await pilot.press("n")  # next: after the post on screen, not after the one opened first
        await settle(pilot)
        assert app.reader.current == posts.rows[posts.rows.index(previewed) + 1]


async def test_keys_act_on_a_search_result_on_screen(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await search_for(pilot, "canal")
        assert titles(app) == ["Three quiet days in Kyoto"]
        assert app.focused is app.query_one(PostList)  # the results have the focus
        await pilot.press("j")  # (the cursor rests on the only result: its preview comes)
        await wait_for(
            pilot, lambda: app.reader.current == app.query_one(PostList).rows[0], "the result's preview"
        )
        await pilot.press("b")
        assert app.reader.state.bookmarks == {"travel/2024-05-02-kyoto.md"}


# --- 3. the place is kept --------------------------------------------------------------------------------


async def test_the_post_and_the_place_in_it_survive_a_restart(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await move_to(pilot, "在终端里读长文：一次关于换行的讨论")
        await pilot.press("enter")
        await settle(pilot)
        for _ in range(3):
            await pilot.press("space")
        article = app.query_one(ArticleView)
        place = article.position
        assert place > 0.2
    saved = StateStore().library(app.reader.library_key)
    assert saved.last_post == "tech/2022-01-12-long-cjk.md" and saved.last_position == pytest.approx(place)
    again = make_app(library)
    async with again.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        article = again.query_one(ArticleView)
        assert article.content is not None and article.content.meta.title.startswith("在终端里读长文")
        assert article.position == pytest.approx(place, abs=0.03)
        assert again.query_one(PostList).shown == again.reader.current


async def test_the_sort_is_kept_per_library(library: Path, tmp_path: Path) -> None:
    other = shutil.copytree(library, tmp_path / "other")
    app = make_app(library)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("s", "s")  # title
        assert app.reader.sort == "title"
    app = make_app(other)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        assert app.reader.sort == "date"
    app = make_app(library)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        assert app.reader.sort == "title" and "· title" in str(app.query_one("#list-title").render())


def test_library_state_ignores_fields_of_the_wrong_type() -> None:
    state = LibraryState.from_json(
        {"read": 5, "bookmarks": ["a", 3], "last_post": [], "last_position": "x", "sort": "sideways"}
    )
    assert state == LibraryState(bookmarks={"a"})
    assert LibraryState.from_json({"last_position": 7}).last_position == 1.0


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe{", b"[" * 100_000 + b"]" * 100_000, b'{"libraries": 5}', b'{"theme": "nonexistent-theme"}'],
)
async def test_a_damaged_state_file_never_stops_the_reader(
    library: Path, isolated_dirs: Path, content: bytes
) -> None:
    state = isolated_dirs / "state" / "postshelf" / "state.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_bytes(content)
    app = make_app(library)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        assert len(titles(app)) == 22 and app.is_running


# --- 4. paging: see above; 5. help tells the truth ------------------------------------------------------------


async def test_help_shows_remapped_keys_in_one_notation(library: Path, isolated_dirs: Path) -> None:
    config = isolated_dirs / "config" / "postshelf" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[keys]\nbookmark = "x"\n')
    app = make_app(library)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = {what: keys for keys, what, _ in app.screen.rows}
        assert rows["Bookmark the post"] == "x"
        assert rows["Leave postshelf"] == "ctrl+q, q"
        quits = [keys for keys, what, where in app.screen.rows if "quit" in what.lower() or "Leave" in what]
        assert len(quits) == 1  # one row for quitting, whatever its keys
        every_key = ", ".join(rows.values())
        assert "^" not in every_key and "⏎" not in every_key
        assert "ctrl+f" in every_key and "enter" in every_key and "ctrl+p" in every_key
        await pilot.press("G")  # help scrolls to its end
        view = app.screen.query_one("VerticalScroll")
        assert view.scroll_offset.y == view.max_scroll_y


def test_keys_are_written_one_way() -> None:
    assert [key_label(k) for k in ("ctrl+f", "question_mark", "slash", "enter", "pagedown", "shift+tab")] == [
        "ctrl+f", "?", "/", "enter", "pgdn", "shift+tab",
    ]  # fmt: skip


async def test_the_footer_uses_the_same_notation(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        footer = " ".join(str(key.render()) for key in app.query("FooterKey"))
        assert "ctrl+f" in footer and "^f" not in footer


# --- 6. focus ---------------------------------------------------------------------------------------------


async def test_escape_goes_back_one_level_at_a_time(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.focused, ArticleView)
        await pilot.press("f", "d", "a")
        assert app.focused.id == "find"  # type: ignore[union-attr]
        await pilot.press("escape")
        assert isinstance(app.focused, ArticleView) and not app.query_one(ArticleView).matches
        await pilot.press("escape")
        assert isinstance(app.focused, PostList)
        await pilot.press("escape")
        assert isinstance(app.focused, CategoryTree)


async def test_escape_leaves_search_results(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await search_for(pilot, "canal")
        assert "Search: canal" in str(app.query_one("#list-title").render())
        await pilot.press("escape")
        assert "Search" not in str(app.query_one("#list-title").render()) and len(titles(app)) == 22


async def test_keys_work_after_a_dialog_closes(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        article = await read_long(pilot)
        for dialog in ("t", "o", "c", "e", "question_mark"):
            await pilot.press(dialog)
            await pilot.pause()
            assert app.screen is not app.reader
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is app.reader and app.focused is article, dialog
        await pilot.press("G")
        assert article.scroll_offset.y == article.max_scroll_y > 0
        await pilot.press("g")
        assert article.scroll_offset.y == 0


async def test_the_category_tree_works_from_the_keyboard(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("shift+tab")
        tree = app.query_one(CategoryTree)
        assert app.focused is tree
        await pilot.press("j")  # Categories
        assert tree.cursor_line == 1
        await pilot.press("j")  # its first child
        child = tree.cursor_node
        assert child is not None and child.data is not None and child.data.kind == "category"
        assert titles(app) and len(titles(app)) < 22
        await pilot.press("h")  # up to Categories
        assert tree.cursor_line == 1
        await pilot.press("k", "enter")  # All posts: a leaf, so enter goes to its posts
        assert app.focused is app.query_one(PostList) and len(titles(app)) == 22


async def test_the_focused_pane_is_marked(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)

        def highlighted() -> list[str]:
            """The panes whose title line stands out from the others'."""
            panes = list(app.query(".pane"))
            colours = [pane.query_one(".pane-title").styles.background for pane in panes]
            return [p.id or "" for p, c in zip(panes, colours, strict=True) if colours.count(c) == 1]

        assert highlighted() == ["list-pane"]
        await pilot.press("shift+tab")
        await pilot.pause()
        assert highlighted() == ["tree-pane"]
        await pilot.press("tab", "tab")
        await pilot.pause()
        assert highlighted() == ["article-pane"]


# --- 7. export; 8. copy --------------------------------------------------------------------------------------


async def choose(pilot, label: str) -> None:  # type: ignore[no-untyped-def]
    """Pick the option of a PickScreen whose label starts with ``label``."""
    screen = pilot.app.screen
    assert isinstance(screen, PickScreen)
    screen.query_one(OptionList).highlighted = next(
        i for i, (text, _) in enumerate(screen.items) if text.startswith(label)
    )
    await pilot.press("enter")


async def test_copy_says_how_the_text_was_sent(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[str, list[str]]] = []

    def fake_run(command: list[str], input: bytes, **_: object) -> object:
        sent.append((input.decode(), command))
        return type("Done", (), {"returncode": 0})()

    app = make_app(library)
    osc: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", osc.append)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(clipboard, "system_tool", lambda: None)
        await pilot.press("c")
        await pilot.pause()
        await choose(pilot, "file path")
        await settle(pilot)
        path = app.reader.library.posts[app.reader.current].path  # type: ignore[union-attr,index]
        assert osc == [path]
        last = app._notifications
        assert any("OSC 52" in n.message and "no clipboard tool" in n.message for n in last)
        monkeypatch.setattr(clipboard, "system_tool", lambda: ("xclip", ["xclip", "-selection", "clipboard"]))
        monkeypatch.setattr(clipboard.subprocess, "run", fake_run)
        await pilot.press("c")
        await pilot.pause()
        await choose(pilot, "file path")
        await settle(pilot)
        assert sent == [(path, ["xclip", "-selection", "clipboard"])]
        assert any(
            n.message.startswith(f"Copied {len(path)} characters with xclip") for n in app._notifications
        )


def test_clipboard_tools_are_found_only_with_a_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WSL_DISTRO_NAME", raising=False)
    monkeypatch.setattr(clipboard.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(clipboard.sys, "platform", "linux")
    assert clipboard.system_tool() is None
    monkeypatch.setenv("DISPLAY", ":0")
    assert clipboard.system_tool() == ("xclip", ["xclip", "-selection", "clipboard"])
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert clipboard.system_tool() == ("wl-copy", ["wl-copy"])


# --- 9. smaller things -------------------------------------------------------------------------------------


async def test_reading_gives_the_article_most_of_the_width(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.query_one(ArticleView).text_width >= 65
        await pilot.press("escape")
        await pilot.pause()
        assert app.query_one("#tree-pane").display and app.query_one(ArticleView).text_width < 65


def test_an_image_in_a_quote_stays_in_the_quote() -> None:
    console = Console(width=40, color_system=None)
    lines = [
        line.text.rstrip()
        for line in layout_lines([PostMarkdown("> ![仓库外景](http://x/a.jpg)\n>\n> 引用")], console, 40)
    ]
    assert [line for line in lines if line] == ["▌ 🌆 仓库外景", "▌ 引用"]
    inline = [
        line.text.rstrip()
        for line in layout_lines([PostMarkdown("before ![a](http://x/a.jpg) after")], console, 40)
    ]
    assert inline == ["before 🌆 a after"]


def test_bidi_controls_never_reach_the_terminal() -> None:
    assert safe("abc\u202etxt.exe\u2066x\u2069\u200f") == "abctxt.exex"


async def test_bidi_controls_in_titles_are_dropped_on_screen(tmp_path: Path) -> None:
    root = tmp_path / "bidi"
    root.mkdir()
    (root / "a.md").write_text('---\ntitle: "invoice\u202efdp.exe"\n---\nText.\n', encoding="utf-8")
    app = make_app(root)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        posts = app.query_one(PostList)
        line = posts.render_line(0).text
        assert "invoicefdp.exe" in line and "\u202e" not in line
        await wait_for(pilot, lambda: app.reader.current == 0, "the preview")
        assert not any("\u202e" in line for line in app.query_one(ArticleView)._plain)


async def test_rescan_says_what_it_found(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        (library / "new.md").write_text(
            "---\ntitle: 新来的\ndate: 2030-01-01\n---\n正文。\n", encoding="utf-8"
        )
        await pilot.press("r")
        await settle(pilot)
        assert any(n.message == "Rescanned: 23 posts (1 new, 0 gone)" for n in app._notifications)


def test_text_is_never_markup() -> None:
    assert Text(safe("[bold]x[/bold]")).plain == "[bold]x[/bold]"


# --- what trying it in tmux found -------------------------------------------------------------------------


async def test_the_cursor_row_is_never_hidden_under_a_scrollbar(tmp_path: Path) -> None:
    """Rows are cut to the pane, never scrolled sideways: a horizontal scrollbar covered the last row,
    so after G the selected post was invisible."""
    root = tmp_path / "many"
    root.mkdir()
    for i in range(60):
        title = f"第{i}篇：一个相当长的标题，比列表的宽度还要长得多得多得多得多"
        (root / f"p{i:02d}.md").write_text(
            f"---\ntitle: {title}\ndate: 2022-01-{i % 28 + 1:02d}\n---\n正文\n", encoding="utf-8"
        )
    app = make_app(root)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        posts = app.query_one(PostList)
        await pilot.press("G")
        await pilot.pause()
        assert not posts.show_horizontal_scrollbar
        top = posts.scroll_offset.y
        assert top <= posts.cursor < top + posts.scrollable_content_region.height
        line = posts.render_line(posts.cursor - top)
        assert line.cell_length <= posts.scrollable_content_region.width


async def test_escape_at_a_narrow_width_shows_the_tree_it_focuses(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")
        assert app.focused is app.query_one(PostList)
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is app.query_one(CategoryTree) and app.query_one("#tree-pane").display


async def test_each_tree_node_counts_the_posts_it_lists(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        tree = app.query_one(CategoryTree)
        for node in list(tree.root.children):
            tree.move_cursor(node)
            await pilot.pause()
            count = int(str(node.label).rsplit("(", 1)[1].rstrip(")").replace(",", ""))
            if node.data is not None and node.data.kind != "bookmarks":
                assert len(titles(app)) == count, str(node.label)


async def test_dialog_lists_move_with_j_and_k(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await move_to(pilot, "在终端里读长文：一次关于换行的讨论")
        await pilot.press("t")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        assert options.highlighted == 0
        await pilot.press("j")
        assert options.highlighted == 1
        await pilot.press("k")
        assert options.highlighted == 0


async def test_the_screen_holds_no_zero_width_spaces_of_ours(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await move_to(pilot, "盘点2022丨滨海城市新增口袋公园_市民家门口的绿色客厅_")
        article = app.query_one(ArticleView)
        assert "<strong>" in article.content.markdown  # type: ignore[union-attr]  # (bold the reader fakes)
        assert not any("\u200b" in line for line in article._plain)
        bold = [seg for strip in article.lines for seg in strip if "晚饭后" in seg.text]
        assert bold and all(seg.style is not None and seg.style.bold for seg in bold)


async def test_moving_in_the_tree_keeps_the_article(library: Path) -> None:
    """A new list is no choice of the user's: the article stays until the cursor moves in the list."""
    app = make_app(library)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        shown = await move_to(pilot, "Three quiet days in Kyoto")
        tree = app.query_one(CategoryTree)
        tree.move_cursor(tree.root.children[1].children[0])
        await pilot.pause(0.3)
        await settle(pilot)
        assert app.reader.current == shown


async def test_notifications_show_post_text_literally(tmp_path: Path) -> None:
    """A title of markup, bookmarked: the message shows it as written (a screen's notify asks for markup)."""
    root = tmp_path / "markup"
    root.mkdir()
    (root / "a.md").write_text('---\ntitle: "[/b] [@click=app.quit]boom[/]"\n---\n正文\n', encoding="utf-8")
    app = make_app(root)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: app.reader.current == 0, "the first post")
        await pilot.press("b")
        await pilot.pause()
        assert app.is_running
        assert any(
            n.message == "Bookmarked: [/b] [@click=app.quit]boom[/]" and not n.markup
            for n in app._notifications
        )


async def test_rescan_reports_a_post_added_since_the_cache(library: Path) -> None:
    """With the cache on: r checks the files, not the cache's older view, and says what came."""
    from converters.library import scan_library

    scan_library([str(library)], timezone.utc, "local")
    app = PostshelfApp([str(library)], zone=timezone.utc, use_cache=True)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        (library / "new.md").write_text("---\ntitle: 新\ndate: 2030-01-01\n---\n正文\n", encoding="utf-8")
        await pilot.press("r")
        await settle(pilot)
        told = [n.message for n in app._notifications if n.message.startswith("Rescanned")]
        assert told == ["Rescanned: 23 posts (1 new, 0 gone)"] and titles(app)[0] == "新"


async def test_the_current_post_survives_a_library_that_moves_its_index(library: Path) -> None:
    """A rescan that adds a newer post shifts every index: the current post is found again by its path
    at once, so a key pressed before its article is converted again acts on the same post."""
    from converters.library import scan_library
    from converters.loading import Loaded
    from tui.screens.reader import LibraryLoaded

    app = make_app(library)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        index = await move_to(pilot, "Three quiet days in Kyoto")
        path = app.reader.library.posts[index].path  # type: ignore[union-attr]
        (library / "newest.md").write_text(
            "---\ntitle: 最新\ndate: 2031-01-01\n---\n正文\n", encoding="utf-8"
        )
        app.reader.post_message(
            LibraryLoaded(Loaded(scan_library([str(library)], timezone.utc, use_cache=False), checked=True))
        )
        await pilot.pause()
        assert app.reader.library.posts[app.reader.current].path == path  # type: ignore[union-attr,index]
        await pilot.press("b")
        assert app.reader.marks.is_bookmarked(path)


async def test_find_says_which_match_is_on_screen(library: Path) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await read_long(pilot)
        await pilot.press("f", "G", "P", "T")
        box = app.query_one("#find")
        count = len(app.query_one(ArticleView).matches)
        assert count > 2 and box.border_subtitle == f"1 of {count}"
        await pilot.press("enter")
        assert box.border_subtitle == f"2 of {count}"
        await pilot.press("x", "y", "z")
        assert box.border_subtitle == "not found"


def test_find_of_several_words_takes_the_longer_first_and_misses_none() -> None:
    """A search's words in an article: where two overlap the longer is marked, and a shorter one just
    after it is still found; words of one length in the order given."""
    view = ArticleView()
    view._plain = ["abccc", "xaaa", "ABC abc"]
    view.term, view._others = "abc", ("cc",)
    view._find_matches()
    assert view.matches == [(0, 0, 3), (0, 3, 5), (2, 0, 3), (2, 4, 7)]
    view.term, view._others = "xa", ("aa",)
    view._find_matches()
    assert view.matches == [(1, 0, 2), (1, 2, 4)]
