"""A fast walk of a workflow's task tree, in SpiffWorkflow's own depth-first order.

SpiffWorkflow's ``get_tasks`` goes through a general iterator (filters, depth bookkeeping, list copies) at a few
microseconds per task, and the views and the ready-task queries of every step walk the whole tree, which grows
with the case's history (each round of a loop adds its tasks). This walk visits the same tasks in the same order —
a task, then the subprocess it called, then its children — for a fraction of the cost.

The searches for tasks in a definite, unfinished state (ready, waiting — what the engine asks after every step)
also skip what cannot hold one (:func:`definite_tasks`): a subtree whose tasks are all completed or cancelled
("settled"), and a finished task whose children are settled but one (a "pass-through": a loop's history is a
long chain of them). What was found settled is remembered on the tasks until the tree changes under a finished
task (a rewind, a child added to or removed from it), so a step on a long history costs about what it costs on a
fresh case.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.bpmn.util.subworkflow import BpmnBaseWorkflow
from SpiffWorkflow.task import Task, TaskState
from SpiffWorkflow.workflow import Workflow

_FUTURE = TaskState.FUTURE
_READY = TaskState.READY
_WAITING = TaskState.WAITING
#: states a task never leaves but by a rewind
_FINAL = TaskState.COMPLETED | TaskState.CANCELLED



_CHECK_WALKS: list[bool] = []  # read once, at the first walk (a replay asks about a thousand times)


def _checking() -> bool:
    """Whether to check every fast search against SpiffWorkflow's iterator (SANXIANG_CHECK_WALKS=1: the test
    suite sets it; slow). Read from the environment at the first walk of the process."""
    if not _CHECK_WALKS:
        _CHECK_WALKS.append(os.environ.get("SANXIANG_CHECK_WALKS") == "1")
    return _CHECK_WALKS[0]


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


# --- what is settled: remembered per top workflow, forgotten when the tree changes under a finished task --------

#: attribute of a top workflow: its generation (a task's marks count only if they carry the current one)
_GENERATION = "_sanxiang_walk_generation"
#: attributes of a task: the generation of its marks, and its mark: _SETTLED, or (next task, levels) of a
#: pass-through
_MARK_GEN = "_sanxiang_walk_gen"
_MARK = "_sanxiang_walk_mark"
_SETTLED = "settled"


def _top(workflow) -> object:  # noqa: ANN001 - a Workflow or a BPMN subprocess
    return getattr(workflow, "top_workflow", None) or workflow


def _generation(top) -> int:  # noqa: ANN001
    return top.__dict__.get(_GENERATION, 0)


def _forget(task: Task) -> None:
    """The tree changed under ``task``: if anything was marked through it, forget every mark of its workflow."""
    top = _top(task.workflow)
    if task.__dict__.get(_MARK_GEN) == _generation(top):
        top.__dict__[_GENERATION] = _generation(top) + 1


def _mark(task: Task, generation: int) -> object | None:
    return task.__dict__.get(_MARK) if task.__dict__.get(_MARK_GEN) == generation else None


def _set_mark(task: Task, generation: int, mark: object) -> None:
    task.__dict__[_MARK_GEN] = generation
    task.__dict__[_MARK] = mark


def _settled(task: Task, generation: int, callers: dict[int, object]) -> bool:
    """Whether every task of ``task``'s subtree is completed or cancelled (and calls no subprocess); remembered."""
    if _mark(task, generation) == _SETTLED:
        return True
    # post-order without recursion: a settled history can be deeper than Python's stack
    order, stack = [], [task]
    while stack:
        node = stack.pop()
        mark = _mark(node, generation)
        if mark == _SETTLED:
            continue
        if mark is not None or not node._state & _FINAL or id(node) in callers:
            return False  # a pass-through had an open child (if it settled since, looking on is merely slower)
        order.append(node)
        tasks = node.workflow.tasks
        stack.extend(tasks[child] for child in node._children if child in tasks)
    for node in reversed(order):  # children before their parents
        _set_mark(node, generation, _SETTLED)
    return True


#: attribute of a workflow (top or subprocess): the generation its tree was last classified in
_CLASSIFIED = "_sanxiang_walk_classified"


