"""folder → Library: what is scanned, the indexes, sorting, and the (path, mtime, size) cache."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import converters.library as library_module
from converters import scan_cache
from converters.library import scan_library, sort_key
from converters.post import Meta

POST = "---\ntitle: {title}\ndate: {date}\ncategories:\n- {a}\n- {b}\ntags: [{tag}]\nauthor: {author}\n---\nBody of {title}.\n"


def write(folder: Path, name: str, title: str, date: str = "2021-01-01", a: str = "A", b: str = "B",
          tag: str = "t", author: str = "Ann") -> Path:  # fmt: skip
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(POST.format(title=title, date=date, a=a, b=b, tag=tag, author=author), encoding="utf-8")
    return path


@pytest.fixture
def shelf(tmp_path: Path) -> Path:
    root = tmp_path / "shelf"
    write(root, "one.md", "One", "2021-01-01", "新媒体", "趣头条", "x", "Ann")
    write(root, "sub/two.markdown", "Two", "2022-05-05", "新媒体", "ZAKER", "x", "Bo")
    write(root, "sub/deeper/three.html", "Three", "Invalid Date", "编程", "Python", "y", "Ann")
    (root / "notes.txt").write_text("just a text file, not a post\n")
    (root / "archive.txt").write_text("\n---\ntitle: Scraped\ndate: 2020-02-02\n---\n<p>正文</p>\n")
    write(root, ".hidden/secret.md", "Hidden")
    write(root, "node_modules/pkg/readme.md", "Dependency")
    (root / "image.png").write_bytes(b"\x89PNG")
    return root


def test_scan_finds_posts_by_the_library_rules(shelf: Path) -> None:
    lib = scan_library([str(shelf)], use_cache=False)
    titles = [m.title for m in lib.posts]
    assert titles == ["Two", "One", "Scraped", "Three"]  # newest first, undated last
    assert not lib.problems or all(p.severity == "warning" for p in lib.problems)


def test_category_tree_counts_every_level(shelf: Path) -> None:
    lib = scan_library([str(shelf)], use_cache=False)
    root = lib.categories
    assert root.total == 4
    assert root.children["新媒体"].total == 2
    assert root.children["新媒体"].children["趣头条"].total == 1
    assert root.find(("编程", "Python")).total == 1  # type: ignore[union-attr]
    assert [lib.posts[i].title for i in root.children["新媒体"].all_posts()] == ["Two", "One"]
    assert [lib.posts[i].title for i in lib.uncategorized] == ["Scraped"]
    assert sorted(lib.tags) == ["x", "y"] and len(lib.tags["x"]) == 2
    assert sorted(lib.authors) == ["Ann", "Bo"]
    assert sorted(lib.archive) == [2020, 2021, 2022] and lib.archive[2022][5] == [0]


def test_a_post_in_two_hierarchies_counts_once_above_them(tmp_path: Path) -> None:
    (tmp_path / "p.md").write_text("---\ntitle: P\ncategories:\n- [A, B]\n- [A, C]\n---\n")
    lib = scan_library([str(tmp_path)], use_cache=False)
    assert lib.categories.children["A"].total == 1
    assert lib.categories.children["A"].children["B"].total == 1


def test_single_file_is_a_library_of_one(shelf: Path) -> None:
    lib = scan_library([str(shelf / "one.md")], use_cache=False)
    assert [m.title for m in lib.posts] == ["One"]


def test_symlink_loops_and_broken_links_do_not_hang(shelf: Path) -> None:
    os.symlink(shelf, shelf / "sub" / "loop")
    os.symlink(shelf / "missing.md", shelf / "dangling.md")
    lib = scan_library([str(shelf)], use_cache=False)
    assert len(lib.posts) == 4
    assert any("broken symbolic link" in p.message for p in lib.problems)


def test_missing_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    lib = scan_library([str(tmp_path / "gone")], use_cache=False)
    assert lib.posts == [] and lib.problems[0].severity == "error"


def test_bad_posts_are_reported_and_the_rest_loads(shelf: Path, fixtures: Path) -> None:
    for name in ("malformed.md", "binary.md", "empty.md", "undecodable.md"):
        shutil.copy(fixtures / "reading" / name, shelf / name)
    lib = scan_library([str(shelf)], use_cache=False)
    assert len(lib.posts) == 8
    bad = {Path(p.path).name for p in lib.problems if p.severity == "error"}
    assert {"malformed.md", "binary.md"} <= bad
    assert not list(shelf.glob("**/*.tmp")) and not list(
        shelf.glob("**/.scan*")
    )  # nothing written beside the sources


def test_second_scan_reads_only_what_changed(shelf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    from converters import reading

    real = reading.read_head_stamped

    def counting(path: str, zone: object = None, require: bool = True):  # type: ignore[no-untyped-def]
        calls.append(os.path.basename(path))
        return real(path, zone, require)  # type: ignore[arg-type]

    monkeypatch.setattr(reading, "read_head_stamped", counting)
    first = scan_library([str(shelf)])
    assert sorted(calls) == ["archive.txt", "notes.txt", "one.md", "three.html", "two.markdown"]
    calls.clear()
    second = scan_library([str(shelf)])
    assert calls == ["notes.txt"]  # not a post, so never cached: looked at again, and only it
    assert [(m.title, m.date, m.categories, m.problems) for m in second.posts] == [
        (m.title, m.date, m.categories, m.problems) for m in first.posts
    ]
    calls.clear()
    write(shelf, "one.md", "One, edited", "2021-01-01")
    scan_library([str(shelf)])
    assert sorted(calls) == ["notes.txt", "one.md"]


def test_a_corrupt_cache_is_ignored(shelf: Path) -> None:
    scan_library([str(shelf)])
    cache = scan_cache.cache_file([str(shelf)], "local")
    cache.write_text("{not json")
    assert len(scan_library([str(shelf)]).posts) == 4


def test_the_time_zone_is_part_of_the_cache_key(shelf: Path) -> None:
    from converters.dates import resolve_zone

    utc = scan_library([str(shelf)], resolve_zone("UTC"), "UTC")
    east = scan_library([str(shelf)], resolve_zone("+08:00"), "+08:00")
    assert utc.posts[0].date != east.posts[0].date


def test_load_cached_shows_what_the_last_scan_saw(shelf: Path) -> None:
    from converters.library import load_cached

    assert load_cached([str(shelf)]) is None
    scanned = scan_library([str(shelf)])
    assert scanned.changed
    cached = load_cached([str(shelf)])
    assert cached is not None and not cached.changed
    assert [(m.path, m.title, m.date, m.categories) for m in cached.posts] == [
        (m.path, m.title, m.date, m.categories) for m in scanned.posts
    ]
    assert cached.categories.total == scanned.categories.total
    assert not scan_library([str(shelf)]).changed  # nothing new on disk
    from converters.library import cache_is_current

    def current() -> bool:
        cached = load_cached([str(shelf)])
        return cached is not None and cache_is_current(cached)

    assert current()
    write(shelf, "new.md", "New")
    assert not current()
    assert scan_library([str(shelf)]).changed
    assert current()
    (shelf / "new.md").unlink()
    assert not current()


def _fields(lib: library_module.Library) -> list[tuple[object, ...]]:
    return [
        (m.path, m.title, m.date, m.date and m.date.utcoffset(), m.updated, m.categories, m.tags, m.authors,
         m.cover, m.language, m.body_kind, m.problems)
        for m in lib.posts
    ]  # fmt: skip


@pytest.mark.parametrize(
    "date",
    [
        "2021-06-01 08:30:15.123457+08:00",  # microseconds a float timestamp must give back exactly
        "0001-01-01T00:00:00+00:00",  # outside what a POSIX timestamp holds: kept as text
        "9999-12-31 23:59:59.999999-05:30",
        "1969-07-20T20:17:40Z",
        "Tue, 11 Jan 2022 04:39:04 GMT",
        "2022-01-11 12:00",  # naive: takes the scan's zone
        "Invalid Date",
    ],
)
def test_the_cache_gives_back_exactly_what_was_read(tmp_path: Path, date: str) -> None:
    (tmp_path / "p.md").write_text(
        f"---\ntitle: P\ndate: {date}\nupdated: 2023-03-03T03:03:03.5+01:00\nheadimg: //x/c.png\n"
        "categories: [[A, B], [C]]\ntags: a, b\nauthor: {name: Ann}\n---\n<p>正文</p>\n"
    )
    first = scan_library([str(tmp_path)])
    again = scan_library([str(tmp_path)])
    cached = library_module.load_cached([str(tmp_path)])
    assert first.changed and not again.changed and cached is not None
    assert _fields(again) == _fields(first) == _fields(cached)
    assert cached.problems == first.problems


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.none(),
        st.datetimes(
            min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
            timezones=st.builds(timezone, st.integers(-50_000, 50_000).map(lambda s: timedelta(seconds=s))),
        ),
    ),
    st.sampled_from(["a.md", "b.md"]),
)  # fmt: skip
def test_a_row_sorts_where_its_post_sorts(date: datetime | None, path: str) -> None:
    meta = Meta(path, "t", date)
    row = scan_cache.row_from_meta(meta, 0, 0)
    assert scan_cache.row_order(row) == sort_key(scan_cache.meta_from_row(row)) == sort_key(meta)


def test_a_scan_reports_progress_up_to_the_total(shelf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(30):
        write(shelf, f"many/{i:02}.md", f"Post {i}")
    monkeypatch.setattr(library_module, "PARALLEL_FROM", 10)  # the forked readers report too
    seen: list[tuple[int, int]] = []
    lib = scan_library([str(shelf)], progress=lambda done, total: seen.append((done, total)))
    assert len(lib.posts) == 34
    assert seen[0] == (0, 35) and seen[-1] == (35, 35)  # 35 candidates: both .txt files may be posts
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_forked_readers_give_what_one_process_gives(shelf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(30):
        write(shelf, f"many/{i:02}.md", f"Post {i}", f"2020-01-{i % 28 + 1:02} 10:00")
    alone = scan_library([str(shelf)], use_cache=False)
    monkeypatch.setattr(library_module, "PARALLEL_FROM", 10)
    forked = scan_library([str(shelf)], use_cache=False)
    assert _fields(forked) == _fields(alone)


def test_a_scan_whose_reader_process_dies_reads_the_rest_itself(
    shelf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(30):
        write(shelf, f"many/{i:02}.md", f"Post {i}", f"2020-01-{i % 28 + 1:02} 10:00")
    alone = scan_library([str(shelf)], use_cache=False)
    monkeypatch.setattr(library_module, "PARALLEL_FROM", 10)
    monkeypatch.setattr(library_module, "READ_CHUNK", 4)
    read_chunk = library_module._read_chunk

    def dies_on_the_third(bounds: tuple[int, int]) -> bytes:  # (the forked readers run the patched module)
        if bounds[0] == 8:
            os._exit(9)  # as if killed for memory
        return read_chunk(bounds)

    monkeypatch.setattr(library_module, "_read_chunk", dies_on_the_third)
    assert _fields(scan_library([str(shelf)], use_cache=False)) == _fields(alone)


@pytest.mark.parametrize("parallel", [False, True])
def test_a_post_that_trips_a_bug_costs_that_post_not_the_scan(
    shelf: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    import converters.reading as reading_module

    for i in range(30):
        write(shelf, f"many/{i:02}.md", f"Post {i}")
    if parallel:
        monkeypatch.setattr(library_module, "PARALLEL_FROM", 10)
    parse = reading_module.parse_front_matter

    def buggy(part, path):  # type: ignore[no-untyped-def]  # (the forked readers run the patched module)
        if path.endswith("07.md"):
            raise KeyError("boom")
        return parse(part, path)

    monkeypatch.setattr(reading_module, "parse_front_matter", buggy)
    lib = scan_library([str(shelf)], use_cache=False)
    assert len(lib.posts) == 34
    (problem,) = [p for p in lib.problems if p.path.endswith("07.md")]
    assert problem.severity == "error" and "internal error: KeyError" in problem.message


def test_a_file_linked_twice_is_one_post_whichever_scan(shelf: Path) -> None:
    os.link(shelf / "one.md", shelf / "sub" / "one-again.md")
    os.symlink(shelf / "sub" / "two.markdown", shelf / "two-link.md")
    cold = scan_library([str(shelf)])
    warm = scan_library([str(shelf)])
    for lib in (cold, warm):
        assert len(lib.posts) == 4
        assert {Path(m.path).name for m in lib.posts} >= {"one.md", "two.markdown"}  # the first in path order


@pytest.mark.parametrize(("name", "wins"), [("a-first.md", True), ("z-last.md", False)])
def test_a_link_made_after_the_cache_counts_as_a_cold_scan_counts_it(
    shelf: Path, name: str, wins: bool
) -> None:
    scan_library([str(shelf)])
    os.link(shelf / "one.md", shelf / name)  # the same post, under a path before or after the cached one
    cached = library_module.load_cached([str(shelf)])
    assert cached is not None and library_module.cache_is_current(cached) is not wins
    warm = scan_library([str(shelf)])
    cold = scan_library([str(shelf)], use_cache=False)
    assert _fields(warm) == _fields(cold)
    assert ((shelf / name).as_posix() in {m.path for m in warm.posts}) is wins


def test_a_process_of_its_own_fills_the_cache(shelf: Path) -> None:
    seen: list[tuple[int, int]] = []
    assert library_module.fill_cache_in_subprocess([str(shelf)], "local", lambda d, t: seen.append((d, t)))
    assert seen and seen[-1] == (5, 5)  # the three posts, archive.txt and notes.txt (a maybe)
    cached = library_module.load_cached([str(shelf)])
    assert cached is not None
    assert [m.title for m in cached.posts] == [
        m.title for m in scan_library([str(shelf)], use_cache=False).posts
    ]


def test_a_failing_or_cancelled_fill_says_so(shelf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not library_module.fill_cache_in_subprocess([str(shelf)], "local", cancelled=lambda: True)
    assert not library_module.fill_cache_in_subprocess(
        [str(shelf)], "Not/AZone"
    )  # the child exits with an error
    monkeypatch.setattr(library_module.sys, "executable", "/nonexistent/python")
    assert not library_module.fill_cache_in_subprocess([str(shelf)], "local")
    assert library_module.load_cached([str(shelf)]) is None


def test_a_kept_library_can_be_put_out_of_the_collectors_reach(shelf: Path) -> None:
    import gc

    scan_library([str(shelf)])
    gc.unfreeze()
    try:
        assert library_module.load_cached([str(shelf)]) is not None
        assert gc.get_freeze_count() == 0 and gc.isenabled()
        lib = library_module.load_cached([str(shelf)], freeze=True)
        assert lib is not None and gc.get_freeze_count() > 0 and gc.isenabled()
        gc.unfreeze()
        scan_library([str(shelf)], freeze=True)
        assert gc.get_freeze_count() > 0 and gc.isenabled()
    finally:
        gc.unfreeze()


def test_the_filling_process_imports_postshelf_whatever_the_current_folder(
    shelf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoy = tmp_path / "elsewhere" / "converters"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("raise SystemExit('the wrong package')\n")
    monkeypatch.chdir(decoy.parent)
    relative = os.path.relpath(shelf, decoy.parent)
    assert library_module.fill_cache_in_subprocess([relative], "local")
    assert library_module.load_cached([str(shelf)]) is not None  # the same cache as the absolute path's


def test_an_unchanged_library_reopens_without_loading_the_post_readers(shelf: Path, tmp_path: Path) -> None:
    """Nothing to read, nothing to import: the readers (YAML, dates, decoding) cost a reopen ~25 ms."""
    import subprocess
    import sys

    (shelf / "notes.txt").unlink()  # (a .txt file that is no post is looked at again at every scan)

    code = (
        "import sys; from converters.library import scan_library; "
        f"scan_library([{str(shelf)!r}]); print('converters.reading' in sys.modules)"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert (first.stdout.strip(), again.stdout.strip()) == ("True", "False")


def test_a_walk_asked_for_enough_posts_stops_after_the_folder_that_has_them(tmp_path: Path) -> None:
    from converters.walk import walk

    for folder in range(6):
        (tmp_path / f"f{folder}").mkdir()
        for i in range(4):
            (tmp_path / f"f{folder}" / f"{i}.md").write_text("---\ntitle: t\n---\n", encoding="utf-8")
    everything = walk([str(tmp_path)], [])
    assert len(everything) == 24
    some = walk([str(tmp_path)], [], enough=6)
    assert 6 <= len(some) < 24 and len(some) % 4 == 0
    assert {s.path for s in some} <= {s.path for s in everything}
    assert len(walk([str(tmp_path)], [], enough=100)) == 24


def test_a_projects_readme_is_no_post_without_front_matter(tmp_path: Path) -> None:
    """README.md, CHANGELOG.md, LICENSE.md beside a blog's posts are listed only with front matter (as
    .txt files are); a Markdown post without front matter still is one, and a README named on the
    command line is always read."""
    from converters.library import scan_library

    (tmp_path / "README.md").write_text("# My blog\n", encoding="utf-8")
    (tmp_path / "CHANGELOG.md").write_text("- fixed\n", encoding="utf-8")
    (tmp_path / "readme.markdown").write_text(
        "---\ntitle: 一篇名叫 readme 的文章\n---\n正文\n", encoding="utf-8"
    )
    (tmp_path / "plain.md").write_text("没有前言的文章。\n", encoding="utf-8")
    titles = sorted(m.title for m in scan_library([str(tmp_path)], use_cache=False).posts)
    assert titles == ["plain", "一篇名叫 readme 的文章"]
    assert [m.title for m in scan_library([str(tmp_path / "README.md")], use_cache=False).posts] == [
        "My blog"
    ]


def test_a_library_and_a_load_are_shown_briefly() -> None:
    """A message holding the library is shown by its repr in Textual's log: a dataclass's own repr of
    100k posts was an 85 MB string at every such message (the reader's memory peaked 190 MB higher)."""
    from converters.library import Library
    from converters.loading import Loaded
    from converters.post import Meta

    posts = [Meta(f"/lib/p{i}.md", f"post {i}") for i in range(5000)]
    library = Library(roots=["/lib"], posts=posts, problems=[])
    assert repr(library) == "Library(roots=['/lib'], posts=5,000, problems=0)"
    loaded = Loaded(library, checked=True, stamps={m.path: (1, 2) for m in posts})
    assert len(repr(loaded)) < 200


def test_a_walks_fingerprint_changes_with_every_change_a_walk_would_see(
    shelf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Equal fingerprints mean no post added, removed or changed, an edit in place of the same size
    included; what a walk never reads (a dot-file, node_modules) leaves it as it was; made in two
    processes or in one, it is the same."""
    from converters import walk as walk_module
    from converters.walk import fingerprint

    def fp() -> str:
        return fingerprint([str(shelf)], expected=10**6)  # (in two processes, whatever the size)

    first = fp()
    monkeypatch.setattr(walk_module, "_FORK_FROM", 10**9)
    assert fingerprint([str(shelf)]) == first  # (in one)
    monkeypatch.undo()
    assert fp() == first
    (shelf / ".one.md.swp").write_text("editor's scratch")
    (shelf / "node_modules" / "pkg" / "readme.md").write_text("changed")
    (shelf / ".hidden" / "secret.md").write_text("changed")
    assert fp() == first
    seen = [first]

    def changed() -> str:
        now = fp()
        assert now != seen[-1]
        seen.append(now)
        return now

    two = shelf / "sub" / "two.markdown"
    before = two.stat()
    two.write_text(two.read_text(encoding="utf-8").replace("Two", "2wo"), encoding="utf-8")
    os.utime(two, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))  # (same size, a newer time)
    assert two.stat().st_size == before.st_size
    edited = changed()
    write(shelf, "sub/deeper/four.md", "Four")
    changed()
    (shelf / "sub" / "deeper" / "four.md").rename(shelf / "sub" / "deeper" / "five.md")
    changed()
    (shelf / "sub" / "deeper" / "five.md").unlink()
    assert changed() == edited  # (the files as they were: the fingerprint as it was)
    (shelf / "sub" / "newer").mkdir()
    changed()
    write(shelf, "sub/newer/six.md", "Six")
    changed()
    (shelf / "notes.txt").write_text("now a post?\n")
    changed()
    assert fingerprint([str(shelf / "one.md")]) != fingerprint([str(shelf / "sub" / "two.markdown")])


def test_a_survey_finds_the_files_changed_since_an_earlier_one_by_one_stat_of_each(
    shelf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its fingerprint is the walk's; given an earlier survey's stamps, it finds the files whose stamps
    changed (posts or not) while the listing stays, and says when one of them was one file with another
    name; the same in one process and in two."""
    from converters import walk as walk_module
    from converters.walk import fingerprint, survey

    def both(before: bytes = b"") -> walk_module.Survey:
        two = survey([str(shelf)], before, expected=10**6)
        monkeypatch.setattr(walk_module, "_FORK_FROM", 10**9)
        assert survey([str(shelf)], before) == two  # (in one process)
        monkeypatch.undo()
        return two

    def stamps(path: Path) -> tuple[str, int, int, bool]:
        return (str(path), path.stat().st_mtime_ns, path.stat().st_size, True)  # (the same file)

    first = both()
    assert first.whole == fingerprint([str(shelf)]) and first.differing == []
    assert both(first.stamps).differing == [] and both(first.stamps).whole == first.whole
    two = shelf / "sub" / "two.markdown"
    two.write_text(two.read_text(encoding="utf-8") + "more\n", encoding="utf-8")
    (shelf / "image.png").write_bytes(b"\x89PNG and more")
    edited = both(first.stamps)
    assert sorted(edited.differing) == sorted([stamps(two), stamps(shelf / "image.png")])
    assert edited.listing == first.listing and edited.whole != first.whole and not edited.differing_shared
    (shelf / "sub" / "new.md").write_text("---\ntitle: new\n---\n")
    assert both(first.stamps).listing != first.listing
    (shelf / "sub" / "new.md").unlink()
    assert both(first.stamps).listing == first.listing
    (shelf / "one.md").unlink()
    os.link(two, shelf / "one.md")  # (two names, one file: a walk keeps one of them)
    linked = both(edited.stamps)
    assert (str(shelf / "one.md"), False) in {(path, same) for path, _, _, same in linked.differing}
    assert not linked.differing_shared and (shelf / "one.md").stat().st_nlink == 2
    (shelf / "one.md").unlink()  # (one.md now a file of its own, two.markdown one name again)
    (shelf / "one.md").write_text("---\ntitle: One again\n---\n")
    assert both(linked.stamps).differing_shared  # (two.markdown may be a post of its own now)


def test_the_half_a_forked_process_surveys_comes_back_whole_however_large() -> None:
    from converters.walk import _in_two

    large = bytes(range(256)) * 2000  # (more than a pipe holds: the child waits for the parent to read)
    assert _in_two(lambda part: large if part else b"mine", 10**6) == (b"mine", large)


def test_a_walks_fingerprint_survives_links_in_a_loop_and_broken_ones(tmp_path: Path) -> None:
    from converters.walk import fingerprint

    write(tmp_path, "posts/a.md", "A")
    (tmp_path / "posts" / "up").symlink_to(tmp_path / "posts")
    (tmp_path / "posts" / "gone.md").symlink_to(tmp_path / "nowhere.md")
    first = fingerprint([str(tmp_path / "posts")], expected=10**6)
    assert fingerprint([str(tmp_path / "posts")]) == first
    (tmp_path / "nowhere.md").write_text("---\ntitle: now here\n---\n")
    assert fingerprint([str(tmp_path / "posts")]) != first
    assert fingerprint([str(tmp_path / "missing")]) != fingerprint([str(tmp_path / "posts")])


def test_a_walks_fingerprint_forks_only_where_no_other_thread_runs(
    shelf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from converters.walk import fingerprint

    alone = fingerprint([str(shelf)])
    forks: list[int] = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or real_fork())
    assert fingerprint([str(shelf)], expected=10**6) == alone and forks == [1]
    found: list[str] = []
    thread = threading.Thread(target=lambda: found.append(fingerprint([str(shelf)], expected=10**6)))
    thread.start()
    thread.join()
    assert found == [alone] and forks == [1]
    monkeypatch.setattr(os, "fork", lambda: (_ for _ in ()).throw(OSError(11, "no more processes")))
    assert fingerprint([str(shelf)], expected=10**6) == alone


def test_a_walks_fingerprint_sees_a_hard_link_a_rename_there_and_back_and_a_chmod(tmp_path: Path) -> None:
    """What a walk gives depends on a file's identity too (one of two hard links is kept) and on whether
    it could be read: a link, a rename and a chmod change its ctime, or its inode."""
    from converters.walk import fingerprint

    a = write(tmp_path, "posts/a.md", "A")
    b = write(tmp_path, "posts/b.md", "B")  # (the same size)
    os.utime(b, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns))
    first = fingerprint([str(tmp_path / "posts")])
    b.unlink()
    os.link(a, b)
    linked = fingerprint([str(tmp_path / "posts")])
    assert linked != first
    a.rename(tmp_path / "away.md")
    (tmp_path / "away.md").rename(a)
    moved = fingerprint([str(tmp_path / "posts")])
    assert moved != linked
    a.chmod(0o600)
    assert fingerprint([str(tmp_path / "posts")]) != moved
