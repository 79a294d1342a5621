"""The reader's one screen: the category tree, the list of posts and the article, and what the keys do there.

The article pane always shows one post, the *current* post; every action on a post (read, bookmark,
export, copy, open, source, contents, find, next and previous) acts on it, and the list marks it with a
bar. Moving the cursor previews the post under it after a moment, which makes that post the current one.

Focus moves back one level with escape: find → article → list → tree. Slow work (opening the library,
converting an article, searching every post) runs in thread workers that report back with messages.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import DescendantFocus
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Label, Tree
from textual.worker import get_current_worker

from converters.library import Library, sort_key
from converters.loading import Loaded, cached_quickly, open_library
from converters.post import Meta, Post, Problem

from ..marks import Marks
from ..state import SORTS, StateStore
from ..text import safe
from ..widgets.article import ArticleContent, ArticleView
from ..widgets.category_tree import CategoryTree, Selection
from ..widgets.post_list import PostList
from .pick import PickScreen
from .prompt import PromptScreen

if TYPE_CHECKING:
    from .export import ExportOutcome

SORT_NAMES = {"date": "newest first", "oldest": "oldest first", "title": "title", "author": "author"}
LINK_KEYS = ("link", "url", "source", "source_url", "original", "original_url", "canonical_link", "permalink")
NARROW = 100
SEARCH_DELAY = 0.25
"""Seconds of pause in typing after which ctrl+f's search runs."""
SEARCH_REFRESH = 5.0
"""Seconds between two runs of the search shown while the index is built: a build commits as it goes, so
what the search finds grows until the build is done."""
SEARCH_HITS = 500
"""Hits a search lists, best first: each costs its snippet (a word in 95k of 100k posts took 7.6 s for
them all); the list's title says how many more there are."""
PREVIEW_DELAY = 0.12
"""Seconds the cursor rests on a post before it is previewed (holding j must not convert every post)."""


@dataclass
class LibraryLoaded(Message):
    loaded: Loaded


@dataclass
class ArticleReady(Message):
    index: int
    content: ArticleContent
    position: float


@dataclass
class SearchProgress(Message):
    library: Library  # (the indexes are into this one: a search of a library since replaced is dropped)
    term: str
    results: list[int]
    snippets: dict[int, tuple[str, tuple[tuple[int, int], ...]]]
    total: int
    """Posts the words find, of which ``results`` are the best (at most :data:`SEARCH_HITS`)."""


@dataclass
class IndexProgress(Message):
    library: Library
    done: int
    total: int
    changed: bool = True
    """(at the end) Whether the index may have changed: a search shown is made again."""


