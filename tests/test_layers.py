"""The layering the design promises: the core never imports the reader, and shell scripts never pay for
Textual (issue 16)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "converters" / "samples"

LOADED = """
import sys
{code}
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "tui"))))
"""


def loaded_by(code: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", LOADED.format(code=code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.split()


def test_the_core_imports_no_textual_and_no_reader() -> None:
    code = (
        "import converters.cli, converters.loading, converters.library, converters.jsonout, converters.epub"
    )
    assert loaded_by(code) == []


def test_the_convert_command_runs_without_textual(tmp_path: Path) -> None:
    code = (
        "import contextlib, io\n"
        "from tui.__main__ import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['convert', {str(SAMPLES)!r}, '--to', 'jsonl', '--jobs', '1', '-q'])\n"
        f"    main(['list', {str(SAMPLES)!r}, '--no-cache'])"
    )
    assert loaded_by(code) == ["tui", "tui.__main__"]  # the entry point itself, and nothing of Textual


def test_no_core_module_imports_the_reader() -> None:
    core = Path(__file__).resolve().parents[1] / "converters"
    for module in core.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert "from tui" not in text and "import tui" not in text and "textual" not in text, module.name


ROOT = Path(__file__).resolve().parents[1]


def test_the_readmes_layout_names_every_module_and_no_other() -> None:
    """The README's "How it is built" tree is the newcomer's map: it must follow the modules as they move."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How it is built", 1)[1].split("```", 2)[1].split("\ntests/", 1)[0]
    named = set(re.findall(r"(\w+\.py)\b", section))
    modules = {p.name for package in ("converters", "tui") for p in (ROOT / package).rglob("*.py")}
    modules -= {"__init__.py"}
    assert modules - named == set(), "modules the README's layout does not name"
    assert named - modules == set(), "modules the README's layout names that do not exist"


def test_list_and_categories_load_no_converter_of_bodies() -> None:
    """``postshelf list`` and ``categories`` read front matter only: lxml, html2text and markdown-it are
    for the bodies ``convert`` writes."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys, converters.cli; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = {m.split(".")[0] for m in done.stdout.split()}
    assert loaded.isdisjoint({"lxml", "html2text", "markdown_it"})
