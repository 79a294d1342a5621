"""CJK line breaking in the article pane (Rich's wrapping, with a break allowed between CJK characters)."""

from __future__ import annotations

import io
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.markdown import Markdown
from rich.text import Text

from tui import wrap

MIXED = (
    "在 2019 年以 20 亿美元收购了以色列 Habana Labs 后，英特尔推出了 Gaudi2 数据中心加速卡，并将之与面世已有两年的"
    "英伟达 A100 进行了对比。事实上，“哈瓦那”（Habana）制造了两种专用加速器：面向训练的 Gaudi2 和面向推理的 Goya。"
)


def lines_of(markdown: str, width: int) -> list[str]:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(Markdown(markdown))
    return [line.rstrip() for line in console.file.getvalue().splitlines()]  # type: ignore[attr-defined]


def test_rich_still_has_the_hook_we_use() -> None:
    assert wrap.install()  # fails on a Rich release that renamed its word splitter: look at tui/wrap.py


def test_mixed_cjk_and_latin_fill_their_lines() -> None:
    assert wrap.install()
    for width in range(16, 61):
        lines = lines_of(MIXED, width)
        assert "".join(lines).replace(" ", "") == MIXED.replace(" ", "")  # nothing lost or added
        for line, following in itertools.pairwise(lines):  # each break was needed: the next did not fit
            first = next(iter(wrap.words(following)))[2].rstrip()
            assert cell_len(line) + 1 + cell_len(first) > width, (line, following)
        assert not any(line[:1] in "，。、：”" for line in lines), lines  # closing punctuation stays behind
        assert not any(line[-1:] in "“（" for line in lines), lines  # opening punctuation goes ahead


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="中文字，。“”ab c1 ", min_size=1, max_size=80), st.integers(4, 30))
def test_wrapping_keeps_every_character(text: str, width: int) -> None:
    wrap.install()
    rich_text = Text(text)
    lines = rich_text.wrap(Console(width=width, color_system=None), width)
    assert "".join(line.plain for line in lines).replace(" ", "") == text.replace(" ", "").replace("\n", "")


def test_latin_words_between_cjk_punctuation_break_at_the_punctuation() -> None:
    """``GPT-4、Claude、Gemini`` is three words: a line may end after each 、, never inside a name that
    would fit on the next line."""
    wrap.install()
    text = "我们比较了GPT-4、Claude、Gemini、Llama和Mistral在中文阅读理解上的表现，提出Anti-Curriculum、学习方法。"
    names = ["GPT-4", "Claude", "Gemini", "Llama", "Mistral", "Anti-Curriculum"]
    for width in range(16, 61):
        lines = lines_of(text, width)
        assert "".join(lines) == text
        for line in lines:
            for name in names:
                for cut in range(1, len(name)):
                    assert not (line.endswith(name[:cut]) and not line.endswith(name)), (width, lines)
