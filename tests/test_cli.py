"""The installed ``postshelf`` console script, run as shell scripts run it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import run_with_terminal_stderr
from hypothesis import given, settings
from hypothesis import strategies as st

from converters import cli, convert, outputs, pipeline

SAMPLES = Path(__file__).resolve().parents[1] / "converters" / "samples"
SCRIPT = Path(sys.executable).parent / "postshelf"


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    exe = str(SCRIPT) if SCRIPT.exists() else shutil.which("postshelf")
    assert exe, "the postshelf console script is not installed"
    env = {**os.environ, "TZ": "UTC", "COLUMNS": "100"}
    return subprocess.run(
        [exe, *args], input=stdin, capture_output=True, text=True, timeout=120, cwd=cwd, env=env
    )


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    """A small library: three good posts in a tree, and one with malformed YAML."""
    root = tmp_path / "posts"
    (root / "news").mkdir(parents=True)
    shutil.copy(SAMPLES / "news" / "2022-01-11-city-parks.txt", root / "news" / "parks.md")
    shutil.copy(SAMPLES / "tech" / "2021-08-21-web-server-release.md", root / "unit.md")
    shutil.copy(SAMPLES / "travel" / "2024-05-02-kyoto.md", root / "kyoto.md")
    shutil.copy(SAMPLES / "notes" / "2020-03-22-broken-tags.md", root / "broken.md")
    return root


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr


def test_markdown_of_one_post_to_stdout() -> None:
    result = run("convert", str(SAMPLES / "news" / "2022-01-11-city-parks.txt"))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert out.startswith("---\ntitle: 盘点2022丨滨海城市新增口袋公园_市民家门口的绿色客厅_\n")
    assert "date: '2022-01-11T04:39:04+00:00'" in out
    assert "categories:\n- 新媒体\n- 趣头条\n- 分类\n" in out
    assert "comments: false" in out and "headimg:" in out
    assert "\n---\n\n过去一年" in out


def test_no_front_matter() -> None:
    result = run("convert", str(SAMPLES / "tech" / "2022-07-25-so-size.md"), "--no-front-matter")
    assert result.stdout.startswith("本文介绍了")


def test_folder_to_folder_mirrors_the_tree_and_reports_the_bad_post(posts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("convert", str(posts), "-o", str(out))
    assert result.returncode == 1  # broken.md has malformed front matter: converted, but an error
    no_traceback(result)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.md")) == [
        "broken.md",
        "kyoto.md",
        "news/parks.md",
        "unit.md",
    ]
    lines = result.stderr.strip().splitlines()
    assert any(line.startswith(f"{posts / 'broken.md'}:7: error: malformed YAML") for line in lines), lines
    assert result.stdout == ""
    assert not list(out.rglob("*.tmp"))


def test_existing_outputs_are_not_overwritten_without_permission(posts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run("convert", str(posts / "kyoto.md"), "-o", str(out) + "/")
    target = out / "kyoto.md"
    target.write_text("mine")
    refused = run("convert", str(posts / "kyoto.md"), "-o", str(out) + "/")
    assert refused.returncode == 1 and "exists" in refused.stderr and target.read_text() == "mine"
    replaced = run("convert", str(posts / "kyoto.md"), "-o", str(out) + "/", "--overwrite")
    assert replaced.returncode == 0 and target.read_text() != "mine"


def test_never_writes_over_an_input(posts: Path) -> None:
    before = (posts / "kyoto.md").read_bytes()
    result = run("convert", str(posts / "kyoto.md"), "-o", str(posts / "kyoto.md"), "--overwrite")
    assert result.returncode == 2 and "input" in result.stderr
    into_tree = run("convert", str(posts), "-o", str(posts), "--overwrite")
    assert into_tree.returncode == 1 and "input" in into_tree.stderr
    assert (posts / "kyoto.md").read_bytes() == before


def test_jsonl_to_stdout(posts: Path) -> None:
    result = run("convert", str(posts), "--to", "jsonl")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["source_path"] for r in records] == ["broken.md", "kyoto.md", "news/parks.md", "unit.md"]
    assert records[0]["problems"][0]["severity"] == "error"
    assert result.returncode == 1
    again = run("convert", str(posts), "--to", "jsonl")
    assert again.stdout == result.stdout  # same input, same bytes


def test_json_folder_and_xhtml_folder(posts: Path, tmp_path: Path) -> None:
    run("convert", str(posts), "--to", "json", "-o", str(tmp_path / "json"))
    assert json.loads((tmp_path / "json" / "unit.json").read_text())["title"].startswith("NGINX Unit")
    run("convert", str(posts), "--to", "html", "-o", str(tmp_path / "xhtml"))
    assert sorted(p.name for p in (tmp_path / "xhtml").rglob("*.xhtml")) == [
        "broken.xhtml",
        "kyoto.xhtml",
        "parks.xhtml",
        "unit.xhtml",
    ]


def test_jsonfeed(posts: Path) -> None:
    result = run("convert", str(posts), "--to", "jsonfeed", "--title", "My feed")
    feed = json.loads(result.stdout)
    assert feed["title"] == "My feed" and len(feed["items"]) == 4


def test_epub_book(posts: Path, tmp_path: Path) -> None:
    book = tmp_path / "book.epub"
    result = run("convert", str(posts), "--to", "epub", "-o", str(book))
    assert book.exists(), result.stderr
    with zipfile.ZipFile(book) as z:
        assert z.namelist()[0] == "mimetype"
        assert "<dc:title>posts</dc:title>" in z.read("OEBPS/content.opf").decode()
    first = book.read_bytes()
    run("convert", str(posts), "--to", "epub", "-o", str(book), "--overwrite")
    assert book.read_bytes() == first
    assert run("convert", str(posts), "--to", "epub").returncode == 2


def test_stdin(tmp_path: Path) -> None:
    post = "---\ntitle: ../../etc/passwd\ndate: 2020-01-01\n---\n<p>来自标准输入</p>\n"
    result = run("convert", "-", stdin=post)
    assert result.returncode == 0 and "来自标准输入" in result.stdout
    out = tmp_path / "out"
    run("convert", "-", "-o", str(out) + "/", stdin=post)
    written = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
    assert written == ["_etc_passwd.md"]


def test_filters(posts: Path) -> None:
    def titles(*args: str) -> list[str]:
        out = run("convert", str(posts), "--to", "jsonl", *args).stdout
        return sorted(json.loads(line)["title"] for line in out.splitlines())

    assert titles("--category", "新媒体/趣头条") == ["盘点2022丨滨海城市新增口袋公园_市民家门口的绿色客厅_"]
    assert titles("--tag", "japan") == ["Three quiet days in Kyoto"]
    assert titles("--since", "2022-01-01") == [
        "Three quiet days in Kyoto",
        "盘点2022丨滨海城市新增口袋公园_市民家门口的绿色客厅_",
    ]
    assert titles("--until", "2021-12-31") == [
        "NGINX Unit 1.25.0 发布，动态 Web 应用服务器",
        '小程序提示"api.example.com"不在合法域名列表中',
    ]


def test_dry_run_writes_nothing(posts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("convert", str(posts), "-o", str(out), "--dry-run")
    assert not out.exists()
    assert len(result.stdout.splitlines()) == 4


def test_fail_fast_stops_at_the_first_error(posts: Path) -> None:
    result = run("convert", str(posts), "--to", "jsonl", "--fail-fast")
    assert result.returncode == 1 and len(result.stdout.splitlines()) == 1 and "fail-fast" in result.stderr


def test_usage_errors_exit_2() -> None:
    assert run("convert", str(SAMPLES), "--to", "pdf").returncode == 2
    assert run("convert", str(SAMPLES)).returncode == 2  # many posts to one stdout
    assert run("convert", str(SAMPLES), "--to", "jsonl", "--since", "someday").returncode == 2
    assert run("convert", str(SAMPLES), "--to", "jsonl", "--timezone", "Mars/Base").returncode == 2
    assert run("convert", str(SAMPLES), "--to", "jsonl", "--images", "inline").returncode == 2


def test_missing_path_is_reported(tmp_path: Path) -> None:
    result = run("convert", str(tmp_path / "nowhere"), "--to", "jsonl")
    assert result.returncode == 1 and "nowhere" in result.stderr
    no_traceback(result)


def test_timezone_for_naive_dates(posts: Path) -> None:
    out = run(
        "convert",
        str(SAMPLES / "tech" / "2022-07-25-so-size.md"),
        "--to",
        "json",
        "--timezone",
        "Asia/Shanghai",
    )
    assert json.loads(out.stdout)["date_published"] == "2022-07-25T12:20:15+08:00"


def test_stdout_closed_early_is_clean(posts: Path) -> None:
    exe = str(SCRIPT) if SCRIPT.exists() else "postshelf"
    cmd = f"'{exe}' convert '{SAMPLES}' --to jsonl | head -c 10 > /dev/null"
    result = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr


def test_unwritable_output_is_a_clean_message(posts: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("convert", str(posts / "kyoto.md"), "-o", str(blocker / "sub") + "/")
    assert result.returncode == 1 and str(blocker) in result.stderr
    no_traceback(result)


def test_many_posts_to_a_file_that_is_not_a_folder_is_one_usage_error(posts: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for fmt in ("markdown", "html", "json"):
        result = run("convert", str(posts), "--to", fmt, "-o", str(blocker))
        assert result.returncode == 2, result.stderr
        assert (
            result.stderr
            == f"postshelf: error: -o {blocker}: not a folder ({fmt} writes a file per post into a folder)\n"
        )
    assert blocker.read_text() == "x"
    one = run("convert", str(posts / "kyoto.md"), "-o", str(blocker), "--overwrite")  # one post: one file
    assert one.returncode == 0 and blocker.read_text(encoding="utf-8").startswith("---\ntitle:")


def test_filters_that_let_no_post_through_say_so(posts: Path, tmp_path: Path) -> None:
    none = ("--tag", "no-such-tag")
    result = run("convert", str(posts), "--to", "jsonl", *none)
    assert (result.returncode, result.stdout) == (0, "")
    assert "postshelf: none of the 4 posts matched --category, --tag, --since or --until" in result.stderr
    quiet = run("convert", str(posts / "kyoto.md"), "--to", "jsonl", "-q", *none)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    book = tmp_path / "book.epub"
    result = run("convert", str(posts / "kyoto.md"), "--to", "epub", "-o", str(book), *none)
    assert result.returncode == 1 and not book.exists()  # an EPUB without a chapter is no book
    assert (
        result.stderr
        == "postshelf: no book written: none of the 1 post matched --category, --tag, --since or --until\n"
    )


def test_a_book_none_of_whose_posts_converts_is_not_written(
    posts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_: object) -> list[str]:
        raise KeyError("a bug")

    monkeypatch.setattr(pipeline, "_render", broken)
    book = tmp_path / "book.epub"
    assert cli.main(["convert", str(posts), "--to", "epub", "-o", str(book), "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("internal error: KeyError") == 4
    assert "no book written: not one of its posts could be converted" in err
    assert not book.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["posts"]


def test_disk_full_is_a_clean_message(
    posts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(convert, "write_atomic", full)
    status = cli.main(["convert", str(posts), "-o", str(tmp_path / "out"), "--jobs", "1"])
    err = capsys.readouterr().err
    assert status == 1 and "No space left on device" in err and "Traceback" not in err


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet="aZ09_.- ~", min_size=1, max_size=12) | st.sampled_from(["con", "LPT1.md", "a" * 201])
)
def test_safe_component_skips_only_what_it_would_not_change(name: str) -> None:
    assert outputs.safe_component(name) == outputs._sanitize_component(name, 200)


def test_safe_component() -> None:
    assert outputs.safe_component("../../etc/passwd") == "_etc_passwd"
    assert outputs.safe_component("CON") == "_CON"
    assert outputs.safe_component("a\x1b[31mb\n") == "a[31mb"
    assert len(outputs.safe_component("长" * 300 + ".md").encode()) <= 200
    assert outputs.safe_component("长" * 300 + ".md").endswith(".md")
    assert outputs.safe_component("🎉 party 🎉") == "🎉 party 🎉"
    assert outputs.safe_component("...") == "_"


def test_list_and_categories(posts: Path) -> None:
    listed = run("list", str(posts))
    lines = listed.stdout.splitlines()
    assert lines[0].split("\t")[:3] == ["2024-05-02", "Travel/Japan/Kansai", "Three quiet days in Kyoto"]
    assert listed.returncode == 1 and "broken.md" in listed.stderr
    rows = [json.loads(line) for line in run("list", str(posts), "--json").stdout.splitlines()]
    assert rows[0]["title"] == "Three quiet days in Kyoto" and rows[0]["date"] == "2024-05-02T08:30:00+09:00"
    tree = run("categories", str(posts)).stdout
    assert "All posts (4)\n" in tree and "  新媒体 (1)\n    趣头条 (1)\n      分类 (1)\n" in tree
    data = json.loads(run("categories", str(posts), "--json").stdout)
    assert data["count"] == 4 and data["children"][0]["children"]


def test_the_whole_shared_corpus_converts_without_a_traceback(corpus: Path, tmp_path: Path) -> None:
    for fmt in ("jsonl", "jsonfeed"):
        result = run("convert", str(corpus), "--to", fmt, "-q")
        no_traceback(result)
        assert result.returncode in (0, 1)
    result = run("convert", str(corpus), "--to", "epub", "-o", str(tmp_path / "c.epub"), "-q")
    no_traceback(result)


def test_reader_help_does_not_start_the_ui() -> None:
    result = run("--help")
    assert result.returncode == 0 and "convert" in result.stdout


@pytest.fixture
def many(tmp_path: Path) -> Path:
    """60 posts: enough for the worker pool and for a progress bar, were stderr a terminal."""
    root = tmp_path / "many"
    root.mkdir()
    sources = sorted(p for p in SAMPLES.rglob("*") if p.suffix in (".md", ".txt"))
    for n in range(60):
        shutil.copy(sources[n % len(sources)], root / f"{n:03d}-{sources[n % len(sources)].stem}.md")
    return root


def test_worker_pool_gives_the_same_bytes_as_one_process(many: Path) -> None:
    one = run("convert", str(many), "--to", "jsonl", "--jobs", "1")
    two = run("convert", str(many), "--to", "jsonl", "--jobs", "2")
    assert one.stdout == two.stdout and len(one.stdout.splitlines()) == 60
    assert one.returncode == two.returncode == 1  # the broken-tags sample is among them


@pytest.mark.parametrize("fmt, out", [("jsonl", "all.jsonl"), ("jsonfeed", "feed.json"), ("markdown", "md"),
                                      ("html", "xhtml")])  # fmt: skip
def test_worker_pool_writes_the_same_files_as_one_process(
    many: Path, tmp_path: Path, fmt: str, out: str
) -> None:
    """Workers send their outputs as UTF-8 bytes; one process hands over text: the files must not differ."""
    for jobs in ("1", "2"):
        run("convert", str(many), "--to", fmt, "-o", str(tmp_path / jobs / out), "--jobs", jobs, "-q")
    one = {p.relative_to(tmp_path / "1"): p.read_bytes() for p in (tmp_path / "1").rglob("*") if p.is_file()}
    two = {p.relative_to(tmp_path / "2"): p.read_bytes() for p in (tmp_path / "2").rglob("*") if p.is_file()}
    assert one == two and len(one) == (1 if "." in out else 60)
    assert any("中".encode() in data for data in one.values())


def test_records_piped_on_with_stderr_a_terminal_go_to_stdout_beside_the_bar(many: Path) -> None:
    """``postshelf convert … --to jsonl > out`` in a shell: the records go to stdout, every one of them,
    and the terminal shows the bar (which once took the records along to the terminal)."""
    env = {**os.environ, "COLUMNS": "100"}
    status, out, shown = run_with_terminal_stderr([str(SCRIPT), "convert", str(many), "--to", "jsonl"], env)
    assert status == 1  # (the broken-tags sample is among them)
    assert len(out.splitlines()) == 60 and all(json.loads(line)["id"] for line in out.splitlines())
    assert b"converting" in shown and b"source_path" not in shown


def test_records_shown_on_the_terminal_have_no_bar_drawn_between_them(many: Path) -> None:
    """``postshelf convert … --to jsonl`` in a shell, its records on the screen: no bar among them."""
    import pty
    import select

    terminal, both = pty.openpty()
    env = {**os.environ, "COLUMNS": "100"}
    done = subprocess.Popen(
        [str(SCRIPT), "convert", str(many), "--to", "jsonl"], stdout=both, stderr=both, env=env
    )
    os.close(both)
    shown = b""
    while select.select([terminal], [], [], 60)[0]:
        try:
            chunk = os.read(terminal, 1 << 16)
        except OSError:  # (the far end closed: the program is done)
            break
        if not chunk:
            break
        shown += chunk
    os.close(terminal)
    assert done.wait(timeout=60) == 1  # (the broken-tags sample is among them)
    assert shown.count(b'"source_path"') == 60 and b"converting" not in shown


def test_no_progress_output_when_stderr_is_not_a_terminal(many: Path, tmp_path: Path) -> None:
    result = run("convert", str(many), "-o", str(tmp_path / "out"), "-q")
    assert result.stderr.count("\n") == sum(1 for line in result.stderr.splitlines() if ": error: " in line)
    assert "\x1b" not in result.stderr and "%" not in result.stderr


def test_txt_files_are_posts_only_with_front_matter(tmp_path: Path) -> None:
    root = tmp_path / "mixed"
    root.mkdir()
    (root / "notes.txt").write_text("just notes, not a post\n")
    shutil.copy(SAMPLES / "news" / "2022-01-11-city-parks.txt", root / "scraped.txt")
    for fmt in ("jsonl", "epub"):
        out = tmp_path / f"out.{fmt}"
        result = run("convert", str(root), "--to", fmt, "-o", str(out))
        assert result.returncode == 0 and result.stderr == "", result.stderr
    assert [
        json.loads(line)["source_path"] for line in (tmp_path / "out.jsonl").read_text().splitlines()
    ] == ["scraped.txt"]
    with zipfile.ZipFile(tmp_path / "out.epub") as z:
        assert sum(1 for n in z.namelist() if n.startswith("OEBPS/chapter-")) == 1


def test_outputs_never_replace_an_input(posts: Path) -> None:
    original = (posts / "kyoto.md").read_bytes()
    # A single output named as an input, even through a symbolic link.
    os.symlink(posts / "kyoto.md", posts.parent / "alias.md")
    result = run("convert", str(posts / "kyoto.md"), "-o", str(posts.parent / "alias.md"), "--overwrite")
    assert result.returncode == 2 and "refusing" in result.stderr
    # A folder of outputs whose target is an input: --to markdown into the folder it reads.
    result = run("convert", str(posts / "kyoto.md"), str(posts / "unit.md"), "-o", str(posts), "--overwrite")
    no_traceback(result)
    assert result.returncode == 1 and "refusing to overwrite the input file" in result.stderr
    assert (posts / "kyoto.md").read_bytes() == original


def test_output_paths_mirror_the_tree_with_safe_names(tmp_path: Path) -> None:
    folders: dict[str, str] = {}
    out = str(tmp_path)
    assert outputs.output_path(out, "news/2022/a.txt", "markdown", folders) == f"{out}/news/2022/a.md"
    assert outputs.output_path(out, "news/2022/b.md", "html", folders) == f"{out}/news/2022/b.xhtml"
    assert outputs.output_path(out, "../up/CON.md", "markdown") == f"{out}/up/_CON.md"
    assert outputs.output_path(out, "a<b>/x:y.md", "json") == f"{out}/a_b_/x_y.json"
    assert folders == {"news/2022": f"{out}/news/2022"}


def test_outputs_take_the_usual_permissions(posts: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        for args in (["-o", str(tmp_path / "md")], ["--to", "jsonl", "-o", str(tmp_path / "all.jsonl")],
                     ["--to", "epub", "-o", str(tmp_path / "book.epub")]):  # fmt: skip
            run("convert", str(posts), *args)
    finally:
        os.umask(old)
    outputs = [tmp_path / "all.jsonl", tmp_path / "book.epub", *(tmp_path / "md").rglob("*.md")]
    assert len(outputs) > 3
    assert {oct(p.stat().st_mode & 0o777) for p in outputs} == {"0o644"}
    assert not list(tmp_path.rglob(".postshelf-*"))  # no temporary file left behind


def test_a_lone_surrogate_escape_costs_no_run(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.md").write_text(';;;\n"title": "bad \\ud800 title"\n;;;\n<p>body</p>\n')
    (src / "b.md").write_text("---\ntitle: ok\n---\n<p>fine</p>\n")
    for fmt, out in (("markdown", "md"), ("html", "html"), ("json", "json"), ("jsonl", "all.jsonl")):
        result = run("convert", str(src), "--to", fmt, "-o", str(tmp_path / out))
        no_traceback(result)
        assert result.returncode == 0 and "lone surrogate" in result.stderr, (fmt, result.stderr)
    assert "bad \ufffd title" in (tmp_path / "md" / "a.md").read_text(encoding="utf-8")


def test_a_tag_kept_as_text_is_reported_once_a_run(tmp_path: Path) -> None:
    """A theme's tag in every post is one warning (its first post and line) and a count, not one a post."""
    for i in range(3):
        (tmp_path / f"p{i}.md").write_text(
            f"---\ntitle: P{i}\n---\n\n{{% include footer.html %}}\n{{% include nav.html %}}\n",
            encoding="utf-8",
        )
    result = run("convert", str(tmp_path), "--to", "jsonl", "--jobs", "1")
    assert result.returncode == 0
    lines = result.stderr.splitlines()
    assert [line for line in lines if "kept as text" in line] == [
        f"{tmp_path / 'p0.md'}:5: warning: template tag kept as text: {{% include %}}",
        "postshelf: warning: template tag kept as text: {% include %} (in 2 more places, not listed)",
    ]
