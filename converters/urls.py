"""URLs in posts: the real target behind a proxy or redirect wrapper, and which schemes may stand in an
output."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

REDIRECT_KEYS = {
    "target",
    "url",
    "u",
    "to",
    "link",
    "redirect",
    "redirect_url",
    "redirect_uri",
    "goto",
    "dest",
    "destination",
    "t",
    "r",
    "jump",
    "jumpurl",
    "out",
    "href",
}


_REDIRECT_PATH = re.compile(r"(?i)track|redirect|jump|click|/go\b|/out\b|/link\b|/url\b|/r\b")
"""Paths of tracking and redirect endpoints: there, any query value that is a whole http(s) URL is where
the link leads (``c.duomai.com/track.php?site_id=…&t=https%3A%2F%2F…``)."""


def unwrap_url(url: str, keep_proxies: bool = False) -> str:
    """Make a URL absolute (``//x`` → ``https://x``) and unwrap proxies and redirect wrappers around it."""
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    if keep_proxies:
        return url
    for _ in range(3):  # wrappers nest: a proxy around a redirect around the real URL
        inner = _unwrapped_once(url)
        if inner is None:
            break
        url = inner
    return url


def _unwrapped_once(url: str) -> str | None:
    if "?" not in url or not url.lower().startswith(("http://", "https://")):
        return None
    query = url.split("?", 1)[1]
    # https://proxy.example/?http://real/x.jpg: the whole query is the URL.
    if re.match(r"(?i)https?(:|%3A)", query):
        return unquote(query) if "%3A" in query[:8].upper() else query
    parts = urlsplit(url)
    redirector = _REDIRECT_PATH.search(parts.path) is not None
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if (redirector or key.lower() in REDIRECT_KEYS) and re.match(r"(?i)https?://[^/\s]", value):
            return value
    return None


SAFE_SCHEMES = {
    "http",
    "https",
    "mailto",
    "ftp",
    "ftps",
    "tel",
    "news",
    "irc",
    "ircs",
    "xmpp",
    "magnet",
    "geo",
}
"""Schemes a URL in a post may carry; any other (``javascript:``, ``vbscript:``, ``data:``, ``file:``) is
dropped wherever a URL stands: a link, an image, an embed, a quotation's source."""


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]+")


URL_ATTRS = {"href", "src", "cite"}


def url_is_safe(url: str) -> bool:
    """Whether ``url`` may stand in an output: relative, or of a scheme in :data:`SAFE_SCHEMES`. Read as
    a browser reads it, with tabs, newlines and controls inside ignored (``java\tscript:`` is
    ``javascript:``)."""
    scheme = _SCHEME.match(_URL_IGNORED.sub("", url))
    return scheme is None or scheme.group(1).lower() in SAFE_SCHEMES
