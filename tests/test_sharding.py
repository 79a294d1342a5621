"""Work that splits across machines (issue 16): ``--files-from`` and ``--shard K/N``. The records of the N
shards are exactly those of one run, whatever N."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from converters.options import in_shard, parse_shard

POSTSHELF = str(Path(sys.executable).with_name("postshelf"))
SAMPLES = Path(__file__).resolve().parents[1] / "converters" / "samples"


def run(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([POSTSHELF, *args], cwd=cwd, input=stdin, capture_output=True, timeout=120)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLES, tmp_path / "lib")
    return tmp_path


@pytest.mark.parametrize("n", [1, 3, 7])
def test_the_shards_together_are_one_run(library: Path, n: int) -> None:
    whole = run(["convert", "lib", "--to", "jsonl"], library).stdout.splitlines()
    shards = [
        run(["convert", "lib", "--to", "jsonl", "--shard", f"{k}/{n}"], library).stdout.splitlines()
        for k in range(1, n + 1)
    ]
    assert sorted(line for shard in shards for line in shard) == sorted(whole)
    assert len(whole) == 21 and all(len(shard) < 21 for shard in shards) == (n > 1)


def test_files_from_a_list_by_lines_or_nul_bytes(library: Path) -> None:
    posts = sorted(str(p.relative_to(library)) for p in (library / "lib").rglob("*.md"))[:5]
    (library / "list.txt").write_text("\n".join(posts) + "\n", encoding="utf-8")
    by_lines = run(["convert", "--files-from", "list.txt", "--to", "jsonl"], library)
    assert by_lines.returncode == 0 and len(by_lines.stdout.splitlines()) == 5
    by_nul = run(
        ["convert", "--files-from", "-", "-0", "--to", "jsonl"], library, stdin="\0".join(posts).encode()
    )
    assert by_nul.stdout == by_lines.stdout
    piped = run(
        ["convert", "--files-from", "-", "--to", "jsonl", "--shard", "1/2"],
        library,
        stdin="\n".join(posts).encode(),
    )
    other = run(["convert", "--files-from", "list.txt", "--to", "jsonl", "--shard", "2/2"], library)
    assert sorted(piped.stdout.splitlines() + other.stdout.splitlines()) == sorted(
        by_lines.stdout.splitlines()
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--shard", "0/3", "lib"],
        ["--shard", "4/3", "lib"],
        ["--shard", "x", "lib"],
        [],
        ["--files-from", "-", "-"],
        ["--files-from", "missing.txt"],
    ],
)
def test_usage_errors(library: Path, args: list[str]) -> None:
    done = run(["convert", *args], library, stdin=b"")
    assert done.returncode == 2 and b"Traceback" not in done.stderr


def test_shard_assignment_is_stable() -> None:
    """The same path goes to the same shard on every machine and Python (a blake2b digest of its bytes,
    not the salted ``hash``): these are fixed."""
    assert parse_shard("2/5") == (2, 5)
    shard_of = [next(k for k in range(1, 6) if in_shard(f"posts/{i}.md", (k, 5))) for i in range(8)]
    assert shard_of == [3, 2, 2, 1, 2, 3, 4, 2]


def test_the_readme_dask_example_runs_on_the_local_scheduler(tmp_path: Path) -> None:
    """The README's Dask block, as printed, over the samples: the records of `convert --to jsonl`."""
    pytest.importorskip("dask.bag")
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- dask-example -->", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    shutil.copytree(SAMPLES, tmp_path / "archive")
    done = subprocess.run(
        [sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    by_engine = (tmp_path / "archive.jsonl").read_text(encoding="utf-8").splitlines()
    files = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "archive").rglob("*.md"))
    by_cli = run(["convert", *files, "--to", "jsonl"], tmp_path).stdout.decode().splitlines()
    assert sorted(by_engine) == sorted(by_cli) and len(by_engine) == len(files)