def _prepare(workflow) -> tuple[object, int, dict[int, object]]:  # noqa: ANN001
    """(top workflow, its generation, its callers), the trees classified in this generation (:func:`_classify`)."""
    top = _top(workflow)
    generation = _generation(top)
    if generation == 0:
        generation = top.__dict__[_GENERATION] = 1
    callers = _callers(top)
    for wf in (top, *top.subprocesses.values()):
        if wf.__dict__.get(_CLASSIFIED) != generation:
            _classify(wf.task_tree, generation, callers)
            wf.__dict__[_CLASSIFIED] = generation
    return top, generation, callers


def _classify(root: Task, generation: int, callers: dict[int, object]) -> None:
    """Mark the settled subtrees and the pass-throughs of a tree in one bottom-up pass (a history's chain of
    pass-throughs would cost its length squared if each were found from above)."""
    order, stack = [], [root]
    while stack:
        node = stack.pop()
        if _mark(node, generation) == _SETTLED:
            continue
        order.append(node)
        tasks = node.workflow.tasks
        stack.extend(child for child in map(tasks.get, node._children) if child is not None)
    settled: dict[int, bool] = {}
    for node in reversed(order):  # every task after its descendants
        final = bool(node._state & _FINAL) and id(node) not in callers
        open_children = []
        if final:
            tasks = node.workflow.tasks
            for child in map(tasks.get, node._children):
                if child is None:
                    continue
                done = settled.get(id(child))
                if done is None:
                    done = _mark(child, generation) == _SETTLED
                if not done:
                    open_children.append(child)
        if final and not open_children:
            settled[id(node)] = True
            _set_mark(node, generation, _SETTLED)
        else:
            settled[id(node)] = False
            if final and len(open_children) == 1:
                _set_mark(node, generation, (open_children[0], 1))


def _skip(task: Task, generation: int, callers: dict[int, object]) -> tuple[Task | None, int]:
    """(the first task at or below ``task`` a definite search must visit, levels below ``task``), skipping
    pass-throughs; (None, 0) when ``task``'s subtree is settled."""
    path: list[tuple[Task, int]] = []
    node, levels = task, 0
    while True:
        mark = _mark(node, generation)
        if mark == _SETTLED:
            node = None
            break
        if mark is not None:
            path.append((node, levels))
            target, more = mark
            node, levels = target, levels + more
            continue
        if not node._state & _FINAL or id(node) in callers:
            break
        tasks = node.workflow.tasks
        open_children = [tasks[c] for c in node._children if c in tasks and not _settled(tasks[c], generation, callers)]
        if not open_children:
            _set_mark(node, generation, _SETTLED)
            node = None
            break
        if len(open_children) > 1:
            break
        path.append((node, levels))
        node, levels = open_children[0], levels + 1
    if node is None:
        for passed, _ in path:  # everything below them is settled now
            _set_mark(passed, generation, _SETTLED)
        return None, 0
    for passed, at in path:  # path compression: each pass-through leads straight to the end of the chain
        _set_mark(passed, generation, (node, levels - at))
    return node, levels


def definite_tasks(workflow, subprocesses: bool = True, max_depth: int | None = None) -> Iterator[Task]:  # noqa: ANN001
    """The tasks of ``workflow`` (and, with ``subprocesses``, of the subprocesses its tasks called) that a search
    for a definite state must look at, in SpiffWorkflow's depth-first order: finished tasks whose subtrees cannot
    hold an unfinished one are left out. A task's children are taken when it is reached, before it is yielded
    (as SpiffWorkflow's iterator does). ``max_depth``: a task deeper than this (the root is 0) is not reached."""
    top, generation, callers = _prepare(workflow)  # callers: never skipped, searched into or not
    stack = [(workflow.task_tree, 0)]
    while stack:
        task, depth = stack.pop()
        if _generation(top) != generation:  # the consumer changed the tree under a marked task
            top, generation, callers = _prepare(workflow)
        task, levels = _skip(task, generation, callers)
        if task is None:
            continue
        depth += levels
        if max_depth is not None and depth > max_depth:
            continue
        sub = callers.get(id(task)) if callers and subprocesses else None
        if (sub is not None or task._state >= _FUTURE) and (max_depth is None or depth < max_depth):
            tasks = task.workflow.tasks
            stack.extend((child, depth + 1) for child in map(tasks.get, reversed(task._children))
                         if child is not None)
            if sub is not None:
                stack.append((sub.task_tree, depth + 1))
        yield task


