"""What case data written directly by a person (the admin data edit) may hold.

A form's data is checked against the form (engine/forms.py: unknown keys refused); a data edit names its keys
itself, so they are checked here: a key is a data name as forms and scripts use them (a letter, then letters,
digits or ``_``; at most 64), and no key, at any depth, is ``typename`` — SpiffWorkflow's serializer reads a
dict holding it as a saved object, so the saved workflow could no longer be read back.
"""
from __future__ import annotations

import re
from typing import Any

from .script_helpers import HELPER_NAMES

DATA_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
#: the key SpiffWorkflow's DictionaryConverter restores as a registered type
SERIALIZER_MARKER = "typename"


def _holds_marker(value: Any) -> bool:
    if isinstance(value, dict):
        return SERIALIZER_MARKER in value or any(_holds_marker(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_marker(v) for v in value)
    return False


def holds_marker(value: Any) -> bool:
    """Whether ``value`` holds the serializer's marker as a key at any depth."""
    return _holds_marker(value)


def edit_problems(changes: dict[Any, Any]) -> list[str]:
    """Why ``changes`` cannot be written into case data (empty: they can). Keys are quoted at most 64
    characters long."""
    problems = []
    for key, value in changes.items():
        if not isinstance(key, str) or not DATA_KEY.fullmatch(key):
            problems.append(f"{str(key)[:64]!r} is not a data key (a letter, then letters, digits or _; at most 64)")
        elif key in HELPER_NAMES:
            problems.append(f"{key}: the name of a script helper, a builtin or a Python keyword; scripts could not "
                            "run on data holding it")
        elif key == SERIALIZER_MARKER or _holds_marker(value):
            problems.append(f"{key}: the key {SERIALIZER_MARKER!r} is reserved by the workflow serializer, at any "
                            "depth")
    return problems
