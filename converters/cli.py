"""``postshelf convert | list | categories``: the command line for shell scripts.

A contract: stdout carries only output, problems go to stderr as ``path:line: severity: message``, and the
exit status is 0 (every post converted; warnings allowed), 1 (some post had an error, or an output could
not be written) or 2 (usage error). No traceback reaches the user. Textual is never imported here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .chars import path_text
from .dates import rfc3339
from .options import FORMATS, ConvertOptions, OutputError, UsageError, zone_option
from .report import Reporter, one_line

if TYPE_CHECKING:
    from .library import Library


def cmd_convert(args: argparse.Namespace) -> int:
    """``postshelf convert``: argv's options, run."""
    if not args.paths and args.files_from is None:
        raise UsageError("convert needs a PATH (or --files-from FILE)")
    try:
        options = ConvertOptions.from_namespace(args)
    except ValueError as e:
        raise UsageError(str(e)) from e
    from .convert import run_convert  # (here: list and categories never load the converters)

    return run_convert(options)


def _scan(args: argparse.Namespace, reporter: Reporter) -> Library:
    from .library import scan_library  # (here: search never loads the scan, ~20 ms of a script's search)

    zone = zone_option(args.timezone)
    for p in args.paths:
        if not os.path.exists(p):
            raise UsageError(f"{p}: no such file or directory")
    # (scan_library itself: open_library's early view from the cache is for a screen, and would load the
    # cache a second time whenever the files changed)
    library = scan_library(
        args.paths, zone, zone_key=args.timezone or "local", use_cache=not args.no_cache, drafts=args.drafts
    )
    for p in library.problems:
        reporter.problem(p)
    return library


