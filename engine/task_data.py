"""A task's data copied from its parent in one pass.

SpiffWorkflow gives a new task its parent's data with ``DeepMerge.merge(task.data, parent.data)`` (when the task
starts, ``Task._inherit_data``) and restores a saved task's data as its parent's plus a delta
(``DeepMerge.merge({}, parent.data)``, then the delta: ``TaskConverter.from_dict``). Merged into an empty dict,
``DeepMerge.merge`` takes every key of the parent once, copying lists, dicts and sets shallowly and keeping other
values as they are: that is :func:`copy_of_parent`, one dict comprehension instead of a Python call with a branch
and a path list per key. Every engine step and every cold load does this for each task it touches (a replay of a
200-event history about three thousand times).

Both hooks fall back to SpiffWorkflow's own code whenever the target is not empty (a real merge).
"""
from __future__ import annotations

from copy import copy
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
from SpiffWorkflow.task import Task

_SHALLOW_COPIED = (dict, list, set)
#: the classes of most case values: kept as they are, known by one set lookup
_PLAIN = frozenset({str, int, float, bool, type(None)})
_COPY = {dict: dict.copy, list: list.copy, set: set.copy}


def copy_of_parent(data: dict[str, Any]) -> dict[str, Any]:
    """``DeepMerge.merge({}, data)``: the keys of ``data``, lists, dicts and sets copied shallowly (their
    subclasses too, as ``copy`` copies them). One C-level copy of the dict, then the containers replaced."""
    copied = dict(data)
    for key, value in data.items():
        cls = value.__class__
        if cls in _PLAIN:
            continue
        exact = _COPY.get(cls)
        if exact is not None:
            copied[key] = exact(value)
        elif isinstance(value, _SHALLOW_COPIED):
            copied[key] = copy(value)
    return copied


_original_inherit_data = Task._inherit_data


def _inherit_data(self: Task) -> None:
    if self.data:
        _original_inherit_data(self)
    else:  # filled in place, as DeepMerge.merge does: the task keeps its data object
        self.data.update(copy_of_parent(self.parent.data))


Task._inherit_data = _inherit_data  # type: ignore[method-assign]


class DeltaTaskConverter(TaskConverter):
    """SpiffWorkflow's task converter; a task saved as a delta against its parent is restored with
    :func:`copy_of_parent` before the delta is applied (the rest of the task is SpiffWorkflow's own restore)."""

    def from_dict(self, dct: dict[str, Any], workflow: Any) -> Task:
        delta = dct.get("delta")
        parent = workflow.tasks.get(UUID(dct["parent"])) if delta and dct.get("parent") is not None else None
        if parent is None:  # no delta, or (as SpiffWorkflow) no parent to apply it to: SpiffWorkflow's restore
            return super().from_dict(dct, workflow)
        task = super().from_dict({**dct, "delta": None, "data": {}}, workflow)
        data = copy_of_parent(parent.data)
        data.update(self.registry.restore(delta.get("updates", {})))
        for key in delta.get("deletions", {}):
            data.pop(key, None)
        task.data = data
        return task
