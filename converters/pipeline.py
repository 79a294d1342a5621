"""The per-post pipeline: one post file in, its output in the chosen format and its problems out.

``convert_path`` is the whole of it for one post: importable, picklable, with no global state, for a batch
engine to map over paths. ``convert_posts`` is the same for many posts, each step taken for a group of
them before the next (see :mod:`converters.steps`), and ``_results`` spreads groups over
worker processes. Nothing here writes a file; :mod:`converters.cli` decides where outputs go.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml

from .dates import parse_date, rfc3339
from .document import Rendered, RenderOptions, clean_html_posts
from .jsonout import dumps, feed_item_text, record
from .markdown import MARKDOWN_STEPS
from .options import ConvertOptions, ImageMode, OutputError, UsageError, zone_option
from .outputs import output_depth
from .post import Meta, Post, Problem, Resource
from .reading import read_bytes, read_post
from .steps import GROUP_POSTS, groups, run_steps
from .xhtml import document, fragment_markup
from .yaml_out import dump_mapping

if TYPE_CHECKING:
    from .image_store import ImageStore, Missing, StoredImage

NORMALISED_KEYS = {
    "title", "date", "updated", "categories", "category", "tags", "tag", "author", "authors", "lastmod",
    "pubDate", "pub_date", "published", "last_modified_at", "modified",
}  # fmt: skip
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter when PyYAML has it


# --- options -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    category: tuple[str, ...] | None = None
    tags: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    drafts: bool = False

    def accepts(self, meta: Meta) -> bool:
        if meta.draft and not self.drafts:
            return False
        if self.category and not any(p[: len(self.category)] == self.category for p in meta.categories):
            return False
        if self.tags and not {t.casefold() for t in meta.tags} & {t.casefold() for t in self.tags}:
            return False
        if self.since and (meta.date is None or meta.date < self.since):
            return False
        return not (self.until and (meta.date is None or meta.date > self.until))


@dataclass(frozen=True)
class Settings:
    """Everything a worker process needs to convert one post (small and picklable)."""

    fmt: str
    zone: tzinfo | None
    images: ImageMode
    keep_proxies: bool
    front_matter: bool
    filters: Filters = field(default_factory=Filters)
    image_store: str | None = None
    """The image store's folder, when images are fetched (``embed``, ``local``)."""
    refresh_images: bool = False
    image_timeout: float = 30.0


@dataclass
class Result:
    """What converting one post gave: output text (None when filtered out or unreadable) and problems.
    From a worker process the text comes as UTF-8 (see :func:`_work_task`)."""

    source: str
    relative: str
    text: str | bytes | None
    problems: list[Problem]
    meta: Meta | None = None
    images: tuple[Resource, ...] = ()
    """The image files the output refers to (``--images embed`` and ``local``), for the writer to add."""


# --- converting one post -------------------------------------------------------------------------------------


def render_markdown(rendered: Rendered, with_front_matter: bool = True) -> str:
    """The post as Markdown with normalised YAML front matter (or the bare body)."""
    body = rendered.markdown
    if not with_front_matter:
        return body
    meta, fm = rendered.post.meta, rendered.post.front_matter
    head: dict[str, Any] = {"title": meta.title}
    if meta.date:
        head["date"] = rfc3339(meta.date)
    if meta.updated:
        head["updated"] = rfc3339(meta.updated)
    if meta.authors:
        head["author"] = meta.authors[0] if len(meta.authors) == 1 else list(meta.authors)
    if meta.categories:
        head["categories"] = (
            list(meta.categories[0]) if len(meta.categories) == 1 else [list(p) for p in meta.categories]
        )
    if meta.tags:
        head["tags"] = list(meta.tags)
    for key, value in fm.items():
        if key not in NORMALISED_KEYS and key not in head:
            head[key] = value
    yaml_text = dump_mapping(head)  # PyYAML's output for the usual shapes, without its Python-side cost
    if yaml_text is None:
        yaml_text = yaml.dump(
            head,
            Dumper=_DUMPER,
            default_flow_style=False,
            sort_keys=False,
            allow_unicode=True,
            width=1_000_000,
        ).rstrip("\n")  # only the newlines: a title's trailing no-break space is still the title's
    return f"---\n{yaml_text}\n---\n\n{body}".rstrip("\n") + "\n"