def cmd_list(args: argparse.Namespace) -> int:
    from .library import sort_key

    reporter = Reporter(args.quiet)
    library = _scan(args, reporter)
    out = sys.stdout
    for meta in sorted(library.posts, key=sort_key):
        if args.json:
            row = {
                "path": path_text(meta.path),
                "title": meta.title,
                "date": rfc3339(meta.date),
                "categories": [list(p) for p in meta.categories],
                "tags": list(meta.tags),
                "authors": list(meta.authors),
                "problems": len(meta.problems),
                "draft": meta.draft,
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            day = meta.date.strftime("%Y-%m-%d") if meta.date else "-"
            cats = "/".join(meta.categories[0]) if meta.categories else "-"
            out.write("\t".join(one_line(x) for x in (day, cats, meta.title, meta.path)) + "\n")
    return 1 if reporter.errors else 0


def cmd_search(args: argparse.Namespace) -> int:
    """``postshelf search``: exit 0 with posts found, 1 with none, 2 for a query that asks nothing."""
    from .search_index import SearchIndex, index_file
    from .search_query import parse_query

    zone = zone_option(args.timezone)
    for p in args.paths:
        if not os.path.exists(p):
            raise UsageError(f"{p}: no such file or directory")
    if args.limit < 0:
        raise UsageError("--limit must be 0 or more")
    query = parse_query(args.query, zone)
    reporter = Reporter(args.quiet)
    for note in query.notes:
        reporter.message(f"postshelf: {note}")
    if query.empty:
        raise UsageError(f"the query {args.query!r} asks for nothing (no word, phrase or field)")
    with SearchIndex(index_file(args.paths, args.timezone or "local"), zone) as index:
        if not args.no_sync or len(index) == 0 or index.partial():
            with _indexing_bar(reporter) as progress:
                index.sync(args.paths, progress)
        hits = index.search(query, limit=args.limit, drafts=args.drafts)
    out = sys.stdout
    for hit in hits:
        if args.json:
            row = {
                "id": hit.id,
                "source_path": path_text(hit.relative),
                "path": path_text(hit.path),
                "title": hit.title,
                "date_published": rfc3339(hit.date),
                "score": round(hit.score, 4),
                "snippet": hit.marked_snippet(),
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            day = hit.date.strftime("%Y-%m-%d") if hit.date else "-"
            cats = "/".join(hit.categories[0]) if hit.categories else "-"
            fields = (day, cats, hit.title, hit.path, hit.marked_snippet())
            out.write("\t".join(one_line(x) for x in fields) + "\n")
    return 0 if hits else 1


@contextlib.contextmanager
def _indexing_bar(reporter: Reporter) -> Iterator[Callable[[int, int], None] | None]:
    """While many posts are indexed (a first build: a minute for 100k), a bar on stderr, on a terminal
    only. It is drawn when told, never by a thread of its own: with another thread the build would not
    fork its workers."""
    if reporter.quiet or not reporter.stream.isatty():
        yield None
        return
    from .report import progress_bar
    from .search_index import PARALLEL_FROM

    bar = progress_bar(reporter.stream, auto_refresh=False)
    task = bar.add_task("indexing", total=None, visible=False)
    drawn = [0.0]

    def progress(done: int, total: int) -> None:
        if total < PARALLEL_FROM:
            return
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total, visible=True)
        if time.monotonic() - drawn[0] >= 0.1 or done >= total:  # (ten times a second at most)
            bar.refresh()
            drawn[0] = time.monotonic()

    try:
        yield progress
    finally:
        if bar.live.is_started:
            bar.stop()


def cmd_categories(args: argparse.Namespace) -> int:
    reporter = Reporter(args.quiet)
    library = _scan(args, reporter)
    root = library.categories
    if args.json:

        def as_json(node: Any) -> dict[str, Any]:
            return {
                "name": node.name,
                "count": node.total,
                "children": [as_json(c) for c in node.sorted_children()],
            }

        tree = as_json(root)
        tree["uncategorized"] = len(library.uncategorized)
        sys.stdout.write(json.dumps(tree, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(f"{one_line(root.name)} ({root.total})\n")
        stack = [(c, 1) for c in reversed(root.sorted_children())]
        while stack:
            node, depth = stack.pop()
            sys.stdout.write(f"{'  ' * depth}{one_line(node.name)} ({node.total})\n")
            stack.extend((c, depth + 1) for c in reversed(node.sorted_children()))
        if library.uncategorized:
            sys.stdout.write(f"  (uncategorized) ({len(library.uncategorized)})\n")
    return 1 if reporter.errors else 0


# --- argument parsing ---------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postshelf",
        description="Read and convert folders of blog posts (Hexo, Jekyll, Hugo, scraped news archives).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    conv = sub.add_parser(
        "convert", help="convert posts to Markdown, XHTML, JSON, JSON Lines, JSON Feed or EPUB"
    )
    conv.add_argument(
        "paths", nargs="*", metavar="PATH", help="post files and/or folders; '-' reads one post from stdin"
    )
    conv.add_argument(
        "--files-from", metavar="FILE", help="also convert the paths FILE names, one a line ('-': stdin)"
    )
    conv.add_argument("-0", "--null", action="store_true", help="--files-from separates paths with NUL bytes")
    conv.add_argument(
        "--shard", metavar="K/N", help="only the posts of shard K of N (by a stable hash of each path)"
    )
    conv.add_argument("--to", choices=FORMATS, default="markdown", help="output format (default: markdown)")
    conv.add_argument(
        "-o", "--output", metavar="OUT", help="a folder (one output per post), a file, or '-' for stdout"
    )
    conv.add_argument(
        "--category", metavar="PATH", help="only posts under this category path, e.g. '新媒体/趣头条'"
    )
    conv.add_argument("--tag", action="append", metavar="TAG", help="only posts with this tag (repeatable)")
    conv.add_argument("--since", metavar="DATE", help="only posts dated on or after DATE")
    conv.add_argument("--until", metavar="DATE", help="only posts dated on or before DATE")
    conv.add_argument(
        "--images",
        default="link",
        metavar="MODE",
        help="html/epub: link (default), remote, drop; embed (epub: the images inside the book) or local"
        " (html -o FOLDER: the images in FOLDER/images/), each image fetched once into the cache",
    )
    conv.add_argument(
        "--refresh-images", action="store_true", help="ask the servers again for images already fetched"
    )
    conv.add_argument(
        "--image-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="the most one image may take to fetch (default 30)",
    )
    conv.add_argument(
        "--keep-proxies", action="store_true", help="keep proxy and redirect wrappers around URLs"
    )
    conv.add_argument("--no-front-matter", action="store_true", help="markdown: write the body only")
    conv.add_argument("--title", help="title of a JSON Feed or EPUB book")
    _common(conv)
    conv.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: number of cores)")
    conv.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    conv.add_argument(
        "--dry-run", action="store_true", help="convert but write nothing; print where outputs would go"
    )
    conv.add_argument("--fail-fast", action="store_true", help="stop at the first post with an error")
    conv.set_defaults(func=cmd_convert)
    for name, text, json_text, func in (
        (
            "list",
            "one line per post: date, category path, title, path",
            "JSON Lines instead of columns",
            cmd_list,
        ),
        ("categories", "the category tree with post counts", "the tree as JSON", cmd_categories),
    ):
        scan = sub.add_parser(name, help=text)
        scan.add_argument("paths", nargs="+", metavar="PATH")
        scan.add_argument("--json", action="store_true", help=json_text)
        _common(scan)
        scan.add_argument("--no-cache", action="store_true", help="scan without reading or writing the cache")
        scan.set_defaults(func=func)
    find = sub.add_parser(
        "search",
        help="full-text search: one post a line (as list prints them) with a snippet, best first",
        description='Words are ANDed; "exact phrase", -word, a OR b, kube* (prefix); fields title:, tag:, '
        'category: (a path prefix: category:新媒体/趣头条, or quoted: category:"a b/c"), author:, after:DATE, '
        "before:DATE. Chinese, "
        "Japanese and Korean text is found by any one or more characters. The index is kept in the cache "
        "folder and brought up to date with the files at each search.",
    )
    find.add_argument("query", metavar="QUERY")
    find.add_argument("paths", nargs="+", metavar="PATH")
    find.add_argument(
        "--json",
        action="store_true",
        help="JSON Lines: id, source_path, path, title, date_published, score, snippet",
    )
    find.add_argument(
        "--limit", type=int, default=20, metavar="N", help="at most N posts (default 20; 0: all)"
    )
    find.add_argument(
        "--no-sync",
        action="store_true",
        help="search the index as it is, without checking the files first (a stat of each; ~0.15 s for 100k);"
        " an index never built whole is built all the same",
    )
    _common(find)
    find.set_defaults(func=cmd_search)
    return parser


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--timezone",
        metavar="ZONE",
        help="zone for dates without an offset (default: the site's, else local)",
    )
    p.add_argument(
        "--drafts",
        action="store_true",
        help="include a site's drafts (its _drafts, draft: true, published: false)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only, no warnings or progress")