# --- every task in order, with the settled history's part of the answer remembered ------------------------------

#: attributes of a task: (generation, entries) of its settled subtree; (generation, entries before its open child,
#: the open child, entries after it) of a pass-through
_SEGMENT = "_sanxiang_walk_segment"
_AROUND = "_sanxiang_walk_around"


def _entries_of_settled(task: Task, generation: int, entry: Callable[[Task], object | None]) -> list:
    """``entry`` of every task of a settled subtree (which calls no subprocess), depth first; remembered."""
    cached = task.__dict__.get(_SEGMENT)
    if cached is not None and cached[0] == generation:
        return cached[1]
    out: list = []
    stack = [task]
    while stack:
        node = stack.pop()
        seg = node.__dict__.get(_SEGMENT)
        if seg is not None and seg[0] == generation:
            out.extend(seg[1])
            continue
        value = entry(node)
        if value is not None:
            out.append(value)
        tasks = node.workflow.tasks
        stack.extend(child for child in map(tasks.get, reversed(node._children)) if child is not None)
    task.__dict__[_SEGMENT] = (generation, out)
    return out


def ordered_entries(workflow, entry: Callable[[Task], object | None]) -> list:  # noqa: ANN001
    """``[entry(task) for task in tasks_in_order(workflow)]`` without the Nones, where the entries of the settled
    history (settled subtrees, and what lies around the open child of a pass-through) are computed once and
    remembered on the tasks until the tree changes under them. ``entry`` must depend only on the task's spec,
    workflow and state (one caller: engine/snapshots.py)."""
    _, generation, callers = _prepare(workflow)
    out: list = []
    stack: list = [workflow.task_tree]
    while stack:
        item = stack.pop()
        if item.__class__ is list:
            out.extend(item)
            continue
        task = item
        if id(task) not in callers and task._state & _FINAL:
            around = task.__dict__.get(_AROUND)
            if around is None or around[0] != generation:
                if _settled(task, generation, callers):
                    out.extend(_entries_of_settled(task, generation, entry))
                    continue
                around = _around(task, generation, callers, entry)
            if around is not None:
                _, before, open_child, after = around
                merged = False
                while True:  # a chain of pass-throughs: remember it whole on its first task (path compression)
                    inner = open_child.__dict__.get(_AROUND)
                    if inner is None or inner[0] != generation:
                        break
                    before, open_child, after = before + inner[1], inner[2], inner[3] + after
                    merged = True
                if merged:
                    task.__dict__[_AROUND] = (generation, before, open_child, after)
                out.extend(before)
                stack.append(after)
                stack.append(open_child)
                continue
        value = entry(task)
        if value is not None:
            out.append(value)
        tasks = task.workflow.tasks
        stack.extend(child for child in map(tasks.get, reversed(task._children)) if child is not None)
        sub = callers.get(id(task)) if callers else None
        if sub is not None:
            stack.append(sub.task_tree)
    if _checking():
        assert out == [v for v in map(entry, tasks_in_order(workflow)) if v is not None], "cached entries differ"
    return out


def _around(task: Task, generation: int, callers: dict[int, object],
            entry: Callable[[Task], object | None]) -> tuple | None:
    """(generation, entries before the open child, the open child, entries after it) of a finished task whose
    children are settled but one; None (nothing remembered) for any other task."""
    tasks = task.workflow.tasks
    children = [child for child in map(tasks.get, task._children) if child is not None]
    open_at = [i for i, child in enumerate(children) if not _settled(child, generation, callers)]
    if len(open_at) != 1:
        return None
    i = open_at[0]
    own = entry(task)
    before = ([own] if own is not None else []) + [
        value for child in children[:i] for value in _entries_of_settled(child, generation, entry)]
    after = [value for child in children[i + 1:] for value in _entries_of_settled(child, generation, entry)]
    around = (generation, before, children[i], after)
    task.__dict__[_AROUND] = around
    if _mark(task, generation) is None:  # marked, so that a change of its children forgets what is remembered
        _set_mark(task, generation, (children[i], 1))
    return around


