"""YAML read as Hexo reads it, and the fast path that must agree with it exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from converters.decoding import decode
from converters.front_matter import split
from converters.yaml_in import load_yaml, parse_lenient, parse_simple


def test_yaml_12_scalars_stay_strings() -> None:
    data = load_yaml("answer: no\nswitch: on\nagree: yes\nclock: 12:30:45\ncode: 010\ndate: 2021-10-28\n")
    assert data == {
        "answer": "no",
        "switch": "on",
        "agree": "yes",
        "clock": "12:30:45",
        "code": "010",
        "date": "2021-10-28",
    }


def test_yaml_12_keeps_real_types() -> None:
    data = load_yaml("n: 7\nneg: -3\nf: 0.5\nb: true\nB: False\nnull1: ~\nnull2:\nhex: 0x1F\ntitle: 2022\n")
    assert data == {
        "n": 7,
        "neg": -3,
        "f": 0.5,
        "b": True,
        "B": False,
        "null1": None,
        "null2": None,
        "hex": 31,
        "title": 2022,
    }


def test_malformed_yaml_raises_with_a_line() -> None:
    with pytest.raises(yaml.YAMLError) as info:
        load_yaml("title: x\ntags:\n- a\n-b\n")
    assert info.value.problem_mark is not None  # type: ignore[attr-defined]


def test_lenient_parser_salvages_what_a_person_reads() -> None:
    data = parse_lenient(
        'title: 提示"api"不在列表中\ntags:\n- 小程序\n-uniapp\ncategories:\n- 前端\n- 移动端\n'
    )
    assert data == {
        "title": '提示"api"不在列表中',
        "tags": ["小程序", "uniapp"],
        "categories": ["前端", "移动端"],
    }


SIMPLE_CASES = [
    "title: '盘点2021丨海边_城市_'\ncategories: \n - 新媒体\n - 趣头条\n - 分类\nauthor: 趣头条\ncomments: false\n",
    "title: 'It''s quoted'\ndate: Tue, 11 Jan 2022 04:39:04 GMT\n",
    'title: "double quoted"\nheadimg: https://a.example/x?y=1\n',
    "tags:\n- a\n- b\n\ncategories:\n- c\n",
    "empty:\nafter: value\n",
    "count: 3\nneg: -4\nratio: 0.25\nflag: TRUE\nnone: ~\nhex: 0x1f\nzero: 010\n",
]
NOT_SIMPLE = [
    "title: a: b\n",  # a mapping value inside a plain scalar
    "tags: [a, b]\n",  # flow sequences
    "title: x # comment\n",
    "author:\n  name: x\n",
    "title: >\n  folded\n",
    "ratio: .inf\n",
    "key:value\n",
    "null: x\n",
    "title: 'unterminated\n",
    'title: "esc\\"aped"\n',
    "list:\n - a\n  - b\n",
    "title: \x07bell\n",
]


@pytest.mark.parametrize("text", SIMPLE_CASES)
def test_fast_path_equals_yaml(text: str) -> None:
    fast = parse_simple(text)
    assert fast is not None
    assert fast == load_yaml(text)


@pytest.mark.parametrize("text", NOT_SIMPLE)
def test_fast_path_declines_what_it_is_unsure_of(text: str) -> None:
    assert parse_simple(text) is None


def _front_matters(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in (".md", ".txt", ".markdown"):
            text, _ = decode(path.read_bytes(), str(path))
            if text is None:
                continue
            part = split(text)
            if part.format == "yaml" and part.front_matter:
                found.append(part.front_matter)
    return found


def _assert_agrees(texts: list[str]) -> int:
    used = 0
    for fm in texts:
        fast = parse_simple(fm)
        if fast is None:
            continue
        used += 1
        assert fast == load_yaml(fm), fm
    return used


def test_fast_path_agrees_on_every_fixture_and_sample(fixtures: Path) -> None:
    samples = Path(__file__).resolve().parents[1] / "converters" / "samples"
    used = _assert_agrees(_front_matters(fixtures) + _front_matters(samples))
    assert used >= 10  # the fast path is really taken, not only declined


def test_fast_path_agrees_on_the_shared_corpus(corpus: Path) -> None:
    used = _assert_agrees(_front_matters(corpus))
    assert used >= 35


_word = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"),
    min_size=0,
    max_size=12,
)
_value = st.one_of(
    _word,
    _word.map(lambda s: "'" + s.replace("'", "''") + "'"),
    _word.map(lambda s: '"' + s.replace('"', "").replace("\\", "") + '"'),
    st.sampled_from(
        [
            "true",
            "no",
            "on",
            "010",
            "12:30:45",
            "0.5",
            "~",
            "null",
            "- x",
            "[a]",
            "a: b",
            "x #c",
            "Tue, 11 Jan 2022",
        ]
    ),
)
_key = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,8}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_key, st.one_of(_value, st.lists(_value, min_size=1, max_size=3))), max_size=6))
def test_fast_path_never_disagrees_with_yaml(entries: list[tuple[str, object]]) -> None:
    lines = []
    for key, value in entries:
        if isinstance(value, list):
            lines.append(f"{key}:")
            lines.extend(f"- {v}" for v in value)
        else:
            lines.append(f"{key}: {value}")
    text = "\n".join(lines) + "\n"
    fast = parse_simple(text)
    if fast is None:
        return
    assert fast == load_yaml(text)


def test_the_not_printable_class_is_the_complement_of_yamls_printable_set() -> None:
    import re

    from converters.yaml_in import _NOT_YAML_PRINTABLE

    printable = re.compile("[\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
    for code in [*range(0x10000), 0x10000, 0x1F600, 0x10FFFF]:
        ch = chr(code)
        assert bool(_NOT_YAML_PRINTABLE.match(ch)) != bool(printable.match(ch)), hex(code)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["title: a", "- b", "k:", "\n", " ", "\t", "\ufeff", "\x07", "\x85", "\xa0", "\u200b",
                                 "\ud800", "\ufffe", "\ufdd0", "中", "\u2028", "\r"]), max_size=12).map("".join))  # fmt: skip
def test_text_libyaml_refuses_never_takes_the_fast_path(text: str) -> None:
    """The check for characters YAML cannot hold runs line by line (once per distinct line): a text holding
    any of them anywhere must still go to the real parser."""
    from converters.yaml_in import _NOT_YAML_PRINTABLE

    if _NOT_YAML_PRINTABLE.search(text) or "\ufeff" in text or "\t" in text:
        assert parse_simple(text) is None


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet="tTrRuUeEfFaAlLsSnN~0123456789xX.+-_eEiInN<: ", min_size=1, max_size=8))
def test_a_scalar_the_fast_path_is_sure_of_reads_as_yaml_reads_it(text: str) -> None:
    from converters.yaml_in import _scalar

    text = text.strip(" ")  # (as a line gives it)
    sure, value = _scalar(text)
    if sure:
        expected = load_yaml(f"k: {text}\n")["k"]
        assert value == expected and type(value) is type(expected)


def test_tab_indented_yaml_is_read_as_hexo_reads_it() -> None:
    """Hexo turns each leading tab into two spaces before parsing; YAML itself forbids them (#17 item 9)."""
    from converters.reading import read_text

    post = read_text("---\ntitle: 缩进\nfoo:\n\t- a\n\t- b\ntags:\n\t- 标签\n---\n正文\n", "tabs.md")
    assert post.front_matter["foo"] == ["a", "b"] and post.meta.tags == ("标签",) and not post.problems


# Hexo's own front-matter cases (hexojs/hexo-front-matter, test/): how Hexo splits a file (#17 item 9).
HEXO_SPLITS = {
    "yaml": ("---\nfoo: 1\n---\nbar", "foo: 1", "bar"),
    "yaml, no content": ("---\nfoo: 1\n---", "foo: 1", ""),
    "yaml, a --- in the content": ("---\nfoo: 1\n---\nbar\n---\nbaz", "foo: 1", "bar\n---\nbaz"),
    "json": (';;;\n"foo": 1\n;;;\nbar', '"foo": 1', "bar"),
    "json, no content": (';;;\n"foo": 1\n;;;', '"foo": 1', ""),
    "yaml with no opening fence": ("foo: 1\n---\nbar", "foo: 1", "bar"),
    "the same, no content": ("foo: 1\n---", "foo: 1", ""),
    "the same, a --- in the content": ("foo: 1\n---\nbar\n---\nbaz", "foo: 1", "bar\n---\nbaz"),
    "json with no opening fence": ('"foo": 1\n;;;\nbar', '"foo": 1', "bar"),
    "the same, no content ": ('"foo": 1\n;;;', '"foo": 1', ""),
    "no front matter": ("foo\nbar", None, "foo\nbar"),
    "unbalanced fences": ("------\nfoo: 1\n---\nbar", None, "------\nfoo: 1\n---\nbar"),
    "long fences": ("------\nfoo: 1\n------\nbar", "foo: 1", "bar"),
    "a long fence with no opening one": ("foo: 1\n------\nbar", "foo: 1", "bar"),
    "a fence with text on its line": ("---foo\n---\nbar", None, "---foo\n---\nbar"),
    "only such a line": ("---bar", None, "---bar"),
    "not yaml before ---": ("layout\n---\nbar", None, "layout\n---\nbar"),
    "not json before ;;;": ("layout\n;;;\nbar", None, "layout\n;;;\nbar"),
}


@pytest.mark.parametrize("case", sorted(HEXO_SPLITS))
def test_a_file_splits_as_hexo_splits_it(case: str) -> None:
    text, front_matter, body = HEXO_SPLITS[case]
    found = split(text)
    assert (found.front_matter, found.body) == (front_matter, body)


def test_json_front_matter_with_no_opening_fence_is_read() -> None:
    from converters.reading import read_text

    post = read_text('"title": "J",\n"tags": [\n  "one",\n  "two"\n]\n;;;\nbar\n', "j.md")
    assert (post.meta.title, post.meta.tags, post.body.strip()) == ("J", ("one", "two"), "bar")
    assert post.front_matter_format == "json"
