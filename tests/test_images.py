"""The image store (issue 19): each image fetched once, checked whatever the server says, and every way a
server can be broken or hostile ending in a reason, never a hang, a crash or an unsafe file."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from image_server import EVIL_SVG, ImageServer, bomb_png, image_bytes
from lxml import etree

from converters.image_check import check_image
from converters.image_store import DOWN, ImageStore, Missing, StoredImage


@pytest.fixture(scope="module")
def server() -> Iterator[ImageServer]:
    with ImageServer() as running:
        yield running


@pytest.fixture
def store(tmp_path: Path) -> ImageStore:
    return ImageStore(tmp_path / "images", connect_timeout=1.0, total_timeout=2.0)


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/img/red.png", "image/png"),
        ("/img/photo.jpg", "image/jpeg"),
        ("/img/anim.gif", "image/gif"),
        ("/img/pic.webp", "image/jpeg"),  # (converted: see image_check.EXTENSIONS)
        ("/img/mislabelled.png", "image/jpeg"),  # (what the bytes are, not what the server says)
        ("/img/old.bmp", "image/jpeg"),  # (converted: EPUB has no BMP)
        ("/redirect/red.png", "image/png"),
    ],
)
def test_images_are_fetched_checked_and_kept(
    server: ImageServer, store: ImageStore, path: str, media_type: str
) -> None:
    got = store.get(server.url(path))
    assert isinstance(got, StoredImage), got
    assert got.media_type == media_type and got.width > 0 and got.height > 0
    assert got.name.endswith({"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
                              "image/webp": ".webp"}[media_type])  # fmt: skip
    check_image(got.file.read_bytes())  # (what is kept is an image)


def test_each_image_is_fetched_once_and_revalidated_only_when_asked(
    server: ImageServer, tmp_path: Path
) -> None:
    url = server.url("/img/photo.jpg")
    before = server.requests["/img/photo.jpg"]
    first = ImageStore(tmp_path / "s").get(url)
    again = ImageStore(tmp_path / "s").get(url)  # (another run)
    assert isinstance(first, StoredImage) and again == first
    assert server.requests["/img/photo.jpg"] == before + 1
    refreshing = ImageStore(tmp_path / "s", refresh=True)
    assert refreshing.get(url) == first and refreshing.get(url) == first  # (a 304, once a run)
    assert server.requests["/img/photo.jpg"] == before + 2


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/nothing-here.png", "HTTP 404"),
        ("/loop/a", "more than 5 redirects"),
        ("/to-file", "not an http(s) URL"),
        ("/never-ends", "within 2 s"),
        ("/silent", "timed out"),
        ("/huge.png", "larger than 20 MB"),
        ("/huge-unannounced.png", "larger than 20 MB"),
        ("/img/truncated.png", "damaged PNG"),
        ("/img/page.jpg", "not an image (an HTML page)"),
        ("/img/bomb.png", "too large"),
    ],
)
def test_a_broken_or_hostile_server_gives_a_reason_never_a_hang(
    server: ImageServer, store: ImageStore, path: str, reason: str
) -> None:
    started = time.monotonic()
    got = store.get(server.url(path))
    assert isinstance(got, Missing) and reason in got.reason, got
    assert time.monotonic() - started < 5
    assert not any(p.is_file() and p.suffix != ".json" for p in store.root.rglob("*"))


def test_an_svg_is_kept_without_anything_that_runs_or_reaches_out(
    server: ImageServer, store: ImageStore
) -> None:
    got = store.get(server.url("/img/evil.svg"))
    assert isinstance(got, StoredImage) and got.media_type == "image/svg+xml"
    kept = got.file.read_bytes()
    assert b"<rect" in kept and b"<circle" in kept  # (the picture stays)
    for bad in (b"script", b"alert", b"onload", b"onclick", b"foreignObject", b"evil.example", b"javascript"):
        assert bad not in kept, bad
    etree.fromstring(kept)  # (well-formed)
    assert (got.width, got.height) == (20, 10)


def test_only_http_and_data_urls_are_fetched(store: ImageStore, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(image_bytes("PNG"))
    for url in (f"file://{secret}", "ftp://example.com/a.png", "javascript:alert(1)", "/relative.png"):
        assert isinstance(store.get(url), Missing)


def test_data_images_are_decoded_into_the_store(store: ImageStore) -> None:
    png = image_bytes("PNG", (3, 2))
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    got = store.get(url)
    assert isinstance(got, StoredImage) and (got.width, got.height) == (3, 2)
    assert isinstance(store.get("data:image/png;base64,bm90IGFuIGltYWdl"), Missing)
    svg = "data:image/svg+xml," + EVIL_SVG.decode().replace("#", "%23").replace("\n", " ")
    assert isinstance(store.get(svg), StoredImage)


def test_a_host_that_does_not_answer_is_not_asked_again_in_the_run(tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "s", connect_timeout=0.5, total_timeout=1.0)
    started = time.monotonic()
    urls = [f"http://127.0.0.1:9/{n}.png" for n in range(20)]  # (the discard port: refused)
    results = store.get_many(urls)
    assert all(isinstance(r, Missing) for r in results.values())
    assert time.monotonic() - started < 3
    assert any(r.reason.startswith(DOWN) for r in results.values() if isinstance(r, Missing))


def test_check_image_refuses_a_bomb_before_decoding_it() -> None:
    started = time.monotonic()
    with pytest.raises(Exception, match="too large"):
        check_image(bomb_png())
    assert time.monotonic() - started < 1


# --- convert --images embed | local, in a subprocess ----------------------------------------------------

POSTSHELF = str(Path(sys.executable).with_name("postshelf"))


def _convert(cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "TZ": "UTC"}
    return subprocess.run([POSTSHELF, "convert", *args], capture_output=True, text=True, timeout=120, env=env)


def _image_post(folder: Path, server: ImageServer, name: str = "pics.md", extra: str = "") -> Path:
    """A scraped post: a lazy image, a proxied one, a cover, one that is gone, and its own bytes."""
    png = base64.b64encode(image_bytes("PNG", (30, 20))).decode()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        f"---\ntitle: 图片\ndate: 2024-03-01 10:00:00\nheadimg: {server.url('/img/photo.jpg')}\n---\n"
        f'<p>一<img src="{server.url("/img/red.png")}" alt="红"></p>\n'
        f'<p><img data-src="{server.url("/img/pic.webp")}" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></p>\n'
        f'<p><img src="https://images.weserv.nl/?url={server.url("/img/anim.gif")}" alt="动图"></p>\n'
        f'<p>二<img src="{server.url("/gone.png")}" alt="没了"></p>\n'
        f'<p><img src="data:image/png;base64,{png}" alt="内嵌"></p>\n{extra}',
        encoding="utf-8",
    )
    return path


def test_a_book_holds_its_images_and_a_second_run_asks_for_none(server: ImageServer, tmp_path: Path) -> None:
    import zipfile

    post = _image_post(tmp_path / "posts", server)
    book = tmp_path / "book.epub"
    done = _convert(tmp_path / "cache", str(post), "--to", "epub", "--images", "embed", "-o", str(book))
    assert done.returncode == 0, done.stderr
    assert f"{post}:9: warning: image not included: {server.url('/gone.png')}: HTTP 404" in done.stderr
    with zipfile.ZipFile(book) as z:
        names = [n for n in z.namelist() if n.startswith("OEBPS/images/")]
        chapter = z.read("OEBPS/chapter-00001.xhtml").decode()
        opf = z.read("OEBPS/content.opf").decode()
    assert sorted(n.rsplit(".", 1)[1] for n in names) == ["gif", "jpg", "jpg", "png", "png"]  # (+ the cover)
    assert chapter.count('<img src="images/') == 4 and "gone.png" in chapter  # (the gone one: a link)
    assert 'properties="cover-image"' in opf and 'media-type="image/gif"' in opf
    requests = sum(server.requests.values())
    again = _convert(
        tmp_path / "cache", str(post), "--to", "epub", "--images", "embed", "-o", str(book), "--overwrite"
    )
    assert again.returncode == 0 and sum(server.requests.values()) - requests == 1  # (only the 404 again)
    refreshed = _convert(tmp_path / "cache", str(post), "--to", "epub", "--images", "embed", "-o", str(book),
                         "--overwrite", "--refresh-images")  # fmt: skip
    assert refreshed.returncode == 0 and server.requests["/img/red.png"] >= 2  # (asked again: a 304)


def test_xhtml_in_a_folder_refers_to_its_images_beside_it(server: ImageServer, tmp_path: Path) -> None:
    _image_post(tmp_path / "posts" / "deep", server)
    (tmp_path / "posts" / "top.md").write_text(
        f'---\ntitle: t\n---\n<p><img src="{server.url("/img/red.png")}" alt="红"></p>\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    done = _convert(
        tmp_path / "cache", str(tmp_path / "posts"), "--to", "html", "--images", "local", "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    images = sorted(p.name for p in (out / "images").iterdir())
    assert len(images) == 4  # (red.png once for both posts; the cover is not in a page)
    deep = (out / "deep" / "pics.xhtml").read_text()
    for ref in re.findall(r'<img src="([^"]+)"', deep):
        assert ref.startswith("../images/") and (out / "deep" / ref).resolve().is_file()
    assert '<img src="images/' in (out / "top.xhtml").read_text()
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "images").iterdir()}
    requests = sum(server.requests.values())
    again = _convert(tmp_path / "cache", str(tmp_path / "posts"), "--to", "html", "--images", "local", "-o", str(out),
                     "--overwrite")  # fmt: skip
    assert again.returncode == 0
    assert {p.name: p.stat().st_mtime_ns for p in (out / "images").iterdir()} == stamps  # (reused)
    assert sum(server.requests.values()) - requests == 1  # (the 404 alone)


def test_an_image_beside_its_post_goes_into_the_book(tmp_path: Path) -> None:
    posts = tmp_path / "source" / "_posts"
    (posts / "trip").mkdir(parents=True)
    (posts / "trip" / "map.png").write_bytes(image_bytes("PNG"))
    (posts / "trip.md").write_text(
        "---\ntitle: trip\n---\n看图：\n\n![地图](trip/map.png)\n", encoding="utf-8"
    )
    book = tmp_path / "b.epub"
    done = _convert(
        tmp_path / "cache", str(posts / "trip.md"), "--to", "epub", "--images", "embed", "-o", str(book)
    )
    import zipfile

    assert done.returncode == 0 and "warning" not in done.stderr, done.stderr
    with zipfile.ZipFile(book) as z:
        assert [n for n in z.namelist() if n.startswith("OEBPS/images/")] != []


def test_data_images_stand_in_xhtml_and_json(tmp_path: Path) -> None:
    png = base64.b64encode(image_bytes("PNG", (30, 20))).decode()
    post = tmp_path / "d.md"
    post.write_text(
        f'---\ntitle: d\n---\n<p>看<img src="data:image/png;base64,{png}" alt="点"></p>\n', encoding="utf-8"
    )
    html = _convert(tmp_path / "cache", str(post), "--to", "html")
    assert f'<img src="data:image/png;base64,{png}" alt="点"/>' in html.stdout, html.stderr
    record = json.loads(_convert(tmp_path / "cache", str(post), "--to", "jsonl").stdout)
    assert record["images"] == [{"url": f"data:image/png;base64,{png}", "alt": "点"}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--to", "html", "--images", "embed"), "--images embed is for --to epub"),
        (("--to", "markdown", "--images", "local", "-o", "out"), "--images local is for --to html"),
        (("--to", "html", "--images", "local"), "--images local needs -o FOLDER"),
        (("--to", "epub", "--images", "embed", "-o", "b.epub", "--image-timeout", "0"), "--image-timeout"),
        (("--to", "epub", "-o", "b.epub", "--image-timeout", "-1"), "--image-timeout must be more than 0"),
        (("--to", "json", "--jobs", "-2"), "--jobs must be at least 1"),
    ],
)
def test_image_options_used_wrongly_are_usage_errors(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    post = tmp_path / "p.md"
    post.write_text("---\ntitle: p\n---\ntext\n", encoding="utf-8")
    done = _convert(tmp_path / "cache", str(post), *args)
    assert done.returncode == 2 and message in done.stderr, done.stderr


def test_every_hostile_image_is_a_warning_with_its_post_and_url(server: ImageServer, tmp_path: Path) -> None:
    import zipfile

    bad = ["/nothing.png", "/loop/a", "/to-file", "/never-ends", "/huge.png", "/huge-unannounced.png",
           "/img/truncated.png", "/img/page.jpg", "/img/bomb.png"]  # fmt: skip
    body = "".join(f'<p>{i}<img src="{server.url(p)}" alt="a{i}"></p>\n' for i, p in enumerate(bad))
    body += f'<p><img src="{server.url("/img/evil.svg")}" alt="svg"></p>\n'
    post = tmp_path / "hostile.md"
    post.write_text(f"---\ntitle: h\n---\n{body}", encoding="utf-8")
    book = tmp_path / "h.epub"
    started = time.monotonic()
    done = _convert(tmp_path / "cache", str(post), "--to", "epub", "--images", "embed", "-o", str(book),
                    "--image-timeout", "2")  # fmt: skip
    assert time.monotonic() - started < 30
    assert done.returncode == 0, done.stderr
    for line, path in enumerate(bad, 4):
        assert f"{post}:{line}: warning: image not included: {server.url(path)}: " in done.stderr, path
    with zipfile.ZipFile(book) as z:
        images = [n for n in z.namelist() if n.startswith("OEBPS/images/")]
        assert [n.rsplit(".", 1)[1] for n in images] == ["svg"]
        svg = z.read(images[0])
    assert b"script" not in svg and b"onload" not in svg


def test_one_slow_image_does_not_count_its_host_as_down(server: ImageServer, tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "s", connect_timeout=1.0, total_timeout=1.0)
    assert isinstance(store.get(server.url("/silent")), Missing)
    assert isinstance(store.get(server.url("/img/red.png")), StoredImage)  # (same host: it answers)


def test_the_readers_store_asks_again_after_a_while(tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "s", connect_timeout=0.5, total_timeout=1.0, forget_after=0.2)
    with ImageServer() as late:
        port = late.server_address[1]
    url = f"http://127.0.0.1:{port}/img/red.png"  # (nothing listens there now)
    assert isinstance(store.get(url), Missing)
    assert isinstance(store.get(url), Missing) and store.get(url).reason  # (remembered)
    time.sleep(0.3)
    with ImageServer(port):  # (the same host, answering now)
        assert isinstance(store.get(url), StoredImage)
