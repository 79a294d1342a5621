"""Where outputs go and how they are written: names made safe, files placed atomically and only where
no file is (unless asked to replace it), and what a killed run left behind cleared away.

The one way postshelf writes a file (outputs, the scan cache, the reader's state): a temporary file
beside the target, then :func:`place`.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import re
import socket
import unicodedata
from pathlib import Path

from .options import SUFFIX

# Windows' device names, whatever the case or extension (NUL.txt is NUL), superscript digits and the
# console's CONIN$/CONOUT$ included.
_RESERVED_NAMES = re.compile(r"^(con|prn|aux|nul|conin\$|conout\$|(?:com|lpt)[0-9¹²³])(\..*)?$", re.I)


_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
"""A name that :func:`safe_component` would give back as it is, when it also has no ``..`` or ``__`` and
does not end with a dot: most file names, checked without looking at each character's category."""


def safe_component(name: str, limit: int = 200) -> str:
    """A file-name component that is safe whatever a title says: no separators, dots-only, control
    characters or reserved device names, at most ``limit`` bytes of UTF-8."""
    if (
        len(name) <= limit
        and _PLAIN_NAME.fullmatch(name)
        and ".." not in name
        and "__" not in name
        and name[-1] != "."
        and not _RESERVED_NAMES.match(name)
    ):
        return name
    return _sanitize_component(name, limit)


def _sanitize_component(name: str, limit: int) -> str:
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[\\/:*?"<>|]+', "_", name)
    name = re.sub(r"_{2,}", "_", re.sub(r"\.{2,}", "_", name)).strip(" .")
    name = ("_" + name) if name and name != name.lstrip("-") else name  # no names that read as options
    if not name or set(name) <= {"."}:
        name = "_"
    if _RESERVED_NAMES.match(name):
        name = "_" + name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 10:
        stem, suffix = name, ""
    while len((stem + (f".{suffix}" if suffix else "")).encode()) > limit:
        stem = stem[:-1]
    return stem + (f".{suffix}" if suffix else "")


def output_path(out_dir: str, relative: str, fmt: str, folders: dict[str, str] | None = None) -> str:
    """Where the output of the post at ``relative`` goes under ``out_dir``: the same tree, each name made
    safe. ``folders`` remembers each source folder's output folder (a run asks for 10k files in 100)."""
    folder, _, name = relative.replace(os.sep, "/").rpartition("/")
    where = folders.get(folder) if folders is not None else None
    if where is None:
        parts = [safe_component(p) for p in folder.split("/") if p not in ("", ".", "..")]
        where = os.path.join(out_dir, *parts)
        if folders is not None:
            folders[folder] = where
    name = safe_component(name) if name not in ("", ".", "..") else "post"
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return os.path.join(where, safe_component(stem + SUFFIX[fmt]))


def output_depth(relative: str) -> int:
    """How many folders below the output folder :func:`output_path` puts the output of ``relative``."""
    folder = relative.replace(os.sep, "/").rpartition("/")[0]
    return len([p for p in folder.split("/") if p not in ("", ".", "..")])


def name_key(path: str) -> str:
    """A path as the file systems that ignore case and Unicode form see it (macOS, Windows): two outputs
    whose names differ only so would be one file there."""
    return unicodedata.normalize("NFC", path).casefold()


_TMP_NAMES = itertools.count()
_HOST = re.sub(r"[^A-Za-z0-9]+", "_", socket.gethostname())[:40] or "host"
"""In temporary names: a folder shared by machines (NFS, containers) holds other hosts' work in progress,
whose process ids mean nothing here."""


def temporary_beside(folder: str | Path) -> tuple[int, str]:
    """A new file in ``folder`` to write an output into before renaming it into place: (fd, path).
    Unlike mkstemp's 0600 it gets the permissions the user's umask gives any new file, as the output
    will have; pid and counter make its name unique, O_EXCL steps over a leftover of a crashed run."""
    while True:
        tmp = os.path.join(folder, f".postshelf-{_HOST}-{os.getpid()}-{next(_TMP_NAMES)}.tmp")
        try:
            return os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666
            ), tmp
        except FileExistsError:
            continue


_TMP_NAME = re.compile(r"\.postshelf-(.+)-(\d+)-\d+\.tmp")


def remove_stale_temporaries(folder: str | Path) -> None:
    """Remove the temporary files a killed run of ours left in ``folder``: those whose process is gone
    (a live process's are its work in progress, whoever it is)."""
    try:
        names = [e.name for e in os.scandir(folder) if e.name.startswith(".postshelf-")]
    except OSError:
        return
    for name in names:
        m = _TMP_NAME.fullmatch(name)
        if m is None or m.group(1) != _HOST or _alive(int(m.group(2))):
            continue
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, name))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # (another user's process: alive)
        return True
    return True


def place(tmp: str, path: str, overwrite: bool) -> None:
    """Move a finished temporary file to ``path``. Unless ``overwrite``, only if no file is there at that
    moment, whoever else writes into the folder: a hard link is made or fails as one step
    (FileExistsError), where a check and then a rename would let a concurrent run's file be replaced."""
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        os.unlink(tmp)
        raise
    except OSError as e:  # a file system without hard links: check, then rename (not atomic, but rare)
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        if os.path.lexists(path):
            os.unlink(tmp)
            raise FileExistsError(errno.EEXIST, "File exists", path) from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def write_atomic(
    path: Path | str, text: str | bytes, made: set[str] | None = None, overwrite: bool = True
) -> None:
    """Write through a temporary file in the same folder and move it into place (:func:`place`): a few
    system calls (some file systems here charge ~0.1 ms of kernel time for each). ``made``: folders this
    run has made already, so that 10k outputs in 100 folders ask the file system 100 times (and are
    cleared of a killed run's temporary files once)."""
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    if made is None or folder not in made:
        os.makedirs(folder, exist_ok=True)
        if made is not None:
            made.add(folder)
            remove_stale_temporaries(folder)
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    fd, tmp = temporary_beside(folder)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        place(tmp, path, overwrite)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class AtomicFile:
    """A single output file (JSON Lines, JSON Feed) that appears only when complete."""

    def __init__(self, path: Path, overwrite: bool) -> None:
        self.path = path
        self.overwrite = overwrite
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path.parent)
        fd, self.tmp = temporary_beside(path.parent)
        self.file = os.fdopen(fd, "wb")

    def write(self, text: str | bytes) -> None:
        self.file.write(text if isinstance(text, bytes) else text.encode("utf-8"))

    def commit(self) -> None:
        self.file.close()
        place(self.tmp, str(self.path), self.overwrite)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(OSError):
            os.unlink(self.tmp)


def already_there(path: str, present: dict[str, frozenset[str]]) -> bool:
    """``os.path.lexists(path)`` for an output, from one listing of its folder rather than a system call
    per output (an ``lstat`` costs ~30 µs on some file systems here). Our own outputs are tracked apart."""
    folder, name = os.path.split(path)
    names = present.get(folder)
    if names is None:
        try:
            with os.scandir(folder or ".") as entries:
                names = frozenset(entry.name for entry in entries)
        except OSError:
            names = frozenset()  # (no such folder yet: nothing is in the way)
        present[folder] = names
    return name in names


def file_key(path: str | Path) -> tuple[int, int] | None:
    """(device, inode) of what ``path`` names (through symbolic links), None when nothing is there."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)
