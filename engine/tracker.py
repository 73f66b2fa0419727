"""What changed in a workflow since it was last saved, without walking its whole task tree.

A saved workflow is stored as a small header plus one serialized entry per task (see
:mod:`engine.serializer`). Completed tasks never change again, so a save only needs to write the tasks that
changed since the last save. :class:`ChangeTracker` finds them in time proportional to the change:

* a task that changes state is noted by a hook on SpiffWorkflow's ``Task._set_state`` (the one place every
  state change goes through);
* new tasks are the tail of a workflow's ``tasks`` dict after its last known task (the dict keeps insertion
  order and tasks are only ever appended to it);
* removed tasks come through the workflow's ``task_removed_event`` (their parent's child list changed too);
  a subprocess deleted on a reset takes its known tasks with it;
* unfinished tasks (ready, waiting, predicted …) may change their data without changing state: they are
  always rewritten. Their number depends on the diagram's width, not on the history's length.

Each task also gets an ordinal the first time it is saved, so a cold load rebuilds every workflow's ``tasks``
dict in the same order as the hot one (the serialized state is then byte for byte the same).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task, TaskState

#: the attribute of a top workflow holding its tracker
ATTRIBUTE = "_sanxiang_tracker"
#: the key of the top workflow in :attr:`ChangeTracker.known` (subprocesses use their caller task's id)
TOP = ""
#: the attribute marking a workflow object whose tasks the tracker knows
SEEN = "_sanxiang_seen"

_FINISHED = TaskState.FINISHED_MASK
_original_set_state = Task._set_state


def _tracked_set_state(self: Task, value: int) -> None:
    if value != self._state:
        workflow = self.workflow
        top = getattr(workflow, "top_workflow", None) or workflow
        tracker = top.__dict__.get(ATTRIBUTE)
        if tracker is not None:
            tracker.touched.add(self.id)
    _original_set_state(self, value)


Task._set_state = _tracked_set_state  # type: ignore[method-assign]


@dataclass
class Changes:
    """What a save must write: entries to (re)write in order, ids to delete."""

    write: list[tuple[str, Task, int]] = field(default_factory=list)  # (workflow key, task, ordinal)
    delete: set[UUID] = field(default_factory=set)
    full: bool = False
    added: dict[str, list[UUID]] = field(default_factory=dict)  # workflow key -> ids of tasks new since the save


class ChangeTracker:
    """Follows one top workflow (and its subprocesses) between saves."""

    def __init__(self, workflow: BpmnWorkflow, ordinals: dict[UUID, int] | None, next_ordinal: int) -> None:
        """``ordinals``: the saved ordinal of every stored task (None: nothing stored yet, the next save writes
        every task)."""
        self.workflow = workflow
        self.full = ordinals is None
        self.ordinals: dict[UUID, int] = dict(ordinals or {})
        self.next_ordinal = next_ordinal
        self.known: dict[str, set[UUID]] = {}
        self.open: set[UUID] = set()
        self.touched: set[UUID] = set()
        self.removed: set[UUID] = set()
        self.parents: set[UUID] = set()
        for key, wf in self._workflows():
            self.known[key] = set(wf.tasks)
            wf.__dict__[SEEN] = self  # a subprocess a reset replaces by a new object under the same key lacks it
            self.open.update(tid for tid, task in wf.tasks.items() if not task._state & _FINISHED)
        workflow.__dict__[ATTRIBUTE] = self
        workflow.task_removed_event.connect(self._removed)

    # -- events ------------------------------------------------------------
    def _removed(self, _workflow: Any, task: Task) -> None:
        self.removed.add(task.id)
        if task._parent is not None:
            self.parents.add(task._parent)

    # -- helpers -----------------------------------------------------------
    def _workflows(self) -> Iterator[tuple[str, Any]]:
        yield TOP, self.workflow
        for sub_id, sub in self.workflow.subprocesses.items():
            yield str(sub_id), sub

    def _find(self, task_id: UUID) -> tuple[str, Task] | None:
        task = self.workflow.tasks.get(task_id)
        if task is not None:
            return TOP, task
        for sub_id, sub in self.workflow.subprocesses.items():
            task = sub.tasks.get(task_id)
            if task is not None:
                return str(sub_id), task
        return None

    # -- the save ----------------------------------------------------------
    def changes(self) -> Changes:
        """The entries the next save writes (all of them after a cold start without stored tasks)."""
        if self.full:
            return Changes([(key, task, self._ordinal(task.id)) for key, wf in self._workflows()
                            for task in wf.tasks.values()], set(), True)
        out = Changes()
        current = dict(self._workflows())
        new: list[tuple[str, Task]] = []
        for key, wf in current.items():
            known = self.known.get(key) if wf.__dict__.get(SEEN) is self else None
            if known is None:  # a subprocess started since the last save (maybe in place of a deleted one)
                new.extend((key, task) for task in wf.tasks.values())
                continue
            tail = []
            for task_id in reversed(wf.tasks):
                if task_id in known:
                    break
                tail.append((key, wf.tasks[task_id]))
            new.extend(reversed(tail))
        for key, ids in self.known.items():  # a subprocess deleted (a reset), or replaced by a new one
            if key not in current or current[key].__dict__.get(SEEN) is not self:
                out.delete.update(ids)
        out.delete.update(self.removed)
        dirty = (self.touched | self.open | self.parents) - out.delete
        new_ids = {task.id for _, task in new}
        for _, task in new:
            if task._parent is not None:
                dirty.add(task._parent)
        for task_id in sorted(dirty - new_ids, key=lambda t: self.ordinals.get(t, 0)):
            found = self._find(task_id)
            if found is None:
                out.delete.add(task_id)
                continue
            key, task = found
            out.write.append((key, task, self._ordinal(task_id)))
        out.write.extend((key, task, self._ordinal(task.id)) for key, task in new)
        for key, task in new:
            out.added.setdefault(key, []).append(task.id)
        out.delete -= {task.id for _, task, _ in out.write}
        out.delete &= self.ordinals.keys()  # a task created and removed between two saves was never stored
        return out

    def _ordinal(self, task_id: UUID) -> int:
        ordinal = self.ordinals.get(task_id)
        if ordinal is None:
            ordinal = self.ordinals[task_id] = self.next_ordinal
            self.next_ordinal += 1
        return ordinal

    def saved(self, changes: Changes) -> None:
        """The changes are written: start counting from here."""
        for task_id in changes.delete:
            self.ordinals.pop(task_id, None)
        self.full = False
        self.touched.clear()
        self.removed.clear()
        self.parents.clear()
        current = dict(self._workflows())
        if changes.full:
            self.known = {key: set(wf.tasks) for key, wf in current.items()}
        else:
            for key in list(self.known):
                if key not in current or current[key].__dict__.get(SEEN) is not self:
                    del self.known[key]
            for key, ids in changes.added.items():
                self.known.setdefault(key, set()).update(ids)
            for ids in self.known.values():
                ids.difference_update(changes.delete)
        for wf in current.values():
            wf.__dict__[SEEN] = self
        self.open = set()
        for _, task, _ in changes.write:
            if task._state & _FINISHED:
                self.open.discard(task.id)
            else:
                self.open.add(task.id)
        # tasks that stayed unfinished without being written cannot exist: every open task is written


def tracker_of(workflow: BpmnWorkflow) -> ChangeTracker | None:
    return workflow.__dict__.get(ATTRIBUTE)
