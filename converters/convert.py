"""A convert run: :class:`~converters.options.ConvertOptions` in, outputs written, problems reported.

The paths (and ``--files-from``, ``--shard``) are walked, each post read and converted by
:mod:`converters.pipeline` (on worker processes when there are many), and the outputs go to stdout, one
file, a folder of files (each written atomically, never over an input) or an EPUB book. The command line
and the reader's export dialog both call :func:`run_convert`.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TextIO

from .jsonout import feed_chunks
from .options import IMAGE_MODES, SUFFIX, ConvertOptions, OutputError, UsageError, in_shard
from .outputs import (
    AtomicFile,
    already_there,
    file_key,
    name_key,
    output_path,
    place,
    remove_stale_temporaries,
    safe_component,
    temporary_beside,
    write_atomic,
)
from .pipeline import Filters, Job, Result, Settings, _results, image_store, settings_for
from .post import Meta, Problem, Resource
from .reading import MAX_POST_BYTES, read_bytes, too_large
from .report import Reporter, one_line
from .walk import SourceFile, walk

SINGLE_FILE_FORMATS = {"jsonl", "jsonfeed", "epub"}


def _listed_paths(args: ConvertOptions) -> list[str]:
    """The paths on the command line, then those ``--files-from`` names (one a line, or NUL-separated)."""
    paths = list(args.paths)
    if args.files_from is None:
        return paths
    if args.files_from == "-" and "-" in paths:
        raise UsageError("--files-from - and a post from standard input ('-') cannot share it")
    try:
        if args.files_from == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(args.files_from, "rb") as f:
                data = f.read()
    except OSError as e:
        raise UsageError(f"--files-from {args.files_from}: {e.strerror or e}") from e
    names = data.split(b"\0") if args.null else data.splitlines()
    # (a "-" listed there is a file of that name, not standard input again: ./- says so to the walk)
    return paths + [os.path.join(".", "-") if n == b"-" else os.fsdecode(n) for n in names if n.strip()]


def _collect(
    paths: list[str], reporter: Reporter, shard: tuple[int, int] | None = None
) -> tuple[list[SourceFile], bytes | None]:
    """The files the paths name (those of ``shard`` only), and standard input's bytes when ``-`` is among
    them (None when it is not, or was too large to be a post: that is reported here)."""
    stdin_data = None
    if "-" in paths:
        data = sys.stdin.buffer.read(MAX_POST_BYTES + 1)  # (a bound: /dev/zero never ends)
        if len(data) > MAX_POST_BYTES:
            reporter.problem(too_large("<stdin>"))
        else:
            stdin_data = data
    real_paths = [p for p in paths if p != "-"]
    problems: list[Problem] = []
    sources = walk(real_paths, problems, check_txt=False)  # .txt files are checked as they are read
    for p in problems:
        reporter.problem(p)
    if shard is not None:
        sources = [s for s in sources if in_shard(s.path, shard)]
        if stdin_data is not None and not in_shard("-", shard):
            stdin_data = None
    return sources, stdin_data


def _book_title(args: ConvertOptions, filters: Filters) -> str:
    if args.title:
        return args.title
    if filters.category:
        return filters.category[-1]
    dirs = [p for p in args.paths if p != "-" and os.path.isdir(p)]
    if len(dirs) == 1:
        return Path(os.path.abspath(dirs[0])).name or "postshelf"
    return "postshelf"


def run_convert(
    args: ConvertOptions,
    reporter: Reporter | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Run one conversion; the exit status. The reader's export calls this too, with its own reporter and
    progress callback. Raises UsageError and OutputError as the command line reports them."""
    reporter = reporter or Reporter(args.quiet)
    settings = settings_for(args)
    fmt = settings.fmt
    if args.images not in IMAGE_MODES:
        raise UsageError(f"--images must be one of {', '.join(IMAGE_MODES)}")
    if args.images == "embed" and fmt != "epub":
        raise UsageError("--images embed is for --to epub (for html: --images local -o FOLDER)")
    if args.images == "local" and fmt != "html":
        raise UsageError("--images local is for --to html -o FOLDER (for epub: --images embed)")
    if not args.image_timeout > 0:
        raise UsageError("--image-timeout must be more than 0 seconds")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    listed = _listed_paths(args)
    sources, stdin_data = _collect(listed, reporter, args.shard)
    jobs = [Job(s.path, s.relative, None, settings, s.maybe) for s in sources]
    if stdin_data is not None:
        jobs.insert(0, Job("<stdin>", "-", stdin_data, settings))
    input_files = {s.key for s in sources}  # (device, inode): no path resolution per input
    out = args.output or "-"
    to_stdout = out == "-"
    total = len(jobs)
    if fmt == "epub" and to_stdout:
        raise UsageError("--to epub needs -o FILE.epub")
    folder_mode = not to_stdout and fmt not in SINGLE_FILE_FORMATS and (
        os.path.isdir(out) or out.endswith(("/", os.sep)) or total != 1 or any(os.path.isdir(p) for p in listed)
    )  # fmt: skip
    if to_stdout and fmt in SUFFIX and total > 1:
        raise UsageError(
            f"{total} posts to {fmt} need -o FOLDER (stdout takes a single post; use jsonl for many)"
        )
    if args.images == "local" and not folder_mode:
        raise UsageError("--images local needs -o FOLDER: the images are written to FOLDER/images/")
    if folder_mode and os.path.lexists(out) and not os.path.isdir(out):
        raise UsageError(f"-o {out}: not a folder ({fmt} writes a file per post into a folder)")
    if not to_stdout and not folder_mode and (file_key(out) or (0, 0)) in input_files - {(0, 0)}:
        raise UsageError(f"refusing to write over the input file {out}")
    if not to_stdout and not folder_mode and os.path.exists(out) and not args.overwrite and not args.dry_run:
        reporter.message(f"postshelf: {out}: exists (use --overwrite to replace it)")
        return 1
    run = _Run(args, settings, jobs, reporter, args.jobs or os.cpu_count() or 1)
    if fmt == "epub":
        return _convert_epub(run, on_progress)
    # (no bar between records shown on the same terminal: with stdout piped or written to files, a bar)
    run.progress = _progress(total, reporter, on_progress, to_stdout and sys.stdout.isatty())
    try:
        if to_stdout:
            _to_stream(sys.stdout, run)
            sys.stdout.flush()
        elif folder_mode:
            _to_folder(Path(out), run, input_files)
        else:
            _to_file(Path(out), run)
    finally:
        if run.progress is not None:
            run.progress.stop()
    reporter.finish()
    return 1 if reporter.errors else 0


