"""Our ordered pool (``converters.workers.ordered_map``) against ``concurrent.futures.ProcessPoolExecutor``
on the same convert tasks: wall time, and the parent's own CPU time (its threads included), which on two
cores is taken from the workers.

    python benchmarks/bench_pool.py [--posts 10000] [--rounds 3] [--formats jsonl,markdown]

Both run ``converters.pipeline._work_task`` over the same tasks (a Settings and 32 posts each), forked,
with two workers; the ways take turns in ABBA order so that the machine's drift falls on both.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from common import ROOT, byte_compile, synthetic_library

sys.path.insert(0, str(ROOT))

from converters import pipeline, steps
from converters.workers import ordered_map


def _tasks(files: list[str], fmt: str) -> list[pipeline._Task]:
    settings = pipeline.Settings(fmt, None, "link", False, True)
    size = steps.GROUP_POSTS
    return [
        (settings, [(f, os.path.basename(f), None, False) for f in files[i : i + size]])
        for i in range(0, len(files), size)
    ]


def ours(tasks: list[pipeline._Task]) -> Iterator[list[pipeline.Result]]:
    return ordered_map(pipeline._work_task, tasks, 2, "fork")


def executor(tasks: list[pipeline._Task]) -> Iterator[list[pipeline.Result]]:
    with ProcessPoolExecutor(2, mp_context=get_context("fork")) as pool:
        yield from pool.map(pipeline._work_task, tasks)


def _parent_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run(
    way: Callable[[list[pipeline._Task]], Iterator[list[pipeline.Result]]], tasks: list
) -> tuple[float, float]:
    cpu, wall = _parent_cpu(), time.perf_counter()
    n = 0
    for results in way(tasks):
        n += sum(len(r.text or b"") for r in results)  # (the parent touches every result, as a writer does)
    return time.perf_counter() - wall, _parent_cpu() - cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--formats", default="jsonl,markdown")
    args = ap.parse_args()
    byte_compile()
    files = [str(p) for p in sorted(synthetic_library(10_000).rglob("*.txt"))[: args.posts]]
    ways = {"ordered_map": ours, "ProcessPoolExecutor": executor}
    for fmt in args.formats.split(","):
        tasks = _tasks(files, fmt)
        walls: dict[str, list[float]] = {name: [] for name in ways}
        cpus: dict[str, list[float]] = {name: [] for name in ways}
        for r in range(args.rounds):
            order = list(ways) if r % 2 == 0 else list(reversed(ways))
            for name in order + order[::-1]:
                wall, cpu = _run(ways[name], tasks)
                walls[name].append(wall)
                cpus[name].append(cpu)
        print(f"{fmt}, {len(files)} posts, 2 workers, {args.rounds * 2} runs each:")
        for name in ways:
            print(
                f"  {name:20} wall best {min(walls[name]):.2f} s median {statistics.median(walls[name]):.2f} s;"
                f" parent CPU median {statistics.median(cpus[name]):.2f} s"
            )


if __name__ == "__main__":
    main()