def convert_post(post: Post, relative: str, settings: Settings) -> Result:
    """Render one post in the chosen format; a filtered-out post gives no text."""
    try:
        return _convert_together([(post, relative)], settings)[0]
    except RecursionError:
        return Result(
            post.path,
            relative,
            None,
            [Problem(post.path, "too deeply nested to convert", "error")],
            post.meta,
        )


def convert_posts(posts: Iterable[tuple[Post, str]], settings: Settings) -> Iterator[Result]:
    """:func:`convert_post` for several posts (each with its relative path), each step of the pipeline
    taken for a group of them before the next (why: :mod:`converters.steps`). Never raises."""
    for group in groups(posts, lambda item: len(item[0].body)):
        yield from _convert_group(group, settings)


def _convert_group(posts: Sequence[tuple[Post, str]], settings: Settings) -> list[Result]:
    """Posts rendered together. Should one of them trip on the way (too deeply nested, a bug), they are
    converted one by one instead, so that it costs only itself."""
    try:
        return _convert_together(posts, settings)
    except Exception:
        return [_convert_alone(post, relative, settings) for post, relative in posts]


def _convert_together(posts: Sequence[tuple[Post, str]], settings: Settings) -> list[Result]:
    """The posts' results, filtered-out ones without text; raises what the pipeline raises."""
    chosen = [(post, relative) for post, relative in posts if settings.filters.accepts(post.meta)]
    outputs = iter(_render(chosen, settings))
    results = []
    for post, relative in posts:
        if settings.filters.accepts(post.meta):
            text, problems, images = next(outputs)
            results.append(Result(post.path, relative, text, problems, post.meta, images))
        else:
            results.append(Result(post.path, relative, None, [], post.meta))
    return results


def _convert_alone(post: Post, relative: str, settings: Settings) -> Result:
    try:
        return convert_post(post, relative, settings)
    except Exception as e:  # a bug must cost one post, not the run: report it with its path
        return _internal_error(post.path, relative, e)


def _internal_error(path: str, relative: str, error: Exception) -> Result:
    return Result(
        path, relative, None, [Problem(path, f"internal error: {type(error).__name__}: {error}", "error")]
    )


def _render(
    posts: list[tuple[Post, str]], settings: Settings
) -> list[tuple[str, list[Problem], tuple[Resource, ...]]]:
    """The posts' outputs in the chosen format, with their problems: the steps that clean their HTML, make
    their Markdown and write the format, each run over the whole group (:mod:`converters.steps`)."""
    options = RenderOptions(keep_proxies=settings.keep_proxies)
    docs = clean_html_posts((post for post, _ in posts), options.keep_proxies)
    if settings.fmt == "markdown":  # nothing reads the trees after: they are converted in place
        made = dict(zip(docs, run_steps([doc.root for doc in docs.values()], MARKDOWN_STEPS), strict=True))
        rendered = [Rendered(post, options, markdown=made.get(id(post))) for post, _ in posts]
        texts = [render_markdown(r, settings.front_matter) for r in rendered]
    else:
        rendered = [Rendered(post, options, clean=docs.get(id(post))) for post, _ in posts]
        relatives = [relative for _, relative in posts]
        if settings.fmt in ("html", "epub") and settings.images in ("embed", "local"):
            had = _images_had(rendered, relatives, settings)
            texts = _written(rendered, relatives, settings, [files for files, _, _ in had])
            return [
                (text, r.problems + missing, resources)
                for text, r, (_, missing, resources) in zip(texts, rendered, had, strict=True)
            ]
        texts = _written(rendered, relatives, settings)
    return [(text, r.problems, ()) for text, r in zip(texts, rendered, strict=True)]


