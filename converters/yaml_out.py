"""Front matter written as PyYAML's libyaml emitter writes it, for the shapes posts have, ~10x faster.

Converting a folder to Markdown writes front matter for every post; ``yaml.dump`` spends ~0.1 ms a post
building nodes in Python. :func:`dump_mapping` writes the usual shapes (text, numbers, booleans, null and
lists of them, one level of nested lists) directly, exactly as ``yaml.dump(..., Dumper=CSafeDumper,
default_flow_style=False, allow_unicode=True, sort_keys=False, width=1_000_000)`` would, and returns None
for anything else, which the caller then hands to PyYAML. The tests compare the two on random input.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER: Any = (
    yaml.resolver.Resolver()
)  # what the safe dumpers consult: does a plain scalar read back as text?
# One line of characters libyaml writes as they are: no tabs, line breaks of any kind or BOM, and nothing
# outside the BMP (libyaml escapes those: 🎉 becomes "\U0001F389").
_SIMPLE = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]+")
_FIRST_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")
_LONGEST = 10_000  # longer scalars are left to PyYAML (its line width is finite, however large)


def _scalar(value: Any) -> str | None:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value.__class__ is int:
        return str(value)
    if value.__class__ is not str:
        return None
    return _text(value)


_MEMO: dict[str, str | None] = {}
"""Keys and short values repeat across a library (``title``, category names, ``false``): each is judged once."""


def _text(s: str) -> str | None:
    found = _MEMO.get(s, False)
    if found is not False:
        return found  # type: ignore[return-value]
    written = _judge(s)
    if len(s) <= 32 and len(_MEMO) < 4096:
        _MEMO[s] = written
    return written


def _judge(s: str) -> str | None:
    if len(s) > _LONGEST or not _SIMPLE.fullmatch(s) or s[0] == " " or s[-1] == " ":
        return None  # (empty strings fail the match: PyYAML writes '')
    plain = (
        s[0] not in _FIRST_INDICATORS
        and not (s[0] in "?:-" and (len(s) == 1 or s[1] == " "))
        and s[:3] not in ("---", "...")
        and ": " not in s
        and " #" not in s
        and s[-1] != ":"
        and _RESOLVER.resolve(yaml.ScalarNode, s, (True, False)) == _STR_TAG
    )
    return s if plain else "'" + s.replace("'", "''") + "'"


def dump_mapping(data: dict[Any, Any]) -> str | None:
    """The YAML for a mapping of the usual front-matter shapes (without the final newline), or None."""
    lines: list[str] = []
    for key, value in data.items():
        name = _text(key) if key.__class__ is str and len(key) < 100 else None
        if name is None:
            return None
        if value.__class__ is not list:
            text = _scalar(value)
            if text is None:
                return None
            lines.append(f"{name}: {text}")
            continue
        if not value:
            lines.append(f"{name}: []")
            continue
        lines.append(f"{name}:")
        for item in value:
            if item.__class__ is list:
                if not item:
                    lines.append("- []")
                    continue
                for n, inner in enumerate(item):
                    text = _scalar(inner)
                    if text is None:
                        return None
                    lines.append(("- - " if n == 0 else "  - ") + text)
            else:
                text = _scalar(item)
                if text is None:
                    return None
                lines.append("- " + text)
    return "\n".join(lines) if lines else None
