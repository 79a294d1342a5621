"""HTML → Markdown pipeline against bare html2text and pandoc, side by side in one run.

    python benchmarks/bench_convert.py [--posts 400] [--pandoc 60]

Targets (issue #3): the whole pipeline (clean + html2text + repairs) keeps ≥ 75 % of bare html2text's
throughput (body_width=0) and is ≥ 10× faster than pandoc run once per file; memory stays flat over 10k posts.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import html2text  # noqa: E402
from common import synthetic_library  # noqa: E402

from converters.html import clean  # noqa: E402
from converters.markdown import html_to_markdown  # noqa: E402
from converters.reading import read_post  # noqa: E402


def bodies(count: int) -> list[str]:
    files = sorted(synthetic_library(10_000).rglob("*.txt"))[:count]
    return [read_post(f).body for f in files]


def bare(html: str) -> str:
    h = html2text.HTML2Text(bodywidth=0)
    h.unicode_snob = True
    return h.handle(html)


def ours(html: str) -> str:
    return html_to_markdown(clean(html).root)


def rates(fns, items: list[str], rounds: int = 5) -> list[float]:  # type: ignore[no-untyped-def]
    """Best of ``rounds``, the functions interleaved round by round so machine noise hits both alike."""
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            for item in items:
                fn(item)
            best[i] = min(best[i], time.perf_counter() - t)
    return [len(items) / b for b in best]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=400)
    ap.add_argument(
        "--pandoc", type=int, default=60, help="posts for the pandoc comparison (one process each)"
    )
    ap.add_argument("--memory-posts", type=int, default=10_000)
    args = ap.parse_args()
    items = bodies(args.posts)
    size = sum(len(b.encode()) for b in items) / len(items)
    print(f"{len(items)} posts, {size / 1024:.1f} KB of HTML each on average")
    r_bare, r_ours = rates([bare, ours], items)
    print(f"bare html2text (body_width=0): {r_bare:7.0f} posts/s")
    print(
        f"postshelf pipeline:            {r_ours:7.0f} posts/s  = {r_ours / r_bare:.0%} of bare html2text (target >= 75%)"
    )
    if shutil.which("pandoc") and args.pandoc > 0:
        sample = items[: args.pandoc]
        t = time.perf_counter()
        for body in sample:
            subprocess.run(
                ["pandoc", "-f", "html", "-t", "commonmark"],
                input=body,
                capture_output=True,
                text=True,
                check=True,
            )
        r_pandoc = len(sample) / (time.perf_counter() - t)
        print(
            f"pandoc, one process per post:  {r_pandoc:7.1f} posts/s  -> postshelf is {r_ours / r_pandoc:.0f}x faster (target >= 10x)"
        )
    else:
        print("pandoc comparison skipped (not installed: apt-get install pandoc; or --pandoc 0)")
    all_bodies = bodies(args.memory_posts)
    marks = []
    for n, body in enumerate(all_bodies, 1):
        ours(body)
        if n in (1000, len(all_bodies) // 2, len(all_bodies)):
            marks.append((n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    print("peak RSS while converting: " + ", ".join(f"{mb:.0f} MB after {n:,}" for n, mb in marks))


if __name__ == "__main__":
    main()
