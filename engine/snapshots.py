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
