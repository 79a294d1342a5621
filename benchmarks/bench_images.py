"""Images into a book, from a loopback server: the first run (every image fetched), the second (none), and
the reader opening an article with images against one without.

    python benchmarks/bench_images.py [--posts 1000] [--delay 0.02]

Targets (issue #19): 1,000 posts with ~3 images each to an EPUB with ``--images embed`` limited by the
fetches, not by us (the server answers each request after ``--delay`` seconds, as a distant host would);
the second run makes zero requests (counted at the server); opening an article with images in the reader
is as fast as without them (the images arrive after the text).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from common import ROOT, byte_compile

sys.path.insert(0, str(ROOT))

IMAGES_A_POST = 3


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    delay = 0.0
    requests: Counter[str] = Counter()
    bodies: dict[str, bytes] = {}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.requests[self.path] += 1
        time.sleep(self.server.delay)
        body = self.server.bodies.get(self.path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _photos(n: int) -> dict[str, bytes]:
    """``n`` different JPEGs of 320 × 200 (~10 KB), as a news post's pictures are after a CDN's resizing."""
    from PIL import Image, ImageDraw

    bodies = {}
    for i in range(n):
        picture = Image.new("RGB", (320, 200), ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256))
        ImageDraw.Draw(picture).ellipse((40 + i % 200, 20, 140 + i % 200, 120), fill=(250, 200, 40))
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=80)
        bodies[f"/photo/{i}.jpg"] = out.getvalue()
    return bodies


def _library(folder: Path, posts: int, base: str) -> None:
    folder.mkdir(parents=True)
    for p in range(posts):
        images = "".join(
            f'<p>图{k}<img src="{base}/photo/{p * IMAGES_A_POST + k}.jpg" alt="图{k}"></p>\n'
            for k in range(IMAGES_A_POST)
        )
        (folder / f"p{p:05d}.md").write_text(
            f"---\ntitle: 第{p}篇\ndate: 2022-01-{1 + p % 28:02d} 10:00:00\ncategories: [新闻]\n---\n"
            f"<p>正文第{p}篇，城市的公园越来越多。</p>\n{images}",
            encoding="utf-8",
        )


def _convert(folder: Path, book: Path, cache: Path, images: str) -> float:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tui", "convert", str(folder), "--to", "epub", "--images", images,
         "-o", str(book), "--overwrite", "-q"],
        env=env, check=True,
    )  # fmt: skip
    return time.perf_counter() - started


def _reader_open(
    folder: Path, cache: Path, images: bool, graphics: str = "blocks"
) -> tuple[float, float | None]:
    """Seconds from enter to the article's text, and to its first picture drawn in the terminal's way
    (``graphics``: half blocks, Kitty's placeholders, or Sixel, whose pixels are made after the picture
    is in; None with images off)."""
    os.environ["XDG_CACHE_HOME"] = str(cache)
    os.environ["COLORTERM"] = "truecolor"  # (Kitty's placeholders need every colour as it is)
    from tui.app import PostshelfApp
    from tui.widgets.article import ArticleView

    def drawn(view: ArticleView) -> bool:
        if not view._placed:
            return False
        if graphics != "sixel":
            return True
        address, cols, rows, _ = next(iter(view._placed.values()))
        view.refresh()  # (Sixel is made for what is drawn)
        return view.painter.sixel(address, cols, rows) is not None

    async def run() -> tuple[float, float | None]:
        app = PostshelfApp([str(folder)], use_cache=False, graphics=graphics)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(1.0)
            await app.workers.wait_for_complete()
            view = app.query_one(ArticleView)
            view.images_on = images
            started = time.perf_counter()
            await pilot.press("enter")
            text = picture = None
            while time.perf_counter() - started < 10:
                await pilot.pause(0.005)
                if text is None and any("正文" in s.text for s in view.lines):
                    text = time.perf_counter() - started
                if text is not None and (not images or drawn(view)):
                    picture = time.perf_counter() - started if images else None
                    break
            assert text is not None
            return text, picture

    return asyncio.run(run())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=1000)
    ap.add_argument("--delay", type=float, default=0.02, help="seconds the server takes to answer")
    args = ap.parse_args()
    byte_compile()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.delay = args.delay
    server.bodies = _photos(args.posts * IMAGES_A_POST)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    work = Path(tempfile.mkdtemp(prefix="bench-images-"))
    folder = work / "posts"
    _library(folder, args.posts, base)
    total = args.posts * IMAGES_A_POST
    size = sum(len(b) for b in server.bodies.values())
    linked = _convert(folder, work / "linked.epub", work / "cache", "link")
    first = _convert(folder, work / "book.epub", work / "cache", "embed")
    asked = sum(server.requests.values())
    second = _convert(folder, work / "book.epub", work / "cache", "embed")
    again = sum(server.requests.values()) - asked
    cores = os.cpu_count() or 1
    bound = cores * 4 / args.delay if args.delay else float("inf")
    print(
        f"{args.posts:,} posts, {total:,} images ({size / 1e6:.1f} MB), the server answering in {args.delay * 1000:.0f} ms"
    )
    print(f"--images link (nothing fetched): {linked:.2f} s")
    print(
        f"--images embed, empty store: {first:.2f} s, {asked:,} requests, {total / first:.0f} images/s"
        f" (the fetches' own bound: {cores} processes x 4 at a time / {args.delay * 1000:.0f} ms = {bound:.0f} images/s;"
        f" {total / bound + linked:.2f} s with the conversion)"
    )
    print(f"--images embed, store warm: {second:.2f} s, {again} requests")
    print(f"book: {(work / 'book.epub').stat().st_size / 1e6:.1f} MB")
    one = work / "one"
    _library(one, 1, base)
    for on, graphics in ((False, "blocks"), (True, "blocks"), (True, "kitty"), (True, "sixel")):
        text, picture = _reader_open(one, work / f"reader-cache-{on}-{graphics}", on, graphics)
        shown = f", first picture at {picture * 1000:.0f} ms" if picture is not None else ""
        print(
            f"reader, article with {IMAGES_A_POST} images, images {'on (' + graphics + ')' if on else 'off'}:"
            f" text at {text * 1000:.0f} ms{shown}"
        )
    server.shutdown()


if __name__ == "__main__":
    main()
