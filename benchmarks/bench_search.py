"""The full-text index on a synthetic library: first build, size, queries, one change, a whole process, and a
brute-force scan of the same text beside them.

    python benchmarks/bench_search.py [--posts 100000] [--queries 100]

Targets (issue #18), at 100k posts: a query in-process <= 30 ms (median of 100 mixed queries);
``postshelf search`` as a whole process <= 0.3 s; first build <= 60 s with both cores; re-indexing after
one post changed <= 0.2 s; index size <= 1.5x the plain text it holds.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from common import ROOT, byte_compile, synthetic_library

sys.path.insert(0, str(ROOT))

from converters.search_index import SearchIndex, index_file
from converters.search_tokens import tokens, tokens_plain
from converters.walk import fingerprint


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=100)
    args = ap.parse_args()
    byte_compile()
    library = synthetic_library(args.posts)
    work = Path(tempfile.mkdtemp(prefix="bench-search-"))
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # (the index the command below finds: built here once)
    file = index_file([str(library)])
    started = time.perf_counter()
    with SearchIndex(file) as index:
        report = index.sync([str(library)])
        build = time.perf_counter() - started
        plain = sum(len(zlib.decompress(t)) for (t,) in index.db.execute("SELECT text FROM texts"))
        plain_bytes = sum(
            len(zlib.decompress(t).decode("utf-8").encode("utf-8"))
            for (t,) in index.db.execute("SELECT text FROM texts")
        )
        index.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = sum(os.path.getsize(f"{file}{s}") for s in ("", "-wal") if os.path.exists(f"{file}{s}"))
        print(
            f"{report.indexed:,} posts indexed in {build:.1f} s; index {size / 1e6:.0f} MB for {plain_bytes / 1e6:.0f} MB"
            f" of plain text ({plain:,} characters): {size / plain_bytes:.2f}x"
        )
        texts = [
            zlib.decompress(t).decode("utf-8")
            for (t,) in index.db.execute("SELECT text FROM texts LIMIT 2000")
        ]
        queries = _queries(texts, args.queries)
        times = []
        for query in queries:
            t = time.perf_counter()
            index.search(query, limit=20)
            times.append(time.perf_counter() - t)
        print(
            f"{len(queries)} mixed queries, 20 hits each at most: median {statistics.median(times) * 1000:.1f} ms,"
            f" p90 {sorted(times)[int(len(times) * 0.9)] * 1000:.1f} ms, max {max(times) * 1000:.1f} ms"
        )
        every = []
        for query in queries[:10]:
            t = time.perf_counter()
            count = len(index.search(query, limit=0))
            every.append((time.perf_counter() - t, count))
        print(
            "every hit with its snippet (the reader's list), 10 queries: median"
            f" {statistics.median(t for t, _ in every) * 1000:.0f} ms for a median"
            f" {statistics.median(n for _, n in every):,.0f} hits"
        )
        victim = next(library.rglob("*.txt"))
        original = victim.read_bytes()
        added = victim.with_name("zz-added.txt")
        try:
            edits = []
            for n in range(5):
                victim.write_bytes(original + f"\n改动{n}\n".encode())
                t = time.perf_counter()
                again = index.sync([str(library)])
                edits.append((time.perf_counter() - t, again.indexed))
            print(
                f"one post changed, 5 times: re-indexed {edits[-1][1]} in a median"
                f" {statistics.median(t for t, _ in edits):.2f} s (min {min(t for t, _ in edits):.2f} s;"
                " postshelf search: a stat of each file finds it against the stamps kept, no walk)"
            )
            added.write_bytes(original)
            t = time.perf_counter()
            again = index.sync([str(library)])
            print(
                f"one post added: indexed {again.indexed} in {time.perf_counter() - t:.2f} s"
                " (postshelf search: a stat of each file, then a walk)"
            )
            victim.write_bytes(original + "\n再改\n".encode())
            stamps = {  # (what the reader's load found as it checked the files: not timed here)
                path: (st.st_mtime_ns, st.st_size)
                for (path,) in index.db.execute("SELECT path FROM docs")
                for st in [os.stat(path)]
            }
            t = time.perf_counter()
            again = index.sync([str(library)], stamps=stamps)
            print(
                f"one post changed: re-indexed {again.indexed} in {time.perf_counter() - t:.2f} s"
                " (the reader: given the stamps its load found)"
            )
        finally:
            victim.write_bytes(original)
            added.unlink(missing_ok=True)
            index.sync([str(library)])
    env = dict(os.environ)
    for flags, how in (([], "synced with the files first"), (["--no-sync"], "--no-sync")):
        runs = []
        for query in queries[:10]:
            t = time.perf_counter()
            command = [sys.executable, "-m", "tui", "search", query, str(library), *flags]
            subprocess.run(command, env=env, capture_output=True)
            runs.append(time.perf_counter() - t)
        print(
            f"postshelf search as a whole process (index warm, {how}): median {statistics.median(runs):.2f} s"
        )
    _fingerprint_in_one_process_and_in_two(library, args.posts)
    _tokens_beside_the_plain_rules(texts)
    t = time.perf_counter()
    needle = queries[0]
    found = sum(1 for text in texts if needle in text)
    per_post = (time.perf_counter() - t) / len(texts)
    print(
        f"brute force over the same text held in memory: {per_post * args.posts * 1000:.0f} ms for one query"
        f" over {args.posts:,} posts ({found} of {len(texts)} sampled hold {needle!r}); the reader's old search"
        f" read and stripped every file: ~1.6 s a 10k posts"
    )


def _fingerprint_in_one_process_and_in_two(library: Path, posts: int) -> None:
    """The synced search's floor: the walk's fingerprint, a stat of every file (walk.py's one speed trick:
    half of it in a forked process), timed in turns both ways."""
    timed: dict[str, list[float]] = {"one process": [], "two processes": []}
    for _ in range(5):
        for name, expected in (("one process", 0), ("two processes", posts)):
            t = time.perf_counter()
            fingerprint([str(library)], expected=expected)
            timed[name].append(time.perf_counter() - t)
    print(
        "the files' fingerprint (what a synced search costs when nothing changed): median "
        + ", ".join(f"{statistics.median(v):.3f} s in {k}" for k, v in timed.items())
    )


def _tokens_beside_the_plain_rules(texts: list[str]) -> None:
    """The index's one speed trick (tokens made by array slices) against the same rules written plainly."""

    def plain(text: str) -> tuple[str, str]:
        ordered, chars = tokens_plain(text)
        return " ".join(ordered), " ".join(chars)

    timed = {}
    for name, make in (("array slices", tokens), ("plain rules", plain)):
        t = time.perf_counter()
        for text in texts:
            make(text)
        timed[name] = (time.perf_counter() - t) / len(texts) * 1000
    print(
        f"a post's tokens: {timed['array slices']:.2f} ms made by array slices, {timed['plain rules']:.2f} ms"
        f" by the plain rules ({len(texts):,} posts' text)"
    )


def _queries(texts: list[str], n: int) -> list[str]:
    """CJK pieces of 1-4 characters taken from the posts, Latin words, phrases and fields, in turn."""
    rng = random.Random(18)
    runs = [r for t in texts for r in re.findall(r"[\u4e00-\u9fff]{4,}", t)]
    words = [w for t in texts for w in re.findall(r"[A-Za-z]{4,}", t)] or ["data"]
    queries = []
    for i in range(n):
        kind = i % 5
        if kind in (0, 1):
            run = rng.choice(runs)
            k = rng.randint(1, 4)
            start = rng.randint(0, len(run) - k)
            queries.append(run[start : start + k])
        elif kind == 2:
            queries.append(rng.choice(words))
        elif kind == 3:
            queries.append(f'"{rng.choice(words)} {rng.choice(words)}" OR {rng.choice(words)}')
        else:
            queries.append(f"{rng.choice(runs)[:2]} after:2021-01-01")
    return queries


if __name__ == "__main__":
    main()
