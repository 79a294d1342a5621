"""Work spread over processes, results in input order: a small pool of worker processes, two pipes each.

``multiprocessing.Pool`` does the same with three threads in the parent, and one of them wakes each time
a result is waiting in the pipe, whether or not it has anything to do: with large results (a JSON record is
~25 KB) that thread took as much of the parent's time as everything else it does, on a machine whose cores
the workers already fill. A Pool also waits for ever when a worker dies (killed for memory, say); here the
parent notices the closed pipe and says so.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

AHEAD = 2
"""Chunks sent to a worker before it answers the first: it starts the next while the parent reads one."""


class WorkerLost(RuntimeError):
    """A worker process died, or its work function raised, before its results came back."""


class _Worker:
    """A worker process and its two pipes (one-way pipes, not a socket pair: the kernel moves bulk data
    through a pipe for less), with the chunks it has been sent and not yet answered."""

    def __init__(
        self,
        ctx: Any,
        func: Callable[[Any], Any],
        batched: bool,
        initializer: Any,
        initargs: tuple,
        others: list[_Worker],
    ) -> None:
        tasks_in, self.tasks = ctx.Pipe(duplex=False)
        self.results, results_out = ctx.Pipe(duplex=False)
        # A forked worker inherits every descriptor the parent holds: the parent's ends of its own pipes
        # and of the workers' made before it. Held there, they keep those pipes open after the parent
        # died (killed, say): a worker then waits for ever to read its next task, or to write results
        # that nobody reads. The worker closes them first thing.
        parent_ends = [self.tasks, self.results, *(c for w in others for c in (w.tasks, w.results))]
        inherited = parent_ends if ctx.get_start_method() == "fork" else []
        self.process = ctx.Process(
            target=_serve,
            args=(tasks_in, results_out, func, batched, initializer, initargs, inherited),
            daemon=True,
        )
        self.process.start()
        tasks_in.close()  # (the worker's ends: closed here, so its death closes the results pipe)
        results_out.close()
        self.pending: deque[int] = deque()

    def stop(self, at_once: bool) -> None:
        if at_once:
            self.process.terminate()
        else:
            with contextlib.suppress(OSError):
                self.tasks.send(None)
        self.tasks.close()
        self.results.close()


def ordered_map(
    func: Callable[[T], R],
    items: Sequence[T],
    processes: int,
    chunksize: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    start_method: str | None = None,
    batched: bool = False,
) -> Iterator[R]:
    """``map(func, items)`` on ``processes`` worker processes, ``chunksize`` items to a message.

    ``func`` and ``initializer`` must be module-level functions (picklable) when processes are spawned
    rather than forked (``start_method``; by default the safe one, see :func:`_start_method`). Results are
    held only until the ones before them have been given out, and no more than a few chunks a worker are in
    flight, so memory does not grow with ``items``. Closing the iterator early (or an exception in the
    consumer) stops the workers. ``batched``: ``func`` takes a whole chunk and gives its results, one an
    item, in order."""
    chunks = [items[i : i + chunksize] for i in range(0, len(items), chunksize)]
    ctx = multiprocessing.get_context(start_method or _start_method())
    window = AHEAD * processes + processes  # chunks between the oldest not given out and the newest sent
    workers: dict[Connection, _Worker] = {}
    sent = given = 0
    finished: dict[int, list[R]] = {}
    try:
        for _ in range(min(processes, len(chunks))):
            worker = _Worker(ctx, func, batched, initializer, initargs, list(workers.values()))
            workers[worker.results] = worker
        while given < len(chunks):
            for worker in workers.values():  # keep every worker AHEAD chunks deep
                while len(worker.pending) < AHEAD and sent < len(chunks) and sent < given + window:
                    try:
                        worker.tasks.send(chunks[sent])
                    except OSError:  # (died since its last answer: the pipe's far end is gone)
                        raise _lost(worker) from None
                    worker.pending.append(sent)
                    sent += 1
            for conn in wait([w.results for w in workers.values() if w.pending]):
                worker = workers[conn]
                try:
                    ok, payload = conn.recv()
                except (EOFError, OSError):
                    raise _lost(worker) from None
                if not ok:
                    raise WorkerLost(f"a worker process failed: {payload}")
                finished[worker.pending.popleft()] = payload
            while given in finished:
                yield from finished.pop(given)
                given += 1
    finally:
        for worker in workers.values():
            worker.stop(at_once=given < len(chunks))  # stopped early: their work is wanted no more
        for worker in workers.values():
            worker.process.join()


def _lost(worker: _Worker) -> WorkerLost:
    """The error for a worker found dead, saying how it ended (waiting a moment for its exit status)."""
    worker.process.join(1)
    return WorkerLost(f"a worker process ended ({_how_it_ended(worker.process.exitcode)})")


def _how_it_ended(code: int | None) -> str:
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"  # (SIGKILL: most often for memory)
    return f"exit code {code}"


def _start_method() -> str:
    """Fork where it is safe: on Linux, from a process running no other thread. A thread of the parent
    (the reader's interface, a progress bar's refresh) may hold a lock at the moment of the fork that the
    child then waits on for ever; a spawned worker starts clean, for ~0.2 s of imports."""
    return "fork" if sys.platform.startswith("linux") and threading.active_count() == 1 else "spawn"


def _serve(
    tasks: Connection,
    results: Connection,
    func: Callable[[Any], Any],
    batched: bool,
    initializer: Callable[..., None] | None,
    initargs: tuple,
    inherited: Sequence[Connection] = (),
) -> None:
    """A worker: chunks in, ``(True, results)`` or ``(False, reason)`` out, until ``None`` comes. When
    the parent is gone its pipes close (no other process holds them), so a worker waiting to read or
    write ends at once."""

    for conn in inherited:
        conn.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    try:
        if initializer is not None:
            initializer(*initargs)
        for chunk in iter(tasks.recv, None):
            try:
                done = func(chunk) if batched else [func(item) for item in chunk]
                results.send((True, done))  # (pickled whole before it is written)
            except (EOFError, OSError):
                raise
            except Exception as e:  # a bug (func reports its own errors): told to the parent, not printed
                results.send((False, f"{type(e).__name__}: {e}"))
    except (EOFError, OSError):
        return  # the parent went away: nothing left to do
