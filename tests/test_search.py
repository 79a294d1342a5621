"""The full-text index (issue 18): what it finds equals a brute-force scan of the same text, for Chinese,
Latin words and phrases; the query language; keeping it up to date; damaged files; two processes at once;
``postshelf search`` in a subprocess."""

from __future__ import annotations

import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import zlib
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from helpers import run_with_terminal_stderr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converters.document import Rendered
from converters.reading import read_post
from converters.search_index import SearchIndex
from converters.search_tokens import fold, tokens, tokens_plain

POSTSHELF = Path(sys.executable).parent / "postshelf"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"
LATIN = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "Kubernetes",
    "kube",
    "cluster",
    "café",
    "Über",
    "naïve",
    "data",
    "2024",
]


def _random_text(rng: random.Random, words: int) -> str:
    parts = []
    for _ in range(words):
        if rng.random() < 0.6:
            parts.append("".join(rng.choice(HAN[:60]) for _ in range(rng.randint(1, 6))))
        else:
            parts.append(rng.choice(LATIN))
        parts.append(rng.choice([" ", "，", "。", " ", "", "\n\n"]))
    return "".join(parts)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 posts of random Chinese and Latin text, some in HTML, some in Markdown."""
    root = tmp_path_factory.mktemp("search") / "posts"
    root.mkdir()
    rng = random.Random(18)
    for i in range(120):
        body = _random_text(rng, rng.randint(5, 60))
        if i % 3 == 0:
            body = "".join(f"<p>{para}</p>" for para in body.split("\n\n"))
        title = _random_text(rng, 3).replace("\n", " ").strip() or f"post {i}"
        tags = ", ".join(rng.sample(LATIN, 2))
        (root / f"p{i:03d}.md").write_text(
            f"---\ntitle: '{title}'\ndate: 2024-01-{1 + i % 28:02d} 10:00:00\ntags: [{tags}]\n"
            f"categories: [{rng.choice(['新媒体', '技术'])}, {rng.choice(['趣头条', '前端'])}]\n"
            f"author: {rng.choice(['王五', 'Ada'])}\n---\n{body}\n",
            encoding="utf-8",
        )
    return root


@pytest.fixture(scope="module")
def index(library: Path, tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    ix = SearchIndex(tmp_path_factory.mktemp("index") / "index.sqlite", timezone.utc)
    ix.sync([str(library)], workers=1)
    return ix


@pytest.fixture(scope="module")
def texts(library: Path) -> dict[str, str]:
    return _searchable(library)


def _searchable(folder: Path) -> dict[str, str]:
    """Every post's searchable text as the index should see it: title, body text, tags, categories,
    authors (apart, so that nothing is found across two of them)."""
    found = {}
    for path in sorted(folder.glob("*.md")):
        post = read_post(path, timezone.utc)
        m = post.meta
        names = [name for path in m.categories for name in path]  # (each name apart, as tags are)
        fields = [m.title, Rendered(post).text, *m.tags, *names, *m.authors]
        found[str(path)] = FIELD.join(fields)
    return found


FIELD = "\n\x00\n"
"""Between two fields of a post's text: no phrase is found across it."""


def _words(text: str) -> list[str]:
    """A text's words in order, a CJK run standing between two words as a gap (``|``)."""
    return [
        fold(w) if not re.match("[\u3400-\u9fff]", w) else "|"
        for w in re.findall(r"[\u3400-\u9fff]+|[^\W_\u3400-\u9fff]+", text)
    ]


def _brute(texts: dict[str, str], kind: str, query: str) -> set[str]:
    """The posts that hold ``query``: CJK characters anywhere in a field, words in this order in a field."""
    if kind == "cjk":
        return {path for path, text in texts.items() if query in text}
    wanted = [fold(w) for w in query.split()]
    found = set()
    for path, text in texts.items():
        for field in text.split(FIELD):
            words = _words(field)
            if any(words[i : i + len(wanted)] == wanted for i in range(len(words))):
                found.add(path)
    return found


_PIECES = re.compile(r"[\u3400-\u9fff]+|[^\W_\u3400-\u9fff]+")


def _pieces_of(text: str) -> list[str]:
    """A field's words (folded) and CJK runs, in order: punctuation and spaces between them are nothing."""
    return [fold(p) if not re.match("[\u3400-\u9fff]", p) else p for p in _PIECES.findall(text)]


def _brute_phrase(texts: dict[str, str], pieces: list[str]) -> set[str]:
    """The posts that hold a quoted phrase of words and CJK runs: its pieces one after the other in a
    field, a CJK run at its start the end of the text's run, one at its end the start of one, and one
    between two pieces the text's run itself; two runs side by side in the phrase may be one in the text
    (the phrases drawn have fewer gaps than the index closes)."""
    cjk = [re.match("[㐀-鿿]", p) is not None for p in pieces]
    gaps = [i for i in range(len(pieces) - 1) if cjk[i] and cjk[i + 1]]
    found: set[str] = set()
    for closed in range(1 << len(gaps)):
        joined = [pieces[0]]
        for i in range(1, len(pieces)):
            shut = i - 1 in gaps and closed >> gaps.index(i - 1) & 1
            joined[-1:] = [joined[-1] + pieces[i]] if shut else [joined[-1], pieces[i]]
        found |= _brute_pieces(texts, joined)
    return found


def _brute_pieces(texts: dict[str, str], pieces: list[str]) -> set[str]:

    def fits(want: str, have: str, j: int) -> bool:
        if re.match("[\u3400-\u9fff]", want) is None or re.match("[\u3400-\u9fff]", have) is None:
            return want == have
        first, last = j == 0, j == len(pieces) - 1
        if first and last:
            return want in have
        return have.endswith(want) if first else have.startswith(want) if last else have == want

    found = set()
    for path, text in texts.items():
        for field in text.split(FIELD):
            have = _pieces_of(field)
            for i in range(len(have) - len(pieces) + 1):
                if all(fits(want, have[i + j], j) for j, want in enumerate(pieces)):
                    found.add(path)
                    break
    return found


def _found(index: SearchIndex, query: str) -> set[str]:
    return {hit.path for hit in index.search(query, limit=0)}


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        st.sampled_from(
            [*HAN[:8], "の", "한", "a", "B", "é", "1", "_", " ", "，", "\n", "\ufdd0", "§", "ß", "𝚺"]
        ),
        max_size=40,
    )
)
def test_tokens_made_in_c_are_the_plain_rules_tokens(text: str) -> None:
    """The index's tokens, made by array slices, are those of the rules written plainly."""
    ordered, chars = tokens(text)
    plain_ordered, plain_chars = tokens_plain(text)
    assert ordered.split() == plain_ordered
    assert set(chars.split()) == plain_chars


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_what_the_index_finds_equals_a_brute_force_scan(
    index: SearchIndex, texts: dict[str, str], data: st.DataObject
) -> None:
    kind = data.draw(st.sampled_from(["cjk", "cjk", "word", "phrase", "mixed"]))
    if kind == "cjk":  # 1-4 characters: often a piece of some post's text, sometimes anything
        source = data.draw(st.sampled_from(sorted(texts.values())))
        runs = re.findall(f"[{HAN}]+", source)
        n = data.draw(st.integers(1, 4))
        if runs and data.draw(st.booleans()):
            run = data.draw(st.sampled_from(runs))
            start = data.draw(st.integers(0, max(0, len(run) - 1)))
            query = run[start : start + n]
        else:
            query = "".join(data.draw(st.lists(st.sampled_from(HAN[:60]), min_size=n, max_size=n)))
        expected = _brute(texts, "cjk", query)
        assert _found(index, query) == expected, query
    elif kind == "word":
        query = data.draw(st.sampled_from([*LATIN, "KUBERNETES", "cafe", "uber", "absent"]))
        assert _found(index, query) == _brute(texts, "word", query), query
    elif kind == "phrase":
        first, second = data.draw(st.sampled_from(LATIN)), data.draw(st.sampled_from(LATIN))
        query = f"{first} {second}"
        assert _found(index, f'"{query}"') == _brute(texts, "word", query), query
    else:  # a phrase of 2-3 pieces of some post, words and CJK runs, its ends no character alone
        field = data.draw(st.sampled_from(sorted(texts.values()))).split(FIELD)[1]
        have = _pieces_of(field)
        size = data.draw(st.integers(2, 3))
        starts = [
            i
            for i in range(len(have) - size + 1)
            if all(
                len(have[i + j]) > 1 or not re.match("[\u3400-\u9fff]", have[i + j]) for j in (0, size - 1)
            )
        ]
        if not starts:
            return
        pieces = have[data.draw(st.sampled_from(starts)) :][:size]
        if re.match("[\u3400-\u9fff]", pieces[0]):  # (a run's end and a run's start: a part of it)
            pieces[0] = pieces[0][data.draw(st.integers(0, len(pieces[0]) - 2)) :]
        if re.match("[\u3400-\u9fff]", pieces[-1]):
            pieces[-1] = pieces[-1][: data.draw(st.integers(2, len(pieces[-1])))]
        query = " ".join(pieces)
        assert _found(index, f'"{query}"') == _brute_phrase(texts, pieces), query


