"""Running a post's steps over a group of posts: each step for every post of the group before the next.

The one place where posts are processed together. Each step is a plain function of one post's value, and
converting one post is the same steps run over a group of one. Taken a step at a time, a step's code stays
in the processor's caches from one post to the next, where post by post the steps evict each other: over
groups of 32 posts this takes 16–24 % less time than post by post (``benchmarks/bench_stages.py``: Markdown
0.80, JSON Lines 0.76, XHTML 0.84 of the time). The group's intermediate values are held at once, so the
caller bounds a group's size (:data:`converters.pipeline.GROUP_CHARS`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

Step = Callable[[Any], Any]


def run_steps(items: Iterable[Any], steps: Sequence[Step]) -> list[Any]:
    """``[steps[-1](...steps[0](item))) for item in items]``, a step at a time over all of them."""
    values = list(items)
    for step in steps:
        values = [step(value) for value in values]
    return values