_NUMBER_OPTIONS = ("--image-timeout", "--jobs", "--limit")
_NEGATIVE = re.compile(r"-\d+(\.\d*)?")


def _negative_numbers_joined(argv: list[str]) -> list[str]:
    """``--limit -1`` → ``--limit=-1``. argparse takes ``-1`` for an option in a parser that has ``-0``,
    and would only say that the value is missing; joined, the option's own check says what is wrong."""
    out: list[str] = []
    rest = iter(argv)
    for arg in rest:
        if arg == "--":
            return [*out, arg, *rest]
        if arg in _NUMBER_OPTIONS:
            value = next(rest, None)
            if value is not None and _NEGATIVE.fullmatch(value):
                out.append(f"{arg}={value}")
                continue
            out.append(arg)
            if value is not None:
                out.append(value)
            continue
        out.append(arg)
    return out


def _excluding_query_kept(argv: list[str]) -> list[str]:
    """``search -nginx PATH`` → the query ``-nginx`` (posts without the word), which argparse would take
    for an unknown option: given a leading space, which the query reader ignores."""
    if not argv or argv[0] != "search":
        return argv
    out, rest = argv[:1], iter(argv[1:])
    for arg in rest:  # (the options before the query, then the query)
        if arg.startswith("-") and not arg.startswith("--") and arg not in ("-q", "-h"):
            out.append(" " + arg)
            break
        out.append(arg)
        if arg in _SEARCH_VALUE_OPTIONS:
            out.append(next(rest, ""))
        elif not arg.startswith("-") or arg == "--":
            break  # (the query as it is, or the end of the options: the rest are paths)
    return [*out, *rest]


_SEARCH_VALUE_OPTIONS = ("--limit", "--timezone")
"""The options of ``search`` that take a value (in the next argument)."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = _excluding_query_kept(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(_negative_numbers_joined(argv))
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except UsageError as e:
        parser.exit(2, f"postshelf: error: {one_line(str(e))}\n")
    except OutputError as e:
        sys.stderr.write(f"postshelf: {one_line(str(e))}\n")
        return 1
    except BrokenPipeError:
        # the reader of stdout went away (| head): stop quietly, without a traceback at exit
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.stderr.write("postshelf: output closed early; stopped\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("postshelf: interrupted\n")
        return 130
    except OSError as e:
        sys.stderr.write(f"postshelf: {one_line(str(e))}\n")
        return 1
    return 0