def test_a_query_language_people_already_know(index: SearchIndex, texts: dict[str, str]) -> None:
    alpha, beta = _brute(texts, "word", "alpha"), _brute(texts, "word", "beta")
    assert _found(index, "alpha beta") == alpha & beta
    assert _found(index, "alpha OR beta") == alpha | beta
    assert _found(index, "alpha -beta") == alpha - beta
    kube = {p for p, t in texts.items() if any(w.startswith("kube") for w in _words(t))}
    assert _found(index, "kube*") == kube and kube > _brute(texts, "word", "kube")
    in_titles = {p for p in texts if "的" in read_post(p).meta.title}
    assert _found(index, "title:的") == in_titles
    tagged = {p for p in texts if "alpha" in [t.casefold() for t in read_post(p).meta.tags]}
    assert _found(index, "tag:Alpha") == tagged
    news = {p for p in texts if read_post(p).meta.categories[0][0] == "新媒体"}
    assert _found(index, "category:新媒体") == news
    deep = {p for p in texts if read_post(p).meta.categories[0] == ("新媒体", "趣头条")}
    assert _found(index, "category:新媒体/趣头条") == deep and deep < news
    assert _found(index, "author:ada") == {p for p in texts if read_post(p).meta.authors == ("Ada",)}
    late = {p for p in texts if (read_post(p, timezone.utc).meta.date.day or 0) >= 20}  # type: ignore[union-attr]
    assert _found(index, "after:2024-01-20") == late


@pytest.mark.parametrize(
    "typed",
    [
        '"unbalanced',
        "*",
        "NEAR(",
        "-",
        "alpha AND",
        "^beta",
        "OR",
        '""',
        "title:",
        "_",
        "_*",
        "_ OR 的",
        "\u037a",
    ],
)
def test_a_mistyped_query_is_read_literally_never_an_error(index: SearchIndex, typed: str) -> None:
    index.search(typed)  # (no exception is the test: FTS5 never sees the query unquoted, nor empty)
    index.count(typed)


def test_a_quoted_character_is_that_character_in_any_group(index: SearchIndex, texts: dict[str, str]) -> None:
    """``"的"`` is 的 wherever it stands: OR'd, or excluded (it made an empty FTS5 phrase, found nowhere)."""
    de, guo = _brute(texts, "cjk", "的"), _brute(texts, "cjk", "国")
    assert _found(index, '"的" OR "国"') == de | guo
    assert _found(index, '-"的"') == set(texts) - de
    assert _found(index, '"alpha" OR "的"') == _brute(texts, "word", "alpha") | de


def test_hits_are_ranked_with_the_title_weighted_up(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: notes\ndate: 2024-01-02\n---\nzebra zebra zebra\n")
    (tmp_path / "b.md").write_text("---\ntitle: zebra\ndate: 2024-01-01\n---\nsomething else entirely\n")
    (tmp_path / "c.md").write_text("---\ntitle: more\ndate: 2024-01-03\n---\nzebra once, among other words\n")
    with SearchIndex(tmp_path / "i.sqlite") as ix:
        ix.sync([str(tmp_path)])
        hits = ix.search("zebra")
        assert [Path(h.path).name for h in hits] == ["b.md", "a.md", "c.md"]
        assert hits[1].marked_snippet() == "«zebra» «zebra» «zebra»"
        # only a field: newest first
        assert [Path(h.path).name for h in ix.search("after:2024-01-01")] == ["c.md", "a.md", "b.md"]


def test_dates_of_a_day_a_month_or_a_year_take_in_the_whole_of_it(tmp_path: Path) -> None:
    """``before:2024-06-30`` is on or before that day: a post of that evening too; a month or a year is
    every day of it."""
    dates = {"june30": "2024-06-30 22:15", "july1": "2024-07-01 00:30", "older": "2023-12-31 23:00"}
    for name, when in dates.items():
        (tmp_path / f"{name}.md").write_text(
            f"---\ntitle: {name}\ndate: {when}\n---\n正文\n", encoding="utf-8"
        )
    with SearchIndex(tmp_path / "i.sqlite", timezone.utc) as ix:
        ix.sync([str(tmp_path)])

        def found(query: str) -> set[str]:
            return {Path(p).stem for p in _found(ix, query)}

        assert found("正文 before:2024-06-30") == {"june30", "older"}
        assert found("正文 after:2024-07-01") == {"july1"}
        assert found("正文 after:2024-07") == {"july1"} and found("正文 before:2024-06") == {
            "june30",
            "older",
        }
        assert found("正文 before:2023") == {"older"} and found("正文 after:2024") == {"june30", "july1"}
        assert found("正文 before:2024-06-30T22:00") == {"older"}  # (a time of day: that moment)
        assert found("正文 before:2024/06/30") == found("正文 before:2024.06.30") == {"june30", "older"}
        assert found("正文 before:9999") == set(dates) and found("正文 after:9999-12-31") == set()


def test_the_index_follows_the_files(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    for name in ("a", "b", "c"):
        (posts / f"{name}.md").write_text(f"---\ntitle: {name}\n---\n文本{name}\n", encoding="utf-8")
    with SearchIndex(tmp_path / "i.sqlite") as ix:
        first = ix.sync([str(posts)])
        assert (first.indexed, first.removed, first.unchanged) == (3, 0, 0)
        (posts / "a.md").write_text("---\ntitle: a\n---\n改过的正文\n", encoding="utf-8")
        (posts / "b.md").unlink()
        (posts / "d.md").write_text("---\ntitle: d\n---\n新的一篇\n", encoding="utf-8")
        again = ix.sync([str(posts)])
        assert (again.indexed, again.removed, again.unchanged) == (2, 1, 1)
        assert _found(ix, "改过") == {str(posts / "a.md")} and _found(ix, "文本a") == set()
        assert _found(ix, "文本b") == set() and _found(ix, "新的") == {str(posts / "d.md")}
        assert len(ix) == 3
        assert ix.sync([str(posts)]).indexed == 0


def test_a_sync_walks_only_when_the_files_fingerprint_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A script's search costs a stat of every file, not a walk, while nothing changed; an edit in place
    of the same size is still seen. A sync by a scan's stamps (perhaps older than the files) that changes
    the index leaves the next sync to walk."""
    from converters import search_index

    posts = tmp_path / "posts"
    posts.mkdir()
    for name in ("a", "b", "c"):
        (posts / f"{name}.md").write_text(f"---\ntitle: {name}\n---\n文本{name}\n", encoding="utf-8")
    walked: list[int] = []
    real_walk = search_index.walk
    monkeypatch.setattr(search_index, "walk", lambda *a, **k: walked.append(1) or real_walk(*a, **k))
    with SearchIndex(tmp_path / "i.sqlite") as ix:
        assert ix.sync([str(posts)]).indexed == 3 and len(walked) == 1
        again = ix.sync([str(posts)])
        assert (again.indexed, again.removed, again.unchanged, len(walked)) == (0, 0, 3, 1)
        a = posts / "a.md"
        before = a.stat()
        a.write_text("---\ntitle: a\n---\n改过a\n", encoding="utf-8")
        os.utime(a, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
        assert a.stat().st_size == before.st_size
        assert ix.sync([str(posts)]).indexed == 1 and len(walked) == 1  # (found by its stamps)
        assert _found(ix, "改过") == {str(a)}
        # the reader's stamps, taken before d.md was written: d is not in them, and goes out
        stamps = {str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in posts.iterdir()}
        (posts / "d.md").write_text("---\ntitle: d\n---\n新的一篇\n", encoding="utf-8")
        assert ix.sync([str(posts)]).indexed == 1 and len(walked) == 2
        assert ix.sync([str(posts)], stamps=stamps).removed == 1 and _found(ix, "新的") == set()
        assert ix.sync([str(posts)]).indexed == 1 and len(walked) == 3  # (walked again: d is back)
        assert _found(ix, "新的") == {str(posts / "d.md")}
        assert ix.sync([str(posts)], stamps={**stamps, str(posts / "d.md"): (0, 0)}).indexed == 1
        assert ix.sync([str(posts)]).indexed == 0 and len(walked) == 4  # (one walk finds all as it is)
        assert ix.sync([str(posts)]).indexed == 0 and len(walked) == 4


def test_after_edits_alone_a_sync_finds_them_by_a_stat_of_each_file_without_a_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a sync found the posts the index holds, edits of them are found by their stamps alone; anything
    else (a post that is one no more, a note that becomes one, a link that makes two posts one file) is
    left to a walk. Each time the index holds what a fresh build does."""
    from converters import search_index

    posts = tmp_path / "posts"
    (posts / "sub").mkdir(parents=True)
    clock = [1_700_000_000 * 10**9]

    def write(name: str, text: str) -> Path:
        path = posts / name
        path.write_text(text, encoding="utf-8")
        clock[0] += 10**7
        os.utime(path, ns=(clock[0], clock[0]))
        return path

    walked: list[int] = []
    real_walk = search_index.walk
    monkeypatch.setattr(search_index, "walk", lambda *a, **k: walked.append(1) or real_walk(*a, **k))

    def synced(kept: SearchIndex, walks: int) -> tuple[int, int]:
        report = kept.sync([str(posts)])
        assert len(walked) == walks
        rows = "SELECT d.path, d.relative, d.title, d.size, t.text FROM docs d JOIN texts t ON t.id = d.id"
        (tmp_path / "fresh.sqlite").unlink(missing_ok=True)
        with SearchIndex(tmp_path / "fresh.sqlite") as fresh:
            real_walk_count = len(walked)
            fresh.sync([str(posts)])
            del walked[real_walk_count:]
            assert set(kept.db.execute(rows)) == set(fresh.db.execute(rows))
        return report.indexed, report.removed

    a = write("a.md", "---\ntitle: a\n---\n文本一\n")
    b = write("sub/b.md", "---\ntitle: b\n---\n文本二\n")
    c = write("c.txt", "---\ntitle: c\n---\n文本三\n")
    notes = write("notes.txt", "只是笔记\n")
    with SearchIndex(tmp_path / "kept.sqlite") as kept:
        assert synced(kept, 1) == (3, 0)
        write("a.md", "---\ntitle: a\n---\n改了一\n")
        assert synced(kept, 1) == (1, 0)  # (a first build keeps its survey's stamps: no walk)
        write("sub/b.md", "---\ntitle: b\n---\n改了二\n")
        write("a.md", "---\ntitle: a\n---\n又改一\n")
        assert synced(kept, 1) == (2, 0)
        assert _found(kept, "改了二") == {str(b)} and _found(kept, "又改") == {str(a)}
        write("c.txt", "再也不是一篇\n")  # (a post no more: read, and taken out)
        assert synced(kept, 1) == (0, 1)
        write("a.md", "---\ntitle: a\n---\n三改一\n")
        assert synced(kept, 1) == (1, 0)  # (the posts changed last time: the stamps are the new ones)
        write("notes.txt", "---\ntitle: notes\n---\n成了一篇\n")  # (a file that is no post, changed)
        assert synced(kept, 2) == (1, 0)
        assert _found(kept, "成了") == {str(notes)}
        write("sub/b.md", "---\ntitle: b\n---\n四改二\n")
        assert synced(kept, 2) == (1, 0)
        os.utime(b, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns))
        assert synced(kept, 2) == (1, 0)
        os.chmod(b, 0o600)  # (its ctime alone changes: nothing to read again, no walk)
        assert synced(kept, 2) == (0, 0)
        b.unlink()
        os.link(a, b)  # (one file twice, the names and b's stamps as they were: a walk keeps one of two)
        assert synced(kept, 3) == (0, 1)
        assert c.exists() and len(kept) == 2


@pytest.mark.parametrize("case", ["a post becomes a link to a note", "a link to a post becomes a post"])
def test_a_name_that_makes_a_post_one_file_with_another_is_left_to_a_walk(tmp_path: Path, case: str) -> None:
    """A walk keeps one of two names of one file, the first, be the other a post or not: a symbolic link
    (which changes no stamp of its target) between a post and another file is found by a walk, and the
    index holds what a fresh build does."""
    posts = tmp_path / "posts"
    posts.mkdir()
    if case == "a post becomes a link to a note":
        (posts / "a.txt").write_text("只是笔记, no front matter\n", encoding="utf-8")
        (posts / "z.md").write_text("---\ntitle: z\n---\n文章 z\n", encoding="utf-8")
        (posts / "y.md").write_text("---\ntitle: y\n---\n文章 y\n", encoding="utf-8")
    else:
        (posts / "b.md").write_text("---\ntitle: b\n---\n文章 b\n", encoding="utf-8")
        (posts / "a.md").symlink_to("b.md")
    rows = "SELECT d.path, d.title, t.text FROM docs d JOIN texts t ON t.id = d.id"
    with SearchIndex(tmp_path / "kept.sqlite") as kept:
        kept.sync([str(posts)])
        if case == "a post becomes a link to a note":
            (posts / "z.md").unlink()
            (posts / "z.md").symlink_to("a.txt")
        else:
            (posts / "a.md").unlink()
            (posts / "a.md").write_text("---\ntitle: a\n---\n文章 a, a file of its own\n", encoding="utf-8")
        kept.sync([str(posts)])
        with SearchIndex(tmp_path / "fresh.sqlite") as fresh:
            fresh.sync([str(posts)])
            assert set(kept.db.execute(rows)) == set(fresh.db.execute(rows))
        assert kept.sync([str(posts)]).indexed == 0


def test_a_note_that_becomes_a_post_during_a_first_build_is_found_by_the_next_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note that becomes a post while the first build reads the posts (after its survey and walk) differs
    from the stamps the build keeps: the next sync walks, and finds it."""
    from converters import search_index

    posts = tmp_path / "posts"
    posts.mkdir()
    a = posts / "a.md"
    a.write_text("---\ntitle: a\n---\n文本一\n", encoding="utf-8")
    notes = posts / "notes.txt"
    notes.write_text("只是笔记\n", encoding="utf-8")
    walked: list[int] = []
    real_walk = search_index.walk
    monkeypatch.setattr(search_index, "walk", lambda *a, **k: walked.append(1) or real_walk(*a, **k))
    real_entries = SearchIndex._entries

    def entries(self: SearchIndex, *args: Any, **kwargs: Any) -> Any:
        yield from real_entries(self, *args, **kwargs)
        notes.write_text("---\ntitle: notes\n---\n成了一篇\n", encoding="utf-8")

    with SearchIndex(tmp_path / "i.sqlite") as ix:
        monkeypatch.setattr(SearchIndex, "_entries", entries)
        assert ix.sync([str(posts)]).indexed == 1 and len(walked) == 1
        monkeypatch.setattr(SearchIndex, "_entries", real_entries)
        a.write_text("---\ntitle: a\n---\n改了一\n", encoding="utf-8")
        assert ix.sync([str(posts)]).indexed == 2 and len(walked) == 2
        assert _found(ix, "成了") == {str(notes)} and _found(ix, "改了") == {str(a)}
        for text in ("又改一", "三改一"):  # (edits alone since: no walk)
            a.write_text(f"---\ntitle: a\n---\n{text}\n", encoding="utf-8")
            assert ix.sync([str(posts)]).indexed == 1 and len(walked) == 2


def test_a_sync_keeps_no_fingerprint_of_a_walk_another_process_wrote_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader's sync by older stamps commits while a script's walk compares: the walk's fingerprint
    is not kept over an index it no longer describes, and the next sync walks and mends it."""
    from converters import search_index

    posts = tmp_path / "posts"
    posts.mkdir()
    for name in ("a", "b", "c"):
        (posts / f"{name}.md").write_text(f"---\ntitle: {name}\n---\n文本{name}\n", encoding="utf-8")
    file = tmp_path / "i.sqlite"
    with SearchIndex(file) as ix:
        ix.sync([str(posts)])
        (posts / "d.md").write_text("---\ntitle: d\n---\n新的一篇\n", encoding="utf-8")
        older = {
            str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in posts.iterdir() if p.name != "d.md"
        }
        real_walk = search_index.walk

        def walk_meanwhile(*args: Any, **kwargs: Any) -> Any:
            with SearchIndex(file) as reader:
                reader.sync([str(posts)], stamps=older)  # (d is not in them: a no-op, here)
                reader.sync([str(posts)], stamps={k: v for k, v in older.items() if not k.endswith("c.md")})
            return real_walk(*args, **kwargs)

        monkeypatch.setattr(search_index, "walk", walk_meanwhile)
        ix.sync([str(posts)])
        monkeypatch.setattr(search_index, "walk", real_walk)
        assert _found(ix, "文本c") == set()  # (the reader took c out after the walk read the index)
        assert ix.sync([str(posts)]).indexed == 1 and _found(ix, "文本c") == {str(posts / "c.md")}
        assert _found(ix, "新的") == {str(posts / "d.md")}


def test_a_file_that_could_not_be_read_is_read_again_at_the_next_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from converters import reading

    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "a.md").write_text("---\ntitle: a\n---\n文本a\n", encoding="utf-8")
    (posts / "b.txt").write_text("---\ntitle: b\n---\n文本b\n", encoding="utf-8")
    real_read = reading.read_post

    def failing(path: str, *args: Any, **kwargs: Any) -> Any:
        return reading.unreadable(path, [])

    with SearchIndex(tmp_path / "i.sqlite") as ix:
        monkeypatch.setattr(reading, "read_post", failing)  # (an I/O error, say: the file is as it was)
        ix.sync([str(posts)])
        assert _found(ix, "文本a") == set() and _found(ix, "文本b") == set()
        monkeypatch.setattr(reading, "read_post", real_read)
        again = ix.sync([str(posts)])
        assert again.indexed == 2 and _found(ix, "文本a") == {str(posts / "a.md")}
        assert _found(ix, "文本b") == {str(posts / "b.txt")}
        assert ix.sync([str(posts)]).indexed == 0


