"""Instructions a post for each output format, counted by valgrind's callgrind: the same count on every
run, where wall-clock times on this shared machine drift by ±40 % within minutes. Use it to compare two
versions of the pipeline (``--source`` another checkout); use the other benchmarks for seconds.

    python benchmarks/bench_instructions.py [--posts 60] [--source DIR] [--formats html2text,markdown,jsonl,html]

Each format runs twice under callgrind, converting ``--posts`` posts and converting none after the same
set-up; the difference divided by the posts is the cost of one post (reading it, cleaning, rendering,
serializing; not the command line's process pool or file writes). ``html2text`` is the issue's bound, as
``bench_cli.py`` times it: each post read and given to bare html2text. Its instructions run faster than
ours (more of them a second), so the ratios here are not those of the seconds. Needs ``valgrind``
(apt-get install valgrind); takes about a minute.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import HERE, synthetic_library

CHILD = r"""
import sys
sys.path.insert(0, sys.argv[1])
import converters
assert converters.__file__.startswith(sys.argv[1]), converters.__file__
from converters.pipeline import Settings, convert_post
from converters.reading import read_post
fmt, files, run = sys.argv[2], sys.argv[5:], sys.argv[3] == "1"
if fmt == "html2text":  # the issue's bound, as bench_cli.py times it
    sys.path.insert(0, sys.argv[4])
    from common import bare_html2text

    def convert(paths):
        for f in paths:
            bare_html2text(f)
else:
    settings = Settings(fmt, None, "link", False, True)
    try:
        from converters.pipeline import convert_posts  # posts a group at a time, as convert does
    except ImportError:  # (an older checkout: one at a time)
        convert_posts = None

    def convert(paths):
        if convert_posts is None:
            for f in paths:
                convert_post(read_post(f), "x.md", settings)
        else:
            list(convert_posts(((read_post(f), "x.md") for f in paths), settings))
convert(files[:3])  # warm up: lazy imports, regex caches
if run:
    convert(files)
"""


def instructions(source: Path, fmt: str, files: list[str], run: bool) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-c", CHILD,
             str(source), fmt, "1" if run else "0", str(HERE), *files],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    m = re.search(r"Collected : (\d+)", done.stderr)
    if m is None:
        raise SystemExit(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(m.group(1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=60)
    ap.add_argument("--source", type=Path, default=HERE.parent, help="the checkout whose converters to count")
    ap.add_argument("--formats", default="html2text,markdown,jsonl,html")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    folder = synthetic_library(10_000)
    files = [str(p) for p in sorted(folder.rglob("*.txt"))[: args.posts]]
    source = args.source.resolve()
    print(f"converters from {source}, {len(files)} posts of {folder}")
    with ThreadPoolExecutor(2) as pool:  # the two runs of a format side by side, one on each core
        bound = None
        for fmt in args.formats.split(","):
            full, empty = pool.map(instructions, [source] * 2, [fmt] * 2, [files] * 2, (True, False))
            per_post = (full - empty) / len(files)
            if fmt == "html2text":
                bound = per_post
            against = f" ({per_post / bound:.2f}x bare html2text)" if bound and fmt != "html2text" else ""
            print(f"{fmt:9s} {per_post / 1e6:6.2f}M instructions a post{against}")


if __name__ == "__main__":
    main()
