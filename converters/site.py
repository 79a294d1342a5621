"""Hexo, Jekyll and Hugo sites: which generator a folder belongs to, what its configuration says, and where
its posts are, so that a site is read as its generator reads it.

A site is found by its configuration file, in the folder given or any folder above it: Hexo's and Jekyll's
``_config.yml`` (told apart by Hexo's ``source/_posts``), Hugo's ``hugo.toml``/``config.toml`` (or
``config/_default/``) beside a ``content`` folder. Folders with no site keep the plain rules.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from datetime import tzinfo
from functools import lru_cache
from pathlib import PurePath
from typing import Any, Literal

Generator = Literal["hexo", "jekyll", "hugo"]

_HUGO_CONFIGS = tuple(
    f"{name}.{ext}" for name in ("hugo", "config") for ext in ("toml", "yaml", "yml", "json")
)
_JEKYLL_CONFIGS = ("_config.yml", "_config.yaml", "_config.toml")
_NOT_CONTENT = {"_site", "public", "node_modules", "vendor", "themes", "resources", ".git"}
"""Folders of a site that never hold its posts: its built output, dependencies, themes."""
_SEARCH_DEPTH = 4
"""How deep below a Jekyll site's root its ``_posts`` folders are looked for (``blog/news/_posts``)."""


@dataclass(frozen=True)
class Site:
    """A site's generator and what of its configuration changes how its posts are read."""

    generator: Generator
    root: str
    content: tuple[str, ...]
    """The folders its posts are in: Hexo's ``source/_posts``, Jekyll's ``_posts`` folders, Hugo's
    ``content``."""
    drafts: tuple[str, ...] = ()
    """Folders of drafts (Hexo's and Jekyll's ``_drafts``), read only when drafts are asked for."""
    zone_name: str | None = None
    """The site's time zone (Hexo's and Jekyll's ``timezone``, Hugo's ``timeZone``), when it sets one."""
    post_asset_folder: bool = False
    """Hexo's ``post_asset_folder``: a post's images sit in a folder named after it."""
    config_stamp: str = ""
    """The configuration files' modification times: a scan cache made before they changed is stale."""
    source: str = ""
    """Jekyll's source folder (``source:``, the root by default): its folders above ``_posts`` are
    categories."""
    unrendered: tuple[str, ...] = ()
    """Hugo: sections whose pages are not rendered (a ``cascade`` of ``build: {render: never}`` in their
    ``_index`` file): their pages are no posts of the site, as drafts are not."""

    @property
    def zone(self) -> tzinfo | None:
        from .dates import resolve_zone

        try:
            return resolve_zone(self.zone_name) if self.zone_name else None
        except ValueError:
            return None

    def holds_post(self, path: str) -> bool:
        """Whether a file found under the site is one its generator would publish as a post or page
        (drafts included): not a Hugo section page (``_index.md``) nor anything outside the content."""
        if self.generator == "hugo" and os.path.basename(path).startswith("_index."):
            return False
        return any(_within(path, folder) for folder in self.content + self.drafts)

    def in_drafts(self, path: str) -> bool:
        return any(_within(path, folder) for folder in self.drafts + self.unrendered)

    def folder_categories(self, path: str) -> tuple[str, ...]:
        """Jekyll's categories from folders: those between the site's root and ``_posts``
        (``blog/news/_posts/…`` → blog, news)."""
        if self.generator != "jekyll":
            return ()
        parts = PurePath(os.path.relpath(os.path.abspath(path), self.source or self.root)).parts
        if "_posts" not in parts:
            return ()
        return tuple(parts[: parts.index("_posts")])


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(os.path.join(folder, ""))


def site_of(path: str) -> Site | None:
    """The site a folder belongs to (itself, or the nearest folder above with a site's configuration),
    or None."""
    return _site_at_or_above(os.path.abspath(path))


def site_of_file(path: str) -> Site | None:
    """:func:`site_of` the file's folder (a stat spared: a scan asks it for every post)."""
    if path.startswith("<"):  # (<stdin>: no folder)
        return None
    return _site_at_or_above(os.path.abspath(os.path.dirname(path) or "."))


@lru_cache(maxsize=4096)
def _site_at_or_above(folder: str) -> Site | None:
    site = site_at(folder)
    if site is not None:
        return site
    parent = os.path.dirname(folder)
    return None if parent == folder else _site_at_or_above(parent)


