"""A fast walk of a workflow's task tree, in SpiffWorkflow's own depth-first order.

SpiffWorkflow's ``get_tasks`` goes through a general iterator (filters, depth bookkeeping, list copies) at a few
microseconds per task, and the views and the ready-task queries of every step walk the whole tree, which grows
with the case's history (each round of a loop adds its tasks). This walk visits the same tasks in the same order —
a task, then the subprocess it called, then its children — for a fraction of the cost.
"""
from __future__ import annotations

from collections.abc import Iterator

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.subworkflow import BpmnBaseWorkflow
from SpiffWorkflow.task import Task, TaskState

_FUTURE = TaskState.FUTURE
_READY = TaskState.READY


def tasks_in_order(workflow: BpmnWorkflow, definite_only: bool = False) -> Iterator[Task]:
    """Every task of the workflow and its subprocesses, depth first (BpmnTaskIterator's order).

    ``definite_only``: do not descend below predicted tasks (MAYBE, LIKELY), as SpiffWorkflow does when it looks
    for tasks in a definite state (ready, waiting …): nothing below a predicted task can be in one.
    """
    return _walk(workflow.task_tree, workflow, definite_only)


def _callers(top: BpmnWorkflow) -> dict[int, object]:
    """The tasks that called a subprocess (by object identity: hashing a UUID runs Python code) -> the subprocess."""
    callers = {}
    for sub_id, sub in top.subprocesses.items():
        caller = top.tasks.get(sub_id) or next(
            (s.tasks[sub_id] for s in top.subprocesses.values() if sub_id in s.tasks), None)
        if caller is not None:
            callers[id(caller)] = sub
    return callers


def _walk(start: Task, top: BpmnWorkflow, definite_only: bool, max_depth: int | None = None) -> Iterator[Task]:
    callers = _callers(top)
    stack = [(start, 0)]
    while stack:
        task, depth = stack.pop()
        if max_depth is not None and depth >= max_depth:
            raise _TooDeep
        yield task
        sub = callers.get(id(task)) if callers else None
        if definite_only and sub is None and task._state < _FUTURE:
            continue
        children = task.workflow.tasks
        stack.extend((child, depth + 1) for child in map(children.get, reversed(task._children))
                     if child is not None)
        if sub is not None:
            stack.append((sub.task_tree, depth + 1))


class _TooDeep(Exception):
    """The tree is deeper than SpiffWorkflow's iterator goes (it stops descending there): use the iterator."""


_original_get_tasks = BpmnBaseWorkflow.get_tasks
#: SpiffWorkflow's iterator does not descend below this depth
_ITERATOR_MAX_DEPTH = 900


def _get_tasks(self, first_task=None, **kwargs):  # noqa: ANN001, ANN202 - SpiffWorkflow's signature
    """``get_tasks(state=READY)`` — what ``do_engine_steps`` asks for after every engine step — by the fast walk;
    anything else by SpiffWorkflow's iterator."""
    if first_task is not None or kwargs.keys() != {"state"} or kwargs["state"] != _READY:
        return _original_get_tasks(self, first_task, **kwargs)
    try:
        return [task for task in _walk(self.task_tree, self.top_workflow, True, _ITERATOR_MAX_DEPTH)
                if task._state == _READY]
    except _TooDeep:
        return _original_get_tasks(self, first_task, **kwargs)


BpmnBaseWorkflow.get_tasks = _get_tasks  # type: ignore[method-assign]


def ready_user_tasks(workflow: BpmnWorkflow) -> list[Task]:
    """``workflow.get_tasks(state=TaskState.READY, manual=True)``, faster."""
    return [task for task in tasks_in_order(workflow, definite_only=True)
            if task._state == _READY and task.task_spec.manual]


def iterator_ready_tasks(workflow: BpmnWorkflow) -> list[Task]:
    """SpiffWorkflow's own ``get_tasks(state=READY)`` (tests compare the fast path with it)."""
    return _original_get_tasks(workflow, state=_READY)
