"""Moving a running workflow onto a newer version of its specs (SpiffWorkflow's workflow diff and migration).

:func:`plan` compares a workflow with a new bundle without changing it: for the instance's own process and for
every subprocess it is running (call activity children), SpiffWorkflow's ``SpecDiff`` aligns the old task specs
with the new ones by BPMN id (then by structure). The workflow can move when no task it has **completed** or
holds **active** (ready, waiting, started) lost its spec or had it changed. A change of a task's connections
alone (``inputs``/``outputs``: a task added after or before it) is not a change of the task; everything else
the serializer records of a spec (type, script, form key, lane, properties, conditions …) is, and so are
boundary events newly attached to an open task (the case's tree has no place for them). A running
subprocess whose called process is no longer called (or gone) refuses the move: its children are migrated with
their parent, never left on specs the new version does not have.

:func:`migrate` applies the move (``migrate_workflow`` per workflow: active branches are reset and predicted
again on the new specs; the open tasks keep their data and their timers' fire times) and refuses (:class:`MigrationRefused`) exactly what :func:`plan` refuses, so a
preview and the migration agree. It runs no engine step: the tasks that were active are active again, on the
new specs. Pure: no IO, the caller saves the workflow.
"""
from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.task import Task, TaskState

from .errors import StateConflict
from .serializer import _SERIALIZER
from .snapshots import is_internal
from .specs import SpecBundle

#: states of a task the move must keep meaningful: done, or holding the case now
_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_KEPT = TaskState.COMPLETED | _ACTIVE
#: the states whose branches the move resets (SpiffWorkflow's default for migrate_workflow)
_OPEN = TaskState.READY | TaskState.WAITING
#: spec attributes that only say how a task is connected: a task added next to it changes them, not the task
_CONNECTIONS = frozenset({"inputs", "outputs"})


@dataclass
class Obstacle:
    """Why a workflow cannot move: a completed or active task whose spec changed or disappeared, or a running
    subprocess whose called process the new version does not call."""

    kind: str  # "removed" | "changed" | "subprocess"
    process_id: str
    element_id: str
    name: str | None
    state: str  # the task's state ("COMPLETED", "READY" …)
    fields: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        label = f"'{self.name}' ({self.element_id})" if self.name else f"'{self.element_id}'"
        done = "completed" if self.state == "COMPLETED" else f"active ({self.state.lower()})"
        if self.kind == "removed":
            return f"{done} task {label} of process '{self.process_id}' is not in the new version"
        if self.kind == "subprocess":
            return (f"running call activity {label} calls process '{self.process_id}', which the new version "
                    "does not call")
        return f"{done} task {label} of process '{self.process_id}' changed in the new version ({', '.join(self.fields)})"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "process_id": self.process_id, "element_id": self.element_id, "name": self.name,
                "state": self.state.lower(), "fields": list(self.fields), "message": self.message}


@dataclass
class Plan:
    """What moving a workflow onto a bundle would do."""

    problems: list[Obstacle]
    #: (process id, element id, name) of the tasks the new version adds to the processes the workflow runs
    added: list[tuple[str, str, str | None]]
    #: active user tasks whose form (by form key) the new bundle changes: (process id, element id, form key)
    changed_forms: list[tuple[str, str, str]]

    @property
    def ok(self) -> bool:
        return not self.problems


