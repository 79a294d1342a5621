"""Keys as the user sees them: one notation for the footer and help, read from the bindings in force.

Textual shows ``^p`` in one place and ``ctrl+p`` in another, ``⏎`` beside ``enter``; postshelf writes every
key the way its README and config file do (``ctrl+f``, ``enter``, ``?``), and help is built from the live
bindings with the user's keymap applied, so a remapped key shows as remapped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.keys import format_key

NAMES = {
    "space": "space",
    "enter": "enter",
    "escape": "escape",
    "tab": "tab",
    "pagedown": "pgdn",
    "pageup": "pgup",
    "home": "home",
    "end": "end",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "delete": "del",
    "backspace": "backspace",
}


def key_label(key: str) -> str:
    """``ctrl+f``, ``shift+tab``, ``?`` for ``question_mark``, ``\\`` for ``backslash``."""
    *modifiers, name = key.strip().split("+")
    shown = NAMES.get(name) or format_key(name)  # (Textual's names for characters: slash → /)
    return "+".join([*modifiers, shown])


def keys_of(node: DOMNode, keymap: Mapping[str, str]) -> list[tuple[list[str], Binding]]:
    """The bindings of one node as the user has them: (keys, binding), keys in the order declared."""
    bindings: BindingsMap = node._bindings.copy()  # (Textual keeps them there; applying a keymap changes
    if keymap:  # its copy in the binding chain the same way)
        bindings.apply_keymap(keymap)
    found: dict[str, tuple[list[str], Binding]] = {}
    for key, listed in bindings.key_to_bindings.items():
        for binding in listed:
            if binding.system:
                continue
            keys, first = found.setdefault(binding.action, ([], binding))
            if key not in keys:
                keys.append(key)
            if binding.id and not first.id:  # our own binding describes the action, not Textual's default
                found[binding.action] = (keys, binding)
    return list(found.values())


LEFT_OUT = {
    "app.focus_next", "app.focus_previous", "screen.copy_text", "scroll_left", "scroll_right",
    "page_left", "page_right", "toggle_expand_all",
}  # fmt: skip
"""Textual's own bindings that help does not list: tab and shift+tab get one row of their own; the
rest do nothing a reader of posts needs."""


def help_rows(places: Iterable[tuple[str, DOMNode]], keymap: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(keys, what they do, where) for every described binding of ``places``, one row per action and
    place, the keys of one action together."""
    rows: list[tuple[str, str, str]] = []
    for where, node in places:
        actions: dict[str, tuple[list[str], str]] = {}
        for keys, binding in keys_of(node, keymap):
            what = binding.tooltip or binding.description
            if not what or binding.action in LEFT_OUT:
                continue
            entry = actions.setdefault(binding.action, ([], what))
            entry[0].extend(k for k in keys if k not in entry[0])
        rows += [(", ".join(key_label(k) for k in keys), what, where) for keys, what in actions.values()]
    return rows
