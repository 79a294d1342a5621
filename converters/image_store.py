"""Images fetched at most once into a store in the cache folder, for books, XHTML folders and the reader.

Each image is kept under a hash of its URL (the caller unwraps proxies first): its checked bytes
(:mod:`converters.image_check`) and a small JSON record of what they are and how the server named this
version (ETag, Last-Modified), for a conditional request when asked to refresh. ``data:`` images are
decoded into it the same way.

Fetching is bounded in every way a hostile or broken server could stretch it: HTTP(S) only, redirects
counted and each checked, a timeout on every network step and one on the whole transfer, a size cap
read as the bytes come, a few fetches at a time. A host that fails to answer is not asked again in the
same run. Nothing here raises for an image: the caller gets a stored image or the reason there is none.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import threading
import time
import urllib.parse
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .image_check import EXTENSIONS, NotAnImage, check_image
from .outputs import write_atomic

MAX_BYTES = 20 * 1024 * 1024
"""An image larger than this is not fetched (nor a ``data:`` image decoded)."""
MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 10.0
"""Seconds to connect, and to wait for each piece of an answer."""
TOTAL_TIMEOUT = 30.0
"""Seconds for a whole fetch, however slowly its bytes trickle in."""
FETCHES_AT_ONCE = 4
USER_AGENT = "postshelf (+https://github.com/postshelf/postshelf)"


@dataclass(frozen=True)
class StoredImage:
    """An image in the store: its file, what it is, and the name it is written under in outputs."""

    url: str
    file: Path
    media_type: str
    width: int
    height: int

    @property
    def name(self) -> str:
        """``<hash of the URL><extension>``: the same URL gives the same name in every output."""
        return self.file.name[:20] + EXTENSIONS[self.media_type]


@dataclass(frozen=True)
class Missing:
    """An image that could not be had, and why."""

    url: str
    reason: str


def default_root() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("postshelf")) / "images"


def file_beside(post_path: str, src: str) -> str | None:
    """The file an image path relative to its post names (a Hexo asset folder, a Hugo page bundle), or
    None for a URL of any scheme, a path from the site's root, a fragment, or a post with no folder."""
    if not src or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:|/|#", src) or post_path in ("", "<stdin>"):
        return None
    relative = urllib.parse.unquote(src.split("#")[0].split("?")[0])
    return os.path.abspath(os.path.join(os.path.dirname(post_path), relative))


def is_fetchable(url: str) -> bool:
    """An image URL the store can get: HTTP(S) (scheme-relative ones read as HTTPS) or ``data:image/``."""
    lowered = url.strip().lower()
    return lowered.startswith(("http://", "https://", "//", "data:image/"))