@dataclass
class _Run:
    """What every way of writing a run's outputs shares."""

    options: ConvertOptions
    settings: Settings
    jobs: list[Job]
    reporter: Reporter
    workers: int
    progress: _RichProgress | _CallbackProgress | None = None


class _CallbackProgress:
    def __init__(self, total: int, callback: Callable[[int, int], None]) -> None:
        self.total, self.done, self.callback = total, 0, callback

    def advance(self) -> None:
        self.done += 1
        self.callback(self.done, self.total)

    def stop(self) -> None:
        self.callback(self.total, self.total)


class _RichProgress:
    """A progress bar on stderr, only for long runs on a terminal."""

    def __init__(self, total: int, stream: TextIO) -> None:
        from .report import progress_bar

        self.bar = progress_bar(stream)
        self.task = self.bar.add_task("converting", total=total)
        self.bar.start()

    def advance(self) -> None:
        self.bar.advance(self.task)

    def stop(self) -> None:
        self.bar.stop()


def _progress(
    total: int,
    reporter: Reporter,
    callback: Callable[[int, int], None] | None = None,
    shown_here: bool = False,
) -> _RichProgress | _CallbackProgress | None:
    """The callback's, or a bar on a terminal's stderr for a long run, unless what is written (``shown_here``)
    goes to that terminal too."""
    if callback is not None:
        return _CallbackProgress(total, callback)
    if reporter.quiet or total < 50 or not reporter.stream.isatty() or shown_here:
        return None
    return _RichProgress(total, reporter.stream)


