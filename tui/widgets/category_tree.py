"""The left pane: All posts, the category hierarchy with counts, Tags, Authors, Archive, Bookmarks, Drafts,
Problems.

Children are built only when a node expands, so a library of 100k posts opens as fast as one of ten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from converters.library import CategoryNode, Library

from ..text import safe


@dataclass
class Selection:
    """What a tree node stands for: a title for the list and how to find its posts."""

    kind: str  # all | category | tags | tag | authors | author | archive | year | month | bookmarks | problems | search
    title: str
    key: tuple[str, ...] = ()
    category: CategoryNode | None = None
    loaded: bool = False


def label(name: str, count: int | None = None) -> Text:
    text = Text(safe(name))
    if count is not None:
        text.append(f" ({count:,})", style="dim")
    return text


class CategoryTree(Tree[Selection]):
    """Browse the library by category, tag, author and date."""

    DEFAULT_CSS = """
    CategoryTree { background: $surface; }
    """
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="tree.down"),
        Binding("k", "cursor_up", "Up", show=False, id="tree.up"),
        Binding("l,right", "expand", "Expand", show=False, id="tree.expand"),
        Binding("h,left", "collapse", "Collapse or go to the parent", show=False, id="tree.collapse"),
        Binding("g,home", "scroll_home", "First", show=False),
        Binding("G,end", "scroll_end", "Last", show=False),
        Binding("enter", "select_cursor", "Expand or collapse; on a leaf, go to its posts", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("Library"), id=id)
        self.show_root = False
        self.guide_depth = 2
        self.library: Library | None = None
        self.bookmark_count: Callable[[], int] = lambda: 0

    def load(self, library: Library) -> None:
        """Fill the top level; deeper levels come on expansion."""
        self.library = library
        self.clear()
        root = self.root
        n = len(library.posts)
        all_node = root.add_leaf(label("All posts", n), Selection("all", "All posts", loaded=True))
        cats = root.add(
            label("Categories", library.categories.total - len(library.uncategorized)),
            Selection("categories", "Categories", category=library.categories),
        )
        if library.uncategorized:
            root.add_leaf(
                label("Uncategorized", len(library.uncategorized)),
                Selection("uncategorized", "Uncategorized"),
            )
        # Each group counts the posts it lists (posts with a tag, an author, a date), as categories do.
        root.add(label("Tags", len(self._having("tags"))), Selection("tags", "Posts with tags"))
        root.add(label("Authors", len(self._having("authors"))), Selection("authors", "Posts with an author"))
        root.add(label("Archive", len(self._having("archive"))), Selection("archive", "Dated posts"))
        root.add_leaf(label("Bookmarks", self.bookmark_count()), Selection("bookmarks", "Bookmarks"))
        if library.drafts:  # (there only when drafts were asked for: postshelf --drafts)
            root.add_leaf(label("Drafts", len(library.drafts)), Selection("drafts", "Drafts"))
        problems = sum(1 for m in library.posts if m.problems)
        if problems:
            root.add_leaf(label("Problems", problems), Selection("problems", "Posts with problems"))
        self._fill(cats)
        cats.expand()
        self.move_cursor(all_node)

    def action_expand(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand:
            node.expand()

    def action_collapse(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)

    def refresh_bookmarks(self) -> None:
        for node in self.root.children:
            if node.data and node.data.kind == "bookmarks":
                node.set_label(label("Bookmarks", self.bookmark_count()))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[Selection]) -> None:
        self._fill(event.node)

    def _fill(self, node: TreeNode[Selection]) -> None:
        data = node.data
        library = self.library
        if data is None or data.loaded or library is None:
            return
        data.loaded = True
        if data.kind in ("categories", "category") and data.category is not None:
            for child in data.category.sorted_children():
                sel = Selection("category", " › ".join(child.path), child.path, child)
                if child.children:
                    node.add(label(child.name, child.total), sel)
                else:
                    sel.loaded = True
                    node.add_leaf(label(child.name, child.total), sel)
        elif data.kind == "tags":
            for tag, posts in sorted(library.tags.items(), key=lambda kv: (-len(kv[1]), kv[0])):
                node.add_leaf(label(tag, len(posts)), Selection("tag", "#" + tag, (tag,), loaded=True))
        elif data.kind == "authors":
            for author, posts in sorted(library.authors.items(), key=lambda kv: (-len(kv[1]), kv[0])):
                node.add_leaf(label(author, len(posts)), Selection("author", author, (author,), loaded=True))
        elif data.kind == "archive":
            for year in sorted(library.archive, reverse=True):
                count = sum(len(v) for v in library.archive[year].values())
                node.add(label(str(year), count), Selection("year", str(year), (str(year),)))
        elif data.kind == "year":
            year = int(data.key[0])
            for month in sorted(library.archive.get(year, {}), reverse=True):
                posts = library.archive[year][month]
                node.add_leaf(
                    label(f"{year}-{month:02d}", len(posts)),
                    Selection("month", f"{year}-{month:02d}", (str(year), str(month)), loaded=True),
                )

    def _having(self, kind: str) -> list[int]:
        """The posts with a tag, an author or a date, in library order."""
        assert self.library is not None
        posts = self.library.posts
        if kind == "tags":
            return [i for i, m in enumerate(posts) if m.tags]
        if kind == "authors":
            return [i for i, m in enumerate(posts) if m.authors]
        return [i for i, m in enumerate(posts) if m.date is not None]

    def posts_for(self, data: Selection, bookmarked: Callable[[int], bool]) -> list[int]:
        """Indexes of the posts a node stands for (newest first, as the library is sorted)."""
        library = self.library
        if library is None:
            return []
        if data.kind == "all":
            return list(range(len(library.posts)))
        if data.kind in ("tags", "authors", "archive"):
            return self._having(data.kind)
        if data.kind == "categories":
            uncategorized = set(library.uncategorized)
            return [i for i in range(len(library.posts)) if i not in uncategorized]
        if data.kind == "category" and data.category is not None:
            return data.category.all_posts()
        if data.kind == "uncategorized":
            return list(library.uncategorized)
        if data.kind == "tag":
            return list(library.tags.get(data.key[0], []))
        if data.kind == "author":
            return list(library.authors.get(data.key[0], []))
        if data.kind == "year":
            return sorted(i for posts in library.archive.get(int(data.key[0]), {}).values() for i in posts)
        if data.kind == "month":
            return list(library.archive.get(int(data.key[0]), {}).get(int(data.key[1]), []))
        if data.kind == "bookmarks":
            return [i for i in range(len(library.posts)) if bookmarked(i)]
        if data.kind == "problems":
            return [i for i, m in enumerate(library.posts) if m.problems]
        if data.kind == "drafts":
            return list(library.drafts)
        return []
