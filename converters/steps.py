"""Running a post's steps over a group of posts: each step for every post of the group before the next.

The one place where posts are processed together. Each step is a plain function of one post's value, and
converting one post is the same steps run over a group of one. Taken a step at a time, a step's code stays
in the processor's caches from one post to the next, where post by post the steps evict each other: over
groups of 32 posts this takes 16–24 % less time than post by post (``benchmarks/bench_stages.py``: Markdown
0.80, JSON Lines 0.76, XHTML 0.84 of the time). The group's intermediate values are held at once, so the
caller bounds a group's size (:func:`groups`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

Step = Callable[[Any], Any]
T = TypeVar("T")

GROUP_POSTS = 32
GROUP_CHARS = 1_000_000
"""Posts taken together: at most :data:`GROUP_POSTS`, with at most this much body text between them
unless one post alone has more. The trees of a group are held at once: 32 posts of 3 MB converted together
took 0.9 GB, where one at a time took 0.1 GB."""


def run_steps(items: Iterable[Any], steps: Sequence[Step]) -> list[Any]:
    """``[steps[-1](...steps[0](item))) for item in items]``, a step at a time over all of them."""
    values = list(items)
    for step in steps:
        values = [step(value) for value in values]
    return values


def groups(items: Iterable[T], chars: Callable[[T], int]) -> Iterator[list[T]]:
    """``items`` in groups of consecutive ones (see :data:`GROUP_CHARS`), taken from ``items`` as they are
    needed: a group is given out before the items after it are read."""
    group: list[T] = []
    size = 0
    for item in items:
        n = chars(item)
        if group and (len(group) == GROUP_POSTS or size + n > GROUP_CHARS):
            yield group
            group, size = [], 0
        group.append(item)
        size += n
    if group:
        yield group