class ImageStore:
    """The store in ``root`` (default: the cache folder's ``images``). Safe to share between threads and
    between processes (every file is written whole, then moved into place)."""

    def __init__(
        self,
        root: Path | str | None = None,
        *,
        refresh: bool = False,
        connect_timeout: float = CONNECT_TIMEOUT,
        total_timeout: float = TOTAL_TIMEOUT,
        max_bytes: int = MAX_BYTES,
        forget_after: float | None = None,
    ) -> None:
        self.root = Path(root) if root is not None else default_root()
        self.refresh = refresh
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self.forget_after = forget_after
        """Seconds after which an image or a host that failed is asked again (None: not in this run; the
        reader, which runs for hours, forgets)."""
        self._failed: dict[str, tuple[str, float]] = {}  # URL → why, and when
        self._down: dict[str, tuple[str, float]] = {}  # host → why it could not be reached, and when
        self._refreshed: set[str] = set()

    # --- the store --------------------------------------------------------------------------------------

    def _place(self, url: str) -> Path:
        key = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()
        return self.root / key[:2] / key

    def cached(self, url: str) -> StoredImage | None:
        """The stored image of ``url``, without asking the network."""
        file = self._place(url)
        record = self._record(url)
        try:
            if record.get("media_type") not in EXTENSIONS or not file.is_file():
                return None
            return StoredImage(url, file, record["media_type"], int(record["width"]), int(record["height"]))
        except (ValueError, KeyError, TypeError):
            return None

    def _record(self, url: str) -> dict[str, Any]:
        """What the store knows of ``url``'s image ({} when nothing)."""
        with contextlib.suppress(OSError, ValueError):
            found = json.loads(self._place(url).with_suffix(".json").read_text("utf-8"))
            if isinstance(found, dict):
                return found
        return {}

    def _keep(self, url: str, data: bytes, headers: dict[str, str]) -> StoredImage:
        checked = check_image(data)
        file = self._place(url)
        write_atomic(file, checked.data)
        record = {
            "url": url[:2000],
            "media_type": checked.media_type,
            "width": checked.width,
            "height": checked.height,
            "etag": headers.get("etag"),
            "last_modified": headers.get("last-modified"),
            "fetched": time.time(),
        }
        write_atomic(file.with_suffix(".json"), json.dumps(record, ensure_ascii=False))
        return StoredImage(url, file, checked.media_type, checked.width, checked.height)

    # --- getting images ---------------------------------------------------------------------------------

    def get(self, url: str) -> StoredImage | Missing:
        """The image of ``url``: from the store when it is there (revalidated once a run with
        ``refresh``), else fetched (or decoded) and kept."""
        url = url.strip()
        if url.startswith("//"):
            url = "https:" + url
        if not is_fetchable(url):
            return Missing(url, "not an http(s) or data: image URL")
        found = self.cached(url)
        if found is not None and not (self.refresh and url not in self._refreshed):
            return found
        with self._lock:
            if self._remembers(self._failed.get(url)):
                return Missing(url, self._failed[url][0])
        try:
            if url[:5].lower() == "data:":
                return self._keep(url, _decode_data_url(url, self.max_bytes), {})
            return self._fetch(url, found)
        except (NotAnImage, _FetchError) as e:
            reason = str(e)
        except OSError as e:  # (writing the store)
            reason = f"cannot store it: {e.strerror or e}"
        with self._lock:
            self._failed[url] = (reason, time.monotonic())
        if found is not None:  # (a refresh that failed: what was kept still serves)
            return found
        return Missing(url, reason)

    def get_file(self, path: str) -> StoredImage | Missing:
        """A local image (one beside a post: a Hexo asset folder, a Hugo bundle), checked and kept like a
        fetched one, under its path and its (mtime, size): an edited file is kept anew."""
        try:
            st = os.stat(path)
            if not os.path.isfile(path):
                return Missing(path, "not a file")
            if st.st_size > self.max_bytes:
                return Missing(path, f"larger than {self.max_bytes // (1024 * 1024)} MB")
            key = f"file:{os.path.realpath(path)}?{st.st_mtime_ns}-{st.st_size}"
            found = self.cached(key)
            if found is not None:
                return found
            with open(path, "rb") as f:
                return self._keep(key, f.read(), {})
        except FileNotFoundError:
            return Missing(path, "no such file")
        except NotAnImage as e:
            return Missing(path, str(e))
        except OSError as e:
            return Missing(path, e.strerror or str(e))

    def _remembers(self, failure: tuple[str, float] | None) -> bool:
        if failure is None:
            return False
        return self.forget_after is None or time.monotonic() - failure[1] < self.forget_after

    def get_many(self, urls: Iterable[str]) -> dict[str, StoredImage | Missing]:
        """:meth:`get` for each URL (each once), :data:`FETCHES_AT_ONCE` at a time."""
        wanted = list(dict.fromkeys(urls))
        quick = {url: self.cached(url.strip()) for url in wanted} if not self.refresh else {}
        results: dict[str, StoredImage | Missing] = {u: s for u, s in quick.items() if s is not None}
        rest = [u for u in wanted if u not in results]
        if len(rest) <= 1:
            results.update((u, self.get(u)) for u in rest)
        else:
            with ThreadPoolExecutor(min(FETCHES_AT_ONCE, len(rest))) as pool:
                results.update(zip(rest, pool.map(self.get, rest), strict=True))
        return {u: results[u] for u in wanted}

    def _fetch(self, url: str, stored: StoredImage | None) -> StoredImage:
        host = urllib.parse.urlsplit(url).netloc.lower()
        with self._lock:
            if self._remembers(self._down.get(host)):
                raise _FetchError(f"{DOWN}{host} ({self._down[host][0]})")
        headers: dict[str, str] = {}
        if stored is not None:
            record = self._record(url)
            if isinstance(record.get("etag"), str):
                headers["If-None-Match"] = str(record["etag"])
            if isinstance(record.get("last_modified"), str):
                headers["If-Modified-Since"] = str(record["last_modified"])
        try:
            status, data, answer = fetch(
                url, headers, self.connect_timeout, self.total_timeout, self.max_bytes
            )
        except _HostDown as e:
            with self._lock:
                self._down[host] = (str(e), time.monotonic())
            raise _FetchError(str(e)) from None
        with self._lock:
            self._refreshed.add(url)
        if status == 304 and stored is not None:
            return stored
        return self._keep(url, data, answer)


