"""Starting instances and saving them after an engine step."""
from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import Select, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.expression import Executable

from engine import clock, runtime
from engine.data_keys import SERIALIZER_MARKER, holds_marker
from engine.deadlines import due_from
from engine.errors import NotFound, ScriptError
from engine.serializer import (
    PER_TASK,
    STATE_VERSION,
    assemble,
    dump_header,
    dump_task,
    dumps_json,
    load_state,
)
from engine.snapshots import state_view
from engine.specs import SpecBundle
from engine.tracker import Changes, ChangeTracker, tracker_of

from ..extensions import db
from ..models import Instance, TaskRow, WorkflowTask
from ..models.types import as_utc, utcnow
from . import hot
from .definitions import load_files
from .history import append_event, instance_stream
from .org_scope import bind_case
from .runtime import script_engine, spec_cache
from .snapshots import flush_blobs, stage_view


def bundle_for(instance: Instance) -> SpecBundle:
    """The parsed specs the instance is pinned to (cached by content hash)."""
    manifest = instance.manifest
    files: dict[str, bytes] = {}

    def load(digest: str) -> bytes:
        if not files:
            files.update(load_files(list(manifest.values())))
        return files[digest]

    return spec_cache().get(instance.definition_key, manifest, load)


def load_workflow(instance: Instance, for_update: bool = True) -> tuple[SpecBundle, BpmnWorkflow]:
    """The instance's specs and workflow; from here on the step reads the settings and lists of the case's bureau
    (api/services/org_scope.py), whoever runs it.

    A workflow this process saved at the instance row's version comes from memory (api/services/hot.py): taken
    out of the cache for a step (``for_update``, put back by :func:`save` once the commit succeeds), or only
    looked at by a read (``for_update=False``: the caller must not change it). Anything else is a cold load.
    """
    bind_case(instance.org_id)
    bundle = bundle_for(instance)
    workflow = hot.take(instance, bundle.key) if for_update else hot.peek(instance, bundle.key)
    if workflow is None:
        return bundle, stored_workflow(instance, bundle)
    workflow.script_engine = script_engine()
    return bundle, workflow


#: the entry of a stored task the workflow dropped since
DROPPED = ""


def stored_state(instance: Instance) -> dict[str, Any]:
    """The instance's saved workflow state as one dict (the header in ``instances.state`` and its task rows)."""
    head = json.loads(instance.state)
    if head.get("layout") != PER_TASK:  # saved whole (before revision 0003), until its next save
        return head
    tasks: dict[str, list[tuple[str, dict]]] = {}
    for key, task_id, entry in db.session.execute(
            select(WorkflowTask.workflow, WorkflowTask.task_id, WorkflowTask.entry)
            .where(WorkflowTask.instance_id == instance.id, WorkflowTask.entry != DROPPED)
            .order_by(WorkflowTask.ordinal)):
        tasks.setdefault(key, []).append((task_id, json.loads(entry)))
    return assemble(head, tasks)


def stored_workflow(instance: Instance, bundle: SpecBundle) -> BpmnWorkflow:
    """A cold load: the workflow rebuilt from the database, with a tracker that knows what is stored."""
    head = json.loads(instance.state)
    if head.get("layout") != PER_TASK:
        workflow = load_state(bundle, head, script_engine(), consume=True)
        ChangeTracker(workflow, None, 0)  # its next save writes every task as a row
        return workflow
    tasks: dict[str, list[tuple[str, dict]]] = {}
    ordinals: dict[UUID, int] = {}
    for key, task_id, ordinal, entry in db.session.execute(
            select(WorkflowTask.workflow, WorkflowTask.task_id, WorkflowTask.ordinal, WorkflowTask.entry)
            .where(WorkflowTask.instance_id == instance.id, WorkflowTask.entry != DROPPED)
            .order_by(WorkflowTask.ordinal)):
        tasks.setdefault(key, []).append((task_id, json.loads(entry)))
        ordinals[UUID(task_id)] = ordinal
    workflow = load_state(bundle, assemble(head, tasks), script_engine(), consume=True)
    ChangeTracker(workflow, ordinals, head.get("next_ordinal", len(ordinals)))
    return workflow


def _write_tasks(instance_id: int, changes: Changes) -> None:
    """One upsert of the changed task rows; a stored task the workflow dropped (e.g. a predicted branch a gateway
    did not take) becomes an empty entry in the same statement, which loads skip — no DELETE on the step's path."""
    rows = [{"instance_id": instance_id, "task_id": str(task.id), "workflow": key, "ordinal": ordinal,
             "entry": dumps_json(dump_task(task))} for key, task, ordinal in changes.write]
    rows += [{"instance_id": instance_id, "task_id": str(task_id), "workflow": "", "ordinal": -1, "entry": DROPPED}
             for task_id in changes.delete]
    if rows:
        with db.session.no_autoflush:  # the instance row is written once, by the flush at the commit
            db.session.execute(_task_upsert(db.engine.dialect.name == "postgresql"), rows)


@cache
def _task_upsert(postgresql: bool) -> Executable:
    """The upsert of :func:`_write_tasks`, built once per dialect."""
    table = WorkflowTask.__table__
    ins = (pg_insert if postgresql else sqlite_insert)(table)
    return ins.on_conflict_do_update(index_elements=[table.c.instance_id, table.c.task_id],
                                     set_={"workflow": ins.excluded.workflow, "ordinal": ins.excluded.ordinal,
                                           "entry": ins.excluded.entry})


