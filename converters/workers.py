"""Work spread over processes, results in input order: a small pool of worker processes, two pipes each.

Why not ``concurrent.futures.ProcessPoolExecutor``: not for speed (``benchmarks/bench_pool.py``, 10k
posts on the same tasks: within 1-4 % of its wall time, ~0.1 s less of the parent's CPU), but for what a
shell script meets. Its workers outlive a killed parent, forked or spawned (they wait on a queue whose
write end they hold themselves), holding the script's pipes open; its ``map`` submits every task at once
and keeps every result not yet taken (a slow consumer of 100k JSON records holds gigabytes); and it cannot
say how a worker died. Here each worker has its own pipes, a worker's death closes them, and a few tasks a
worker are in flight.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import selectors
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")

AHEAD = 2
"""Tasks sent to a worker before it answers the first: it starts the next while the parent reads one."""


class WorkerLost(RuntimeError):
    """A worker process died, or its work function raised, before its results came back."""


class _Worker:
    """A worker process and its two pipes (one-way pipes, not a socket pair: the kernel moves bulk data
    through a pipe for less), with the tasks it has been sent and not yet answered."""

    def __init__(
        self,
        ctx: Any,
        func: Callable[[Any], Any],
        others: list[_Worker],
        niceness: int = 0,
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
            args=(tasks_in, results_out, func, inherited, niceness),
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
    tasks: Sequence[T],
    processes: int,
    start_method: str | None = None,
    stop: threading.Event | None = None,
    niceness: int = 0,
) -> Iterator[R]:
    """``map(func, tasks)`` on ``processes`` worker processes, a task to a message (the caller makes each
    task worth one: a chunk of posts, say).

    ``func`` must be a module-level function (picklable) when processes are spawned rather than forked
    (``start_method``; by default the safe one, see :func:`_start_method`). Results are held only until the
    ones before them have been given out, and no more than a few tasks a worker are in flight, so memory
    does not grow with ``tasks``. Closing the iterator early (or an exception in the consumer) stops the
    workers, and so does ``stop`` once set (within 0.1 s, from another thread: :func:`read_ahead`'s, waiting
    here for a worker stuck on a post). A worker that dies, or a ``func`` that raises, ends the map with
    :class:`WorkerLost`. The workers run ``niceness`` lower in priority than the caller: a caller whose own
    work on the results is the map's serial part then never waits for a core."""
    ctx = multiprocessing.get_context(start_method or _start_method())
    window = AHEAD * processes + processes  # tasks between the oldest not given out and the newest sent
    workers: dict[Connection, _Worker] = {}
    sent = given = 0
    finished: dict[int, R] = {}
    try:
        for _ in range(min(processes, len(tasks))):
            worker = _Worker(ctx, func, list(workers.values()), niceness)
            workers[worker.results] = worker
        while given < len(tasks):
            for worker in workers.values():  # keep every worker AHEAD tasks deep
                while len(worker.pending) < AHEAD and sent < len(tasks) and sent < given + window:
                    try:
                        worker.tasks.send(tasks[sent])
                    except OSError:  # (died since its last answer: the pipe's far end is gone)
                        raise _lost(worker) from None
                    worker.pending.append(sent)
                    sent += 1
            busy = [w.results for w in workers.values() if w.pending]
            for ready in wait(busy, timeout=None if stop is None else 0.1):
                worker = workers[cast(Connection, ready)]
                try:
                    ok, payload = worker.results.recv()
                except (EOFError, OSError):
                    raise _lost(worker) from None
                if not ok:
                    raise WorkerLost(f"a worker process failed: {payload}")
                finished[worker.pending.popleft()] = payload
            while given in finished:
                yield finished.pop(given)
                given += 1
            if stop is not None and stop.is_set():
                return
    finally:
        for worker in workers.values():
            worker.stop(at_once=given < len(tasks))  # stopped early: their work is wanted no more
        for worker in workers.values():
            worker.process.join()