DOWN = "could not be reached earlier in this run: "
"""How the images of a host that did not answer are missing (the reporter says it once a host)."""


class _FetchError(Exception):
    pass


class _HostDown(_FetchError):
    """The host did not answer at all (no connection, a timeout): its other images are not asked for."""


def _decode_data_url(url: str, max_bytes: int) -> bytes:
    head, comma, payload = url.partition(",")
    if not comma:
        raise NotAnImage("a data: URL without data")
    if len(payload) > max_bytes * 4 // 3 + 4:
        raise _FetchError(f"larger than {max_bytes // (1024 * 1024)} MB")
    if head.lower().endswith(";base64"):
        try:
            return base64.b64decode("".join(payload.split()), validate=False)
        except ValueError:
            raise NotAnImage("a data: URL whose base64 is damaged") from None
    return urllib.parse.unquote_to_bytes(payload)


def fetch(
    url: str, headers: dict[str, str], connect_timeout: float, total_timeout: float, max_bytes: int
) -> tuple[int, bytes, dict[str, str]]:
    """GET ``url``: (status, body, lower-cased headers). Redirects are followed here, at most
    :data:`MAX_REDIRECTS`, each to HTTP(S) only; the body is read as it comes, within ``max_bytes`` and
    ``total_timeout``."""
    import http.client
    import socket
    import ssl

    deadline = time.monotonic() + total_timeout
    for _ in range(MAX_REDIRECTS + 1):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _FetchError(f"not an http(s) URL: {url[:200]}")
        left = deadline - time.monotonic()
        if left <= 0:
            raise _HostDown(f"no answer within {total_timeout:g} s")
        timeout = min(connect_timeout, left)
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:  # (only a host that cannot be reached is down: one slow image says nothing of the others)
            connection.connect()
        except (TimeoutError, ConnectionRefusedError, socket.gaierror, OSError) as e:
            connection.close()
            if isinstance(e, socket.gaierror):
                raise _HostDown(f"unknown host ({e.strerror or e})") from None
            if isinstance(e, TimeoutError):
                raise _HostDown("no connection (timed out)") from None
            raise _HostDown(e.strerror or str(e)) from None
        try:
            connection.request(
                "GET", target, headers={"User-Agent": USER_AGENT, "Accept": "image/*", **headers}
            )
            response = connection.getresponse()
            answer = {k.lower(): v for k, v in response.getheaders()}
            if response.status in (301, 302, 303, 307, 308):
                location = answer.get("location")
                if not location:
                    raise _FetchError(f"HTTP {response.status} without a Location")
                url = urllib.parse.urljoin(url, location)
                continue
            if response.status == 304:
                return 304, b"", answer
            if response.status != 200:
                raise _FetchError(f"HTTP {response.status} {response.reason}".rstrip())
            length = answer.get("content-length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise _FetchError(f"larger than {max_bytes // (1024 * 1024)} MB ({int(length):,} bytes)")
            return 200, _read_body(response, connection, deadline, max_bytes, total_timeout), answer
        except TimeoutError:
            raise _FetchError("timed out") from None
        except ssl.SSLError as e:
            raise _FetchError(f"TLS: {e.reason or e}") from None
        except (http.client.HTTPException, OSError) as e:
            raise _FetchError(f"{type(e).__name__}: {e}") from None
        finally:
            connection.close()
    raise _FetchError(f"more than {MAX_REDIRECTS} redirects")


def _read_body(response: object, connection: object, deadline: float, max_bytes: int, total: float) -> bytes:
    import http.client

    assert isinstance(response, http.client.HTTPResponse)
    assert isinstance(connection, http.client.HTTPConnection)
    chunks: list[bytes] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _FetchError(f"not all there within {total:g} s")
        if connection.sock is not None:
            connection.sock.settimeout(min(left, connection.timeout or left))
        chunk = response.read1(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise _FetchError(f"larger than {max_bytes // (1024 * 1024)} MB")
        chunks.append(chunk)