# --- SpiffWorkflow's hooks: what changes the tree under a finished task forgets the marks ----------------------

_original_set_state = Task._set_state
_original_child_added = Task._child_added_notify
_original_remove_task = Workflow._remove_task


def _set_state(self: Task, value: int) -> None:
    if value != self._state and self._state & _FINAL:
        _forget(self)
    _original_set_state(self, value)


def _child_added(self: Task, child: Task) -> None:
    _forget(self)
    _original_child_added(self, child)


def _remove_task(self: Workflow, task_id) -> None:  # noqa: ANN001
    task = self.tasks.get(task_id)
    if task is not None and task.parent is not None:
        _forget(task.parent)
    _original_remove_task(self, task_id)


Task._set_state = _set_state  # type: ignore[method-assign]
Task._child_added_notify = _child_added  # type: ignore[method-assign]
Workflow._remove_task = _remove_task  # type: ignore[method-assign]


def _ancestors(task: Task) -> Iterator[Task]:
    """The task's parent, its parent's parent … up to the root, by the workflow's task dict (no recursion, no
    property lookups)."""
    tasks = task.workflow.tasks
    node = tasks.get(task._parent)
    while node is not None:
        yield node
        node = tasks.get(node._parent)


def _is_descendant_of(self: Task, task: Task) -> bool:
    """SpiffWorkflow's ``Task.is_descendant_of`` without recursion and property lookups (a join asks it of every
    branch, and the answer walks up a loop's whole history). :func:`_ancestors`' loop written out: a generator
    here costs verify 0.7% more instructions (bench_instructions.py)."""
    tasks = self.workflow.tasks
    node = tasks.get(self._parent)
    while node is not None:
        if node is task:
            return True
        node = tasks.get(node._parent)
    return False


_original_is_descendant_of = Task.is_descendant_of
Task.is_descendant_of = _is_descendant_of  # type: ignore[method-assign]


# --- the searches ----------------------------------------------------------------------------------------------

_original_get_tasks = BpmnBaseWorkflow.get_tasks
_original_update_waiting = Workflow.update_waiting_tasks
#: SpiffWorkflow's iterator does not descend below this depth (util/task.py TaskIterator max_depth)
_SPIFF_MAX_DEPTH = 1000
#: the deepest a task can lie and still be found and run by the engine
DEPTH_LIMIT = _SPIFF_MAX_DEPTH
#: the fast ``get_tasks(state=READY)`` keeps this far from it (BpmnTaskIterator's depth through subprocesses)
_ITERATOR_MAX_DEPTH = 900


def _get_tasks(self, first_task=None, **kwargs):  # noqa: ANN001, ANN202 - SpiffWorkflow's signature
    """``get_tasks(state=READY)`` — what ``do_engine_steps`` asks for after every engine step — by the fast search;
    anything else by SpiffWorkflow's iterator."""
    if first_task is not None or kwargs.keys() != {"state"} or kwargs["state"] != _READY:
        return _original_get_tasks(self, first_task, **kwargs)
    found, deepest = [], 0
    for task in _depths(self):
        node, depth = task
        deepest = max(deepest, depth)
        if node._state == _READY:
            found.append(node)
    if deepest >= _ITERATOR_MAX_DEPTH:
        return _original_get_tasks(self, first_task, **kwargs)
    if _checking():
        assert found == _original_get_tasks(self, state=_READY), "fast get_tasks(READY) differs"
    return found


def _depths(workflow) -> Iterator[tuple[Task, int]]:  # noqa: ANN001
    """(task, depth) of :func:`definite_tasks`, for the depth check of :func:`_get_tasks`."""
    _, generation, callers = _prepare(workflow)
    stack = [(workflow.task_tree, 0)]
    while stack:
        task, depth = stack.pop()
        task, levels = _skip(task, generation, callers)
        if task is None:
            continue
        depth += levels
        sub = callers.get(id(task)) if callers else None
        if sub is not None or task._state >= _FUTURE:
            tasks = task.workflow.tasks
            stack.extend((child, depth + 1) for child in map(tasks.get, reversed(task._children))
                         if child is not None)
            if sub is not None:
                stack.append((sub.task_tree, depth + 1))
        yield task, depth


