"""Posts converted one by one against the same posts converted together, chunk by chunk, in one process.

    python benchmarks/bench_stages.py [--posts 1200] [--chunk 32] [--rounds 2] [--formats markdown,jsonl,html]

``convert`` takes each step of the pipeline (parsing, cleaning, text, XHTML, Markdown) for a whole chunk
of posts before the next step (``converters.pipeline.convert_posts``, by ``converters.steps.run_steps``): a step's code then stays in the
processor's caches from one post to the next, where post by post the steps evict each other. This measures
what that is worth, with bare html2text (the issue's bound, each post read and converted) alongside.

Wall-clock times on this shared machine drift by ±40 % within minutes, so the ways take turns on every
chunk (in alternating order) and what is printed is the median, over chunks, of each way's time divided by
bare html2text's on the same chunk: drift that lasts longer than a chunk (~50 ms) cancels out.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable

from common import ROOT, bare_html2text, synthetic_library

sys.path.insert(0, str(ROOT))

from converters.pipeline import Settings, convert_post, convert_posts
from converters.post import Post
from converters.reading import read_post


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=1200)
    ap.add_argument("--chunk", type=int, default=32, help="posts converted together (convert's chunk)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--formats", default="markdown,jsonl,html")
    args = ap.parse_args()
    files = [str(p) for p in sorted(synthetic_library(10_000).rglob("*.txt"))[: args.posts]]
    for fmt in args.formats.split(","):
        settings = Settings(fmt, None, "link", False, True)

        def alone(posts: list[Post], settings: Settings = settings) -> None:
            for post in posts:
                convert_post(post, "x.md", settings)

        def together(posts: list[Post], settings: Settings = settings) -> None:
            list(convert_posts([(post, "x.md") for post in posts], settings))

        ways: dict[str, Callable[[list[str]], object]] = {
            "html2text": lambda chunk: [bare_html2text(f) for f in chunk],
            "one by one": lambda chunk, alone=alone: alone([read_post(f) for f in chunk]),
            "together": lambda chunk, together=together: together([read_post(f) for f in chunk]),
        }
        ratios: dict[str, list[float]] = {name: [] for name in ways}
        seconds: dict[str, float] = dict.fromkeys(ways, 0.0)
        gc.disable()  # (collections fall where they fall: left on, they land in one way's turn or another's)
        for n in range(args.rounds * ((len(files) + args.chunk - 1) // args.chunk)):
            chunk = files[(n * args.chunk) % len(files) :][: args.chunk]
            order = list(ways) if n % 2 == 0 else list(reversed(ways))
            took = {}
            for name in order:
                t = time.perf_counter()
                ways[name](chunk)
                took[name] = time.perf_counter() - t
                seconds[name] += took[name]
            for name in ways:
                ratios[name].append(took[name] / took["html2text"])
            gc.enable()
            gc.collect()
            gc.disable()
        gc.enable()
        done = args.rounds * len(files)
        print(f"{fmt}, {len(files)} posts in chunks of {args.chunk}, {args.rounds} rounds:")
        for name in ways:
            print(f"  {name:10s} {seconds[name] / done * 1e6:6.0f} µs a post, median "
                  f"{statistics.median(ratios[name]):.3f}x bare html2text")  # fmt: skip
        gain = [t / a for t, a in zip(ratios["together"], ratios["one by one"], strict=True)]
        print(f"  together / one by one: median {statistics.median(gain):.3f}")


if __name__ == "__main__":
    main()
