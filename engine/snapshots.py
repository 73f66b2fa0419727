"""Snapshots: what an instance looks like after a step, independent of task UUIDs.

A view is ``{"elements": [[process_id, element_id, state], ...], "data": {...}}``:
the BPMN elements in tree order (call activities followed by their called
process) with their SpiffWorkflow state names, and the case data. A replay of
the same inputs yields the same view, which is what verification compares.
Views are stored content-addressed (:func:`blob_ref`), so unchanged parts are
stored once.
"""
from __future__ import annotations

import hashlib
from itertools import takewhile
from operator import eq
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task, TaskState

from .history import canonical_json
from .walk import ordered_entries

_STATE_NAMES = {state: TaskState.get_name(state) for state in (
    TaskState.MAYBE, TaskState.LIKELY, TaskState.FUTURE, TaskState.WAITING, TaskState.READY, TaskState.STARTED,
    TaskState.COMPLETED, TaskState.ERROR, TaskState.CANCELLED)}

INTERNAL_SPECS = frozenset({"Start", "End", "Root"})


INTERNAL_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin")


def is_internal(name: str) -> bool:
    """SpiffWorkflow's own helper specs, which are not diagram elements."""
    return name in INTERNAL_SPECS or name.endswith(INTERNAL_SUFFIXES)


_is_internal = is_internal


def _element(task: Task) -> list[str] | None:
    name = task.task_spec.name
    if _is_internal(name):
        return None
    return [task.workflow.spec.name, name, _STATE_NAMES.get(task._state) or TaskState.get_name(task._state)]


def element_states(workflow: BpmnWorkflow) -> list[list[str]]:
    """[process id, element id, state name] of every diagram element's task, in tree order (subprocesses after
    the task that called them). The settled history's entries are remembered between steps (engine/walk.py)."""
    return ordered_entries(workflow, _element)


def state_view(workflow: BpmnWorkflow, data: dict[str, Any]) -> dict[str, Any]:
    return {"elements": element_states(workflow), "data": data}


def blob_ref(value: Any) -> tuple[str, str]:
    """(sha256, canonical JSON text) of a JSON-ready value."""
    text = canonical_json(value)
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), text


def elements_ref(elements: Any) -> tuple[str, str]:
    """:func:`blob_ref` of a view's element list, encoded by :func:`elements_json` (the same text): every engine
    step of a request stores its view, and the list grows with the case's history while a step changes a few of
    its entries."""
    text = elements_json(elements)
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), text


#: canonical JSON of an element entry, by its (process id, element id, state name); bounded (see elements_json)
_ENTRY_TEXT: dict[tuple[str, str, str], str] = {}
_ENTRY_TEXT_LIMIT = 50_000
#: the last element list :func:`elements_json` encoded (a copy) and its entries' texts
_LAST_ELEMENTS: tuple[list, list[str]] = ([], [])


def _entry_text(entry: Any) -> str | None:
    """The canonical JSON of an entry of three strings (remembered); None for any other entry."""
    if entry.__class__ is list and len(entry) == 3:
        a, b, c = entry
        if a.__class__ is str and b.__class__ is str and c.__class__ is str:
            key = (a, b, c)
            text = _ENTRY_TEXT.get(key)
            if text is None:
                text = canonical_json(entry)
                if len(_ENTRY_TEXT) >= _ENTRY_TEXT_LIMIT:
                    _ENTRY_TEXT.clear()
                _ENTRY_TEXT[key] = text
            return text
    return None


def _common_prefix(a: list, b: list) -> int:
    """How many leading items of ``a`` and ``b`` are equal (compared in C, without a Python loop per item)."""
    return len(list(takewhile(bool, map(eq, a, b))))


def elements_json(elements: Any) -> str:
    """``canonical_json(elements)``, faster for a view's element list: the text of a list is its entries' texts
    joined by commas in brackets. An entry of three strings has few distinct values (an element of a process in a
    state), so their texts are remembered; and a step changes a few entries of the list (the open part of the
    tree), so the entries equal to the last list's at its start and end take that list's texts (the last list is
    remembered only when all its entries are three strings: an entry equal to one of those has the same text).
    Anything else is encoded by :func:`canonical_json` itself."""
    global _LAST_ELEMENTS
    if elements.__class__ is not list:
        return canonical_json(elements)
    last, last_parts = _LAST_ELEMENTS
    head = _common_prefix(elements, last)
    room = min(len(elements), len(last)) - head
    tail = min(_common_prefix(elements[::-1], last[::-1]), room) if room > 0 else 0
    middle = list(map(_entry_text, elements[head:len(elements) - tail]))
    if None in middle:  # an entry of another shape: nothing is remembered of this list
        _LAST_ELEMENTS = ([], [])
        return canonical_json(elements)
    parts = last_parts[:head] + middle
    if tail:
        parts += last_parts[len(last) - tail:]
    _LAST_ELEMENTS = (list(elements), parts)
    return "[" + ",".join(parts) + "]"


def diff_views(expected: dict[str, Any], actual: dict[str, Any]) -> str | None:
    """A one-line description of the first difference between two views; None when equal."""
    if expected.get("elements") != actual.get("elements"):
        exp, act = expected.get("elements") or [], actual.get("elements") or []
        for i, (a, b) in enumerate(zip(exp, act, strict=False)):
            if a != b:
                return f"element #{i}: recorded {a}, replay {b}"
        return f"element count: recorded {len(exp)}, replay {len(act)}"
    exp_d, act_d = expected.get("data") or {}, actual.get("data") or {}
    if canonical_json(exp_d) != canonical_json(act_d):
        for key in sorted(set(exp_d) | set(act_d)):
            if canonical_json(exp_d.get(key)) != canonical_json(act_d.get(key)):
                return f"data '{key}': recorded {exp_d.get(key)!r}, replay {act_d.get(key)!r}"
    return None