def _update_waiting_tasks(self) -> None:  # noqa: ANN001
    """SpiffWorkflow's ``update_waiting_tasks`` (its plain TaskIterator from this workflow's root: no subprocesses,
    nothing below depth 1000, each task's state read when it is reached) by the fast search."""
    if _checking():
        fast = [t for t in definite_tasks(self, subprocesses=False, max_depth=_SPIFF_MAX_DEPTH)
                if t._state == _WAITING]
        from SpiffWorkflow.util.task import TaskIterator
        assert fast == list(TaskIterator(self.task_tree, state=_WAITING)), "fast WAITING search differs"
    for task in definite_tasks(self, subprocesses=False, max_depth=_SPIFF_MAX_DEPTH):
        if task._state == _WAITING:
            task.task_spec._update(task)


def _below(task: Task, spec_name: str) -> bool:
    """Whether a task lies below one of spec ``spec_name`` (walks up: asked only of the few unfinished tasks)."""
    return any(node.task_spec.name == spec_name for node in _ancestors(task))


def _end_join_may_fire(self, my_task: Task) -> bool:  # noqa: ANN001 - SpiffWorkflow's signature
    """The end join of a (sub)process fires when no other task of it is unfinished: SpiffWorkflow asks its plain
    iterator for every task of the tree (not below the join, down to depth 1000), so each process that ends walks
    its whole history. The same question by the fast search, which skips the settled history; a task it yields
    that is predicted (MAYBE, LIKELY) is itself unfinished, so not descending below it changes no answer."""
    may_fire = True
    for task in definite_tasks(my_task.workflow, subprocesses=False, max_depth=_SPIFF_MAX_DEPTH):
        if task is not my_task and task._state & TaskState.NOT_FINISHED_MASK and not _below(task, self.name):
            may_fire = False
            break
    if _checking():
        assert may_fire == _original_end_join_check(self, my_task), "fast end join check differs"
    return may_fire


_original_end_join_check = _EndJoin._check_threshold_unstructured
BpmnBaseWorkflow.get_tasks = _get_tasks  # type: ignore[method-assign]
Workflow.update_waiting_tasks = _update_waiting_tasks  # type: ignore[method-assign]
_EndJoin._check_threshold_unstructured = _end_join_may_fire  # type: ignore[method-assign]

# SpiffWorkflow builds the extras of its "Workflow completed" record (every subprocess that ends) with the id of
# every task of the tree when its logger's own level is below INFO — and it is unset (0) unless configured: a walk
# of the whole history, for a record the default WARNING level then drops. WARNING keeps what is emitted the same.
if logging.getLogger("spiff.workflow").level < logging.INFO:
    logging.getLogger("spiff.workflow").setLevel(logging.WARNING)


def ready_beyond_reach(workflow: BpmnWorkflow) -> tuple[Task, int] | None:
    """A ready task deeper than SpiffWorkflow's searches go (with its depth), which the engine would therefore
    never run nor show: a loop that went round some hundreds of times. None when there is none."""
    for task, depth in _depths(workflow):
        if depth > _SPIFF_MAX_DEPTH and task._state == _READY:
            return task, depth
    return None


def ready_user_tasks(workflow: BpmnWorkflow) -> list[Task]:
    """``workflow.get_tasks(state=TaskState.READY, manual=True)``, faster — down to the same depth: a task below
    depth 1000 (a loop of a few hundred rounds) is not found, as SpiffWorkflow's iterator does not find it."""
    found = [task for task in definite_tasks(workflow, max_depth=_SPIFF_MAX_DEPTH)
             if task._state == _READY and task.task_spec.manual]
    if _checking():
        assert found == _original_get_tasks(workflow, state=_READY, manual=True), "fast ready user tasks differ"
    return found


def iterator_ready_tasks(workflow: BpmnWorkflow) -> list[Task]:
    """SpiffWorkflow's own ``get_tasks(state=READY)`` (tests compare the fast path with it)."""
    return _original_get_tasks(workflow, state=_READY)
