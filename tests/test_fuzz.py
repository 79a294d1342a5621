"""Random and pathological posts through every writer (issue 15): each finishes within a budget, XHTML is
well-formed, JSON is valid UTF-8, and nothing raises. The pathological bodies run in a subprocess with a
time limit, so a pattern that turns quadratic fails the suite instead of hanging it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from converters.pipeline import Settings, convert_post
from converters.reading import read_text

FORMATS = ("markdown", "html", "json", "jsonl", "jsonfeed", "epub")
BUDGET = 3.0  # seconds for one post in every format; a linear pipeline takes ~0.05 s for these sizes


def convert_everywhere(text: str, name: str = "fuzz.md") -> None:
    """Convert one post to every format and check each output is what its format demands."""
    post = read_text(text, name, timezone.utc)
    for fmt in FORMATS:
        for images in ("link", "remote") if fmt in ("html", "epub") else ("link",):
            result = convert_post(post, name, Settings(fmt, timezone.utc, images, False, True))
            out = result.text
            if out is None:
                assert any(p.severity == "error" for p in result.problems), result.problems
                continue
            data = out if isinstance(out, str) else out.decode("utf-8")
            data.encode("utf-8")  # no lone surrogate: every output must be valid UTF-8
            if fmt == "html":
                etree.fromstring(data.encode())
            elif fmt == "epub":
                etree.fromstring(f"<div xmlns='http://www.w3.org/1999/xhtml'>{data}</div>".encode())
            elif fmt in ("json", "jsonl"):
                json.loads(data)
            elif fmt == "jsonfeed":
                json.loads(data.rstrip().rstrip(","))


SCALARS = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.sampled_from(
        ["Tue, 11 Jan 2022 04:39:04 GMT", "2021-13-45", "Invalid Date", "{{ date }}", "*a", "&a x"]
    ),
)
KEYS = st.sampled_from(
    ["title", "date", "updated", "categories", "tags", "author", "headimg", "lang", "slug", "x"]
)
FRONT = st.dictionaries(
    KEYS, st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4), max_leaves=12), max_size=8
)
TAGS = st.sampled_from(
    [
        "p",
        "div",
        "span",
        "a",
        "img",
        "pre",
        "code",
        "table",
        "tr",
        "td",
        "blockquote",
        "q",
        "h2",
        "ul",
        "li",
        "br",
        "script",
        "iframe",
        "strong",
        "em",
    ]
)
ATTRS = st.sampled_from(
    [
        'href="javascript:x"',
        'src="http://e.x/a.png"',
        'data-original="//e.x/b.jpg"',
        'cite="vbscript:y"',
        'style="display:none"',
        'class="copy-btn"',
        "x=1",
        'alt="图"',
    ]
)


@st.composite
def html_bodies(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 25))):
        tag = draw(TAGS)
        attrs = " ".join(draw(st.lists(ATTRS, max_size=3)))
        text = draw(st.text(max_size=20))
        closing = draw(st.booleans())
        parts.append(f"<{tag} {attrs}>{text}" + (f"</{tag}>" if closing else ""))
        parts.append(
            draw(
                st.sampled_from(
                    ["", "\n", "中文", "&amp;", "&#1;", "&#xFFFE;", "{% codeblock %}", "`", "*", "---\n"]
                )
            )
        )
    return "".join(parts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FRONT, st.one_of(html_bodies(), st.text(max_size=300)))
def test_random_posts_through_every_writer(front: dict[str, object], body: str) -> None:
    import yaml

    try:
        head = yaml.safe_dump(front, allow_unicode=True)
    except yaml.YAMLError:
        head = ""
    start = time.perf_counter()
    convert_everywhere(f"---\n{head}---\n{body}\n")
    assert time.perf_counter() - start < BUDGET


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_random_front_matter_text_through_every_writer(front: str) -> None:
    """Front matter as arbitrary text: malformed YAML of every kind is reported, never raised."""
    convert_everywhere(f"---\n{front}\n---\n<p>正文</p>\n")


PATHOLOGICAL = r"""
import json, sys, time
from datetime import timezone
sys.path.insert(0, sys.argv[1])
from test_fuzz import convert_everywhere
units = list("<>{}%[]()*_`!#-=\n \"'&;:/|~\\中") + ["{%", "%}", "{{<", "<a", "<p ", "](", "![", "**", "~~", "\n\n", "<br>", "&#"]
prefixes = ["", "{% codeblock lang:js %}\n", "<pre>", "```\n", "<!--", "<p a=\"", "---\ntitle: x\n---\n"]
slow = []
for prefix in prefixes:
    for unit in units:
        body = prefix + unit * (12000 // len(unit))
        start = time.perf_counter()
        convert_everywhere(body if prefix.startswith("---") else "---\ntitle: t\n---\n" + body)
        took = time.perf_counter() - start
        slow.append((took, repr(prefix + unit * 3)))
slow.sort(reverse=True)
print(json.dumps(slow[:5]))
"""


def test_pathological_bodies_convert_in_linear_time() -> None:
    """12 KB bodies of one repeated unit (the inputs that turn a backtracking pattern quadratic), after
    each opening a pattern may wait to close, through every writer: each well within the budget."""
    here = str(__import__("pathlib").Path(__file__).parent)
    done = subprocess.run(
        [sys.executable, "-c", PATHOLOGICAL, here], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    slowest = json.loads(done.stdout.strip().splitlines()[-1])
    assert slowest[0][0] < BUDGET, slowest


def test_hundreds_of_thousands_of_attributes_parse_in_linear_time() -> None:
    attrs = " ".join(f'a{i}="{i}"' for i in range(80_000))
    start = time.perf_counter()
    convert_everywhere(f"---\ntitle: t\n---\n<p {attrs}>文字</p>\n")
    assert time.perf_counter() - start < BUDGET


def test_an_unclosed_block_tag_costs_its_line() -> None:
    body = "{% codeblock lang:js %}\n" + "var x = 1; // {% raw %} %}\n" * 2000
    start = time.perf_counter()
    convert_everywhere("---\ntitle: t\n---\n" + body)
    assert time.perf_counter() - start < BUDGET
