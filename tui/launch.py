"""``postshelf [FOLDER|FILE]``: choose the library, then run the reader."""

from __future__ import annotations

import argparse
import os
import sys
from importlib.resources import files

from converters.dates import resolve_zone
from converters.walk import MAYBE_SUFFIXES, POST_SUFFIXES, opens_with_front_matter

POST_FOLDERS = ("source/_posts", "_posts", "content/posts", "content", "posts")


def sample_library() -> str:
    """The posts bundled with the package, so a new user sees the reader work at once."""
    return str(files("converters") / "samples")


def holds_posts(folder: str, look_at: int = 20) -> bool:
    """Whether a folder, a usual posts folder below it, or one of its subfolders holds posts: files of a
    post's kind that open with front matter (a README.md alone does not make a blog). A quick look."""
    places = [os.path.join(folder, sub) for sub in ("", *POST_FOLDERS)]
    try:
        with os.scandir(folder) as entries:
            places += sorted(e.path for e in entries if e.is_dir() and not e.name.startswith("."))[:look_at]
    except OSError:
        return False
    for place in places:
        try:
            with os.scandir(place) as entries:
                candidates = [
                    e.path for e in entries
                    if e.is_file() and os.path.splitext(e.name)[1].lower() in POST_SUFFIXES | MAYBE_SUFFIXES
                ]  # fmt: skip
        except OSError:
            continue
        if any(opens_with_front_matter(path) for path in sorted(candidates)[:look_at]):
            return True
    return False


def choose_library(path: str | None) -> str:
    if path:
        return path
    cwd = os.getcwd()
    return cwd if holds_posts(cwd) else sample_library()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="postshelf",
        description="Read a folder of blog posts in the terminal. Subcommands: convert, list, categories "
        "(see 'postshelf convert --help').",
    )
    parser.add_argument(
        "path", nargs="?", metavar="FOLDER|FILE", help="posts to read (default: here, else samples)"
    )
    parser.add_argument(
        "--timezone", metavar="ZONE", help="zone for dates without an offset (default: local)"
    )
    parser.add_argument("--no-cache", action="store_true", help="scan without the cache")
    parser.add_argument(
        "--drafts", action="store_true", help="show a site's drafts too (under Drafts, marked as such)"
    )
    return parser.parse_args(argv)


def run_reader(argv: list[str]) -> int:
    args = parse_args(argv)
    path = choose_library(args.path)
    if not os.path.exists(path):
        sys.stderr.write(f"postshelf: {path}: no such file or directory\n")
        return 2
    try:
        zone = resolve_zone(args.timezone)
    except ValueError as e:
        sys.stderr.write(f"postshelf: error: {e}\n")
        return 2
    from .app import PostshelfApp
    from .graphics import detect

    app = PostshelfApp(
        [path],
        zone=zone,
        zone_key=args.timezone or "local",
        use_cache=not args.no_cache,
        drafts=args.drafts,
        graphics=detect(),  # (asked before the app takes the terminal)
    )
    app.run()
    return 0


__all__ = ["choose_library", "run_reader", "sample_library"]