@lru_cache(maxsize=256)
def site_at(folder: str) -> Site | None:
    """The site whose root is ``folder``, or None. Reads its configuration (never raises for a broken one:
    the defaults stand)."""
    try:
        names = set(os.listdir(folder))
    except OSError:
        return None
    if names & set(_JEKYLL_CONFIGS):
        config_name = next(n for n in _JEKYLL_CONFIGS if n in names)
        config = _load(os.path.join(folder, config_name))
        stamp = _stamp([os.path.join(folder, config_name)])
        source = os.path.join(folder, str(config.get("source_dir") or "source"))
        if os.path.isdir(os.path.join(source, "_posts")):
            return Site(
                "hexo",
                folder,
                (os.path.join(source, "_posts"),),
                (os.path.join(source, "_drafts"),),
                _zone_name(config.get("timezone")),
                config.get("post_asset_folder") is True,
                stamp,
            )
        source = os.path.normpath(os.path.join(folder, str(config.get("source") or ".")))
        posts = _posts_folders(source)
        if posts or "Gemfile" in names:
            return Site(
                "jekyll",
                folder,
                posts,
                (os.path.join(source, "_drafts"),),
                _zone_name(config.get("timezone")),
                False,
                stamp,
                source,
            )
    configs = [os.path.join(folder, n) for n in _HUGO_CONFIGS if n in names]
    default = os.path.join(folder, "config", "_default")
    if "config" in names and os.path.isdir(default):
        configs += [os.path.join(default, n) for n in sorted(os.listdir(default)) if n in _HUGO_CONFIGS]
    if configs:
        config = {}
        for file in configs:
            config.update({str(k).lower(): v for k, v in _load(file).items()})
        content = os.path.join(folder, str(config.get("contentdir") or "content"))
        if os.path.isdir(content):
            unrendered, sections = _unrendered_sections(content)
            return Site(
                "hugo", folder, (content,), (), _zone_name(config.get("timezone")), False,
                _stamp(configs + sections), unrendered=unrendered,
            )  # fmt: skip
    return None


def not_rendered(fm: dict[str, Any]) -> bool:
    """Hugo's build options say the page is not rendered: ``build: {render: never}`` (or ``link``, or the
    older ``_build: {render: false}``)."""
    for key in ("build", "_build"):
        options = fm.get(key)
        if isinstance(options, dict):
            render = options.get("render")
            if render is False or (isinstance(render, str) and render.lower() in ("never", "link", "false")):
                return True
    return False


def _unrendered_sections(content: str) -> tuple[tuple[str, ...], list[str]]:
    """The sections under ``content`` whose ``_index`` file cascades unrendered build options to every
    page below (a cascade aimed by ``_target`` at something else than all pages is left out), and every
    ``_index`` file (their times belong in the site's stamp)."""
    from .front_matter import parse_front_matter, split

    folders: list[str] = []
    sections: list[str] = []
    for here, dirs, files in os.walk(content):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith("_index."):
                continue
            file = os.path.join(here, name)
            sections.append(file)
            try:
                with open(file, "rb") as f:
                    head = f.read(64 * 1024).decode("utf-8", "replace")
            except OSError:
                continue
            fm, _ = parse_front_matter(split(head), file)
            cascade = fm.get("cascade")
            entries = cascade if isinstance(cascade, list) else [cascade]
            if any(
                isinstance(e, dict) and not e.get("_target") and not e.get("target") and not_rendered(e)
                for e in entries
            ):
                folders.append(here)
    return tuple(folders), sections


def _posts_folders(source: str) -> tuple[str, ...]:
    """Every ``_posts`` folder of a Jekyll site, its own and those of its category folders."""
    found: list[str] = []
    stack = [(source, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = [e for e in os.scandir(folder) if e.is_dir() and not e.name.startswith(".")]
        except OSError:
            continue
        for entry in entries:
            if entry.name == "_posts":
                found.append(entry.path)
            elif depth < _SEARCH_DEPTH and entry.name not in _NOT_CONTENT and not entry.name.startswith("_"):
                stack.append((entry.path, depth + 1))
    return tuple(sorted(found))


def _zone_name(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _stamp(files: list[str]) -> str:
    stamps = []
    for file in files:
        try:
            stamps.append(f"{file}@{os.stat(file).st_mtime_ns}")
        except OSError:
            continue
    return ";".join(stamps)


def _load(file: str) -> dict[str, Any]:
    """A configuration file's top-level mapping; {} when it cannot be read or parsed."""
    try:
        with open(file, encoding="utf-8", errors="replace") as f:
            text = f.read(1_000_000)
    except OSError:
        return {}
    try:
        if file.endswith(".toml"):
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # pragma: no cover - exercised on 3.10 only
                import tomli as tomllib
            data: Any = tomllib.loads(text)
        elif file.endswith(".json"):
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text.replace("\t", "  "))
    except Exception:  # a broken configuration: the generator's defaults, as far as we read them
        return {}
    return data if isinstance(data, dict) else {}