def _converted(run: _Run, say_none: bool = True) -> Iterator[Result]:
    """Results in input order, with their problems reported; stops early with --fail-fast. A run whose
    filters let no post through says so (an empty output is otherwise silent, as success is), unless
    ``say_none`` is false because the caller says it its own way."""
    jobs, args, reporter = run.jobs, run.options, run.reporter
    converted = 0
    for result in _results(jobs, run.workers):
        for p in result.problems:
            reporter.problem(p)
        if run.progress is not None:
            run.progress.advance()
        converted += result.text is not None
        yield result
        if args.fail_fast and reporter.errors:
            reporter.message("postshelf: stopping at the first error (--fail-fast)")
            return
    if say_none and not converted and jobs and args.filtering and not reporter.quiet:
        reporter.message(f"postshelf: {_none_matched(args, len(jobs))}")


def _none_matched(args: ConvertOptions, count: int) -> str:
    if not args.filtering:
        return "no post to convert"
    posts = "the 1 post" if count == 1 else f"the {count} posts"
    return f"none of {posts} matched --category, --tag, --since or --until"


def _to_stream(stream: TextIO | AtomicFile, run: _Run) -> None:
    texts = (r.text for r in _converted(run) if r.text is not None)
    title = _book_title(run.options, run.settings.filters)
    chunks: Iterable[str | bytes] = (
        feed_chunks(map(_as_text, texts), title) if run.settings.fmt == "jsonfeed" else texts
    )
    if run.options.dry_run:
        for _ in chunks:
            pass
        return
    if isinstance(stream, AtomicFile):
        for chunk in chunks:
            stream.write(chunk)
        return
    for chunk in chunks:  # a text stream (stdout) encodes as its locale says
        stream.write(_as_text(chunk))


def _as_text(text: str | bytes) -> str:
    """An output as text, whether it came from this process or as UTF-8 from a worker."""
    return text.decode("utf-8") if isinstance(text, bytes) else text


def _to_file(path: Path, run: _Run) -> None:
    args, reporter = run.options, run.reporter
    if args.dry_run:
        _to_stream(io.StringIO(), run)
        print(one_line(str(path)))
        return
    try:
        target = AtomicFile(path, args.overwrite)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from e
    try:
        _to_stream(target, run)
        if args.fail_fast and reporter.errors:
            target.discard()
            return
        target.commit()
    except FileExistsError:  # (made by another run while this one wrote)
        target.discard()
        raise OutputError(f"{path}: exists (use --overwrite to replace it)") from None
    except OSError as e:
        target.discard()
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from e
    except BaseException:
        target.discard()
        raise