class MigrationRefused(StateConflict):
    """The workflow cannot move (409); ``problems`` says why."""

    def __init__(self, problems: list[Obstacle]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _specs(bundle: SpecBundle) -> dict[str, Any]:
    return {bundle.process_id: bundle.spec, **bundle.subprocess_specs}


def _changed_fields(diff: SpecDiff, spec: Any) -> list[str]:
    return [f for f in diff.comparisons.get(spec) or [] if f not in _CONNECTIONS]


def _kept(workflow: Any) -> list[Task]:
    return [t for t in workflow.get_tasks(skip_subprocesses=True) if t.has_state(_KEPT)]


def _diffs(workflow: BpmnWorkflow, new: SpecBundle) -> tuple[list[tuple[Any, Any, SpecDiff]], list[Obstacle]]:
    """(workflow, new spec, spec diff) for the top workflow and each running subprocess, and the subprocesses
    that cannot move (their called process is not in the new bundle)."""
    registry = _SERIALIZER.registry
    specs = _specs(new)
    pairs = [(workflow, new.spec, SpecDiff(registry, workflow.spec, new.spec))]
    problems = []
    for sub_id, sub in workflow.subprocesses.items():
        target = specs.get(sub.spec.name)
        if target is None:
            caller = workflow.get_task_from_id(sub_id)
            problems.append(Obstacle("subprocess", sub.spec.name, caller.task_spec.name, caller.task_spec.bpmn_name,
                                    TaskState.get_name(caller.state)))
            continue
        pairs.append((sub, target, SpecDiff(registry, sub.spec, target)))
    return pairs, problems


def _boundary_added(task: Task, new_spec: Any, target: Any) -> bool:
    """The new version attaches boundary events (a timer, a message) to the open ``task``: SpiffWorkflow runs them
    from a split before the task, which the case's tree does not have."""
    split = f"{new_spec.name}.BoundaryEventSplit"
    return split in target.task_specs and (task.parent is None or task.parent.task_spec.name != split)


def plan(workflow: BpmnWorkflow, old: SpecBundle, new: SpecBundle) -> Plan:
    """What moving ``workflow`` (running on ``old``) onto ``new`` would do; changes nothing."""
    pairs, problems = _diffs(workflow, new)
    added: list[tuple[str, str, str | None]] = []
    for wf, target, diff in pairs:
        for task in _kept(wf):
            spec = task.task_spec
            if is_internal(spec.name):
                continue
            state = TaskState.get_name(task.state)
            if diff.alignment.get(spec) is None:
                problems.append(Obstacle("removed", wf.spec.name, spec.name, spec.bpmn_name, state))
                continue
            fields = _changed_fields(diff, spec)
            if task.has_state(_OPEN) and _boundary_added(task, diff.alignment[spec], target):
                fields.append("boundary events")  # the case would wait without them: its tree has no split
            if fields:
                problems.append(Obstacle("changed", wf.spec.name, spec.name, spec.bpmn_name, state, fields))
        added += [(target.name, s.name, s.bpmn_name) for s in diff.added if not is_internal(s.name)]
    changed_forms = []
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        meta = old.user_tasks.get((task.workflow.spec.name, task.task_spec.name))
        key = meta.form_key if meta is not None else None
        if key and old.forms.get(key) != new.forms.get(key):
            changed_forms.append((task.workflow.spec.name, task.task_spec.name, key))
    return Plan(problems, sorted(set(added)), changed_forms)


def migrate(workflow: BpmnWorkflow, old: SpecBundle, new: SpecBundle) -> Plan:
    """Move ``workflow`` onto ``new`` in place; returns the plan it followed.

    Raises:
        MigrationRefused: the plan has problems (the workflow is unchanged), or a task kept a spec the new version
            does not have after the move (the workflow is then unusable: the caller discards it).
    """
    found = plan(workflow, old, new)
    if not found.ok:
        raise MigrationRefused(found.problems)
    pairs, _ = _diffs(workflow, new)
    workflow.subprocess_specs = dict(new.subprocess_specs)
    for wf, target, diff in pairs:
        kept = {t.id: (deepcopy(t.data), deepcopy(t.internal_data))
                for t in wf.get_tasks(state=_OPEN, skip_subprocesses=True)}
        migrate_workflow(WorkflowDiff(wf, diff), wf, target, reset_mask=_OPEN)
        for task_id, (data, internal) in kept.items():  # the reset re-predicts what follows the open tasks, and
            task = wf.tasks.get(task_id)  # resets their data and timers: a data edit and a running timer stay
            if task is not None:
                task.data, task.internal_data = data, internal
    stale = [t for wf, target, _ in pairs for t in wf.get_tasks(skip_subprocesses=True)
             if target.task_specs.get(t.task_spec.name) is not t.task_spec]
    if stale:
        task = stale[0]
        raise MigrationRefused([Obstacle("removed", task.workflow.spec.name, task.task_spec.name,
                                        task.task_spec.bpmn_name, TaskState.get_name(task.state))])
    _forget_orphan_waiters(workflow)
    return found


def _forget_orphan_waiters(workflow: BpmnWorkflow) -> None:
    """The reset drops predicted branches; SpiffWorkflow's event manager may still hold waiters there (as after a
    rewind, engine/runtime.py)."""
    from .runtime import _forget_orphan_waiters as forget

    forget(workflow)
