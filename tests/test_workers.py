"""The ordered process pool behind ``convert --jobs``: order, errors, dead workers, early stops."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from converters import cli, pipeline, workers
from converters.workers import WorkerLost, follow, ordered_map


@pytest.fixture(autouse=True)
def _deadline() -> Iterator[None]:
    """A pool that waits for ever is the failure these tests look for: make it fail, not hang."""
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("the pool hung"))
    signal.alarm(60)
    yield
    signal.alarm(0)


def _uneven(n: int) -> int:
    time.sleep(0.02 if n % 7 == 0 else 0)  # some chunks finish after the ones that follow them
    return n * n


def _offset(task: tuple[int, int]) -> int:
    base, n = task
    return base + n


def _dies_at_5(n: int) -> int:
    if n == 5:
        os._exit(3)  # as if killed for memory: no exception, no reply
    return n


def _killed_at_5(n: int) -> int:
    if n == 5:
        os.kill(os.getpid(), signal.SIGKILL)
    return n


def _fails_at_5(n: int) -> int:
    if n == 5:
        raise ValueError("five")
    return n


def _niceness(_: int) -> int:
    return os.nice(0)


def _logged(item: tuple[str, int]) -> int:
    folder, n = item
    Path(folder, str(n)).touch()
    return n


def test_results_come_in_input_order() -> None:
    items = list(range(200))
    assert list(ordered_map(_uneven, items, 2)) == [n * n for n in items]


def test_more_processes_than_tasks_and_no_tasks() -> None:
    assert list(ordered_map(_uneven, [1, 2], 4)) == [1, 4]
    assert list(ordered_map(_uneven, [], 2)) == []


def test_a_dead_worker_is_reported_not_waited_for() -> None:
    with pytest.raises(WorkerLost, match="exit code 3"):
        list(ordered_map(_dies_at_5, list(range(40)), 2))
    assert not multiprocessing.active_children()


def test_a_killed_worker_is_reported_by_its_signal() -> None:
    with pytest.raises(WorkerLost, match="killed by SIGKILL"):
        list(ordered_map(_killed_at_5, list(range(40)), 2))


def test_an_exception_in_a_worker_is_reported() -> None:
    with pytest.raises(WorkerLost, match="ValueError: five"):
        list(ordered_map(_fails_at_5, list(range(40)), 2))
    assert not multiprocessing.active_children()


def test_workers_stay_a_few_chunks_ahead_and_stop_when_the_consumer_does(tmp_path: Path) -> None:
    results = ordered_map(_logged, [(str(tmp_path), n) for n in range(100)], 2)
    assert next(results) == 0
    time.sleep(0.5)  # time enough to run all 100 if nothing held them back
    assert len(list(tmp_path.iterdir())) <= 6  # AHEAD tasks for each of the 2 workers, and 2 more
    results.close()
    assert not multiprocessing.active_children()


def test_convert_stops_cleanly_when_a_worker_dies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    for i in range(40):
        (posts / f"p{i:02d}.md").write_text(
            f"---\ntitle: Post {i}\n---\n\n<p>body {i}</p>\n", encoding="utf-8"
        )
    work = pipeline._work

    def dies_on_p17(
        jobs: Iterable[pipeline.Job],
    ) -> Iterator[pipeline.Result]:  # (workers run the module as patched)
        jobs = list(jobs)
        if any(job.path.endswith("p17.md") for job in jobs):
            os._exit(9)
        return work(jobs)

    monkeypatch.setattr(pipeline, "_work", dies_on_p17)
    monkeypatch.setattr(
        workers, "_start_method", lambda: "fork"
    )  # (a thread left by another test: still fork)
    out = tmp_path / "all.jsonl"
    assert cli.main(["convert", str(posts), "--to", "jsonl", "-o", str(out), "--jobs", "2"]) == 1
    err = capsys.readouterr().err
    assert "a worker process ended (exit code 9): the run stopped" in err
    assert "Traceback" not in err
    assert not out.exists()  # nothing partial left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posts"]


class _Unpicklable:
    def __reduce__(self) -> str:
        raise TypeError("not for pickling")


def _unpicklable_at_5(n: int) -> object:
    return _Unpicklable() if n == 5 else n


def test_a_result_that_cannot_be_sent_is_reported_without_a_traceback(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(WorkerLost, match="not for pickling"):
        list(ordered_map(_unpicklable_at_5, list(range(40)), 2))
    assert "Traceback" not in capfd.readouterr().err


def test_workers_are_spawned_not_forked_while_another_thread_runs() -> None:
    """A fork copies locks other threads may hold (the reader's interface exports from a thread)."""
    import threading

    from converters.workers import _start_method

    done = threading.Event()
    thread = threading.Thread(target=done.wait)
    thread.start()
    try:
        assert _start_method() == "spawn"
        assert list(ordered_map(_offset, [(7, n) for n in range(40)], 2)) == list(range(7, 47))
    finally:
        done.set()
        thread.join()


def _dies_at_once(item: str) -> int:
    os._exit(9)


def test_a_worker_dead_before_its_next_task_is_sent_is_reported() -> None:
    """The parent writes large tasks to a worker that has died meanwhile: the broken pipe is the worker's
    death, reported as such (it escaped as BrokenPipeError now and then)."""
    big = ["x" * 2_000_000] * 12
    for _ in range(3):
        with pytest.raises(WorkerLost, match="exit code 9"):
            list(ordered_map(_dies_at_once, big, 2))


def test_a_process_followed_passes_on_its_progress_and_says_how_it_ended() -> None:
    seen: list[tuple[int, int]] = []
    talker = (
        "import sys; print('progress 1 2', flush=True); print('other'); print('progress 2 2'); sys.exit(%d)"
    )
    assert follow([sys.executable, "-c", talker % 0], lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]
    assert not follow([sys.executable, "-c", talker % 3])


def test_a_silent_process_is_killed_soon_after_it_is_cancelled() -> None:
    """Asked to stop while the process prints nothing (an index's last commit, say): the reader quits
    within a moment, not when the process next speaks."""
    started = time.monotonic()
    ended = follow(
        [sys.executable, "-c", "import time; time.sleep(30)"],
        cancelled=lambda: time.monotonic() > started + 0.5,
    )
    assert not ended and time.monotonic() - started < 5


def test_lines_that_come_together_are_passed_on_at_once() -> None:
    """(a buffered reader held back all but the first until the process spoke again, or ended)"""
    seen: list[int] = []
    burst = "import sys, time; sys.stdout.write('progress 1 3\\nprogress 2 3\\nprogress 3 3\\n'); sys.stdout.flush(); time.sleep(30)"
    started = time.monotonic()
    follow([sys.executable, "-c", burst], lambda done, total: seen.append(done), lambda: len(seen) == 3)
    assert seen == [1, 2, 3] and time.monotonic() - started < 10


def test_read_ahead_keeps_order_takes_the_first_item_here_and_the_rest_in_a_thread() -> None:
    import threading

    takers: list[str] = []

    def items() -> Iterator[int]:
        for i in range(50):
            takers.append(threading.current_thread().name)
            yield i

    assert list(workers.read_ahead(items(), 4)) == list(range(50))
    assert takers[0] == threading.current_thread().name
    assert set(takers[1:]) == {"read-ahead"}
    assert list(workers.read_ahead(iter([]), 4)) == []


def test_read_ahead_raises_the_sources_error_after_what_came_before_it() -> None:
    def items() -> Iterator[int]:
        yield from range(3)
        raise WorkerLost("a worker process ended (killed by SIGKILL)")

    got: list[int] = []
    with pytest.raises(WorkerLost, match="SIGKILL"):
        for i in workers.read_ahead(items(), 2):
            got.append(i)
    assert got == [0, 1, 2]


def test_read_ahead_closed_early_closes_its_source() -> None:
    import threading

    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            yield from range(10**6)
        finally:
            closed.set()

    ahead = workers.read_ahead(items(), 3)
    assert [next(ahead) for _ in range(5)] == [0, 1, 2, 3, 4]
    ahead.close()
    assert closed.is_set()
    assert not any(t.name == "read-ahead" for t in threading.enumerate())


def test_read_ahead_takes_items_while_the_consumer_is_busy_up_to_its_depth() -> None:
    """The index build's reason for it: the workers' results are taken while the parent is busy in
    SQLite, so the workers do not wait for it; no more than ``depth`` of them are held."""
    taken: list[int] = []

    def items() -> Iterator[int]:
        for i in range(100):
            taken.append(i)
            yield i

    ahead = workers.read_ahead(items(), 5)
    assert next(ahead) == 0
    deadline = time.monotonic() + 10
    while len(taken) < 7 and time.monotonic() < deadline:  # (the first, 5 waiting, 1 in the thread's hand)
        time.sleep(0.01)
    time.sleep(0.05)
    assert len(taken) == 7
    assert list(ahead) == list(range(1, 100))


def test_read_ahead_closed_while_a_worker_is_stuck_stops_it_at_once() -> None:
    """ctrl+c during a first build, with a worker on a post that takes it a minute: the map ends within
    its poll (0.1 s), its workers terminated, not when the worker is done."""
    import threading

    stop = threading.Event()
    ahead = workers.read_ahead(ordered_map(_sleep_for, [0, 60, 0], 1, stop=stop), 2, stop)
    assert next(ahead) == 0
    started = time.monotonic()
    ahead.close()
    assert time.monotonic() - started < 20  # (60 s when it waited for the worker)


def _sleep_for(seconds: int) -> int:
    time.sleep(seconds)
    return seconds


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_workers_may_run_at_a_lower_priority_than_their_caller(method: str) -> None:
    """A caller whose own work is the serial part (an index build's parent) puts its workers behind it."""
    mine = os.nice(0)
    assert list(ordered_map(_niceness, [1, 2, 3], 2, start_method=method)) == [mine] * 3
    lower = min(mine + 3, 19)
    assert list(ordered_map(_niceness, [1, 2, 3], 2, start_method=method, niceness=3)) == [lower] * 3