def _images_had(
    rendered: list[Rendered], relatives: list[str], settings: Settings
) -> list[tuple[dict[str, str], list[Problem], tuple[Resource, ...]]]:
    """For each post, its images from the store (fetched once, a few at a time for the whole group):
    URL → the path its output names the file by; a warning for each image it cannot have; the files."""
    from .image_store import DOWN, StoredImage, is_fetchable  # (only when images are fetched)

    store = image_store(settings)
    wanted = [[img.get("src") or "" for img in r.clean.root.iter("img")] for r in rendered]
    got = store.get_many(url for urls in wanted for url in urls if is_fetchable(url))
    made = []
    for r, relative, urls in zip(rendered, relatives, wanted, strict=True):
        prefix = "images/" if settings.fmt == "epub" else "../" * output_depth(relative) + "images/"
        files: dict[str, str] = {}
        missing: list[Problem] = []
        resources: dict[str, Resource] = {}
        for url in dict.fromkeys(urls):
            image = got[url] if url in got else _local_image(store, url, r.post.path)
            if isinstance(image, StoredImage):
                files[url] = prefix + image.name
                resources[image.name] = Resource(image.name, str(image.file), image.media_type)
            elif image.reason.startswith(DOWN):  # (said once a host, by the reporter)
                missing.append(Problem(r.post.path, f"images not included: {image.reason}", "warning"))
            else:
                shown = url if len(url) <= 200 else url[:120] + "…"
                message = f"image not included: {shown}: {image.reason}"
                missing.append(Problem(r.post.path, message, "warning", _line_of(r.post, url)))
        made.append((files, missing, tuple(resources.values())))
    return made


def _line_of(post: Post, url: str) -> int | None:
    """The line of the post's file where ``url`` first stands, when it stands there as written (not
    behind a proxy, not with its ``&`` as ``&amp;``)."""
    at = post.body.find(url)
    return None if at < 0 else post.body_line + post.body.count("\n", 0, at)


def image_store(settings: Settings) -> ImageStore:
    """The image store as a run's settings ask for it."""
    from .image_store import ImageStore

    return ImageStore(
        settings.image_store, refresh=settings.refresh_images, total_timeout=settings.image_timeout
    )


def _local_image(store: ImageStore, src: str, post_path: str) -> StoredImage | Missing:
    """An image named by a path relative to its post (a Hexo asset folder, a Hugo page bundle)."""
    from .image_store import Missing, file_beside

    file = file_beside(post_path, src)
    if file is None:
        return Missing(src, "not an http(s) URL, a data: image or a file beside the post")
    return store.get_file(file)


def _written(
    rendered: list[Rendered],
    relatives: list[str],
    settings: Settings,
    files: list[dict[str, str]] | None = None,
) -> list[str]:
    """The posts in a format made from their clean trees (``files``: each post's images had, see
    :func:`_images_had`)."""
    fmt = settings.fmt
    if fmt in ("html", "epub"):
        each = files or [{} for _ in rendered]
        fragments = [
            fragment_markup(r.clean.root, settings.images, had) for r, had in zip(rendered, each, strict=True)
        ]
        if fmt == "epub":
            return fragments
        return [document(r.post.meta, text) for r, text in zip(rendered, fragments, strict=True)]
    # A record reads the clean tree for its text, XHTML, images and links; its Markdown comes last, made
    # from the same trees in place.
    found = [record(r, relative, markdown="") for r, relative in zip(rendered, relatives, strict=True)]
    trees = {id(r.post): r.clean.root for r in rendered if r.post.meta.body_kind == "html"}
    made = dict(zip(trees, run_steps(trees.values(), MARKDOWN_STEPS), strict=True))
    for rec, r in zip(found, rendered, strict=True):
        markdown = made.get(id(r.post))  # (None for a Markdown post: its own, not made from a tree)
        rec["content_markdown"] = r.markdown if markdown is None else markdown
    if fmt == "json":
        return [dumps(rec, indent=2) + "\n" for rec in found]
    if fmt == "jsonl":
        return [dumps(rec) + "\n" for rec in found]
    return [feed_item_text(rec) for rec in found]


class Job(NamedTuple):
    """One post to convert: where it is (or its bytes, for stdin) and how."""

    path: str
    relative: str
    data: bytes | None
    settings: Settings
    maybe: bool = False  # a .txt file: a post only if it has front matter


def _read_job(job: Job) -> Post | Result:
    """The job's post, or its result when there is nothing to convert (a .txt file that is not a post)
    or reading it tripped on a bug."""
    path, relative, data, settings, maybe = job
    try:
        post = read_bytes(data, path, settings.zone) if data is not None else read_post(path, settings.zone)
    except Exception as e:
        return _internal_error(path, relative, e)
    if not post.readable:  # nothing to write: a stub would replace a good earlier output with --overwrite
        return Result(path, relative, None, list(post.problems), post.meta)
    if maybe and post.front_matter_format is None:
        return Result(path, relative, None, [])
    return post


