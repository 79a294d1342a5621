"""The reader: browse a folder of posts by category and read each as clean Markdown.

Slow work (scanning the library, converting an article, searching every post) runs in thread workers
that report back with messages, so the screen never freezes.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Label, Tree
from textual.worker import get_current_worker

from converters.library import (
    Library,
    Progress,
    cache_file,
    cache_is_current,
    fill_cache_in_subprocess,
    load_cached,
    scan_library,
    sort_key,
    walk,
)
from converters.post import Post, Problem

from .screens.help import HelpScreen
from .screens.pick import PickScreen
from .screens.prompt import PromptScreen
from .state import LibraryState, StateStore, load_keymap
from .text import safe
from .widgets.article import ArticleContent, ArticleView
from .widgets.category_tree import CategoryTree, Selection
from .widgets.post_list import PostList

SORTS = ("date", "oldest", "title", "author")
SORT_NAMES = {"date": "newest first", "oldest": "oldest first", "title": "title", "author": "author"}
LINK_KEYS = ("link", "url", "source", "source_url", "original", "original_url", "canonical_link", "permalink")
NARROW = 100
SCAN_ELSEWHERE_FROM = 2000
"""Posts from which a first scan runs in a process of its own (a Python process starts in ~0.1 s)."""
SYNC_CACHE_BYTES = 64 * 1024 * 1024
"""A scan cache up to this size (~300k posts) is read before the first frame; a larger one after it."""


@dataclass
class LoadedLibrary(Message):
    library: Library
    error: str | None = None


@dataclass
class ArticleReady(Message):
    index: int
    content: ArticleContent


@dataclass
class SearchProgress(Message):
    term: str
    results: list[int]
    done: int
    total: int


class PostshelfApp(App[None]):
    """postshelf's reader."""

    CSS_PATH = "app.tcss"
    TITLE = "postshelf"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave postshelf"),
        Binding("question_mark", "help", "Help", id="help", tooltip="Every key"),
        Binding("slash", "filter", "Filter", id="filter", tooltip="Filter the list by title as you type"),
        Binding("ctrl+f", "search", "Search", id="search", tooltip="Search the text of every post"),
        Binding("f", "find", "Find", id="find", tooltip="Find in the article"),
        Binding("t", "toc", "Contents", id="toc", tooltip="Table of contents of the article"),
        Binding("o", "open_link", "Open", id="open", tooltip="Open the original or a link in the browser"),
        Binding("c", "copy", "Copy", id="copy", tooltip="Copy a link or the Markdown"),
        Binding("e", "export", "Export", id="export", tooltip="Export the post or the list"),
        Binding("m", "toggle_read", "Read", id="read", show=False, tooltip="Mark read / unread"),
        Binding("b", "toggle_bookmark", "Bookmark", id="bookmark", show=False, tooltip="Bookmark the post"),
        Binding("s", "cycle_sort", "Sort", id="sort", show=False, tooltip="Sort by date, title or author"),
        Binding(
            "v",
            "toggle_source",
            "Source",
            id="source",
            show=False,
            tooltip="Cleaned Markdown or original source",
        ),
        Binding("r", "reload", "Reload", id="reload", show=False, tooltip="Rescan the library"),
        Binding("n", "next_post", "Next", id="next", show=False, tooltip="Open the next post"),
        Binding(
            "p", "previous_post", "Previous", id="previous", show=False, tooltip="Open the previous post"
        ),
        Binding(
            "backslash",
            "toggle_tree",
            "Tree",
            id="tree",
            show=False,
            tooltip="Show or hide the category pane",
        ),
        Binding("ctrl+t", "toggle_dark", "Theme", id="theme", show=False, tooltip="Light or dark theme"),
        Binding("escape", "back", "Back", id="back", show=False),
    ]

    def __init__(
        self,
        paths: list[str],
        *,
        zone: tzinfo | None = None,
        zone_key: str = "local",
        state: StateStore | None = None,
        use_cache: bool = True,
        export_base: Path | None = None,
    ) -> None:
        super().__init__()
        self.paths = paths
        self.zone = zone
        self.zone_key = zone_key
        self.use_cache = use_cache
        self.export_base = export_base
        self.store = state or StateStore()
        self.library_key = "\0".join(os.path.abspath(p) for p in paths)
        # Marks are kept by path relative to the library folder (so a moved library keeps them); decided
        # once here, not per drawn row.
        self._marks_root = paths[0] if len(paths) == 1 and os.path.isdir(paths[0]) else None
        self.marks: LibraryState = self.store.library(self.library_key)
        self.library: Library | None = None
        self.sort = self.store.sort if self.store.sort in SORTS else "date"
        self.selection: Selection | None = None
        self.base_rows: list[int] = []
        self.list_title = "All posts"
        self.opened: int | None = None
        self._told_unreadable: frozenset[str] = frozenset()  # the posts the last warning counted
        self._wanted: int | None = None  # the post whose conversion should reach the screen
        self._shown_count = 0
        self.shown: int | None = None
        self._preview_timer: Timer | None = None
        self._keymap_warnings: list[str] = []
        keymap, self._keymap_warnings = load_keymap()
        if keymap:
            self.set_keymap(keymap)
        if self.store.theme:
            self.theme = self.store.theme

    def notify(self, message: str, *, markup: bool = False, **kwargs: object) -> None:  # type: ignore[override]
        """Notifications carry paths and post text: plain text unless a caller asks for markup."""
        super().notify(message, markup=markup, **kwargs)  # type: ignore[arg-type]

    # --- layout ---------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panes"):
            yield CategoryTree(id="tree")
            with Vertical(id="list-pane"):
                yield Label("Loading…", id="list-title")
                yield Input(placeholder="filter titles…", id="filter")
                yield PostList(id="posts")
            with Vertical(id="article-pane"):
                yield ArticleView(id="article")
                yield Input(placeholder="find in article… (enter: next, escape: close)", id="find")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = safe(", ".join(Path(p).name or p for p in self.paths))
        posts = self.query_one(PostList)
        posts.marks = self._mark_of
        posts.is_read = self._is_read
        self.query_one(CategoryTree).bookmark_count = lambda: len(self.marks.bookmarks)
        posts.focus()
        self._update_layout()
        for warning in self.store.warnings + self._keymap_warnings:
            self.notify(warning, severity="warning", timeout=8)
        cached = self._load_cached_now() if self.use_cache else None
        if cached is not None:
            # The first frame shows what the cache knows; checking it (a stat per file) and warming up
            # the converters wait until that frame is out, so they do not compete with it for the GIL.
            self.on_loaded_library(LoadedLibrary(cached))
            self.call_after_refresh(self.load_library, cached)
        else:
            self.load_library()
        self.call_after_refresh(self.warm_up)

    def _load_cached_now(self) -> Library | None:
        """The cached library, read before the first frame when that is quick (the cache of 100k posts
        loads in ~0.3 s); a larger one loads in the background like a scan, so the screen never waits."""
        try:
            size = cache_file(self.paths, self.zone_key).stat().st_size
        except OSError:
            return None
        return load_cached(self.paths, self.zone_key, freeze=True) if size <= SYNC_CACHE_BYTES else None

    @work(thread=True, group="warm-up", exit_on_error=False)  # only a speed-up: never worth a crash
    def warm_up(self) -> None:
        """Import the converters (lxml, html2text, markdown-it) and render a tiny article once while the
        user looks at the list, so the first article opens as fast as the others (~40 ms sooner)."""
        import io

        from rich.console import Console
        from rich.markdown import Markdown

        from converters.document import Rendered
        from converters.reading import read_text

        sample = "---\ntitle: t\n---\n<h2>h</h2><p><strong>b</strong> <a href='x'>l</a></p><pre>c</pre>"
        rendered = Rendered(read_text(sample, "warm-up.md"))
        Console(file=io.StringIO(), width=60).print(Markdown(rendered.markdown, code_theme="monokai"))

    def on_resize(self) -> None:
        self._update_layout()

    def _update_layout(self) -> None:
        self.screen.set_class(self.size.width < NARROW, "narrow")

    # --- loading ----------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="scan")
    def load_library(self, shown_from_cache: Library | None = None) -> None:
        """Scan the library in the background: from the cache when it is current, else file by file."""
        shown = [0.0]

        def show_progress(done: int, total: int) -> None:
            now = time.monotonic()
            if total > 2000 and now - shown[0] > 0.1:  # a few updates a second, whatever the pace
                shown[0] = now
                self.call_from_thread(self._set_list_title, f"Scanning… {done:,}/{total:,}")

        progress: Progress | None = show_progress

        cached = shown_from_cache
        if cached is None and self.library is None and self.use_cache:
            cached = load_cached(self.paths, self.zone_key, freeze=True)
            if cached is not None:  # show what the cache knows at once, then check it
                self.post_message(LoadedLibrary(cached))
        if cached is not None and self._still_current(cached):
            return
        missing = [p for p in self.paths if not os.path.exists(p)]
        error = f"{', '.join(missing)}: no longer exists" if missing else None
        if cached is None and not missing and self._scan_elsewhere():
            worker = get_current_worker()
            if fill_cache_in_subprocess(
                self.paths, self.zone_key, show_progress, lambda: worker.is_cancelled
            ):
                # Shown from the cache just filled, at once, then checked as any opening from the cache is:
                # the posts appear before the walk and stat of every file (~0.5 s for 100k), not after.
                filled = load_cached(self.paths, self.zone_key, freeze=True)
                if filled is not None:
                    self.post_message(LoadedLibrary(filled))
                    if self._still_current(filled):
                        return
                progress = None  # what is left is reading that cache: the count must not start again at 0
        try:
            library = scan_library(
                self.paths, self.zone, self.zone_key, use_cache=self.use_cache, progress=progress, freeze=True
            )
        except Exception as e:  # a scan bug must leave the reader usable, with the reason shown
            library = Library(roots=list(self.paths), posts=[], problems=[])
            error = f"could not scan the library: {type(e).__name__}: {e}"
        self.post_message(LoadedLibrary(library, error))

    @staticmethod
    def _still_current(cached: Library) -> bool:
        """Whether the files are still those the cache knew (a walk and a stat of each)."""
        current = cache_is_current(cached)
        cached.stamps = {}  # (a path and stamp of every post, not needed once checked)
        return current

    def _scan_elsewhere(self) -> bool:
        """Whether a first scan should fill the cache from a process of its own, on every core: when
        there is a cache to fill, the library is large, and that process reads dates as this one does."""
        if not self.use_cache:
            return False
        from converters.dates import resolve_zone  # (the dates module is not needed for the first screen)

        try:
            same_zone = resolve_zone(None if self.zone_key == "local" else self.zone_key) == self.zone
        except ValueError:
            return False
        if not same_zone:
            return False
        # (a walk that may stop at that count: for 100k posts, the whole walk took ~0.3 s)
        found = walk(
            self.paths, [], check_txt=False, stat_files=False, ordered=False, enough=SCAN_ELSEWHERE_FROM
        )
        return len(found) >= SCAN_ELSEWHERE_FROM

    def on_loaded_library(self, message: LoadedLibrary) -> None:
        if self.library is not None and not message.library.changed and not message.error:
            self._set_list_title(self._list_heading())  # the full scan confirmed what the cache showed
            return
        previous = self.library.posts[self.opened].path if self.library and self.opened is not None else None
        self.library = message.library
        if message.error:
            self.notify(message.error, severity="error", timeout=10)
        tree = self.query_one(CategoryTree)
        tree.load(self.library)
        self.selection = Selection("all", "All posts", loaded=True)
        self._show_rows(list(range(len(self.library.posts))), "All posts")
        errors = frozenset(p.path for p in self.library.problems if p.severity == "error")
        if errors and errors != self._told_unreadable:  # (a full scan after the cache: said once, not twice)
            self.notify(f"{len(errors)} post(s) could not be read cleanly: see Problems", severity="warning")
        self._told_unreadable = errors
        if not self.library.posts and not message.error:
            where = safe(", ".join(self.paths))
            self.query_one(ArticleView).show(
                None,
                f"No posts in {where}. postshelf reads .md, .markdown, .html and .htm files, and .txt files "
                "that open with front matter, in a folder and every folder below it.",
            )
        target = previous or self._path_of_key(self.marks.last_post)
        if target is not None:
            index = next((i for i, m in enumerate(self.library.posts) if m.path == target), None)
            if index is not None:
                self.query_one(PostList).set_rows(
                    self.library.posts, self._sorted(self.base_rows), keep=index
                )
                self.open_post(index, scroll=self.marks.last_scroll if previous is None else 0.0)

    # --- the list ---------------------------------------------------------------------------------------

    def _set_list_title(self, text: str) -> None:
        self.query_one("#list-title", Label).update(Text(text))

    def _show_rows(self, rows: list[int], title: str, keep: int | None = None) -> None:
        self.base_rows = rows
        self.list_title = title
        self._apply_rows(keep)

    def _apply_rows(self, keep: int | None = None) -> None:
        if self.library is None:
            return
        rows = self.base_rows
        term = self.query_one("#filter", Input).value.strip().casefold()
        if term:
            rows = [i for i in rows if term in self.library.posts[i].title.casefold()]
        rows = self._sorted(rows)
        self.query_one(PostList).set_rows(
            self.library.posts, rows, keep=keep if keep is not None else self.opened
        )
        self._shown_count = len(rows)
        self._set_list_title(self._list_heading())

    def _list_heading(self) -> str:
        term = self.query_one("#filter", Input).value.strip()
        suffix = f" — filter: {term}" if term else ""
        return f"{safe(self.list_title)} ({self._shown_count:,}) · {SORT_NAMES[self.sort]}{safe(suffix)}"

    def _sorted(self, rows: list[int]) -> list[int]:
        posts = self.library.posts if self.library else []
        if self.sort == "date":
            return sorted(rows)  # the library is already newest first
        if self.sort == "oldest":
            dated = [i for i in rows if posts[i].date is not None]
            return sorted(dated, reverse=True) + [i for i in rows if posts[i].date is None]
        if self.sort == "title":
            return sorted(rows, key=lambda i: posts[i].title.casefold())
        return sorted(
            rows, key=lambda i: ((posts[i].authors or ("\uffff",))[0].casefold(), sort_key(posts[i]))
        )

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Selection]) -> None:
        data = event.node.data
        if data is None or self.library is None or data.kind == "search":
            return
        self.selection = data
        rows = self.query_one(CategoryTree).posts_for(data, self._is_bookmarked)
        self._show_rows(rows, data.title)

    def on_post_list_highlighted(self, message: PostList.Highlighted) -> None:
        """Preview the post under the cursor after a short pause (so holding j does not convert every post)."""
        if self._preview_timer is not None:
            self._preview_timer.stop()  # the cursor moved on: a pending preview is stale
            self._preview_timer = None
        if message.index is None or message.index == self.shown:
            return
        index = message.index
        self._preview_timer = self.set_timer(0.12, lambda: self.open_post(index, mark=False))

    def on_post_list_selected(self, message: PostList.Selected) -> None:
        self.open_post(message.index)
        if self.screen.has_class("narrow"):
            self.screen.add_class("reading")
        self.query_one(ArticleView).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._apply_rows()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(PostList).focus()

    # --- the article ------------------------------------------------------------------------------------

    def open_post(self, index: int, mark: bool = True, scroll: float = 0.0) -> None:
        if self.library is None or not (0 <= index < len(self.library.posts)):
            return
        if mark:
            self.opened = index
            self.marks.last_post = self._key_of(index)
            if self._key_of(index) not in self.marks.read:
                self.marks.read.add(self._key_of(index))
                self.query_one(PostList).refresh()
            self._save_state()
        self._wanted = index
        self.convert_post(index, scroll)

    @work(thread=True, exclusive=True, group="article")
    def convert_post(self, index: int, scroll: float) -> None:
        from converters.document import Rendered  # lxml and html2text load with the first article
        from converters.reading import read_post

        assert self.library is not None
        meta = self.library.posts[index]
        post = read_post(meta.path, self.zone)
        rendered = Rendered(post)
        try:
            markdown = rendered.markdown
            links = list(rendered.clean.links)
            problems = rendered.problems
        except Exception as e:  # one post that breaks the converter must not close the reader
            reason = Problem(post.path, f"could not convert: {type(e).__name__}: {e}", "error")
            markdown, links, problems = "", [], [*post.problems, reason]
        content = ArticleContent(post.meta, markdown, post.body, problems, self._links_of(post, links))
        self.post_message(ArticleReady(index, content))
        if scroll:
            self.call_from_thread(self.query_one(ArticleView).scroll_to, y=scroll, animate=False)

    def on_article_ready(self, message: ArticleReady) -> None:
        if message.index != self._wanted:
            return  # a slower conversion of a post the user has already moved away from
        self.shown = message.index
        message_text = (
            None if message.content.markdown.strip() else "This post has no text that could be read."
        )
        self.query_one(ArticleView).show(message.content, message_text)
        self._close_find()

    def _links_of(self, post: Post, links: list[str]) -> list[str]:
        """Links worth opening: the original article's, the cover, then every link in the text."""
        found: list[str] = []
        for key in LINK_KEYS:
            value = post.front_matter.get(key)
            if isinstance(value, str) and re.match(r"https?://", value.strip()):
                found.append(value.strip())
        if post.meta.cover:
            from converters.html import unwrap_url

            found.append(unwrap_url(post.meta.cover))  # the image itself, not a proxy's wrapper around it
        found.extend(links)
        return list(dict.fromkeys(found))

    # --- state ------------------------------------------------------------------------------------------

    def _key_of(self, index: int) -> str:
        assert self.library is not None
        path = self.library.posts[index].path
        root = self._marks_root
        return os.path.relpath(path, root) if root else os.path.abspath(path)

    def _path_of_key(self, key: str | None) -> str | None:
        if key is None:
            return None
        root = self._marks_root
        return os.path.join(root, key) if root and not os.path.isabs(key) else key

    def _is_read(self, index: int) -> bool:
        return self._key_of(index) in self.marks.read

    def _is_bookmarked(self, index: int) -> bool:
        return self._key_of(index) in self.marks.bookmarks

    def _mark_of(self, index: int) -> str:
        assert self.library is not None
        key = self._key_of(index)
        if self.library.posts[index].has_errors:
            return "!"
        if key in self.marks.bookmarks:
            return "★"
        return " " if key in self.marks.read else "●"

    def _save_state(self) -> None:
        self.store.sort = self.sort
        self.store.theme = self.theme
        self.store.save(self.library_key, self.marks)

    def on_unmount(self) -> None:
        article = self.query(ArticleView)
        if article:
            self.marks.last_scroll = float(article.first().scroll_offset.y)
        self._save_state()

    # --- actions ------------------------------------------------------------------------------------------

    def _current(self) -> int | None:
        if self.opened is not None:
            return self.opened
        return self.query_one(PostList).current

    def action_help(self) -> None:
        rows = []
        seen = set()
        for widget_name, bindings in (
            ("everywhere", self._bindings_of(self)),
            ("post list", self._bindings_of(self.query_one(PostList))),
            ("article", self._bindings_of(self.query_one(ArticleView))),
        ):
            for key, description in bindings:
                if description and (key, description) not in seen:
                    seen.add((key, description))
                    rows.append((key, description, widget_name))
        rows.append(("ctrl+p", "Command palette: every action by name", "everywhere"))
        rows.append(("tab / shift+tab", "Move between panes", "everywhere"))
        self.push_screen(HelpScreen(rows))

    def _bindings_of(self, node: object) -> list[tuple[str, str]]:
        found = []
        for key, bindings in node._bindings.key_to_bindings.items():  # type: ignore[attr-defined]
            for binding in bindings:
                found.append((self.get_key_display(binding) or key, binding.tooltip or binding.description))
        return found

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("visible")
        box.focus()

    def action_back(self) -> None:
        if self.screen.has_class("reading"):
            self.screen.remove_class("reading")
            self.query_one(PostList).focus()
            return
        find = self.query_one("#find", Input)
        if find.has_class("visible"):
            self._close_find()
            return
        box = self.query_one("#filter", Input)
        if box.has_class("visible"):
            box.value = ""
            box.remove_class("visible")
            self.query_one(PostList).focus()

    def action_find(self) -> None:
        find = self.query_one("#find", Input)
        find.add_class("visible")
        find.focus()

    @on(Input.Changed, "#find")
    def _find_changed(self, event: Input.Changed) -> None:
        count = self.query_one(ArticleView).find(event.value)
        event.input.border_subtitle = f"{count} found" if event.value else ""

    @on(Input.Submitted, "#find")
    def _find_next(self) -> None:
        self.query_one(ArticleView).next_match()

    def _close_find(self) -> None:
        find = self.query_one("#find", Input)
        if find.has_class("visible"):
            find.remove_class("visible")
            find.value = ""
            self.query_one(ArticleView).clear_find()
            self.query_one(ArticleView).focus()

    def action_toc(self) -> None:
        article = self.query_one(ArticleView)
        items = [("  " * (level - 1) + text, line) for level, text, line in article.headings]

        def go(line: int | None) -> None:
            if line is not None:
                article.go_to_line(line)
                article.focus()

        self.push_screen(PickScreen("Contents", items, "This article has no headings."), go)

    def action_open_link(self) -> None:
        article = self.query_one(ArticleView)
        links = article.content.links if article.content else []

        def open_it(url: str | None) -> None:
            if url:
                self.open_url(url)

        self.push_screen(
            PickScreen("Open in browser", [(u, u) for u in links], "This post has no links."), open_it
        )

    @work(thread=True, group="browser")
    def open_url(self, url: str) -> None:
        import webbrowser

        try:
            opened = webbrowser.open(url)
        except webbrowser.Error:
            opened = False
        if not opened:
            self.call_from_thread(self.notify, f"No browser could open {url}", severity="warning")

    def action_copy(self) -> None:
        article = self.query_one(ArticleView)
        content = article.content
        if content is None:
            self.notify("Open a post first", severity="warning")
            return
        items: list[tuple[str, str]] = []
        if content.links:
            items.append((f"link: {content.links[0]}", content.links[0]))
        items.append(("Markdown of this post", content.markdown))
        items.append((f"file path: {content.meta.path}", content.meta.path))

        def copy(text: str | None) -> None:
            if text is not None:
                self.copy_to_clipboard(text)
                self.notify(f"Copied {len(text):,} characters")

        self.push_screen(PickScreen("Copy to clipboard", items), copy)

    def action_export(self) -> None:
        from .screens.export import ExportRequest, ExportScreen

        if self.library is None:
            return
        rows = self.query_one(PostList).rows
        shown = self.opened if self.opened is not None else self.shown  # opened, or previewed
        current = self.library.posts[shown].path if shown is not None else None
        request = ExportRequest(current, [self.library.posts[i].path for i in rows], self.list_title)
        self.push_screen(ExportScreen(request, self.export_base))

    def action_toggle_read(self) -> None:
        index = self._current()
        if index is None:
            return
        key = self._key_of(index)
        self.marks.read.symmetric_difference_update({key})
        self.query_one(PostList).refresh()
        self._save_state()

    def action_toggle_bookmark(self) -> None:
        index = self._current()
        if index is None:
            return
        key = self._key_of(index)
        self.marks.bookmarks.symmetric_difference_update({key})
        added = key in self.marks.bookmarks
        self.notify("Bookmarked" if added else "Bookmark removed")
        self.query_one(PostList).refresh()
        self.query_one(CategoryTree).refresh_bookmarks()
        self._save_state()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._apply_rows(keep=self.query_one(PostList).current)
        self._save_state()

    def action_toggle_source(self) -> None:
        showing = self.query_one(ArticleView).toggle_source()
        self.notify("Showing the original source" if showing else "Showing the cleaned Markdown")

    def action_reload(self) -> None:
        self._set_list_title("Reloading…")
        self.load_library()

    def action_next_post(self) -> None:
        self._step(1)

    def action_previous_post(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        posts = self.query_one(PostList)
        if not posts.rows:
            return
        if self.opened is not None and self.opened in posts.rows:
            posts.cursor = posts.rows.index(self.opened) + delta
        else:
            posts.cursor += delta if self.opened is not None else 0
        if posts.current is not None:
            self.open_post(posts.current)

    def action_toggle_tree(self) -> None:
        self.screen.toggle_class("show-tree")

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"
        self._save_state()

    def action_search(self) -> None:
        def run(term: str | None) -> None:
            if term:
                self._set_list_title(f"Searching for {safe(term)}…")
                self.search_library(term)

        self.push_screen(PromptScreen("Search the text of every post:", placeholder="words to find"), run)

    @work(thread=True, exclusive=True, group="search")
    def search_library(self, term: str) -> None:
        """Read every post and keep those whose title or text holds ``term`` (case-insensitive)."""
        from converters.reading import read_post

        assert self.library is not None
        needle = term.casefold()
        results: list[int] = []
        total = len(self.library.posts)
        tag = re.compile(r"<[^>]+>")
        for i, meta in enumerate(self.library.posts):
            if needle in meta.title.casefold():
                results.append(i)
            else:
                body = read_post(meta.path, self.zone).body
                if needle in tag.sub("", body).casefold():
                    results.append(i)
            if i % 500 == 499:
                self.post_message(SearchProgress(term, list(results), i + 1, total))
        self.post_message(SearchProgress(term, results, total, total))

    def on_search_progress(self, message: SearchProgress) -> None:
        self.selection = Selection("search", f"Search: {message.term}")
        self._show_rows(message.results, f"Search: {message.term}")
        if message.done < message.total:
            self._set_list_title(f"Searching {safe(message.term)}… {message.done:,}/{message.total:,}")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.action in ("back", "quit", "help"):
                continue
            yield SystemCommand(
                binding.description, binding.tooltip or binding.description, self._runner(binding.action)
            )

    def _runner(self, action: str):  # type: ignore[no-untyped-def]
        async def run() -> None:
            await self.run_action(action)

        return run
