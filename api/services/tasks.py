"""Claim, unclaim and complete user tasks.

A completion loads the instance, checks the rules, validates the data
against the task's form, runs the engine, and writes the instance, the task
rows and the events in one commit. Any failure before the commit leaves the
database unchanged.
"""
from __future__ import annotations

from functools import cache, partial
from typing import Any

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import aliased

from engine import clock, runtime
from engine.errors import NotFound, RuleViolation, StateConflict
from engine.forms import input_components, validate_form_data

from ..extensions import db
from ..models import Instance, TaskRow, User
from ..models.types import as_utc
from ..registry import inject as registry_inject
from ..registry import service as registry
from . import case_rules, gate, legality, locks, rules, timers
from . import steps as steps_pipeline
from .history import append_event, instance_stream


def get_task(task_id: str) -> TaskRow:
    task = db.session.get(TaskRow, task_id)
    if task is None:
        raise NotFound(f"task {task_id} not found")
    return task


@cache
def _for_update_statement() -> Select:
    """The read of :func:`_for_update`, built once (``task_id`` bound at execution): building a select with an
    alias and a subquery costs more than running it."""
    of_task = aliased(TaskRow)
    task_id = bindparam("task_id")
    case_id = select(of_task.instance_id).where(of_task.id == task_id).scalar_subquery()
    return (select(TaskRow, Instance).join(Instance, Instance.id == TaskRow.instance_id)
            .where(TaskRow.instance_id == case_id, or_(TaskRow.id == task_id, TaskRow.state == "ready"))
            .execution_options(populate_existing=True))


def _for_update(task_id: str) -> tuple[TaskRow, Instance, dict[str, TaskRow]]:
    """The task, its instance and the instance's ready rows (by SpiffWorkflow task id), read in one query after
    taking the instance's write lock (:func:`locks.lock_case_of_task`): two statements.

    Concurrent claims, releases and completions on one case run one after the other, each seeing what the one
    before it committed: of two claims of one task the second finds it claimed (409), of two completions the
    second finds it completed (409), and parallel tasks of one case complete one after the other.
    """
    locks.lock_case_of_task(task_id)
    rows = db.session.execute(_for_update_statement(), {"task_id": task_id}).all()
    task = next((row for row, _ in rows if row.id == task_id), None)
    if task is None:
        raise NotFound(f"task {task_id} not found")
    return task, rows[0][1], {row.spiff_task_id: row for row, _ in rows if row.state == "ready"}


def _ready(task: TaskRow) -> None:
    if task.state != "ready":
        raise StateConflict(f"task {task.id} is {task.state}")


def claim(task_id: str, user: User, client_addr: str | None) -> TaskRow:
    task, instance, _ = _for_update(task_id)
    rules.check_role(user, task)  # another bureau's task is 404 whatever its state
    _ready(task)
    if task.assignee == user.username:
        return task
    if task.assignee is not None:
        raise StateConflict(f"task is already claimed by {task.assignee}")
    rules.check_separation_of_duties(user, task, instance)
    case_rules.check_not_recused(user, instance, "claim tasks of")
    task.assignee = user.username
    append_event(instance_stream(instance.id), instance, "task_claimed", actor=user.username, role=task.role,
                 task_id=task.id, element_id=task.element_id, client_addr=client_addr)
    return task


def unclaim(task_id: str, user: User, client_addr: str | None) -> TaskRow:
    from ..permissions import can, check_task_work

    task, instance, _ = _for_update(task_id)
    check_task_work(user, task)
    if not (task.assignee == user.username or can(user, "task.reassign")):
        rules.check_role(user, task)  # a holder of the task's role (of the case) may see it is free; others not
    _ready(task)
    if task.assignee is None:
        return task
    if task.assignee != user.username and not can(user, "task.reassign"):
        raise RuleViolation("assignee", f"task is claimed by {task.assignee}; only they or an admin may unclaim it")
    previous = task.assignee
    task.assignee = None
    append_event(instance_stream(instance.id), instance, "task_unclaimed", actor=user.username, role=task.role,
                 task_id=task.id, element_id=task.element_id, data={"previous_assignee": previous},
                 client_addr=client_addr)
    return task


