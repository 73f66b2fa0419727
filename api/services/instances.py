"""Starting instances and saving them after an engine step."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import select

from engine import runtime
from engine.deadlines import due_from
from engine.errors import NotFound
from engine.serializer import STATE_VERSION, dumps_state, load_state
from engine.snapshots import state_view
from engine.specs import SpecBundle

from ..extensions import db
from ..models import Instance, TaskRow
from ..models.types import utcnow
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


def load_workflow(instance: Instance) -> tuple[SpecBundle, BpmnWorkflow]:
    """The instance's specs and workflow; from here on the step reads the settings and lists of the case's bureau
    (api/services/org_scope.py), whoever runs it."""
    bind_case(instance.org_id)
    bundle = bundle_for(instance)
    return bundle, load_state(bundle, instance.state, script_engine())


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
    instance.state = dumps_state(workflow)
    instance.state_version = STATE_VERSION
    instance.data = runtime.instance_data(workflow)
    instance.state_ref, instance.data_ref = stage_view(state_view(workflow, instance.data))
    flush_blobs()
    instance.title = case_title(instance.data, instance.title)
    if workflow.is_completed():
        instance.status = "completed"
        instance.ended_at = utcnow()
    timers = runtime.waiting_timers(workflow)
    instance.next_due = timers[0] if timers else None
    instance.due_at = due_from(bundle.process_properties.get(bundle.process_id, {}), instance.data)
    new_rows = []
    ready_now = runtime.ready_tasks(bundle, workflow)
    still = {r.id for r in ready_now}
    for spiff_id, row in known.items():
        if spiff_id not in still and row.state == "ready":
            row.state = "cancelled"
    for ready in ready_now:
        due = due_from(ready.meta.properties, ready.data)
        if ready.id in known:
            row = known[ready.id]
            if row.due_at != due:  # e.g. an approved extension moved the deadline (aware datetimes compare instants)
                row.due_at = due
            continue
        row = TaskRow(spiff_task_id=ready.id, instance_id=instance.id, process_id=ready.meta.process_id,
                      element_id=ready.meta.element_id, name=ready.meta.name, title=instance.title,
                      lane=ready.meta.lane, role=ready.role, form_key=ready.meta.form_key, kind=ready.meta.kind,
                      state="ready", due_at=due, org_id=instance.org_id)
        db.session.add(row)
        new_rows.append(row)
    return new_rows


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
    return list(db.session.scalars(select(TaskRow).where(TaskRow.instance_id == instance_id,
                                                         TaskRow.state == "ready").order_by(TaskRow.created_at)))
