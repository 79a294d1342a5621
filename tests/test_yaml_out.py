"""The fast front-matter writer against PyYAML itself: the same text, or no answer at all."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from converters.yaml_out import dump_mapping

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_WORDS = ["yes", "No", "on", "OFF", "null", "~", "true", "1", "010", "0x1F", "1_000", "1:30", "3.14", ".inf",
          "2021-01-01", "2021-01-01T10:00:00+08:00", "<<", "=", "---", "...", "- a", "? x", ": y", "a: b",
          "a #b", "a#b", "it's", '"q"', "中文 标题", "新媒体", "ZAKER", "[x]", "{y}", "a,b", "@me", "`c`", "%p",
          "!t", "&a", "*b", "|", ">", "tab\there", "line\nbreak", "\u2028", "\ufeff", "\x85", "", " lead",
          "trail ", "x" * 130, "emoji 🎉", "\u00a0nbsp", "naïve", "a:b", "http://x.y/z?a=1#f"]  # fmt: skip
_text = st.sampled_from(_WORDS) | st.text(alphabet="ab:#'\" -?,[]{}中文1.\t~!&*|>%@`", max_size=12)
_scalar = _text | st.integers(-(10**6), 10**6) | st.booleans() | st.none()
_value = _scalar | st.lists(_scalar, max_size=3) | st.lists(st.lists(_text, max_size=3), max_size=3)


def reference(data: dict[str, Any]) -> str:
    return yaml.dump(
        data, Dumper=_DUMPER, default_flow_style=False, allow_unicode=True, sort_keys=False, width=1_000_000
    ).rstrip("\n")


@settings(max_examples=1500, deadline=None)
@given(st.dictionaries(_text, _value, min_size=1, max_size=4))
def test_writes_what_pyyaml_writes_or_declines(data: dict[str, Any]) -> None:
    fast = dump_mapping(data)
    if fast is not None:
        assert fast == reference(data)


def test_a_usual_post_takes_the_fast_way() -> None:
    head = {
        "title": "技术网络: 用户团队模型 #3",
        "date": "2021-11-03T16:02:36+00:00",
        "author": "cnBeta",
        "categories": ["新媒体", "cnBeta", "最新"],
        "tags": ["a", "b"],
        "headimg": "https://cors.zfour.workers.dev/?http://static.example.cn/cover/0.jpeg",
        "comments": False,
    }
    fast = dump_mapping(head)
    assert fast is not None and fast == reference(head)


def test_other_shapes_are_left_to_pyyaml() -> None:
    assert dump_mapping({"when": 1.5}) is None
    assert dump_mapping({"nested": {"a": 1}}) is None
    assert dump_mapping({3: "numeric key"}) is None


def test_markdown_front_matter_reads_back_as_written() -> None:
    from converters.document import Rendered
    from converters.pipeline import render_markdown
    from converters.reading import read_text
    from converters.yaml_in import load_yaml

    for title in ("标题\u00a0", "Yes", "a: b", "🎉 party"):  # the fast way, and the ways left to PyYAML
        quoted = json.dumps(title, ensure_ascii=False)  # a JSON string is a YAML double-quoted one
        post = read_text(f"---\ntitle: {quoted}\nweight: 1.5\n---\n<p>正文</p>\n", "p.md")
        assert post.meta.title == title.strip()  # (the model trims titles; the writer must keep the rest)
        text = render_markdown(Rendered(post))
        head = text.split("\n---\n", 1)[0].removeprefix("---\n")
        assert load_yaml(head)["title"] == post.meta.title
        assert load_yaml(head)["weight"] == 1.5
        assert text.endswith("正文\n")
