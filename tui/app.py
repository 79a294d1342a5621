"""The reader: browse a folder of posts by category and read each as clean Markdown.

The App holds what is the same on every screen: quitting, help, the theme, the user's keymap and the
command palette. The reading itself (layout, the current post, its actions and workers) is
:class:`~tui.screens.reader.ReaderScreen`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import tzinfo
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from .keys import help_rows, key_label
from .screens.help import HelpScreen
from .screens.reader import ReaderScreen
from .state import StateStore, load_keymap
from .widgets.article import ArticleView
from .widgets.category_tree import CategoryTree
from .widgets.post_list import PostList


class PostshelfApp(App[None]):
    """postshelf's reader."""

    CSS_PATH = "app.tcss"
    TITLE = "postshelf"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave postshelf"),
        Binding("question_mark", "help", "Help", id="help", tooltip="Every key"),
        Binding("ctrl+t", "toggle_dark", "Theme", id="theme", show=False, tooltip="Light or dark theme"),
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
        drafts: bool = False,
        graphics: str = "blocks",
    ) -> None:
        super().__init__()
        self.paths = paths
        self.graphics = graphics
        """How the terminal draws images (tui/graphics.py: kitty, sixel or blocks)."""
        self.store = state or StateStore()
        self._reader_options = {
            "zone": zone, "zone_key": zone_key, "use_cache": use_cache, "export_base": export_base,
            "drafts": drafts,
        }  # fmt: skip
        keymap, self._keymap_warnings = load_keymap()
        if keymap:
            self.set_keymap(keymap)
        if self.store.theme in self.available_themes:
            self.theme = self.store.theme
        elif self.store.theme:
            self._keymap_warnings.append(
                f"unknown theme {self.store.theme!r} in the state file; using the default"
            )

        self.reader = ReaderScreen(self.paths, self.store, **self._reader_options)  # type: ignore[arg-type]
        """The reading screen (under any dialog that is open)."""

    def exit(self, result: None = None, return_code: int = 0, message: Any = None) -> None:
        """Leave, the pictures sent to the terminal (Kitty's) let go of first: it keeps them per screen,
        and once the app has left its screen, taking them away there does nothing."""
        for screen in self.screen_stack:
            for view in screen.query(ArticleView):
                view.let_go_of_pictures()
        super().exit(result, return_code, message)

    def get_default_screen(self) -> Screen[None]:
        return self.reader

    def on_mount(self) -> None:
        for warning in self.store.warnings + self._keymap_warnings:
            self.notify(warning, severity="warning", timeout=8)
        self.call_after_refresh(self.warm_up)

    def notify(self, message: str, *, markup: bool = False, **kwargs: object) -> None:
        """Notifications carry paths and post text: always plain text. (A widget's or screen's ``notify``
        passes ``markup=True`` on its way here; none of ours is markup.)"""
        super().notify(message, markup=False, **kwargs)  # type: ignore[arg-type]

    def get_key_display(self, binding: Binding) -> str:
        """The footer writes keys as help and the README do (``ctrl+f``, not ``^f``)."""
        return binding.key_display or key_label(binding.key)

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

    # --- actions ------------------------------------------------------------------------------------------

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        reader = self.reader
        places = [
            ("everywhere", self),
            ("reader", reader),
            ("category tree", reader.query_one(CategoryTree)),
            ("post list", reader.query_one(PostList)),
            ("article", reader.query_one(ArticleView)),
        ]
        rows = help_rows(places, self._keymap)
        rows.append((f"{key_label('tab')}, {key_label('shift+tab')}", "Move between panes", "everywhere"))
        self.push_screen(HelpScreen(rows))

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"
        self.store.theme = self.theme
        self.store.save()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, ReaderScreen):
            return
        for binding in ReaderScreen.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.action == "go_back":
                continue
            yield SystemCommand(
                binding.description, binding.tooltip or binding.description, _runner(screen, binding.action)
            )


def _runner(screen: Screen[Any], action: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await screen.run_action(action)

    return run