def _stopping_at(n: int, entry: Any, read: list[str] | None = None) -> Any:
    """A post's reading (``_entry``) that is stopped, as by Ctrl-C, at the ``n``-th post."""
    read = [] if read is None else read

    def stopping(job: Any) -> Any:
        if len(read) == n - 1:
            raise KeyboardInterrupt
        read.append(job[0])
        return entry(job)

    return stopping


def test_a_first_build_stopped_midway_keeps_what_it_committed_and_the_next_goes_on(
    library: Path, index: SearchIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long sync commits every so many posts: stopped (Ctrl-C, say), it keeps those, never the files'
    fingerprint (the next sync walks), and the next sync indexes only the rest, to what a whole build
    holds."""
    from converters import search_index

    monkeypatch.setattr(search_index, "_FTS_BATCH", 4)
    monkeypatch.setattr(search_index, "_COMMIT_EVERY", 8)
    real_entry = search_index._entry
    read: list[str] = []
    monkeypatch.setattr(search_index, "_entry", _stopping_at(30, real_entry, read))
    with SearchIndex(tmp_path / "index.sqlite", timezone.utc) as ix:
        with pytest.raises(KeyboardInterrupt):
            ix.sync([str(library)], workers=1)
        assert len(ix) == 24  # (three commits of eight; the five posts after them rolled back)
        assert ix._fingerprint() is None and ix.partial()
        assert _found(ix, "的") <= set(read[:24])
        monkeypatch.setattr(search_index, "_entry", real_entry)
        report = ix.sync([str(library)], workers=1)
        assert (report.indexed, report.unchanged) == (120 - 24, 24)
        rows = "SELECT path, title, date, keys, mtime_ns FROM docs ORDER BY id"
        assert ix.db.execute(rows).fetchall() == index.db.execute(rows).fetchall()
        for query in ("的", "一是", "alpha", '"beta gamma"', "category:技术"):
            assert _found(ix, query) == _found(index, query), query
        assert ix._fingerprint() is not None and not ix.partial()
        assert ix.sync([str(library)]).indexed == 0


def test_a_stop_just_after_a_midway_commit_is_the_stop_itself(
    library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C between a midway commit and the next transaction's start: the KeyboardInterrupt goes on
    (no "cannot rollback" in its place), and what was committed stays."""
    from converters import search_index

    monkeypatch.setattr(search_index, "_FTS_BATCH", 4)
    monkeypatch.setattr(search_index, "_COMMIT_EVERY", 8)

    def commit_then_stop(self: SearchIndex) -> bool:
        self.db.execute("COMMIT")
        raise KeyboardInterrupt

    monkeypatch.setattr(SearchIndex, "_commit_midway", commit_then_stop)
    with SearchIndex(tmp_path / "index.sqlite", timezone.utc) as ix:
        with pytest.raises(KeyboardInterrupt):
            ix.sync([str(library)], workers=1)
        assert len(ix) == 8


def test_a_search_within_a_sync_leaves_out_the_posts_it_has_not_written_yet(
    library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search from a sync's progress (in its transaction) sees the posts written so far, without the
    ones whose texts and tokens still wait to go in together (batches of 5: at the 64th post, 60 in)."""
    from converters import search_index

    monkeypatch.setattr(search_index, "_FTS_BATCH", 5)
    seen: list[set[str]] = []
    with SearchIndex(tmp_path / "index.sqlite", timezone.utc) as ix:

        def progress(done: int, total: int) -> None:
            seen.append({hit.path for hit in ix.search("after:2020-01-01", limit=0)})  # (every post)

        ix.sync([str(library)], progress, workers=1)
        assert seen[0] == {str(path) for path in sorted(library.glob("*.md"))[:60]}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_sync_says_all_are_done_only_once_they_are_in_the_index(
    library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """The last progress (all of them) comes once the index holds every post, in its last commit: a
    search another process makes then (the reader's, on that word) finds them all."""
    from converters import search_index

    monkeypatch.setattr(search_index, "PARALLEL_FROM", 5)
    monkeypatch.setattr(search_index, "_COMMIT_EVERY", 8)
    told: list[tuple[int, int, int]] = []
    file = tmp_path / "index.sqlite"

    def progress(done: int, total: int) -> None:
        with SearchIndex(file) as elsewhere:
            told.append((done, total, len(elsewhere)))

    with SearchIndex(file, timezone.utc) as ix:
        ix.sync([str(library)], progress, workers=workers)
    assert told[-1] == (120, 120, 120)
    assert all(done < total for done, total, _ in told[:-1]) and len(told) > 1


def test_no_sync_still_builds_an_index_whose_build_was_stopped(
    library: Path, index: SearchIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--no-sync`` searches the index as it is, unless it was never built whole: then it builds it."""
    from converters import search_index

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(search_index, "_FTS_BATCH", 4)
    monkeypatch.setattr(search_index, "_COMMIT_EVERY", 8)
    monkeypatch.setattr(search_index, "_entry", _stopping_at(20, search_index._entry))
    with SearchIndex(search_index.index_file([str(library)], "local")) as ix:
        with pytest.raises(KeyboardInterrupt):
            ix.sync([str(library)], workers=1)
        assert 0 < len(ix) < 120
    found = _search("的", str(library), "--no-sync", "--json", "--limit", "0", cache=tmp_path)
    assert {json.loads(line)["path"] for line in found.stdout.splitlines()} == _found(index, "的")


def test_posts_of_one_second_beyond_its_ids_take_the_next_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second's ids (2**12 of them) are a post's by its date; more posts of that second go on into the
    next second's free ids, around the posts there, and are all found newest first."""
    from converters import search_index

    monkeypatch.setattr(search_index, "_SLOT_BITS", 1)  # (two ids a second)
    posts = tmp_path / "posts"
    posts.mkdir()
    for i in range(5):
        (posts / f"a{i}.md").write_text(f"---\ntitle: a{i}\ndate: 2024-05-01 10:00:00\n---\n同秒\n", "utf-8")
    (posts / "b.md").write_text("---\ntitle: b\ndate: 2024-05-01 10:00:01\n---\n同秒\n", "utf-8")
    with SearchIndex(tmp_path / "index.sqlite", timezone.utc) as ix:
        ix.sync([str(posts)], workers=1)
        ids = dict(ix.db.execute("SELECT path, id FROM docs"))
        assert len(set(ids.values())) == 6
        assert ids[str(posts / "b.md")] > search_index.date_key(ix.search("b")[0].date.timestamp())
        assert [hit.title for hit in ix.search("同秒", limit=0)] == ["b", "a4", "a3", "a2", "a1", "a0"]


def test_many_posts_are_read_by_one_worker_more_than_the_cores_unless_told(
    library: Path, index: SearchIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first build reads posts on a worker more than the cores (one waits for the disk while the others
    work), on as many as it is told when told, and indexes the same as one process does."""
    from converters import search_index, workers

    monkeypatch.setattr(search_index, "PARALLEL_FROM", 5)
    monkeypatch.setattr(search_index.os, "cpu_count", lambda: 2)
    used: list[int] = []
    niceness: list[int] = []
    real_map = workers.ordered_map

    def ordered_map(f: Any, t: Any, n: int, **k: Any) -> Any:
        used.append(n)
        niceness.append(k.get("niceness", 0))
        return real_map(f, t, n, **k)

    monkeypatch.setattr(workers, "ordered_map", ordered_map)
    for told in (None, 2):
        with SearchIndex(tmp_path / f"{told}.sqlite", timezone.utc) as ix:
            ix.sync([str(library)], workers=told)
            rows = "SELECT path, title, date, keys FROM docs ORDER BY id"
            assert ix.db.execute(rows).fetchall() == index.db.execute(rows).fetchall()
            assert _found(ix, "的") == _found(index, "的")
    assert used == [3, 2]
    assert niceness == [search_index.WORKER_NICENESS] * 2 and search_index.WORKER_NICENESS > 0  # (see there)


def test_a_program_with_threads_indexes_much_elsewhere_and_a_little_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From a thread (the reader's), a sync never starts worker processes: much to index goes to a new
    process (done here after all when that process fails), a little is indexed here."""

    from converters import search_index, workers

    posts = tmp_path / "posts"
    posts.mkdir()
    for i in range(8):
        (posts / f"p{i}.md").write_text(f"---\ntitle: p{i}\n---\n正文{i}\n", encoding="utf-8")
    monkeypatch.setattr(search_index, "PARALLEL_FROM", 5)
    monkeypatch.setattr(workers, "ordered_map", lambda *a, **k: pytest.fail("worker processes from a thread"))
    elsewhere: list[list[str]] = []
    monkeypatch.setattr(workers, "run_elsewhere", lambda module, args, *a: elsewhere.append(args) or False)

    def from_a_thread() -> None:
        stamps = {str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in posts.iterdir()}
        _in_a_thread(lambda: search_index.bring_up_to_date([str(posts)], timezone.utc, "utc", stamps))

    from_a_thread()
    assert elsewhere == [["--zone-key", "utc", "--", str(posts)]]
    (posts / "p3.md").write_text("---\ntitle: p3\n---\n改过\n", encoding="utf-8")
    from_a_thread()
    assert len(elsewhere) == 1  # (one post: here)
    with SearchIndex(search_index.index_file([str(posts)], "utc")) as ix:
        assert len(ix) == 8 and _found(ix, "改过") == {str(posts / "p3.md")}
    # without stamps (ctrl+f): a small library's files walked here, a large one's elsewhere
    (posts / "p4.md").write_text("---\ntitle: p4\n---\n又改\n", encoding="utf-8")
    changed: list[bool] = []
    walk = [str(posts)], timezone.utc, "utc"
    _in_a_thread(lambda: changed.append(search_index.bring_up_to_date(*walk)))
    _in_a_thread(lambda: changed.append(search_index.bring_up_to_date(*walk)))
    assert changed == [True, False] and len(elsewhere) == 1
    monkeypatch.setattr(search_index, "WALK_HERE_UP_TO", 5)
    _in_a_thread(lambda: search_index.bring_up_to_date(*walk))
    assert len(elsewhere) == 2
    with SearchIndex(search_index.index_file([str(posts)], "utc")) as ix:
        assert _found(ix, "又改") == {str(posts / "p4.md")}


def test_a_build_in_a_process_of_its_own_gives_way_to_the_reader(library: Path, tmp_path: Path) -> None:
    """What :func:`bring_up_to_date` runs elsewhere lowers its priority (and its workers') below the
    reader's, then indexes as a sync does."""
    code = (
        "import os, sys; from converters.search_index import _main;"
        " before = os.nice(0); _main(['--zone-key', 'utc', '--', sys.argv[1]]); print(before, os.nice(0))"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code, str(library)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    before, after = map(int, lines[-1].split())
    assert after == min(before + 10, 19) and lines[-2] == "progress 120 120"


def test_a_sync_elsewhere_says_whether_it_changed_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader makes its search again after ctrl+f's sync only when the process that synced changed
    the index (it commits nothing when the files' fingerprint is as the index holds it)."""
    from converters import search_index

    posts = tmp_path / "posts"
    posts.mkdir()
    for i in range(3):
        (posts / f"p{i}.md").write_text(f"---\ntitle: p{i}\n---\n正文{i}\n", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(search_index, "WALK_HERE_UP_TO", 0)
    monkeypatch.setattr(search_index, "SearchIndex", _NoSyncHere)
    changed: list[bool] = []
    walk = [str(posts)], timezone.utc, "utc"
    for _ in range(2):
        _in_a_thread(lambda: changed.append(search_index.bring_up_to_date(*walk)))
    (posts / "p1.md").write_text("---\ntitle: p1\n---\n改过\n", encoding="utf-8")
    _in_a_thread(lambda: changed.append(search_index.bring_up_to_date(*walk)))
    assert changed == [True, False, True]
    with SearchIndex(search_index.index_file([str(posts)], "utc")) as ix:
        assert _found(ix, "改过") == {str(posts / "p1.md")}


class _NoSyncHere(SearchIndex):
    """The index, which syncs only in the process :func:`bring_up_to_date` starts."""

    def sync(self, *args: Any, **kwargs: Any) -> Any:
        pytest.fail("synced in the reader's process")


def _in_a_thread(func: Any) -> None:
    import threading

    failed: list[BaseException] = []
    thread = threading.Thread(target=lambda: _catching(failed, func))
    thread.start()
    thread.join()
    assert not failed, failed


def _catching(failed: list[BaseException], func: Any, *args: Any) -> None:
    try:
        func(*args)
    except BaseException as e:
        failed.append(e)


def test_the_index_follows_a_scan_without_walking_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader hands the index the (mtime, size) its load found: the same changes are made, and no
    folder is walked a second time."""
    from converters import loading, search_index

    posts = tmp_path / "posts"
    posts.mkdir()
    for name in ("a", "b", "c"):
        (posts / f"{name}.md").write_text(f"---\ntitle: {name}\n---\n文本{name}\n", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def checked() -> dict[str, tuple[int, int]]:
        last = list(loading.open_library([str(posts)], timezone.utc, "utc"))[-1]
        assert last.checked and last.stamps is not None and not last.library.stamps
        return last.stamps

    with SearchIndex(tmp_path / "i.sqlite") as ix:
        assert ix.sync([str(posts)], stamps=checked()).indexed == 3
        (posts / "a.md").write_text("---\ntitle: a\n---\n改过的正文\n", encoding="utf-8")
        (posts / "b.md").unlink()
        stamps = checked()
        monkeypatch.setattr(search_index, "walk", lambda *a, **k: pytest.fail("walked"))
        again = ix.sync([str(posts)], stamps=stamps)
        assert (again.indexed, again.removed, again.unchanged) == (1, 1, 1)
        assert _found(ix, "改过") == {str(posts / "a.md")} and _found(ix, "文本b") == set()
        hit = ix.search("改过")[0]
        assert hit.relative == "a.md"
        assert ix.sync([str(posts)], stamps=checked()).indexed == 0  # (from the cache, checked)


@pytest.mark.parametrize("damage", ["garbage", "foreign", "truncated"])
def test_a_damaged_or_foreign_index_is_built_anew(tmp_path: Path, damage: str) -> None:
    import sqlite3

    (tmp_path / "a.md").write_text("---\ntitle: a\n---\n正文\n", encoding="utf-8")
    file = tmp_path / "i.sqlite"
    if damage == "garbage":
        file.write_bytes(b"not a database at all" * 100)
    elif damage == "foreign":
        other = sqlite3.connect(file)
        other.execute("CREATE TABLE notes(x)")
        other.commit()
        other.close()
    else:
        with SearchIndex(file) as ix:
            ix.sync([str(tmp_path)])
        file.write_bytes(file.read_bytes()[:2000])
    with SearchIndex(file) as ix:
        ix.sync([str(tmp_path)])
        assert _found(ix, "正文") == {str(tmp_path / "a.md")}


SEARCHER = """
import sys
from converters.search_index import SearchIndex
with SearchIndex(sys.argv[1]) as ix:
    for i in range(int(sys.argv[3])):
        if sys.argv[2] == "sync":
            ix.sync([sys.argv[4]])
        else:
            assert len(ix.search("共同")) >= 1
print("done")
"""


def test_two_processes_searching_and_reindexing_at_once(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    for i in range(40):
        (posts / f"p{i}.md").write_text(f"---\ntitle: p{i}\n---\n共同的正文 {i}\n", encoding="utf-8")
    file = tmp_path / "i.sqlite"
    with SearchIndex(file) as ix:
        ix.sync([str(posts)])
    searcher = subprocess.Popen(
        [sys.executable, "-c", SEARCHER, str(file), "search", "200"], stdout=subprocess.PIPE, text=True
    )
    syncer = subprocess.Popen(
        [sys.executable, "-c", SEARCHER, str(file), "sync", "30", str(posts)],
        stdout=subprocess.PIPE,
        text=True,
    )
    for i in range(30):  # changes for the syncer to take in while the searcher reads
        (posts / f"p{i}.md").write_text(f"---\ntitle: p{i}\n---\n共同的正文，改 {i} 次\n", encoding="utf-8")
    assert searcher.communicate(timeout=120)[0].strip() == "done" and searcher.returncode == 0
    assert syncer.communicate(timeout=120)[0].strip() == "done" and syncer.returncode == 0
    with SearchIndex(file) as ix:
        ix.sync([str(posts)])
        assert len(ix) == 40 and len(_found(ix, "改")) == 30


def _search(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    return subprocess.run(
        [str(POSTSHELF), "search", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_postshelf_search_for_scripts(library: Path, tmp_path: Path) -> None:
    found = _search("的 alpha", str(library), "--json", "--limit", "5", cache=tmp_path)
    assert found.returncode == 0, found.stderr
    rows = [json.loads(line) for line in found.stdout.splitlines()]
    assert 0 < len(rows) <= 5
    assert set(rows[0]) >= {"id", "source_path", "title", "date_published", "score", "snippet"}
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert any("«" in r["snippet"] for r in rows)
    # the id is the post's JSON record's
    record = subprocess.run(
        [str(POSTSHELF), "convert", str(library), "--to", "jsonl"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    ids = {r["source_path"]: r["id"] for r in map(json.loads, record.stdout.splitlines())}
    assert all(ids[r["source_path"]] == r["id"] for r in rows)
    lines = _search("alpha", str(library), cache=tmp_path).stdout.splitlines()
    assert lines and all(len(line.split("\t")) == 5 for line in lines)
    assert _search("absentword", str(library), cache=tmp_path).returncode == 1
    assert _search("*", str(library), cache=tmp_path).returncode == 2
    assert _search("alpha", str(tmp_path / "nowhere"), cache=tmp_path).returncode == 2


def test_a_site_post_re_indexed_any_way_keeps_its_json_record_id(tmp_path: Path) -> None:
    """A Hexo site's post keeps the id its JSON record has (made from its path below ``source/_posts``),
    re-indexed after an edit by a walk, by the reader's stamps or by a stat of each file."""
    site = tmp_path / "blog"
    (site / "source" / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("title: A blog\n", encoding="utf-8")
    post = site / "source" / "_posts" / "hello.md"
    post.write_text("---\ntitle: Hello\ndate: 2021-01-01\n---\n你好 world\n", encoding="utf-8")
    record = subprocess.run(
        [str(POSTSHELF), "convert", str(site), "--to", "jsonl"], capture_output=True, text=True, timeout=60
    )
    (expected,) = [json.loads(line)["id"] for line in record.stdout.splitlines()]
    with SearchIndex(tmp_path / "i.sqlite") as ix:
        ix.sync([str(site)])
        for how in ("walk", "stamps", "stat", "stat"):
            post.write_text(post.read_text(encoding="utf-8") + "更多\n", encoding="utf-8")
            st = post.stat()
            ix.sync(
                [str(site)], stamps={str(post): (st.st_mtime_ns, st.st_size)} if how == "stamps" else None
            )
            (hit,) = ix.search("你好")
            assert (hit.relative, hit.id) == ("hello.md", expected), how


def test_a_first_build_in_a_terminal_shows_a_bar_on_stderr_only(tmp_path: Path) -> None:
    """``postshelf search`` indexing many posts, its stderr a terminal: a bar there while it builds, gone
    after; the posts on stdout as ever."""
    posts = tmp_path / "posts"
    posts.mkdir()
    for i in range(260):
        (posts / f"p{i}.md").write_text(f"---\ntitle: 帖子{i}\n---\n<p>城市正文 {i}</p>\n", encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "COLUMNS": "100"}
    command = [str(POSTSHELF), "search", "城市", str(posts), "--limit", "3"]
    status, out, shown = run_with_terminal_stderr(command, env)
    assert status == 0 and len(out.splitlines()) == 3
    assert b"indexing" in shown and b"260/260" in shown


def test_the_bar_of_a_first_build_runs_no_thread_of_its_own() -> None:
    """A thread would keep the build from forking its workers: the bar is drawn when told."""
    import io
    import threading

    from converters.cli import _indexing_bar
    from converters.report import Reporter

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    threads = threading.active_count()
    with _indexing_bar(Reporter(False, stream)) as progress:
        assert progress is not None
        progress(64, 1000)
        assert threading.active_count() == threads
        progress(1000, 1000)
    assert "indexing" in stream.getvalue() and "1000/1000" in stream.getvalue()
    with _indexing_bar(Reporter(True, Terminal())) as progress:
        assert progress is None  # (--quiet)


def test_postshelf_search_takes_a_query_that_excludes_a_word(library: Path, tmp_path: Path) -> None:
    """``postshelf search -alpha PATH``, as the README has it: the query, not an unknown option."""
    texts = _searchable(library)
    without = set(texts) - _brute(texts, "word", "alpha")
    for args in (["-alpha", str(library)], ["-q", "-alpha", str(library), "--json"]):
        found = _search("--limit", "0", *args, cache=tmp_path)
        assert found.returncode == 0, (args, found.stderr)
        lines = found.stdout.splitlines()
        shown = {json.loads(line)["path"] if "--json" in args else line.split("\t")[3] for line in lines}
        assert shown == without, args
    assert _search("-alpha", cache=tmp_path).returncode == 2  # (no path: a usage error still)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not here")
def test_every_chinese_piece_of_the_corpus_is_found_where_it_is(tmp_path: Path) -> None:
    family = CORPUS / "family"
    with SearchIndex(tmp_path / "i.sqlite", timezone.utc) as ix:
        ix.sync([str(family)])
        texts = _searchable(family)
        rng = random.Random(7)
        for _ in range(200):
            source = rng.choice(sorted(texts.values()))
            runs = re.findall(r"[\u4e00-\u9fff]+", source)
            run = rng.choice(runs)
            n = rng.randint(1, 4)
            start = rng.randint(0, max(0, len(run) - n))
            query = run[start : start + n]
            assert _found(ix, query) == {p for p, t in texts.items() if query in t}, query


def test_a_character_alone_gives_the_posts_that_hold_it_newest_first(
    index: SearchIndex, texts: dict[str, str]
) -> None:
    """Posts are numbered in date order (several share each date here): the newest come first, and a
    limited search gives the first of the same list."""
    char = max(HAN[:60], key=lambda c: sum(c in t for t in texts.values()))
    everything = index.search(char, limit=0)
    assert {h.path for h in everything} == {p for p, t in texts.items() if char in t}
    dates = [h.date for h in everything]
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]
    assert [h.path for h in index.search(char, limit=7)] == [h.path for h in everything[:7]]


def test_past_the_window_the_newest_matches_are_ranked(
    index: SearchIndex, texts: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past search_index.WINDOW matches, the best of the newest that many come first, in the order (and
    with the scores) the whole ranking gives them; filters that leave too few of them rank every match."""
    from converters import search_index

    word = max(LATIN, key=lambda w: sum(w in t for t in texts.values()))
    every = index.search(word, limit=0)
    assert len(every) > 20
    matched = {h.path for h in every}
    newest_first = [p for (p,) in index.db.execute("SELECT path FROM docs ORDER BY id DESC") if p in matched]
    window = set(newest_first[:10])
    monkeypatch.setattr(search_index, "WINDOW", 10)
    found = index.search(word, limit=5)
    assert [h.path for h in found] == [h.path for h in every if h.path in window][:5]
    assert [h.score for h in found] == [h.score for h in every if h.path in window][:5]
    assert [h.path for h in index.search(word, limit=5)] != [h.path for h in every[:5]]  # (it did cut)
    filtered = f"{word} author:Ada tag:2024"
    whole = [h.path for h in index.search(filtered, limit=0)]
    monkeypatch.setattr(search_index, "WINDOW", 2)
    assert [h.path for h in index.search(filtered, limit=50)] == whole


@pytest.mark.parametrize(
    "query",
    ["alpha", "中", "的一", "alpha -beta", "的 OR 一", "tag:beta", "after:2024-01-10 的", "-alpha 中"],
)
def test_count_is_the_number_a_whole_search_finds(index: SearchIndex, query: str) -> None:
    assert index.count(query) == len(index.search(query, limit=0)) > 0


def test_no_sync_searches_the_index_as_it_is(library: Path, tmp_path: Path) -> None:
    assert _search("alpha", str(library), cache=tmp_path).returncode == 0  # (built)
    extra = library.parent / "extra"
    extra.mkdir(exist_ok=True)
    post = library / "zz-new.md"
    post.write_text("---\ntitle: new\n---\nquokka\n", encoding="utf-8")
    try:
        assert _search("quokka", str(library), "--no-sync", cache=tmp_path).returncode == 1
        assert _search("quokka", str(library), cache=tmp_path).returncode == 0
    finally:
        post.unlink()


def test_a_post_with_categories_and_authors_is_reindexed_cleanly(tmp_path: Path) -> None:
    """Its columns go in and come out in the same order: a contentless FTS5 table told other tokens on
    delete than it was given on insert is damaged ("database disk image is malformed")."""
    posts = tmp_path / "posts"
    posts.mkdir()
    post = posts / "a.md"
    post.write_text(
        "---\ntitle: 标题\ncategories: [新闻, 科技]\nauthor: 王五\ntags: [x]\n---\n正文\n", encoding="utf-8"
    )
    with SearchIndex(tmp_path / "i.sqlite") as ix:
        ix.sync([str(posts)])
        for n in range(3):
            os.utime(post, ns=(post.stat().st_atime_ns, post.stat().st_mtime_ns + 1_000_000_000))
            assert ix.sync([str(posts)]).indexed == 1, n
        assert ix.db.execute("INSERT INTO words(words) VALUES ('integrity-check')") is not None
        assert _found(ix, "科技") == {str(post)} and _found(ix, "王五") == {str(post)}
        assert _found(ix, "category:新闻/科技") == {str(post)} and _found(ix, "author:王") == {str(post)}


def test_an_index_damaged_while_open_is_built_anew_by_the_next_sync(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "a.md").write_text("---\ntitle: a\n---\n正文\n", encoding="utf-8")
    with SearchIndex(tmp_path / "i.sqlite") as ix:
        ix.sync([str(posts)])
        calls = []
        real = ix._sync

        def damaged_once(*args: object) -> object:
            calls.append(1)
            if len(calls) == 1:
                raise sqlite3.DatabaseError("database disk image is malformed")
            return real(*args)  # type: ignore[arg-type]

        ix._sync = damaged_once  # type: ignore[method-assign]
        assert ix.sync([str(posts)]).indexed == 1 and len(calls) == 2
        assert _found(ix, "正文") == {str(posts / "a.md")}


def test_an_index_found_damaged_while_counting_its_changes_is_wholly_out_of_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(so that the reader sends it to be built anew, not a warning and no index)"""
    stamps = {"a.md": (1, 1), "b.md": (2, 2)}
    with SearchIndex(tmp_path / "i.sqlite") as ix:

        def damaged(*args: object) -> object:
            raise sqlite3.DatabaseError("database disk image is malformed")

        monkeypatch.setattr(ix, "_compare", damaged)
        assert ix.outdated([str(tmp_path)], stamps) == 2

        def locked(*args: object) -> object:
            raise sqlite3.OperationalError("database is locked")

        monkeypatch.setattr(ix, "_compare", locked)
        with pytest.raises(sqlite3.OperationalError):
            ix.outdated([str(tmp_path)], stamps)


def test_chinese_with_digits_and_a_quoted_character_are_found(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "a.md").write_text("---\ntitle: a\n---\n第一段。\n\n第60段：公园。\n", encoding="utf-8")
    (posts / "b.md").write_text("---\ntitle: b\n---\n第一段，没有数字。\n", encoding="utf-8")
    (posts / "c.md").write_text("---\ntitle: c\n---\n2021年的报告\n", encoding="utf-8")
    a, b, c = (str(posts / f"{n}.md") for n in "abc")
    with SearchIndex(tmp_path / "i.sqlite") as ix:
        ix.sync([str(posts)])
        assert _found(ix, "第60段") == {a} and _found(ix, '"第60段"') == {a} and _found(ix, "60段") == {a}
        assert _found(ix, "2021年") == {c} and _found(ix, '"段"') == {a, b} and _found(ix, "第 -60") == {b}
        assert _found(ix, "-60") == {b, c}  # (only an exclusion: every other post, newest first)
        assert "«第»«60»«段»" in ix.search('"第60段"')[0].marked_snippet()


def test_a_phrase_may_mix_words_and_chinese(tmp_path: Path) -> None:
    """Chinese tech writing sets words of Latin script inside its sentences, with or without spaces: a
    quoted phrase finds them either way; between two runs of Chinese, or beside a character alone, the
    text's gap stays a gap."""
    posts = tmp_path / "posts"
    posts.mkdir()
    texts = {
        "joined": "先打开Python文件，再说hello世界。",
        "spaced": "先打开 Python 文件，再说 hello 世界。",
        "apart": "打开一个 Python 程序的文件。中国 国人。alpha 中 beta。",
        "comma": "中国，人民。hello, big 世界",
    }
    for name, text in texts.items():
        (posts / f"{name}.md").write_text(f"---\ntitle: {name}\n---\n{text}\n", encoding="utf-8")

    def found(ix: SearchIndex, query: str) -> set[str]:
        return {Path(p).stem for p in _found(ix, query)}

    with SearchIndex(tmp_path / "i.sqlite") as ix:
        ix.sync([str(posts)])
        assert found(ix, '"打开Python文件"') == {"joined", "spaced"}
        assert found(ix, '"打开 Python 文件"') == {"joined", "spaced"}
        assert found(ix, '"hello 世界"') == {"joined", "spaced"}
        assert found(ix, '"big 世界"') == {"comma"}
        assert found(ix, "中国人") == set()  # (two runs: no phrase across them)
        assert found(ix, '"alpha beta"') == set()  # (a character alone between them)
        assert found(ix, '"中国 人民"') == {"comma"}  # (a gap in the text for the gap in the phrase)
        assert any("«打开»«Python»«文件»" in hit.marked_snippet() for hit in ix.search('"打开Python文件"'))


def test_a_phrase_of_chinese_words_is_found_with_or_without_the_gap_between_them(tmp_path: Path) -> None:
    """Chinese writes no space between words, and a query often has one: ``"跨域 问题"`` finds the text
    with a gap there and without; ``"跨域问题"``, as typed, only the text without."""
    posts = tmp_path / "posts"
    posts.mkdir()
    texts = {"joined": "浏览器的跨域问题。", "apart": "先说跨域，问题在后面。", "other": "跨域资源的问题"}
    for name, text in texts.items():
        (posts / f"{name}.md").write_text(f"---\ntitle: {name}\n---\n{text}\n", encoding="utf-8")
    with SearchIndex(tmp_path / "i.sqlite") as ix:
        ix.sync([str(posts)])

        def found(query: str) -> set[str]:
            return {Path(p).stem for p in _found(ix, query)}

        assert found('"跨域 问题"') == {"joined", "apart"}
        assert found('"跨域问题"') == {"joined"}
        assert found('"浏览器的 跨域 问题"') == {"joined"}
        assert found("跨域问题") == {"joined"}  # (unquoted: the characters as typed, anywhere)


def test_a_search_reads_one_commit_while_another_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process's commit between a search's statements (the posts found, then their texts) is
    not seen halfway: the search reads the index as it was when it began."""
    posts = tmp_path / "posts"
    posts.mkdir()
    for i in range(5):
        (posts / f"p{i}.md").write_text(f"---\ntitle: p{i}\n---\n共同的正文 {i}\n", encoding="utf-8")
    file = tmp_path / "i.sqlite"
    with SearchIndex(file) as reader, SearchIndex(file) as writer:
        reader.sync([str(posts)])
        original = SearchIndex._texts

        def texts_after_a_commit(self: SearchIndex, ids: list[int]) -> dict[int, bytes]:
            for i in range(5):  # (every post changed and indexed anew, under new ids, by the other)
                (posts / f"p{i}.md").write_text(
                    f"---\ntitle: p{i}\n---\n共同的正文，改了 {i}\n", encoding="utf-8"
                )
            writer.sync([str(posts)])
            return original(self, ids)

        monkeypatch.setattr(SearchIndex, "_texts", texts_after_a_commit)
        hits = reader.search("共同")
        assert sorted(h.title for h in hits) == [f"p{i}" for i in range(5)]
        assert all("改了" not in h.marked_snippet() for h in hits)
        monkeypatch.setattr(SearchIndex, "_texts", original)
        assert all("改了" in h.marked_snippet() for h in reader.search("共同"))


def test_a_phrase_stops_at_the_end_of_a_name_and_keeps_a_character_alone(tmp_path: Path) -> None:
    """Tags, categories and authors are names apart: no phrase runs from one into the next. A character
    alone inside a phrase is that character, not any one."""
    posts = tmp_path / "posts"
    posts.mkdir()
    posts_text = {
        "tagged": ("tags: [中国, 国人, alpha, beta]\ncategories: [[新媒体, 趣头条]]", "正文。"),
        "alone": ("tags: []", "alpha 中 beta。中 国。"),
        "other": ("tags: []", "alpha 日 beta，还有中。"),
        "sigma": ("tags: []", "𝚺 和 ℿ 和 ㏁"),
    }
    for name, (head, body) in posts_text.items():
        (posts / f"{name}.md").write_text(f"---\ntitle: {name}\n{head}\n---\n{body}\n", encoding="utf-8")

    def found(ix: SearchIndex, query: str) -> set[str]:
        return {Path(p).stem for p in _found(ix, query)}

    with SearchIndex(tmp_path / "i.sqlite") as ix:
        ix.sync([str(posts)])
        assert found(ix, '"中国 国人"') == set() and found(ix, "tag:中国") == {"tagged"}
        assert found(ix, '"新媒体 趣头条"') == set() and found(ix, '"alpha beta"') == set()
        assert found(ix, '"alpha 中 beta"') == {"alone"}
        assert found(ix, '"中 国"') == {"alone", "tagged"}  # (characters alone at a phrase's ends: anywhere)
        assert found(ix, "σ") == found(ix, "Σ") == found(ix, "π") == found(ix, "mω") == {"sigma"}


def test_a_sync_of_many_changes_equals_a_fresh_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Posts' tokens go into FTS5 a batch at a time, and a long sync commits as it goes: with batches of
    two and a commit every four posts, a sync of edits, moves, deletions and new posts leaves the index a
    fresh build would make, and SQLite finds it sound."""
    import converters.search_index as search_index

    monkeypatch.setattr(search_index, "_FTS_BATCH", 2)
    monkeypatch.setattr(search_index, "_COMMIT_EVERY", 4)
    rng = random.Random(7)
    posts = tmp_path / "posts"
    posts.mkdir()

    def write(name: str) -> None:
        body = _random_text(rng, rng.randint(3, 12))
        (posts / name).write_text(
            f"---\ntitle: {name}\ndate: 2024-03-01 10:00:00\n---\n{body}\n", encoding="utf-8"
        )

    for i in range(12):
        write(f"p{i}.md")
    queries = [*LATIN[:6], *HAN[:12], '"alpha beta"']
    with SearchIndex(tmp_path / "kept.sqlite") as kept:
        kept.sync([str(posts)], workers=1)
        for round_ in range(4):
            names = sorted(p.name for p in posts.glob("*.md"))
            for name in rng.sample(names, 3):
                write(name)  # (edited)
            (posts / names[0]).rename(posts / f"moved{round_}.md")
            (posts / names[1]).unlink()
            write(f"new{round_}.md")
            kept.sync([str(posts)], workers=1)
            assert not kept.partial()
            with SearchIndex(tmp_path / f"fresh{round_}.sqlite") as fresh:
                fresh.sync([str(posts)], workers=1)
                for query in queries:
                    assert _found(kept, query) == _found(fresh, query), (round_, query)
            assert kept.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            kept.db.execute("INSERT INTO words(words) VALUES ('integrity-check')")


def test_a_sync_after_any_change_to_the_files_equals_a_fresh_build(tmp_path: Path) -> None:
    """What the fingerprint spares a walk for is never a change: after edits of the same size, hard
    links, renames there and back, new folders and .txt files that become posts, an index kept by syncs
    holds what a fresh build holds."""
    rng = random.Random(18)
    posts = tmp_path / "posts"
    (posts / "sub").mkdir(parents=True)
    clock = [1_700_000_000 * 10**9]

    def write(path: Path, text: str, whole: bool = False) -> None:
        path.write_text(text if whole else f"---\ntitle: {path.stem}\n---\n{text}\n", encoding="utf-8")
        clock[0] += 10**7  # (time goes on between two edits, as a tick of the file system's clock)
        os.utime(path, ns=(clock[0], clock[0]))

    def files() -> list[Path]:  # (in the walk's order)
        return sorted((p for p in posts.rglob("*") if p.is_file()), key=lambda p: str(p.relative_to(posts)))

    def held(index: SearchIndex) -> set[tuple[Any, ...]]:
        rows = index.db.execute(
            "SELECT d.path, d.title, d.size, t.text FROM docs d JOIN texts t ON t.id = d.id"
        )
        return set(rows)

    for i in range(6):
        write(posts / ("sub" if i % 2 else "") / f"p{i}.md", _random_text(rng, 5))
    with SearchIndex(tmp_path / "kept.sqlite") as kept:
        kept.sync([str(posts)])
        for round_ in range(30):
            present = files()
            victim = rng.choice(present)
            change = rng.randrange(7)
            if change == 0:  # an edit in place of the same size
                write(victim, victim.read_text(encoding="utf-8")[::-1], whole=True)
            elif change == 1:
                write(victim, _random_text(rng, 6))
            elif change == 2 and victim != present[-1]:  # a hard link over a post of the same size and time
                # (one after it: the walk keeps the first of two links, and would keep the other's path
                # with its old text, unchanged by its stamps, as an edit of the same size and time is)
                other = rng.choice(present[present.index(victim) + 1 :])
                other.write_text(victim.read_text(encoding="utf-8")[::-1], encoding="utf-8")
                os.utime(other, ns=(victim.stat().st_atime_ns, victim.stat().st_mtime_ns))
                kept.sync([str(posts)])
                other.unlink()
                os.link(victim, other)
            elif change == 3:  # away and back again, its stamps as they were
                victim.rename(tmp_path / "away")
                (tmp_path / "away").rename(victim)
            elif change == 4:
                folder = posts / f"new{round_}"
                folder.mkdir()
                write(folder / "n.md", _random_text(rng, 4))
            elif change == 5:
                note = posts / f"note{round_}.txt"
                note.write_text("just a note\n", encoding="utf-8")
                kept.sync([str(posts)])
                write(note, _random_text(rng, 3))  # (now with front matter: a post)
            elif len(present) > 2:
                victim.unlink()
            kept.sync([str(posts)])
            (tmp_path / "fresh.sqlite").unlink(missing_ok=True)
            with SearchIndex(tmp_path / "fresh.sqlite") as fresh:
                fresh.sync([str(posts)])
                assert held(kept) == held(fresh), (round_, change)


def test_a_post_waiting_for_fts5_can_be_taken_out(tmp_path: Path) -> None:
    """The same post's row twice in one sync (its tokens still waiting for FTS5 when it is taken out
    again): the waiting tokens go in first, so that FTS5 can take them out."""
    from converters.search_index import _entry

    (tmp_path / "a.md").write_text("---\ntitle: a\n---\n湖边的风景\n", encoding="utf-8")
    with SearchIndex(tmp_path / "i.sqlite") as ix:
        row = _entry((str(tmp_path / "a.md"), "a.md", False, None))
        from converters.search_index import SyncReport

        ix._write(iter([row, row]), [], SyncReport(), None)
        assert len(ix) == 1 and _found(ix, "风景") == {str(tmp_path / "a.md")}
        ix.db.execute("INSERT INTO words(words) VALUES ('integrity-check')")


def test_posts_read_together_give_the_rows_read_one_by_one(library: Path, tmp_path: Path) -> None:
    """A worker reads its posts a step at a time over a group (``_entries_of``): the rows are those of
    each post read alone, for HTML and Markdown posts, a .txt note that is no post and a file gone."""
    from converters.search_index import Unread, _entries_of, _entry

    (tmp_path / "note.txt").write_text("no front matter\n", encoding="utf-8")
    posts = sorted(library.glob("*.md"))[:40]
    jobs = [(str(p), p.name, False, None) for p in posts]
    jobs[5:5] = [(str(tmp_path / "note.txt"), "note.txt", True, None)]
    jobs[9:9] = [(str(tmp_path / "gone.md"), "gone.md", False, None)]
    together = _entries_of(jobs)
    assert together == [_entry(job) for job in jobs]
    assert together[5] == str(tmp_path / "note.txt") and isinstance(together[9], Unread)
    assert sum(isinstance(row, tuple) and row[11] != zlib.compress(b"", 1) for row in together) == 40


def test_a_post_that_trips_in_a_group_costs_only_itself(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cleaning that raises on one post of a group: the group is read again post by post, so that the
    others keep their text and that one is indexed by its metadata alone."""
    from converters import html as html_module
    from converters.search_index import _entries_of, _entry

    posts = sorted(library.glob("*.md"))[:12]
    jobs = [(str(p), p.name, False, None) for p in posts]
    alone = [_entry(job) for job in jobs]
    victim = next(i for i, p in enumerate(posts) if "<p>" in p.read_text(encoding="utf-8"))
    marker = zlib.decompress(alone[victim][11]).decode("utf-8")[:4]
    real_clean = html_module.clean_tree

    def tripping(root: Any, keep_proxies: bool = False) -> Any:
        if marker in "".join(root.itertext()):
            raise KeyError("a bug")
        return real_clean(root, keep_proxies)

    monkeypatch.setattr(html_module, "clean_tree", tripping)
    together = _entries_of(jobs)
    assert [row[:11] for row in together] == [row[:11] for row in alone]  # (every post, its metadata)
    assert zlib.decompress(together[victim][11]) == b""
    assert [row for i, row in enumerate(together) if i != victim] == [
        row for i, row in enumerate(alone) if i != victim
    ]


def test_the_stamps_an_index_keeps_are_rewritten_only_where_they_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files' stamps are kept in rows of so many bytes: an edit rewrites the rows it changed and no
    other, what is kept is always the last survey's stamps (in order, over many rows), and rows past the
    end go when the files are fewer."""
    from converters import search_index
    from converters.walk import survey

    monkeypatch.setattr(search_index, "_STAMPS_CHUNK", 96)  # (three files' stamps a row, 40 files)
    posts = tmp_path / "posts"
    posts.mkdir()
    for i in range(40):
        (posts / f"p{i:02d}.md").write_text(f"---\ntitle: p{i}\n---\n第{i}篇\n", encoding="utf-8")

    def kept(ix: SearchIndex) -> dict[str, bytes]:
        rows = ix.db.execute(f"SELECT key, value FROM info WHERE {search_index._STAMP_KEYS}")
        return dict(rows)

    with SearchIndex(tmp_path / "i.sqlite") as ix:
        ix.sync([str(posts)])
        first = kept(ix)
        assert (
            len(first) > 10 and b"".join(v for _, v in sorted(first.items())) == survey([str(posts)]).stamps
        )
        (posts / "p17.md").write_text("---\ntitle: p17\n---\n改过了\n", encoding="utf-8")
        written: list[str] = []
        real_db = ix.db

        class Watched:  # (the rows of info written)
            def __getattr__(self, name: str) -> Any:
                return getattr(real_db, name)

            def executemany(self, sql: str, rows: Any) -> Any:
                rows = list(rows)
                if "INTO info" in sql:
                    written.extend(str(row[0]) for row in rows)
                return real_db.executemany(sql, rows)

        ix.db = Watched()  # type: ignore[assignment]
        assert ix.sync([str(posts)]).indexed == 1
        ix.db = real_db
        second = kept(ix)
        assert 1 <= len([key for key in written if key.startswith("stamps")]) <= 3
        assert b"".join(v for _, v in sorted(second.items())) == survey([str(posts)]).stamps
        assert 1 <= sum(first[key] != second[key] for key in first) <= 3 and second.keys() == first.keys()
        (posts / "p03.md").write_text("---\ntitle: p3\n---\n也改了\n", encoding="utf-8")
        assert ix.sync([str(posts)]).indexed == 1 and _found(ix, "也改") == {str(posts / "p03.md")}
        for i in range(20, 40):
            (posts / f"p{i:02d}.md").unlink()
        assert ix.sync([str(posts)]).removed == 20
        third = kept(ix)
        assert (
            len(third) < len(first)
            and b"".join(v for _, v in sorted(third.items())) == survey([str(posts)]).stamps
        )


def test_a_sync_that_commits_midway_keeps_the_stamps_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many posts re-indexed in one sync (a commit every so many on the way): what the index keeps of the
    files' stamps afterwards is still the whole of them, and a later edit is found."""
    from converters import search_index
    from converters.walk import survey

    monkeypatch.setattr(search_index, "_COMMIT_EVERY", 4)
    monkeypatch.setattr(search_index, "_FTS_BATCH", 2)
    monkeypatch.setattr(search_index, "_STAMPS_CHUNK", 64)
    posts = tmp_path / "posts"
    posts.mkdir()
    clock = [1_700_000_000 * 10**9]

    def write(i: int, text: str) -> None:
        path = posts / f"p{i:02d}.md"
        path.write_text(f"---\ntitle: p{i}\n---\n{text}\n", encoding="utf-8")
        clock[0] += 10**7
        os.utime(path, ns=(clock[0], clock[0]))

    for i in range(20):
        write(i, f"第{i}篇")
    with SearchIndex(tmp_path / "i.sqlite") as ix:
        ix.sync([str(posts)], workers=1)
        for i in range(12, 18):  # (six edits: a midway commit after four)
            write(i, f"再改第{i}篇")
        assert ix.sync([str(posts)], workers=1).indexed == 6
        assert ix._stored_survey() == (survey([str(posts)]).listing, survey([str(posts)]).stamps)
        write(19, "最后一改")
        assert ix.sync([str(posts)], workers=1).indexed == 1 and _found(ix, "最后一改") == {
            str(posts / "p19.md")
        }


def test_two_posts_that_swap_names_are_read_again_though_their_stamps_are_alike(tmp_path: Path) -> None:
    """Two posts of one mtime and size (unpacked from one archive) swap names: the same stamps, but not
    the same files (by their inodes), so both are read again."""
    posts = tmp_path / "posts"
    posts.mkdir()
    for name, text in (("a.md", "甲的文字"), ("b.md", "乙的文字"), ("c.md", "丙")):
        (posts / name).write_text(f"---\ntitle: {name}\n---\n{text}\n", encoding="utf-8")
        os.utime(posts / name, ns=(1_700_000_000 * 10**9, 1_700_000_000 * 10**9))
    with SearchIndex(tmp_path / "i.sqlite") as ix:
        ix.sync([str(posts)])
        (posts / "a.md").rename(tmp_path / "t")
        (posts / "b.md").rename(posts / "a.md")
        (tmp_path / "t").rename(posts / "b.md")
        assert ix.sync([str(posts)]).indexed == 2
        assert _found(ix, "甲的") == {str(posts / "b.md")} and _found(ix, "乙的") == {str(posts / "a.md")}


def test_stamps_kept_in_another_layout_are_no_ground_to_compare_by(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stamps the index kept that are not laid out as the files' are now (cut short, from another
    version) are not compared with: the sync walks, and finds an edit wherever it is."""
    from converters import search_index

    monkeypatch.setattr(search_index, "_STAMPS_CHUNK", 64)
    posts = tmp_path / "posts"
    posts.mkdir()
    for i in range(20):
        (posts / f"p{i:02d}.md").write_text(f"---\ntitle: p{i}\n---\n第{i}篇\n", encoding="utf-8")
    with SearchIndex(tmp_path / "i.sqlite") as ix:
        ix.sync([str(posts)])
        _, stamps = ix._stored_survey() or ("", b"")
        # (laid out as if the first half held every file: the second half, p18's, would go uncompared)
        claimed = (len(stamps) - 8).to_bytes(8, "little") + stamps[8:]
        ix.db.execute(f"DELETE FROM info WHERE {search_index._STAMP_KEYS}")
        ix.db.execute("INSERT INTO info VALUES ('stamps 000000', ?)", (claimed,))
        (posts / "p18.md").write_text("---\ntitle: p18\n---\n改过的第十八篇\n", encoding="utf-8")
        assert ix.sync([str(posts)]).indexed == 1 and _found(ix, "改过的") == {str(posts / "p18.md")}


def test_a_stray_row_among_the_kept_stamps_costs_one_walk_not_every_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row of the stamps' keys that no survey made (one blob, as a development version kept them): the
    stamps are not read with it, the next sync walks and keeps them anew, and the edits after need no
    walk again."""
    from converters import search_index

    posts = tmp_path / "posts"
    posts.mkdir()
    for i in range(6):
        (posts / f"p{i}.md").write_text(f"---\ntitle: p{i}\n---\n第{i}篇\n", encoding="utf-8")
    walked: list[int] = []
    real_walk = search_index.walk
    monkeypatch.setattr(search_index, "walk", lambda *a, **k: walked.append(1) or real_walk(*a, **k))
    with SearchIndex(tmp_path / "i.sqlite") as ix:
        ix.sync([str(posts)])
        ix.db.execute("INSERT INTO info VALUES ('stamps', ?)", (b"\0" * 64,))
        for n, text in enumerate(("一改", "二改", "三改")):
            (posts / "p3.md").write_text(f"---\ntitle: p3\n---\n{text}\n", encoding="utf-8")
            assert ix.sync([str(posts)]).indexed == 1 and _found(ix, text) == {str(posts / "p3.md")}
            assert len(walked) == 2, n  # (the first build's, and the one after the stray row)


def test_stamps_left_behind_by_a_version_that_knows_nothing_of_them_are_not_trusted(tmp_path: Path) -> None:
    """A version of postshelf from before the kept stamps, sharing the index, changes it and forgets the
    fingerprint, but leaves the listing and stamps as they were: they no longer say what the index holds,
    and the next sync walks (here a post that version took out, from its reader's older look, comes back)."""
    posts = tmp_path / "posts"
    posts.mkdir()
    for name in ("a", "b", "c"):
        (posts / f"{name}.md").write_text(f"---\ntitle: {name}\n---\n文字{name}\n", encoding="utf-8")
    with SearchIndex(tmp_path / "i.sqlite") as ix:
        ix.sync([str(posts)])
        ix.db.execute("BEGIN IMMEDIATE")  # (what that version's sync by stamps that lack c.md did)
        ix._remove(str(posts / "c.md"))
        ix.db.execute("DELETE FROM info WHERE key IN ('fingerprint', 'rest')")
        ix.db.execute("COMMIT")
        assert ix.sync([str(posts)]).indexed == 1 and _found(ix, "文字c") == {str(posts / "c.md")}