def _to_folder(out_dir: Path, run: _Run, input_files: set[tuple[int, int]]) -> None:
    args, reporter = run.options, run.reporter
    written: dict[str, str] = {}  # output name (see name_key) → the source written there
    written_as: dict[str, str] = {}  # output name → the path as written
    folders: dict[str, str] = {}
    present: dict[str, frozenset[str]] = {}  # output folder → the names in it before this run wrote any
    with _Writer(reporter, args.overwrite) as writer:
        for result in _converted(run):
            if result.text is None:
                continue
            if result.relative == "-":  # stdin: named after its title, made safe whatever the title says
                relative = safe_component((result.meta.title if result.meta else "") or "stdin")
            else:
                relative = result.relative
            target = output_path(str(out_dir), relative, args.to, folders)
            key = name_key(target)
            problem = None
            if key in written:
                problem = f"{target} is already the output of {written[key]}"
                if written_as[key] != target:
                    problem += f" (as {written_as[key]}: on macOS and Windows the two names are one)"
            elif already_there(target, present):  # (only then can it be an input, or in the way)
                if file_key(target) in input_files:
                    problem = f"refusing to overwrite the input file {target}"
                elif not args.overwrite:
                    problem = f"{target} exists (use --overwrite to replace it)"
            if problem:
                reporter.problem(Problem(result.source, problem, "error"))
                continue
            written[key], written_as[key] = result.source, target
            if args.dry_run:
                print(f"{one_line(result.source)}\t{one_line(target)}")
                continue
            writer.write(target, result.text, result.source)
            for image in result.images:  # (--images local: each file once, beside the outputs)
                writer.add_image(os.path.join(out_dir, "images", image.name), image.file, result.source)


_FATAL_WRITE_ERRORS = (errno.ENOSPC, errno.EROFS, errno.EDQUOT)


def _copy_image(target: str, file: str, made: set[str]) -> None:
    if os.path.exists(target):  # (the same name is the same URL's image: a re-run reuses it)
        return
    with contextlib.suppress(FileExistsError):  # (written meanwhile by a run beside this one)
        write_atomic(target, Path(file).read_bytes(), made, overwrite=False)