def form_defaults(form: dict[str, Any]) -> dict[str, Any]:
    """Every input key of a form with its empty value (False for checkboxes, None otherwise)."""
    return {(c.get("key") or c.get("path")): (False if c["type"] == "checkbox" else None)
            for c in input_components(form) if not (c.get("disabled") or c.get("readonly"))}


def complete(task_id: str, user: User, data: dict[str, Any], client_addr: str | None) -> Instance:
    """Complete a task; the caller commits.

    Raises:
        NotFound, StateConflict (409), RuleViolation (403), FormDataInvalid (422),
        ScriptError (the diagram failed after the task).
    """
    task, instance, known = _for_update(task_id)
    rules.check_role(user, task)
    if _timer_due(instance):
        task, instance, known = _for_update(task_id)  # re-read after the timer's step (committed)
    _ready(task)
    if task.assignee is not None and task.assignee != user.username:
        raise RuleViolation("assignee", f"task is claimed by {task.assignee}")
    rules.check_separation_of_duties(user, task, instance)
    steps_pipeline.run(steps_pipeline.load(instance, known), partial(_advance, task, user, data, client_addr),
                       user.username)
    return instance


def _timer_due(instance: Instance) -> bool:
    """Fire the case's timers first (and commit) when one fell due before this request: a completion sent after
    an interrupting timer's due time finds it fired (the task cancelled: 409), whatever the timer worker's lag,
    as the worker would have had it. Whether it fired."""
    now = clock.now()
    if instance.status != "running" or instance.next_due is None or as_utc(instance.next_due) > now:
        return False
    timers.fire(instance.id, now)
    return True


def _advance(task: TaskRow, user: User, data: dict[str, Any], client_addr: str | None,
             case: steps_pipeline.Case) -> steps_pipeline.Outcome:
    """A completion's rules (form, gate, qualification, duties, officers, recording) and engine call."""
    instance = case.instance
    bundle, workflow = case.bundle, case.workflow
    form = bundle.forms.get(task.form_key or "", {"components": []})
    current = dict(runtime.find_task(workflow, task.spiff_task_id).data)
    meta = bundle.task_meta(task.process_id, task.element_id)
    cleaned = validate_form_data(form, data, current=current, values=registry.form_registry_values(form, data))
    submitted = {**form_defaults(form), **cleaned}
    submitted.update(registry_inject.server_values(  # registry data the task asks for (powers list, lottery)
        meta.properties, submitted, current, instance.id, user.username, client_addr))
    verdict = gate.evaluate(task, instance, bundle, submitted, current)
    if verdict is not None:
        gate.check_revision(submitted, current)
        submitted.update(gate.decided_changes(verdict, submitted, current))  # the decided content: the case's
    approval = gate.approval_record(task, submitted, current, instance)
    rules.check_legal_qualification(user, task)
    act_kind = meta.properties.get("actKind")
    case_rules.check_completion(user, task, instance, act_kind, submitted, current)
    rules.check_two_officers(act_kind, submitted, instance)
    rules.check_recording(act_kind, task, instance)
    legality.check_completion(meta.kind, user, instance, submitted)

    records = runtime.complete(workflow, task.spiff_task_id, submitted, views=True)
    ran, steps = records[0], records[1:]
    gate.check_no_scripted_decision(steps)
    extra: dict[str, Any] = {"approval": approval} if approval else {}
    if verdict is not None:
        effective = gate.enforce(verdict, instance, runtime.ready_tasks(bundle, workflow))
        if effective:
            gate.check_decision_text(submitted, current)
        extra["gate"] = verdict.record(effective)
    else:
        gate.check_no_returned_decision_carried_on(instance, act_kind, workflow.is_completed())
    implicit_claim = task.assignee is None
    task.state = "completed"
    task.assignee = user.username
    task.completed_at = clock.now()  # the step's instant, as its events are stamped (the heatmap's medians)
    task.completed_by = user.username
    return steps_pipeline.Outcome(
        event={"type_": "task_completed", "actor": user.username, "role": task.role, "task_id": task.id,
               "element_id": task.element_id, "client_addr": client_addr,
               "data": {"name": task.name, "kind": task.kind, "form_key": task.form_key,
                        "submitted": submitted, "implicit_claim": implicit_claim, **extra}},
        view=ran.view, steps=steps)
