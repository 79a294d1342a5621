"""Hostile input (issue 15): nothing may hang postshelf, eat its memory, or slip an invalid or unsafe file
past it. Each command runs as a user's would, in a subprocess, with a time limit and a cap on its
address space, so a regression fails here instead of hanging the suite."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from converters.front_matter import MAX_FRONT_MATTER_VALUES, oversized
from converters.reading import read_post, read_text

POSTSHELF = str(Path(sys.executable).with_name("postshelf"))
MEMORY = 1024 * 1024 * 1024  # 1 GiB of address space: the bomb below wanted 2.4 GB in 30 s


def run(
    args: list[str], cwd: Path, stdin: object = None, seconds: float = 20
) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    return subprocess.run(
        [POSTSHELF, *args], cwd=cwd, stdin=stdin or subprocess.DEVNULL, capture_output=True, text=True,
        timeout=seconds, preexec_fn=limit, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip


def alias_bomb(key: str) -> str:
    """Ten nested anchors of nine aliases each: 9^10 values from a dozen lines."""
    lines = ["---", "title: 炸弹", "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    previous = "a"
    for name in "bcdefghij":
        lines.append(f"{name}: &{name} [" + ", ".join(f"*{previous}" for _ in range(9)) + "]")
        previous = name
    lines += [f"{key}: *j", "---", "正文还在。", ""]
    return "\n".join(lines)


@pytest.mark.parametrize("key", ["categories", "tags", "other"])
@pytest.mark.parametrize(
    "command", [["convert", "--to", "jsonl"], ["convert", "--to", "json"], ["list"], ["categories"]]
)
def test_a_yaml_alias_bomb_is_refused_quickly(tmp_path: Path, key: str, command: list[str]) -> None:
    (tmp_path / "bomb.md").write_text(alias_bomb(key), encoding="utf-8")
    done = run([*command[:1], "bomb.md", *command[1:]], tmp_path)
    assert done.returncode == 1, done.stderr
    assert "front matter refused: it holds more than 10,000 values" in done.stderr
    if command[-1] == "jsonl":
        assert '"title": "炸弹"' in done.stdout and "正文还在" in done.stdout  # salvaged line by line


def test_front_matter_bounds() -> None:
    assert oversized({"a": [1, 2, 3]}) is None
    assert oversized({"a": list(range(MAX_FRONT_MATTER_VALUES))}) is not None
    deep: list[object] = []
    for _ in range(100):
        deep = [deep]
    assert "nested" in (oversized({"a": deep}) or "")


def test_deeply_nested_json_front_matter_keeps_the_post(tmp_path: Path) -> None:
    text = '{"title": "深", "a": ' + "[" * 100_000 + "]" * 100_000 + "}\n正文。\n"
    post = read_text(text, "deep.md")
    assert [p.message for p in post.problems] == ["front matter nested too deeply"]
    assert post.body.strip() == "正文。"
    (tmp_path / "deep.md").write_text(text, encoding="utf-8")
    done = run(["convert", "deep.md", "--to", "jsonl"], tmp_path)
    assert done.returncode == 1 and "internal error" not in done.stderr and "正文" in done.stdout


@pytest.mark.parametrize("make", ["device-link", "fifo", "device"])
def test_special_files_named_as_posts_are_refused(tmp_path: Path, make: str) -> None:
    if make == "device":
        target = "/dev/zero"
    elif make == "fifo":
        target = str(tmp_path / "pipe.md")
        os.mkfifo(target)
    else:
        target = str(tmp_path / "zero.md")
        os.symlink("/dev/zero", target)
    done = run(["convert", target, "--to", "jsonl"], tmp_path, seconds=10)
    assert done.returncode == 1 and done.stdout == ""
    assert "only regular files are read" in done.stderr
    assert "a FIFO" in done.stderr if make == "fifo" else "a device" in done.stderr
    post = read_post(target)
    assert not post.readable


def test_endless_standard_input_is_cut_off(tmp_path: Path) -> None:
    with open("/dev/zero", "rb") as zero:
        done = run(["convert", "-", "--to", "jsonl"], tmp_path, stdin=zero, seconds=30)
    assert done.returncode == 1 and done.stdout == ""
    assert "<stdin>: error: too large to be a post" in done.stderr


def test_a_folder_scan_skips_links_to_devices(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text("---\ntitle: 好\n---\n正文\n", encoding="utf-8")
    os.symlink("/dev/zero", tmp_path / "zero.md")
    done = run(["list", "."], tmp_path, seconds=10)
    assert done.returncode == 0 and "好" in done.stdout
    assert "zero.md: warning: not a regular file: skipped" in done.stderr


@pytest.mark.parametrize("fmt", ["markdown", "html", "json"])
def test_an_unreadable_post_writes_nothing(tmp_path: Path, fmt: str) -> None:
    """Not even over a good earlier output with --overwrite."""
    src = tmp_path / "src"
    src.mkdir()
    post = src / "a.md"
    post.write_text("---\ntitle: 好\n---\n正文\n", encoding="utf-8")
    assert run(["convert", "src", "-o", "out", "--to", fmt], tmp_path).returncode == 0
    (output,) = (tmp_path / "out").iterdir()
    good = output.read_bytes()
    post.write_bytes(b"\x00\x01\x02" * 100)  # binary: unreadable
    done = run(["convert", "src", "-o", "out", "--to", fmt, "--overwrite"], tmp_path)
    assert done.returncode == 1 and "a.md" in done.stderr
    assert output.read_bytes() == good


def test_the_samples_survive_a_hostile_copy(tmp_path: Path) -> None:
    """A bundled library with the hostile posts above mixed in: every good post still converts."""
    root = tmp_path / "lib"
    shutil.copytree(Path(__file__).resolve().parents[1] / "converters" / "samples", root)
    (root / "bomb.md").write_text(alias_bomb("categories"), encoding="utf-8")
    os.symlink("/dev/zero", root / "zero.md")
    done = run(["convert", "lib", "--to", "jsonl"], tmp_path)
    assert done.returncode == 1 and len(done.stdout.splitlines()) == 22


EPUBCHECK = Path("/usr/share/java/epubcheck.jar")


def epubcheck(book: Path) -> str:
    done = subprocess.run(
        ["java", "-jar", str(EPUBCHECK), str(book)], capture_output=True, text=True, timeout=120
    )
    return done.stdout + done.stderr


@pytest.mark.parametrize("bad", ["\\x01", "\\v", "\\uFFFE", "\\uFFFF", "\\x7f"])
def test_characters_xml_forbids_never_reach_xml(tmp_path: Path, bad: str) -> None:
    """In the title, author, category and tag, and in --title: every XML writer stays well-formed."""
    from lxml import etree

    (tmp_path / "a.md").write_text(
        f'---\ntitle: "标{bad}题"\nauthor: "作{bad}者"\ncategories: ["分{bad}类"]\ntags: ["标{bad}签"]\n---\n<p>正文</p>\n',
        encoding="utf-8",
    )
    done = run(["convert", "a.md", "--to", "html"], tmp_path)
    assert done.returncode == 0, done.stderr
    etree.fromstring(done.stdout.encode())  # well-formed, or it raises
    assert "<title>标题</title>" in done.stdout and "作者" in done.stdout and "分类" in done.stdout
    book_title = "书" + bad.encode().decode("unicode_escape") + "名"
    done = run(["convert", "a.md", "--to", "epub", "-o", "a.epub", "--title", book_title], tmp_path)
    assert done.returncode == 0, done.stderr
    import zipfile

    with zipfile.ZipFile(tmp_path / "a.epub") as book:
        for name in book.namelist():
            if name.endswith((".xhtml", ".opf", ".xml")):
                etree.fromstring(book.read(name))
        assert "<dc:title>书名</dc:title>" in book.read("OEBPS/content.opf").decode()


def test_javascript_urls_are_dropped_from_every_url_attribute(tmp_path: Path) -> None:
    import json

    (tmp_path / "a.md").write_text(
        '---\ntitle: t\n---\n<blockquote cite="javascript:alert(1)"><p>引</p></blockquote>'
        '<p><q cite="JaVa&#x09;Script:alert(2)">q</q> <img src="javascript:alert(3)" alt="图">'
        ' <img data-original="vbscript:x" src="http://ok.example/a.png" alt="好">'
        ' <a href="java\tscript:alert(4)">链接</a> <iframe src="javascript:alert(5)"></iframe></p>\n',
        encoding="utf-8",
    )
    for fmt in ("json", "html"):
        for images in ("link", "remote"):
            done = run(["convert", "a.md", "--to", fmt, "--images", images], tmp_path)
            out = json.loads(done.stdout)["content_html"] if fmt == "json" else done.stdout
            assert "script:" not in out.lower() and "alert" not in out, out
            assert "http://ok.example/a.png" in out and "引" in out and "链接" in out


def test_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    import json

    bad = os.fsdecode(b"bad\xff\xfe.md")
    (tmp_path / bad).write_text("---\ntitle: 名\n---\n正文\n", encoding="utf-8")
    for target in (["-o", "all.jsonl"], []):
        done = run(["convert", ".", "--to", "jsonl", *target], tmp_path)
        assert done.returncode == 0 and "Traceback" not in done.stderr
        text = (tmp_path / "all.jsonl").read_text(encoding="utf-8") if target else done.stdout
        record = json.loads(text.splitlines()[0])
        assert record["source_path"] == "bad\\xff\\xfe.md"
        assert "file name is not valid UTF-8: written as ./bad\\xff\\xfe.md" in done.stderr
    listed = run(["list", ".", "--json"], tmp_path)
    assert json.loads(listed.stdout)["path"] == "./bad\\xff\\xfe.md"


def test_dry_run_and_list_print_no_control_characters(tmp_path: Path) -> None:
    name = "evil\x1b[2Jname.md"
    (tmp_path / name).write_text("---\ntitle: t\n---\nx\n", encoding="utf-8")
    for args in (["convert", ".", "-o", "out", "--dry-run"], ["list", "."]):
        done = run(args, tmp_path)
        assert "\x1b" not in done.stdout and "\x1b" not in done.stderr and "evil [2Jname" in done.stdout


def test_a_damaged_scan_cache_is_discarded_and_rebuilt(tmp_path: Path, isolated_dirs: Path) -> None:
    """Random 1-3 byte corruptions of the cache (1 in 300 crashed `list` before it was checksummed), and a
    cache with a valid checksum but rows of the wrong types: `list` answers as without a cache."""
    import random

    from converters.library import scan_library
    from converters.scan_cache import cache_file

    root = tmp_path / "lib"
    shutil.copytree(Path(__file__).resolve().parents[1] / "converters" / "samples", root)
    expected = run(["list", str(root), "--no-cache"], tmp_path).stdout
    scan_library([str(root)])
    cache = cache_file([str(root)], "local")
    good = cache.read_bytes()
    rng = random.Random(15)
    for _ in range(60):
        damaged = bytearray(good)
        for _ in range(rng.randint(1, 3)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        cache.write_bytes(bytes(damaged))
        done = run(["list", str(root)], tmp_path)
        assert done.returncode == 1 and done.stdout == expected and "Traceback" not in done.stderr


def test_cache_rows_of_the_wrong_type_are_not_trusted(tmp_path: Path) -> None:
    import marshal
    import zlib

    from converters import scan_cache
    from converters.library import load_cached, scan_library
    from converters.scan_cache import cache_file

    root = tmp_path / "lib"
    root.mkdir()
    (root / "a.md").write_text("---\ntitle: 好\n---\n正文\n", encoding="utf-8")
    scan_library([str(root)])
    cache = cache_file([str(root)], "local")
    data = cache.read_bytes()
    start = len(scan_cache._CACHE_MAGIC) + 9
    header, rows = marshal.loads(data[start:])
    rows = [(row[0], row[1], row[2], 42, *row[4:]) for row in rows]  # a title that is a number
    payload = marshal.dumps((header, rows))
    cache.write_bytes(scan_cache._CACHE_MAGIC + b"%08x\n" % zlib.crc32(payload) + payload)
    assert load_cached([str(root)]) is None
    assert [m.title for m in scan_library([str(root)]).posts] == ["好"]


def _library(root: Path, count: int, paragraphs: int = 20) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    body = "".join(f"<p>第{i}段：这是用来测试并发写入的正文，内容足够长。</p>\n" for i in range(paragraphs))
    for i in range(count):
        (root / f"post-{i:04d}.md").write_text(f"---\ntitle: 第{i}篇\n---\n{body}", encoding="utf-8")
    return root


def test_two_runs_into_one_folder_never_replace_each_others_files(tmp_path: Path) -> None:
    """Each output is made by exactly one run; the other says it exists (it used to replace it silently)."""
    _library(tmp_path / "a", 150)
    _library(tmp_path / "b", 150)
    runs = [
        subprocess.Popen(
            [POSTSHELF, "convert", name, "-o", "out", "--jobs", "1"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    errors = [run.communicate(timeout=120)[1] for run in runs]
    written = list((tmp_path / "out").iterdir())
    assert len(written) == 150
    refused = sum(e.count("exists (use --overwrite to replace it)") for e in errors)
    assert refused == 150, errors


def test_place_refuses_a_file_that_appeared_meanwhile(tmp_path: Path) -> None:
    from converters.outputs import place

    tmp, target = tmp_path / ".postshelf-1-1.tmp", tmp_path / "a.md"
    tmp.write_text("mine")
    target.write_text("theirs")
    with pytest.raises(FileExistsError):
        place(str(tmp), str(target), overwrite=False)
    assert target.read_text() == "theirs" and not tmp.exists()


def test_a_killed_run_leaves_no_worker_behind_and_its_leftovers_are_cleared(tmp_path: Path) -> None:
    import signal
    import time

    _library(tmp_path / "lib", 400, paragraphs=400)
    out = tmp_path / "out"
    run_ = subprocess.Popen(
        [POSTSHELF, "convert", "lib", "-o", "out", "--jobs", "2"], cwd=tmp_path,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    children: list[int] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (out.exists() and len(children) == 2):
        time.sleep(0.05)
        children = [int(c) for c in Path(f"/proc/{run_.pid}/task/{run_.pid}/children").read_text().split()]
    assert len(children) == 2, "the run did not start its two workers"
    run_.send_signal(signal.SIGKILL)
    run_.wait()
    for _ in range(100):  # the workers see their pipes close and end
        if not any(
            Path(f"/proc/{c}").exists() and "Z" not in Path(f"/proc/{c}/stat").read_text().split()[2]
            for c in children
        ):
            break
        time.sleep(0.05)
    else:
        pytest.fail("a worker outlived its killed parent")
    from converters.outputs import _HOST

    (out / f".postshelf-{_HOST}-{run_.pid}-7.tmp").write_text("left by the killed run")
    elsewhere = out / f".postshelf-another_machine-{run_.pid}-7.tmp"  # (a shared folder: not ours to judge)
    elsewhere.write_text("another host's work in progress")
    done = run(["convert", "lib", "-o", "out", "--overwrite"], tmp_path, seconds=120)
    assert done.returncode == 0, done.stderr
    assert list(out.glob(".postshelf-*.tmp")) == [elsewhere]


@pytest.mark.parametrize("name", ["CON", "NUL.txt", "Lpt1", "COM¹.md", "conin$.md", "CONOUT$", "nul.tar.gz"])
def test_windows_device_names_never_become_output_names(name: str) -> None:
    from converters.outputs import safe_component

    assert safe_component(name) == "_" + name


def test_outputs_whose_names_differ_only_in_case_or_form_are_one_file(tmp_path: Path) -> None:
    """A.md, a.md and a Unicode-decomposed é.md beside a composed one: on macOS or Windows each pair is
    one file, so the second of each is refused, not silently written over the first."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("A.md", "a.md", "caf\u00e9.md", "cafe\u0301.md"):
        (src / name).write_text(f"---\ntitle: {name}\n---\n正文\n", encoding="utf-8")
    done = run(["convert", "src", "-o", "out"], tmp_path)
    assert done.returncode == 1
    assert done.stderr.count("is already the output of") == 2, done.stderr
    assert "out/a.md is already the output of src/A.md (as out/A.md: on macOS and Windows" in done.stderr
    assert len(list((tmp_path / "out").iterdir())) == 2