class ReaderScreen(Screen[None]):
    """Browse a library by category and read its posts."""

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="filter", tooltip="Filter the list by title as you type"),
        Binding("ctrl+f", "search", "Search", id="search", tooltip="Search the text of every post"),
        Binding("f", "find", "Find", id="find", tooltip="Find in the article"),
        Binding("t", "toc", "Contents", id="toc", tooltip="Table of contents of the article"),
        Binding("o", "open_link", "Browser", id="open", show=False, tooltip="Open the original or a link in the browser"),
        Binding("c", "copy", "Copy", id="copy", show=False, tooltip="Copy a link, the Markdown or the file path"),
        Binding("e", "export", "Export", id="export", tooltip="Export the post or the list"),
        Binding("m", "toggle_read", "Read", id="read", show=False, tooltip="Mark read / unread"),
        Binding("b", "toggle_bookmark", "Bookmark", id="bookmark", show=False, tooltip="Bookmark the post"),
        Binding("s", "cycle_sort", "Sort", id="sort", show=False, tooltip="Sort by date, title or author"),
        Binding("v", "toggle_source", "Source", id="source", show=False, tooltip="Markdown or original source"),
        Binding("i", "toggle_images", "Images", id="images", show=False, tooltip="Draw the images or only name them"),
        Binding("r", "reload", "Reload", id="reload", show=False, tooltip="Rescan the library"),
        Binding("n", "next_post", "Next", id="next", show=False, tooltip="Open the next post"),
        Binding("p", "previous_post", "Previous", id="previous", show=False, tooltip="Open the previous post"),
        Binding("backslash", "toggle_tree", "Tree", id="tree", show=False, tooltip="Show or hide the tree"),
        Binding("escape", "go_back", "Back", id="back", tooltip="One step back: find, article, list, tree"),
    ]  # fmt: skip

    def __init__(
        self,
        paths: list[str],
        store: StateStore,
        *,
        zone: tzinfo | None = None,
        zone_key: str = "local",
        use_cache: bool = True,
        export_base: Path | None = None,
        drafts: bool = False,
    ) -> None:
        super().__init__()
        self.paths = paths
        self.zone = zone
        self.zone_key = zone_key
        self.use_cache = use_cache
        self.drafts = drafts
        self.export_base = export_base
        self.store = store
        self.library_key = "\0".join(os.path.abspath(p) for p in paths)
        self.state = store.library(self.library_key)
        self.marks = Marks(self.state, paths)
        self.library: Library | None = None
        self.selection: Selection | None = None
        self._before_search: Selection | None = None  # what escape goes back to from search results
        self.base_rows: list[int] = []
        self.list_title = "All posts"
        self.current: int | None = None  # the post the article shows: every post action acts on it
        self._wanted: int | None = None  # the post whose conversion should reach the screen
        self._shown_count = 0
        self._preview_timer: Timer | None = None
        self._told_unreadable: frozenset[str] = frozenset()  # the posts the last warning counted
        self._reloading: list[str] | None = None  # paths before an `r`, to say what changed
        self._indexing: tuple[int, int] | None = None  # (done, total) while the search index is built
        self._search_words: tuple[str, ...] = ()  # (found in an article opened from search results)
        self._search_total = 0  # (how many posts the search shown found: its best are listed)
        self._search_term = ""  # the search whose results the list shows (their matches are found)
        self._searched_at = 0.0  # (time.monotonic() of the last search run)
        self._search_waits = False  # (asked for while the posts were still being read: run once they are)
        self._search_timer: Timer | None = None

    @property
    def sort(self) -> str:
        return self.state.sort

    # --- layout ---------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="panes"):
            with Vertical(id="tree-pane", classes="pane"):
                yield Label("Library", id="tree-title", classes="pane-title")
                yield CategoryTree(id="tree")
            with Vertical(id="list-pane", classes="pane"):
                yield Label("Loading…", id="list-title", classes="pane-title")
                yield Input(placeholder="filter titles…", id="filter")
                yield PostList(id="posts")
            with Vertical(id="article-pane", classes="pane"):
                yield Label("", id="article-title", classes="pane-title")
                yield ArticleView(id="article")
                yield Input(placeholder="find in article… (enter: next, escape: close)", id="find")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = safe(", ".join(Path(p).name or p for p in self.paths))
        posts = self.query_one(PostList)
        posts.marks = lambda i: self.marks.symbol(self._meta(i))
        posts.is_read = lambda i: self.marks.is_read(self._meta(i).path)
        self.query_one(CategoryTree).bookmark_count = lambda: len(self.state.bookmarks)
        self.article = self.query_one(ArticleView)  # (kept: the place is read from it as the screen goes)
        self.article.images_on = self.store.images
        posts.focus()
        self.on_resize()
        cached = cached_quickly(self.paths, self.zone_key, self.drafts) if self.use_cache else None
        if cached is not None:
            # The first frame shows what the cache knows; checking it (a stat per file) waits until that
            # frame is out, so it does not compete with it for the GIL.
            self.on_library_loaded(LibraryLoaded(Loaded(cached, checked=False)))
            self.call_after_refresh(self.load_library, cached)
        else:
            self.load_library()

    def on_resize(self) -> None:
        self.set_class(self.app.size.width < NARROW, "narrow")

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        # Reading (the article or its find box) gives the article most of the width; the rest gives the
        # panes back.
        self.set_class(isinstance(event.widget, ArticleView) or event.widget.id == "find", "reading")

    # --- loading ----------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="scan")
    def load_library(self, shown: Library | None = None) -> None:
        """Open the library in the background: the cache's view at once, then the files' (converters'
        :func:`open_library` decides when to scan and where)."""
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if total > 2000 and now - last[0] > 0.1:  # a few updates a second, whatever the pace
                last[0] = now
                self.app.call_from_thread(self._set_list_title, f"Scanning… {done:,}/{total:,}")

        worker = get_current_worker()
        steps = open_library(
            self.paths, self.zone, self.zone_key, use_cache=self.use_cache, shown=shown,
            progress=progress, cancelled=lambda: worker.is_cancelled, scan_elsewhere=True, drafts=self.drafts,
        )  # fmt: skip
        for loaded in steps:
            if worker.is_cancelled:
                return
            self.post_message(LibraryLoaded(loaded))

    def on_library_loaded(self, message: LibraryLoaded) -> None:
        loaded = message.loaded
        if loaded.error:
            self.notify(loaded.error, severity="error", timeout=10)
        if loaded.checked and not loaded.error:
            self.call_after_refresh(self.index_library, loaded.library, loaded.stamps)
        if loaded.library is self.library or (
            self.library is not None and not loaded.library.changed and not loaded.error
        ):
            self._set_list_title(self._list_heading())  # the check confirmed what the cache showed
            if loaded.checked:
                self._tell_reloaded()
            return
        previous = self._meta(self.current).path if self.current is not None else None
        self.library = loaded.library
        # (indexes are into a library: the current post's, and a pending conversion's, move with it)
        self.current = self._wanted = self._index_of(previous)
        self.query_one(CategoryTree).load(self.library)
        self.selection = Selection("all", "All posts", loaded=True)
        self._before_search = None
        self._show_rows(list(range(len(self.library.posts))), "All posts")
        if self._search_waits:  # (asked for while the posts were read: now it can run)
            self._search_waits = False
            self.call_after_refresh(self._search_now, self._search_term)
        errors = frozenset(p.path for p in self.library.problems if p.severity == "error")
        if errors and errors != self._told_unreadable:  # (a full scan after the cache: said once, not twice)
            self.notify(f"{len(errors)} post(s) could not be read cleanly: see Problems", severity="warning")
        self._told_unreadable = errors
        if loaded.checked:
            self._tell_reloaded()
        if not self.library.posts and not loaded.error:
            self._show_nothing()
            return
        target = previous or self.marks.path_of(self.state.last_post)
        index = self._index_of(target)
        if index is None:  # (a first visit: the first post of the list, at once)
            index = self.query_one(PostList).highlighted
            position = 0.0
        else:
            position = self.state.last_position if previous is None else self.article.position
        if index is None:
            self.current = None
            self.query_one(PostList).show_marked(None)
            self.query_one(ArticleView).show(None, "Select a post to read it.")
            self._set_article_title()
            return
        self.query_one(PostList).set_rows(self.library.posts, self.query_one(PostList).rows, keep=index)
        self.open_post(index, mark=False, position=position)

    def _show_nothing(self) -> None:
        self.current = None
        where = safe(", ".join(self.paths))
        self.query_one(ArticleView).show(
            None,
            f"No posts in {where}. postshelf reads .md, .markdown, .html and .htm files, and .txt files "
            "that open with front matter, in a folder and every folder below it.",
        )
        self._set_article_title()

    def _tell_reloaded(self) -> None:
        """After `r`: what the rescan found, so the key is seen to have done something."""
        if self._reloading is None or self.library is None:
            return
        before, self._reloading = set(self._reloading), None
        now = {m.path for m in self.library.posts}
        new, gone = len(now - before), len(before - now)
        change = f"{new} new, {gone} gone" if new or gone else "none new or gone"
        self.notify(f"Rescanned: {len(now):,} post{'s' if len(now) != 1 else ''} ({change})")

    def _index_of(self, path: str | None) -> int | None:
        if path is None or self.library is None:
            return None
        return next((i for i, m in enumerate(self.library.posts) if m.path == path), None)

    def _meta(self, index: int) -> Meta:
        assert self.library is not None
        return self.library.posts[index]

    # --- the list ---------------------------------------------------------------------------------------

    def _set_list_title(self, text: str) -> None:
        self.query_one("#list-title", Label).update(Text(text))

    def _set_article_title(self) -> None:
        """The article pane's title line: where the current post stands in the list (its own title is
        right below, in the article's header)."""
        rows = self.query_one(PostList).rows
        text = ""
        if self.current is not None:
            try:
                where = f"{rows.index(self.current) + 1:,} of {len(rows):,}"
            except ValueError:
                where = "not in the list"
            text = f"Article · {where}"
        self.query_one("#article-title", Label).update(Text(text))

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
        posts = self.query_one(PostList)
        if self._searching:
            pass  # (search results keep their ranking)
        else:
            rows = self._sorted(rows)
            posts.snippets = {}
        # (the cursor stays on the post being shown, or about to be: a conversion may still be under way)
        posts.set_rows(self.library.posts, rows, keep=keep if keep is not None else self._wanted)
        self._shown_count = len(rows)
        self._set_list_title(self._list_heading())
        self._set_article_title()

    @property
    def _searching(self) -> bool:
        return self.selection is not None and self.selection.kind == "search"

    def _list_heading(self) -> str:
        term = self.query_one("#filter", Input).value.strip()
        suffix = f" — filter: {term}" if term else ""
        order = "best first" if self._searching else SORT_NAMES[self.sort]
        if self._indexing is not None:
            done, total = self._indexing
            indexing = f"indexing {done * 100 // max(total, 1)}%"
            if self._searching:  # (what it finds waits for the index: said first, in a narrow list too)
                return f"{safe(self.list_title)} · {indexing}…{safe(suffix)}"
            suffix += f" · {indexing}"
        count = f"{self._shown_count:,}"
        if self._searching and self._search_total > self._shown_count:  # (the best listed, of all found)
            count += f" of {self._search_total:,}"
        return f"{safe(self.list_title)} ({count}) · {order}{safe(suffix)}"

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
        self._select(data)

    def on_tree_node_selected(self, event: Tree.NodeSelected[Selection]) -> None:
        """Enter on a node without children goes to its posts."""
        if not event.node.allow_expand:
            self.query_one(PostList).focus()

    def _select(self, data: Selection) -> None:
        self.selection = data
        self._before_search = None
        bookmarked = self.marks.bookmarked_paths()
        rows = self.query_one(CategoryTree).posts_for(data, lambda i: self._meta(i).path in bookmarked)
        self._show_rows(rows, data.title)

    def _cancel_preview(self) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
            self._preview_timer = None

    def on_post_list_highlighted(self, message: PostList.Highlighted) -> None:
        """Preview the post under the cursor after a short pause."""
        self._cancel_preview()  # the cursor moved on: a pending preview is stale
        if message.index is None or message.index == self._wanted:
            return  # (shown, or about to be)
        index = message.index
        self._preview_timer = self.set_timer(PREVIEW_DELAY, lambda: self.open_post(index, mark=False))

    def on_post_list_selected(self, message: PostList.Selected) -> None:
        self._cancel_preview()
        self.open_post(message.index)
        self.query_one(ArticleView).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._apply_rows()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(PostList).focus()

    # --- the article ------------------------------------------------------------------------------------

    def open_post(self, index: int, mark: bool = True, position: float = 0.0) -> None:
        """Make post ``index`` the current post: convert it and show it (``mark``: as read)."""
        if self.library is None or not (0 <= index < len(self.library.posts)):
            return
        self._remember_place()
        path = self._meta(index).path
        if mark and self.marks.mark_read(path):
            self.query_one(PostList).refresh()
        # (kept in memory and written as the screen goes, or with the next change of marks: not a file
        # written each time the cursor rests on a post)
        self.state.last_post = self.marks.key(path)
        self.state.last_position = position
        if mark:
            self._save_state()
        self._wanted = index
        self.convert_post(index, path, position)

    @work(thread=True, exclusive=True, group="article")
    def convert_post(self, index: int, path: str, position: float) -> None:
        """Read and convert the post at ``path`` (post ``index`` of the library when it was asked for)."""
        from converters.document import Rendered  # lxml and html2text load with the first article
        from converters.reading import read_post

        post = read_post(path, self.zone)
        try:
            rendered = Rendered(post)
            markdown = rendered.markdown
            links = list(rendered.clean.links)
            problems = rendered.problems
            found = _links_of(post, links)
        except Exception as e:  # one post that breaks the converter must not close the reader
            reason = Problem(post.path, f"could not convert: {type(e).__name__}: {e}", "error")
            markdown, found, problems = "", [], [*post.problems, reason]
        content = ArticleContent(post.meta, markdown, post.body, problems, found)
        self.post_message(ArticleReady(index, content, position))

    def on_article_ready(self, message: ArticleReady) -> None:
        if message.index != self._wanted or self._meta(message.index).path != message.content.meta.path:
            return  # a slower conversion of a post the user has moved away from (or of another library)
        self.current = message.index
        empty = None if message.content.markdown.strip() else "This post has no text that could be read."
        self._close_find(focus=False)
        self.query_one(ArticleView).show(message.content, empty, message.position)
        if self._searching and self._search_term:
            self._find_search_words()
        self.query_one(PostList).show_marked(message.index)
        self._set_article_title()

    # --- state ------------------------------------------------------------------------------------------

    def _remember_place(self) -> None:
        if self.current is not None and self.library is not None:
            self.state.last_position = self.article.position

    def _save_state(self) -> None:
        self.store.save(self.library_key, self.state)

    def on_screen_suspend(self) -> None:
        self.article.refresh()  # (a dialog over it: pictures the terminal draws in pixels give way)

    def on_screen_resume(self) -> None:
        self.article.refresh()

    def on_unmount(self) -> None:
        """Keep the current post and the place in it for the next start."""
        self._remember_place()
        self._save_state()

    # --- actions on the current post ----------------------------------------------------------------------

    def _current_meta(self) -> Meta | None:
        if self.current is None or self.library is None:
            self.notify("No post is open", severity="warning")
            return None
        return self._meta(self.current)

    def action_toggle_read(self) -> None:
        meta = self._current_meta()
        if meta is None:
            return
        read = self.marks.toggle_read(meta.path)
        self.notify(f"Marked {'read' if read else 'unread'}: {safe(meta.title)}")
        self.query_one(PostList).refresh()
        self._save_state()

    def action_toggle_bookmark(self) -> None:
        meta = self._current_meta()
        if meta is None:
            return
        added = self.marks.toggle_bookmark(meta.path)
        self.notify(f"{'Bookmarked' if added else 'Bookmark removed'}: {safe(meta.title)}")
        self.query_one(PostList).refresh()
        self.query_one(CategoryTree).refresh_bookmarks()
        self._save_state()

    def action_toggle_source(self) -> None:
        if self._current_meta() is None:
            return
        showing = self.query_one(ArticleView).toggle_source()
        self.notify("Showing the original source" if showing else "Showing the cleaned Markdown")

    def action_toggle_images(self) -> None:
        """Images drawn in the article, or only named (remembered for the next session)."""
        article = self.query_one(ArticleView)
        article.set_images(not article.images_on)
        self.store.images = article.images_on
        self.store.save()
        way = {"kitty": "with Kitty's graphics protocol", "sixel": "in Sixel"}.get(
            article.painter.mode, "in half blocks"
        )
        self.notify(
            f"Images drawn {way} as they come into view" if article.images_on else "Images named only"
        )

    def action_next_post(self) -> None:
        self._step(1)

    def action_previous_post(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        """Open the post after (or before) the current one in the list."""
        posts = self.query_one(PostList)
        if not posts.rows:
            return
        if self.current is not None and self.current in posts.rows:
            posts.cursor = posts.rows.index(self.current) + delta
        if posts.highlighted is not None and posts.highlighted != self.current:
            self._cancel_preview()
            self.open_post(posts.highlighted)

    def action_find(self) -> None:
        if self._current_meta() is None:
            return
        find = self.query_one("#find", Input)
        find.add_class("visible")
        find.focus()

    @on(Input.Changed, "#find")
    def _find_changed(self, event: Input.Changed) -> None:
        # (the words of the search the article was opened from, as _find_search_words put them there,
        # are each found; anything typed is found as typed)
        words = self._search_words if event.value == " ".join(self._search_words) else ()
        self.query_one(ArticleView).find(*(words or (event.value,)))
        self._say_which_match()

    @on(Input.Submitted, "#find")
    def _find_next(self) -> None:
        self.query_one(ArticleView).next_match()
        self._say_which_match()

    def _say_which_match(self) -> None:
        """``3 of 10`` under the find box: which match is on screen, of how many."""
        article, box = self.query_one(ArticleView), self.query_one("#find", Input)
        count = len(article.matches)
        if not box.value:
            box.border_subtitle = ""
        else:
            box.border_subtitle = f"{article.match_index + 1} of {count}" if count else "not found"

    def _find_search_words(self) -> None:
        """An article opened from search results shows its matches, and ``f`` steps through them."""
        from converters.search_index import marked_words
        from converters.search_query import parse_query

        self._search_words = tuple(marked_words(parse_query(self._search_term).terms()))
        find = self.query_one("#find", Input)
        find.value = " ".join(self._search_words)  # (hidden until f; its Changed handler finds them)
        if self._search_words:
            self.query_one(ArticleView).find(*self._search_words)

    def _close_find(self, focus: bool = True) -> None:
        find = self.query_one("#find", Input)
        if find.has_class("visible"):
            find.remove_class("visible")
            find.value = ""
            self._search_words = ()
            self.query_one(ArticleView).clear_find()
            if focus:
                self.query_one(ArticleView).focus()

    def action_toc(self) -> None:
        if self._current_meta() is None:
            return
        article = self.query_one(ArticleView)
        items = [("  " * (level - 1) + text, line) for level, text, line in article.headings]

        def go(line: int | None) -> None:
            if line is not None:
                article.go_to_line(line)
                article.focus()

        self.app.push_screen(PickScreen("Contents", items, "This article has no headings."), go)

    def action_open_link(self) -> None:
        if self._current_meta() is None:
            return
        content = self.query_one(ArticleView).content
        items = [(f"{what}: {url}", url) for what, url in content.links] if content else []

        def open_it(url: str | None) -> None:
            if url:
                self.open_in_browser(url)

        self.app.push_screen(PickScreen("Open in browser", items, "This post has no links."), open_it)

    @work(thread=True, group="browser")
    def open_in_browser(self, url: str) -> None:
        import webbrowser

        try:
            opened = webbrowser.open(url)
        except webbrowser.Error:
            opened = False
        if not opened:
            self.app.call_from_thread(self.notify, f"No browser could open {url}", severity="warning")

    def action_copy(self) -> None:
        meta = self._current_meta()
        content = self.query_one(ArticleView).content
        if meta is None or content is None:
            return
        items = [(f"{what}: {url}", url) for what, url in content.links[:2] if what != "link"]
        items.append(("Markdown of this post", content.markdown))
        items.append((f"file path: {meta.path}", meta.path))

        def copy(text: str | None) -> None:
            if text is not None:
                self.app.copy_to_clipboard(text)  # OSC 52, for terminals that take it (over ssh too)
                self.copy_with_tool(text)

        self.app.push_screen(PickScreen("Copy to clipboard", items), copy)

    @work(thread=True, group="clipboard", description="copy with a clipboard tool")
    def copy_with_tool(self, text: str) -> None:
        from ..clipboard import copy_with_tool, describe

        tool = copy_with_tool(text)
        self.app.call_from_thread(self.notify, describe(len(text), tool))

    def action_export(self) -> None:
        from .export import ExportRequest, ExportScreen

        if self.library is None:
            return
        meta = self._meta(self.current) if self.current is not None else None
        rows = self.query_one(PostList).rows
        request = ExportRequest(
            meta.path if meta else None, [self._meta(i).path for i in rows], self.list_title,
            meta.title if meta else "",
        )  # fmt: skip
        folder = self.store.export_folder or str(self.export_base or Path.home() / "postshelf-export")

        def done(outcome: ExportOutcome | None) -> None:
            if outcome is not None:
                self.store.export_folder = outcome.folder
                self._save_state()
                self.notify(outcome.message, title="export")

        self.app.push_screen(ExportScreen(request, Path(folder)), done)

    # --- actions on the list and the panes ------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("visible")
        box.focus()

    def action_cycle_sort(self) -> None:
        self.state.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._apply_rows(keep=self.query_one(PostList).highlighted)
        self._save_state()

    def action_reload(self) -> None:
        self._reloading = [m.path for m in self.library.posts] if self.library else []
        self._set_list_title("Rescanning…")
        self.load_library(shown=self.library)  # (checked against the files, not the cache's older view)

    def action_toggle_tree(self) -> None:
        self.toggle_class("show-tree")

    def action_go_back(self) -> None:
        """One level back: find → article → list (clearing a filter, then search results) → tree."""
        focused = self.focused
        find = self.query_one("#find", Input)
        box = self.query_one("#filter", Input)
        posts = self.query_one(PostList)
        if find.has_class("visible"):
            self._close_find()
        elif focused is box or (box.has_class("visible") and focused is posts):
            box.value = ""
            box.remove_class("visible")
            posts.focus()
        elif isinstance(focused, ArticleView):
            posts.focus()
        elif self.selection is not None and self.selection.kind == "search":
            self._select(self._before_search or Selection("all", "All posts", loaded=True))
        elif focused is posts and self.query_one("#tree-pane").display:
            self.query_one(CategoryTree).focus()
        elif focused is posts and self.has_class("narrow"):
            self.add_class("show-tree")
            self.call_after_refresh(self.query_one(CategoryTree).focus)

    def action_search(self) -> None:
        """ctrl+f: the results follow the words as they are typed; enter goes to them, escape back. The
        index is brought up to date with the files meanwhile (a post edited since the library was read)."""
        before = (self.selection, self._search_term)
        indexing = any(w.group == "index" and not w.is_finished for w in self.workers)
        if self.library is not None and not indexing:  # (never in place of a build under way)
            self.index_library(self.library)

        def done(term: str | None) -> None:
            if self._search_timer is not None:
                self._search_timer.stop()
            if term:
                self._search_now(term)
            elif self._search_waits:  # (given up before the posts were read)
                self._search_waits = False
            elif self.selection is not None and self.selection.kind == "search":
                self._search_term = before[1]
                self._select(self._before_search or Selection("all", "All posts", loaded=True))

        prompt = PromptScreen(
            'Search every post (words, "a phrase", -word, a OR b, title: tag: category: author: after: before:):',
            value=self._search_term,
            placeholder="words to find",
            on_change=self._search_as_typed,
        )
        self.app.push_screen(prompt, done)

    def _search_as_typed(self, term: str) -> None:
        """Each keystroke restarts a short wait; the search runs when typing pauses."""
        if self._search_timer is not None:
            self._search_timer.stop()
        if term.strip():
            self._search_timer = self.set_timer(SEARCH_DELAY, lambda: self._search_now(term.strip()))

    def _search_now(self, term: str) -> None:
        self._search_term = term
        self._searched_at = time.monotonic()
        if self.library is None:  # (the posts are still being read: the search runs once they are)
            self._search_waits = True
            self._set_list_title(f"Searching for {safe(term)} once the posts are read…")
            return
        self._set_list_title(f"Searching for {safe(term)}…")
        self.search_library(term)

    # (a description of its own: Textual's is the repr of every argument, here 100k stamps: ~80 MB at once)
    @work(thread=True, group="index", exclusive=True, description="bring the search index up to date")
    def index_library(self, library: Library, stamps: dict[str, tuple[int, int]] | None = None) -> None:
        """Bring the search index up to date with the files (as ``stamps`` has them, when the load that
        checked them gave them), in the background: a first build of a large library takes a while, its
        progress shown in the list's title."""
        from converters.search_index import bring_up_to_date

        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            if total >= 200 and not worker.is_cancelled:
                self.post_message(IndexProgress(library, done, total))

        changed = True
        try:
            changed = bring_up_to_date(
                self.paths, self.zone, self.zone_key, stamps, progress, lambda: worker.is_cancelled
            )
        except Exception as e:  # (the index is a help: the reader goes on without it)
            self.app.call_from_thread(
                self.notify, f"search index: {type(e).__name__}: {safe(str(e))}", severity="warning"
            )
        self.post_message(IndexProgress(library, 1, 1, changed))

    def on_index_progress(self, message: IndexProgress) -> None:
        done = message.done >= message.total
        self._indexing = None if done else (message.done, message.total)
        searching = self._searching and bool(self._search_term)
        if searching and done and message.changed:
            self.search_library(self._search_term)  # (the results of a whole index, or a newer one)
        elif searching and not done and time.monotonic() - self._searched_at >= SEARCH_REFRESH:
            self._searched_at = time.monotonic()
            self.search_library(self._search_term)  # (what the build has committed since: more to find)
        else:
            self._set_list_title(self._list_heading())  # (in any list: its last word on indexing too)

    @work(thread=True, exclusive=True, group="search")
    def search_library(self, term: str) -> None:
        """The posts the index finds for ``term``, best first, each with its snippet."""
        from converters.search_index import SearchIndex, index_file

        assert self.library is not None
        library = self.library
        # (one snapshot: the count is of the same posts as the hits, whatever a sync commits meanwhile)
        with SearchIndex(index_file(self.paths, self.zone_key), self.zone) as index, index.snapshot():
            hits = index.search(term, limit=SEARCH_HITS, drafts=self.drafts)
            total = index.count(term, drafts=self.drafts) if len(hits) == SEARCH_HITS else len(hits)
        wanted = {hit.path for hit in hits}  # (a map of the hits only: one of 100k paths is ~10 MB)
        where = {meta.path: i for i, meta in enumerate(library.posts) if meta.path in wanted}
        found = [(where[hit.path], hit) for hit in hits if hit.path in where]
        snippets = {i: (hit.snippet, hit.marks) for i, hit in found}
        self.post_message(SearchProgress(library, term, [i for i, _ in found], snippets, total))

    def on_search_progress(self, message: SearchProgress) -> None:
        if message.library is not self.library or message.term != self._search_term:
            return  # (a library since replaced, or words since changed)
        if self.selection is None or self.selection.kind != "search":
            self._before_search = self.selection
        self.selection = Selection("search", f"Search: {message.term}")
        posts = self.query_one(PostList)
        posts.snippets = message.snippets
        self.base_rows = message.results
        self.list_title = f"Search: {message.term}"
        self._search_total = message.total
        self._apply_rows(keep=message.results[0] if message.results else None)
        if not isinstance(self.app.screen, PromptScreen):
            posts.focus()  # the results are what the user came for


def _links_of(post: Post, links: list[str]) -> list[tuple[str, str]]:
    """Links worth opening, each with what it is: the original article's, the cover image, then every
    link in the text (each once)."""
    found: list[tuple[str, str]] = []
    for key in LINK_KEYS:
        value = post.front_matter.get(key)
        if isinstance(value, str) and re.match(r"https?://", value.strip()):
            found.append(("original", value.strip()))
    if post.meta.cover:
        from converters.urls import unwrap_url

        cover = unwrap_url(post.meta.cover)  # the image, not a proxy's wrapper around it
        if re.match(
            r"https?://", cover
        ):  # (never a file: URL, or text a browser launcher reads as an option)
            found.append(("cover image", cover))
    found.extend(("link", url) for url in links)
    unique: dict[str, str] = {}
    for what, url in found:
        unique.setdefault(url, what)  # (each URL once, where it first came)
    return [(what, url) for url, what in unique.items()]