class _Writer:
    """Writes outputs on a few threads while the workers convert: creating a file can take a file system
    ~0.3 ms, time in which the parent has nothing else to do. At most ``limit`` texts wait at once."""

    def __init__(self, reporter: Reporter, overwrite: bool, threads: int = 4, limit: int = 64) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.reporter = reporter
        self.overwrite = overwrite
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="postshelf-write")
        self.pending: list[tuple[Any, str, str]] = []
        self.limit = limit
        self.made: set[str] = set()
        self.images: set[str] = set()

    def write(self, target: str, text: str | bytes, source: str) -> None:
        future = self.pool.submit(write_atomic, target, text, self.made, self.overwrite)
        self.pending.append((future, target, source))
        if len(self.pending) >= self.limit:
            self._settle(self.limit // 2)

    def add_image(self, target: str, file: str, source: str) -> None:
        """Copy an image from the store to ``target``, unless this run or an earlier one did."""
        if target in self.images:
            return
        self.images.add(target)
        future = self.pool.submit(_copy_image, target, file, self.made)
        self.pending.append((future, target, source))

    def _settle(self, keep: int) -> None:
        """Wait for the oldest writes until ``keep`` remain, reporting what failed."""
        while len(self.pending) > keep:
            future, target, source = self.pending.pop(0)
            error = future.exception()
            if error is None:
                continue
            if isinstance(error, FileExistsError):  # (made by another run since this one looked)
                self.reporter.problem(
                    Problem(source, f"{target} exists (use --overwrite to replace it)", "error")
                )
                continue
            if isinstance(error, OSError) and error.errno in _FATAL_WRITE_ERRORS:
                raise OutputError(f"cannot write {target}: {error.strerror}")
            # Anything else costs this one output, not the run.
            reason = (
                error.strerror or error if isinstance(error, OSError) else f"{type(error).__name__}: {error}"
            )
            self.reporter.problem(Problem(source, f"cannot write {target}: {reason}", "error"))

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        try:
            if kind is None:
                self._settle(0)
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _convert_epub(run: _Run, on_progress: Callable[[int, int], None] | None = None) -> int:
    """Chapters in date order (oldest first, undated last), grouped as the table of contents is. Each post
    is read once: converted in the order given, its chapter kept in a temporary file until every post's
    date is known, then the book written in its order."""
    from .epub import EpubWriter  # (zipfile, uuid: only a book needs them)

    args, reporter = run.options, run.reporter
    if args.dry_run:
        return _epub_dry_run(run)
    assert args.output is not None  # (run_convert refuses an EPUB to stdout)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out.parent)
    fd, tmp = temporary_beside(out.parent)
    os.close(fd)
    book = EpubWriter(tmp, _book_title(args, run.settings.filters))
    run.progress = _progress(len(run.jobs), reporter, on_progress)
    try:
        with tempfile.TemporaryFile() as spool:
            chapters = _spooled(run, spool)
            if args.fail_fast and reporter.errors:
                raise OutputError("no book written")
            if not chapters:  # (an EPUB must hold a chapter: an empty one is no book)
                if reporter.errors:
                    raise OutputError("no book written: not one of its posts could be converted")
                raise OutputError(f"no book written: {_none_matched(args, len(run.jobs))}")
            for meta, start, size, images in _book_order(chapters):
                spool.seek(start)
                book.add(meta, spool.read(size).decode("utf-8"), images)
            if len(chapters) == 1 and args.images == "embed" and chapters[0][0].cover:
                _add_cover(book, chapters[0][0], run.settings, reporter)
        book.close()
        try:
            place(tmp, str(out), args.overwrite)
        except FileExistsError:  # (made by another run while this one wrote)
            raise OutputError(f"{out}: exists (use --overwrite to replace it)") from None
    except BaseException:
        book.abort()
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        if run.progress is not None:
            run.progress.stop()
    reporter.finish()
    return 1 if reporter.errors else 0


_Chapter = tuple[Meta, int, int, tuple[Resource, ...]]


def _spooled(run: _Run, spool: IO[bytes]) -> list[_Chapter]:
    """Every chapter converted, written one after the other to ``spool``: (meta, where, how long, its
    images)."""
    chapters = []
    for result in _converted(run, say_none=False):
        if result.text is not None and result.meta is not None:
            data = result.text if isinstance(result.text, bytes) else result.text.encode("utf-8")
            chapters.append((result.meta, spool.tell(), len(data), result.images))
            spool.write(data)
    return chapters


def _add_cover(book: Any, meta: Meta, settings: Settings, reporter: Reporter) -> None:
    """A book of one post gets its cover image (``headimg``, ``cover``, ``thumbnail``) as its cover."""
    from .image_store import StoredImage
    from .urls import unwrap_url

    assert meta.cover is not None
    url = unwrap_url(meta.cover, settings.keep_proxies)
    image = image_store(settings).get(url)
    if isinstance(image, StoredImage):
        book.set_cover(Resource(image.name, str(image.file), image.media_type))
    else:
        reporter.problem(
            Problem(meta.path, f"cover image not included: {url[:200]}: {image.reason}", "warning")
        )


def _book_order(chapters: list[_Chapter]) -> list[_Chapter]:
    """Oldest first, undated last (by path among equals), then grouped as the table of contents is."""
    from .epub import reading_order

    dated = sorted(
        chapters, key=lambda c: (c[0].date is None, c[0].date.timestamp() if c[0].date else 0, c[0].path)
    )
    return [dated[i] for i in reading_order([chapter[0] for chapter in dated])]


def _epub_dry_run(run: _Run) -> int:
    """What a book would hold, from the posts' heads (nothing is converted)."""
    from .reading import read_head_if_post

    args, settings = run.options, run.settings
    metas = []
    for job in run.jobs:
        if job.data is not None:
            meta: Meta | None = read_bytes(job.data, job.path, settings.zone).meta
        else:
            meta = read_head_if_post(job.path, settings.zone, require_front_matter=job.maybe)
        if meta is not None and settings.filters.accepts(meta):
            metas.append(meta)
    if not metas:
        run.reporter.message(f"postshelf: no book written: {_none_matched(args, len(run.jobs))}")
        return 1
    for meta, _, _, _ in _book_order([(m, 0, 0, ()) for m in metas]):
        print(f"{one_line(meta.path)}\t{one_line(args.output or '')}")
    return 0