def save_workflow(instance: Instance, bundle: SpecBundle, workflow: BpmnWorkflow) -> None:
    """Write what changed in the workflow since its load (its changed task rows and the header) and keep it hot
    for the next step once the transaction commits."""
    tracker = tracker_of(workflow) or ChangeTracker(workflow, None, 0)
    changes = tracker.changes()
    if holds_marker(workflow.data):
        raise ScriptError(f"the data key {SERIALIZER_MARKER!r} is reserved by the workflow serializer (at any depth)")
    for _, task, _ in changes.write:  # a script can build the key however it likes: refused before it is stored
        if holds_marker(task.data):
            raise ScriptError(f"{task.task_spec.bpmn_id or task.task_spec.name}: the data key "
                              f"{SERIALIZER_MARKER!r} is reserved by the workflow serializer (at any depth)")
    _write_tasks(instance.id, changes)
    tracker.saved(changes)
    instance.state = dumps_json({**dump_header(workflow), "next_ordinal": tracker.next_ordinal})
    hot.stage(db.session, instance, bundle.key, workflow)


def case_title(data: dict[str, Any], fallback: str) -> str:
    for key in ("case_title", "title", "party_name"):
        if data.get(key):
            return str(data[key])[:255]
    return fallback


def record_steps(instance: Instance, steps: list[runtime.StepRecord], actor: str | None) -> None:
    """One event per engine step, each with the snapshot after it."""
    for step in steps:
        refs = stage_view(step.view) if step.view is not None else None
        append_event(instance_stream(instance.id), instance, f"engine_{step.type}", actor=actor,
                     element_id=step.element_id, refs=refs,
                     data={"process_id": step.process_id, "name": step.element_name, **step.detail})


def save(instance: Instance, bundle: SpecBundle, workflow: BpmnWorkflow, known: dict[str, TaskRow]) -> list[TaskRow]:
    """Write the workflow back: state, data, status and the task rows.

    ``known`` maps SpiffWorkflow task id -> the instance's ready rows before the step: a row
    whose task is no longer ready (and was not completed by the caller) becomes ``cancelled``;
    a newly ready task gets a new row.
    """
    save_workflow(instance, bundle, workflow)
    instance.state_version = STATE_VERSION
    instance.data = runtime.instance_data(workflow)
    instance.state_ref, instance.data_ref = stage_view(state_view(workflow, instance.data))
    flush_blobs()
    instance.title = case_title(instance.data, instance.title)
    if workflow.is_completed():
        instance.status = "completed"
        instance.ended_at = utcnow()
    timers = runtime.waiting_timers(workflow)
    instance.next_due = as_utc(timers[0]) if timers else None
    instance.due_at = due_in_utc(bundle.process_properties.get(bundle.process_id, {}), instance.data)
    new_rows = []
    ready_now = runtime.ready_tasks(bundle, workflow)
    still = {r.id for r in ready_now}
    for spiff_id, row in known.items():
        if spiff_id not in still and row.state == "ready":
            row.state = "cancelled"
    for ready in ready_now:
        due = due_in_utc(ready.meta.properties, ready.data)
        if ready.id in known:
            row = known[ready.id]
            if row.due_at != due:  # e.g. an approved extension moved the deadline (aware datetimes compare instants)
                row.due_at = due
            continue
        row = TaskRow(spiff_task_id=ready.id, instance_id=instance.id, process_id=ready.meta.process_id,
                      element_id=ready.meta.element_id, name=ready.meta.name, title=instance.title,
                      lane=ready.meta.lane, role=ready.role, form_key=ready.meta.form_key, kind=ready.meta.kind,
                      state="ready", due_at=due, org_id=instance.org_id,
                      created_at=clock.now())  # the step's instant, as its events are stamped
        db.session.add(row)
        new_rows.append(row)
    return new_rows


def due_in_utc(properties: dict[str, str], data: dict[str, Any]) -> datetime | None:
    """The deadline in UTC, as the database gives it back (a Beijing date's end of day is 15:59:59 UTC): a start
    answers from the objects it wrote (api/services/commits.py), so they must hold what a later read shows."""
    due = due_from(properties, data)
    return None if due is None else as_utc(due)


def get_instance(instance_id: int) -> Instance:
    instance = db.session.get(Instance, instance_id)
    if instance is None:
        raise NotFound(f"instance {instance_id} not found")
    return instance


def ready_rows(instance_id: int) -> dict[str, TaskRow]:
    """The instance's ready task rows by SpiffWorkflow task id."""
    rows = db.session.scalars(select(TaskRow).where(TaskRow.instance_id == instance_id, TaskRow.state == "ready"))
    return {row.spiff_task_id: row for row in rows}


def open_tasks(instance_id: int) -> list[TaskRow]:
    return list(db.session.scalars(_open_tasks_statement(), {"instance_id": instance_id}))


@cache
def _open_tasks_statement() -> Select:
    """The ready rows of a case in the order they opened (``instance_id`` bound at execution), built once: every
    start and completion answers with them."""
    return (select(TaskRow).where(TaskRow.instance_id == bindparam("instance_id"), TaskRow.state == "ready")
            .order_by(TaskRow.created_at))
