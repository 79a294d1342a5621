"""A loopback HTTP server for the image tests: good images made with Pillow, and every way a server can
be broken or hostile. It counts the requests each path gets."""

from __future__ import annotations

import io
import struct
import threading
import time
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


def image_bytes(
    fmt: str, size: tuple[int, int] = (40, 30), color: tuple[int, int, int] = (200, 40, 40)
) -> bytes:
    out = io.BytesIO()
    picture = Image.new("RGB", size, color)
    for x in range(size[0] // 2):  # (two colours: a picture, not a flat block)
        for y in range(size[1]):
            picture.putpixel((x, y), (20, 60, 220))
    picture.save(out, fmt)
    return out.getvalue()


def bomb_png(width: int = 50_000, height: int = 50_000) -> bytes:
    """A PNG of a few hundred bytes whose header claims ``width`` × ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\x00" * (width + 1) * 4)  # (four rows of zeros: the rest is missing)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


EVIL_SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="20" height="10"
     onload="alert(1)">
  <script>alert(2)</script>
  <rect width="20" height="10" fill="green" onclick="alert(3)" style="fill: url(http://evil.example/x)"/>
  <a xlink:href="javascript:alert(4)"><circle r="3" cx="5" cy="5"/></a>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
  <image href="http://evil.example/track.png" width="1" height="1"/>
</svg>
"""

ROUTES: dict[str, tuple[int, str, bytes]] = {}


def _routes() -> dict[str, tuple[int, str, bytes]]:
    if not ROUTES:
        png = image_bytes("PNG")
        ROUTES.update(
            {
                "/img/red.png": (200, "image/png", png),
                "/img/photo.jpg": (200, "image/jpeg", image_bytes("JPEG", (64, 48))),
                "/img/anim.gif": (200, "image/gif", image_bytes("GIF")),
                "/img/pic.webp": (200, "image/webp", image_bytes("WEBP")),
                "/img/old.bmp": (200, "image/bmp", image_bytes("BMP")),
                "/img/mislabelled.png": (200, "text/plain", image_bytes("JPEG")),
                "/img/truncated.png": (200, "image/png", png[: len(png) // 2]),
                "/img/page.jpg": (200, "image/jpeg", b"<!DOCTYPE html><html><body>Not found</body></html>"),
                "/img/evil.svg": (200, "image/svg+xml", EVIL_SVG),
                "/img/bomb.png": (200, "image/png", bomb_png()),
            }
        )
    return ROUTES


class _Handler(BaseHTTPRequestHandler):
    server: ImageServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.server.requests[path] += 1
        routes = _routes()
        if path in routes:
            status, kind, body = routes[path]
            etag = f'"{zlib.crc32(body):x}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)
        elif path.startswith("/many/"):  # (any name: a different small PNG for the benchmark)
            n = sum(path.encode())
            body = image_bytes("PNG", (24, 16), (n % 256, (n * 7) % 256, (n * 13) % 256))
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif path.startswith("/slow/"):  # (an image that takes a second to come)
            time.sleep(1.0)
            body = image_bytes("PNG", (120, 60))
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif path.startswith("/loop/"):
            self.send_response(302)
            self.send_header("Location", "/loop/b" if path == "/loop/a" else "/loop/a")
            self.end_headers()
        elif path == "/to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
        elif path == "/redirect/red.png":
            self.send_response(301)
            self.send_header("Location", "/img/red.png")
            self.end_headers()
        elif path == "/never-ends":  # headers, then a byte now and then, for ever
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            try:
                while not self.server.stopping.is_set():
                    self.wfile.write(b"\x89")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
        elif path == "/silent":  # a connection that never answers
            self.server.stopping.wait(30)
        elif path == "/huge.png":  # 50 MB, announced
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            self._stream(50 * 1024 * 1024)
        elif path == "/huge-unannounced.png":  # 50 MB, no length given
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self._stream(50 * 1024 * 1024)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def _stream(self, size: int) -> None:
        block = b"\0" * 65536
        try:
            for _ in range(size // len(block)):
                if self.server.stopping.is_set():
                    return
                self.wfile.write(block)
        except OSError:
            pass


class ImageServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.requests: Counter[str] = Counter()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> ImageServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
