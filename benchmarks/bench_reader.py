"""The reader, headless: first screen from process start, opening articles, and memory.

    python benchmarks/bench_reader.py

Targets (issue #5): first screen ≤ 0.5 s for 10k posts with a warm cache and ≤ 1.0 s for 100k; opening a
10 KB article ≤ 100 ms and a 60 KB one ≤ 250 ms; memory for a 100k library ≤ 300 MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

FIRST_SCREEN = r"""
import time
start = time.perf_counter()
import asyncio, json, resource, sys
from tui.app import PostshelfApp
from tui.widgets.post_list import PostList

async def main():
    app = PostshelfApp([sys.argv[1]])
    async with app.run_test(size=(140, 40)) as pilot:
        while app.library is None:
            await pilot.pause(0.005)
        await pilot.pause()
        shown = len(app.query_one(PostList).rows)
        elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "posts": shown, "rss_mb": rss}))

asyncio.run(main())
"""

OPEN_ARTICLE = r"""
import asyncio, json, sys, time
from converters.document import Rendered
from converters.reading import read_text
from tui.app import PostshelfApp
from tui.widgets.article import ArticleContent, ArticleView

def post(kb):
    para = "<p>" + "城市发展与技术平台的用户数据在系统市场中不断增长，" * 8 + "<strong>重点。</strong></p>\n"
    body, n = [], 0
    while len("".join(body).encode()) < kb * 1024:
        n += 1
        body.append(f"<h2>第{n}节</h2>\n" if n % 6 == 0 else para)
    return "---\ntitle: 测试\ndate: 2022-01-11 04:39:04\n---\n" + "".join(body)

async def main():
    app = PostshelfApp([sys.argv[1]])
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        view = app.query_one(ArticleView)
        out = {}
        for kb in (10, 60, 10):
            text = post(kb)
            t = time.perf_counter()
            p = read_text(text, "bench.md")
            r = Rendered(p)
            content = ArticleContent(p.meta, r.markdown, p.body, r.problems, r.clean.links)
            view.show(content)
            await pilot.pause()
            out[f"{kb}KB" if f"{kb}KB" not in out else f"{kb}KB again"] = time.perf_counter() - t
        print(json.dumps(out))

asyncio.run(main())
"""


def run(code: str, *args: str, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    libs = {}
    for count, name in ((10_000, "lib-10k"), (100_000, "lib-100k")):
        folder = HERE / "data" / name
        if not folder.exists():
            subprocess.run([sys.executable, str(HERE / "generate.py"), str(count), str(folder)], check=True)
        libs[name] = folder
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "XDG_CACHE_HOME": f"{tmp}/cache", "POSTSHELF_STATE_DIR": f"{tmp}/state",
               "POSTSHELF_CONFIG_DIR": f"{tmp}/config"}  # fmt: skip
        for name, folder in libs.items():
            cold = run(FIRST_SCREEN, str(folder), env=env)
            warm = run(FIRST_SCREEN, str(folder), env=env)
            print(f"{name}: first screen with posts, cold cache {cold['seconds']:.2f} s; warm cache "
                  f"{warm['seconds']:.2f} s; {warm['posts']:,} posts listed; peak RSS {warm['rss_mb']:.0f} MB")  # fmt: skip
        opened = run(OPEN_ARTICLE, str(libs["lib-10k"]), env=env)
        print(
            "open article (convert + render): "
            + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in opened.items())
        )


if __name__ == "__main__":
    main()