def read_ahead(items: Iterator[T], depth: int, stop: threading.Event | None = None) -> Iterator[T]:
    """``items``, taken by a thread up to ``depth`` ahead of the consumer: the workers of an
    :func:`ordered_map` are answered while the consumer is busy (a first index build's parent spends
    seconds at a time in SQLite, which lets go of the GIL, and the workers waited meanwhile). The first
    item is taken here, so that the map forks its workers before the thread exists. An error of
    ``items`` comes out here. Closed early, it sets ``stop`` (the map's own, so that it ends at once even
    while a worker is stuck on a post) and the thread closes ``items``."""
    try:
        first = next(items)
    except StopIteration:
        return
    ahead: queue.Queue[tuple[bool, Any]] = queue.Queue(depth)
    stop = stop or threading.Event()

    def offer(message: tuple[bool, Any]) -> bool:
        """Put it in the queue once there is room; False if the consumer stopped first."""
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                ahead.put(message, timeout=0.1)
                return True
        return False

    def take() -> None:
        try:
            for item in items:
                if not offer((True, item)):
                    break
            end: tuple[bool, Any] = (False, None)
        except BaseException as e:  # (given to the consumer, raised there)
            end = (False, e)
        finally:
            close = getattr(items, "close", None)
            if stop.is_set() and close is not None:
                close()
        offer(end)

    thread = threading.Thread(target=take, name="read-ahead", daemon=True)
    thread.start()
    try:
        yield first
        while True:
            more, item = ahead.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        thread.join()


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
    (a progress bar's refresh) may hold a lock at the moment of the fork that the child then waits on for
    ever; a spawned worker starts clean, for ~0.2 s of imports."""
    return "fork" if sys.platform.startswith("linux") and single_threaded() else "spawn"


def single_threaded() -> bool:
    """Whether this process runs no thread but its main one: where :func:`ordered_map` may be used. A
    program with threads (the reader, beside its interface) runs large work in a new process instead
    (:func:`run_elsewhere`): forking it is unsafe, and spawning fails under Textual, whose stand-in for
    ``sys.stderr`` has no file descriptor to give multiprocessing's resource tracker."""
    return threading.active_count() == 1


def run_elsewhere(
    module: str,
    args: Sequence[str],
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> bool:
    """Run ``converters.<module>._main(args)`` in a new Python process, which may use every core,
    passing on the ``progress DONE TOTAL`` lines it prints. Whether it ended well: on False (it failed,
    or ``cancelled`` said stop) the caller does the work itself."""
    from pathlib import Path

    # This very package, whatever folder the user is in (a `converters` folder there must not be taken
    # for it), given the paths as the caller names them: what it writes then holds the same paths as the
    # caller's own work would.
    home = str(Path(__file__).resolve().parent.parent)
    code = (
        f"import sys; sys.path.insert(0, {home!r}); from converters.{module} import _main; sys.exit(_main())"
    )
    return follow([sys.executable, "-c", code, *args], progress, cancelled)


def given_elsewhere(module: str, argv: list[str] | None = None) -> tuple[list[str], str]:
    """In the process :func:`run_elsewhere` started: the paths it was given, and the zone's key."""
    import argparse

    parser = argparse.ArgumentParser(prog=f"python -m converters.{module}")
    parser.add_argument("--zone-key", default="local")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    return args.paths, args.zone_key


def say_progress(done: int, total: int) -> None:
    """A ``progress DONE TOTAL`` line, for :func:`follow` in the process that started this one."""
    print(f"progress {done} {total}", flush=True)


def follow(
    command: Sequence[str],
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> bool:
    """Run ``command``, passing on its ``progress DONE TOTAL`` lines, until it ends (True if it ended
    well) or ``cancelled`` says stop, asked at least five times a second: it is then killed at once."""
    import subprocess

    try:
        child = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
        )
    except OSError:
        return False
    assert child.stdout is not None
    out = child.stdout.fileno()
    # Read as the bytes come (no buffered readline: it holds lines back, and blocks on half of one), and
    # ask after cancelled while none come: its last commit, say.
    try:
        with child.stdout, selectors.DefaultSelector() as ready:
            ready.register(out, selectors.EVENT_READ)
            partial = b""
            while not cancelled():
                if not ready.select(timeout=0.2):
                    continue
                chunk = os.read(out, 1 << 16)
                if not chunk:
                    return child.wait() == 0
                *lines, partial = (partial + chunk).split(b"\n")
                for line in lines:
                    parts = line.split()
                    if len(parts) == 3 and parts[0] == b"progress" and progress is not None:
                        progress(int(parts[1]), int(parts[2]))
            return False
    except (OSError, ValueError):
        return False
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def lower_priority(by: int) -> None:
    """This process's priority ``by`` lower (where the system has priorities to lower)."""
    if by:
        with contextlib.suppress(OSError, AttributeError):  # (no os.nice on Windows)
            os.nice(by)


def _serve(
    tasks: Connection,
    results: Connection,
    func: Callable[[Any], Any],
    inherited: Sequence[Connection] = (),
    niceness: int = 0,
) -> None:
    """A worker: tasks in, ``(True, result)`` or ``(False, reason)`` out, until ``None`` comes. When the
    parent is gone its pipes close (no other process holds them), so a worker waiting to read or write
    ends at once."""

    for conn in inherited:
        conn.close()
    lower_priority(niceness)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    try:
        for task in iter(tasks.recv, None):
            try:
                results.send((True, func(task)))  # (pickled whole before it is written)
            except (EOFError, OSError):
                raise
            except Exception as e:  # a bug (func reports its own errors): told to the parent, not printed
                results.send((False, f"{type(e).__name__}: {e}"))
    except (EOFError, OSError):
        return  # the parent went away: nothing left to do