def test_a_title_from_the_body_is_sanitised_too(tmp_path: Path) -> None:
    """Found by the fuzz test: a heading of control characters became the title of an invalid XHTML."""
    from lxml import etree

    post = read_text("---\n---\n<h2>\x08标\x01题</h2><p>正文</p>", "a.md")
    assert post.meta.title == "标题"
    assert read_text("---\n---\n<h2>\x08</h2>", "a\x01b.md").meta.title == "ab"
    (tmp_path / "a.md").write_text("---\n---\n<h2>\x08</h2><p>正文</p>\n", encoding="utf-8")
    etree.fromstring(run(["convert", "a.md", "--to", "html"], tmp_path).stdout.encode())


@pytest.mark.parametrize(
    "body",
    [
        "{% asset_img " + " " * 20_000 + "x",  # (was cubic: 5,000 blanks took over a minute)
        "{% codeblock " + "a" * 300_000,  # (an unclosed opening scanned its line for every %})
        "<a" + " " * 40_000 + "=x>t</a>",  # (the attribute count tried every blank of a run)
        "<p>" + "a*b " * 100_000 + "</p>",  # (each escaped character copied the rest of its line)
        "<script> b\n\n" * 50_000,  # (the same, once the tags left open became one line of text)
    ],
)
def test_patterns_found_by_review_are_linear(body: str) -> None:
    import time

    start = time.perf_counter()
    read_text("---\ntitle: t\n---\n" + body, "a.md")
    from converters.document import Rendered

    Rendered(read_text("---\ntitle: t\n---\n" + body, "a.md")).markdown  # noqa: B018
    assert time.perf_counter() - start < 2.0


def test_the_readers_emphasis_display_is_linear_and_nests() -> None:
    import time

    from tui.text import display_markdown

    start = time.perf_counter()
    display_markdown("<strong>" * 20_000 + "x")
    assert time.perf_counter() - start < 1.0
    assert display_markdown("a <em>斜<strong>粗</strong></em>") == "a *\u200b斜**\u200b粗\u200b**\u200b*"


def test_a_go_template_inside_a_tag_is_no_internal_error(tmp_path: Path) -> None:
    """Hugo layouts and some posts write template actions inside tags; the HTML parser makes attributes
    named "{{" of them, which lxml then refuses to look up."""
    (tmp_path / "t.md").write_text(
        '---\ntitle: t\n---\n<p>前</p>\n<a href="https://example.org/x" {{ with .T }}title="y"{{ end }}>链接</a>\n',
        encoding="utf-8",
    )
    for fmt in ("html", "markdown", "jsonl"):
        done = run(["convert", "t.md", "--to", fmt], tmp_path)
        assert done.returncode == 0 and "internal error" not in done.stderr, done.stderr
        assert "链接" in done.stdout and "example.org/x" in done.stdout