def _work(jobs: Iterable[Job]) -> Iterator[Result]:
    """Read and convert posts (which share one Settings), a group at a time. Runs in a pool process:
    never raises."""
    read = ((job, _read_job(job)) for job in jobs)
    for group in groups(read, lambda pair: len(pair[1].body) if isinstance(pair[1], Post) else 0):
        posts = [(item, job.relative) for job, item in group if isinstance(item, Post)]
        converted = iter(_convert_group(posts, group[0][0].settings) if posts else [])
        yield from (next(converted) if isinstance(item, Post) else item for _, item in group)


def _results(jobs: list[Job], workers: int) -> Iterator[Result]:
    """Convert in order, on ``workers`` processes when there is enough work to pay for them."""
    if workers <= 1 or len(jobs) < 16:
        yield from _work(jobs)
        return
    from .workers import WorkerLost, ordered_map

    # Tasks small enough that the last ones keep every worker busy to the end, large enough that a
    # message's cost is lost in its posts' (a group, usually). A run's jobs share one Settings (run_convert
    # makes them so): it travels once a task, not once a job.
    size = max(1, min(GROUP_POSTS, len(jobs) // (workers * 8)))
    tasks = [
        (jobs[0].settings, [(job.path, job.relative, job.data, job.maybe) for job in jobs[i : i + size]])
        for i in range(0, len(jobs), size)
    ]
    try:
        for results in ordered_map(_work_task, tasks, workers):
            yield from results
    except WorkerLost as e:
        raise OutputError(f"{e}: the run stopped, with nothing partial left") from None


_Task = tuple[Settings, list[tuple[str, str, bytes | None, bool]]]


def _work_task(task: _Task) -> list[Result]:
    """:func:`_work` in a worker process, over one task's posts; the results made light to send back."""
    settings, jobs = task
    results = list(_work(Job(path, relative, data, settings, maybe) for path, relative, data, maybe in jobs))
    if settings.fmt == "epub":
        return results  # (a book's chapters need their meta back)
    for result in results:
        if result.relative == "-":
            continue  # (stdin's file name comes from its meta)
        result.meta = None  # spare the pickling
        if settings.fmt != "jsonfeed" and isinstance(result.text, str):
            # Sent as the bytes the output will hold: the parent (which shares the two cores with the
            # workers) then neither decodes the pickled text nor encodes it again to write it.
            with contextlib.suppress(UnicodeEncodeError):
                result.text = result.text.encode("utf-8")
    return results


def _parse_filters(args: ConvertOptions, zone: tzinfo | None) -> Filters:
    def when(value: str | None, flag: str) -> datetime | None:
        if value is None:
            return None
        dt, reason = parse_date(value, zone)
        if dt is None:
            raise UsageError(f"{flag}: {reason or 'empty date'}")
        return dt

    category = (
        tuple(p.strip() for p in re.split(r"\s*[/>›]\s*", args.category) if p.strip())
        if args.category
        else None
    )
    return Filters(
        category or None,
        tuple(args.tag or ()),
        when(args.since, "--since"),
        when(args.until, "--until"),
        args.drafts,
    )


def settings_for(options: ConvertOptions) -> Settings:
    """What converting one post needs of a run's options: small, picklable, the same for every post."""
    zone = zone_option(options.timezone)
    front_matter = not options.no_front_matter
    filters = _parse_filters(options, zone)
    store = None
    if options.images in ("embed", "local"):
        from .image_store import default_root

        store = str(default_root())
    return Settings(
        options.to, zone, options.images, options.keep_proxies, front_matter, filters, store,
        options.refresh_images, options.image_timeout,
    )  # fmt: skip


def convert_path(path: str, settings: Settings, relative: str | None = None) -> Result:
    """Read and convert one post file: the per-post function behind every run, for a batch engine to map
    over paths (a Dask bag, a Spark RDD). Module-level and free of global state, so it pickles; never
    raises for a bad post (its problems are in the result). ``relative``: the path the outputs and the
    JSON record name it by (default: the file's name)."""
    relative = os.path.basename(path) if relative is None else relative
    item = _read_job(Job(path, relative, None, settings, False))
    return item if isinstance(item, Result) else convert_post(item, relative, settings)
