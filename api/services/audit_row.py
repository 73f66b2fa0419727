"""Verify's last check: the instance row against its replayed history (api/services/audit.py replays it).

The columns fixed at the start against the ``instance_started`` event; the case data, the saved workflow (reloaded
and compared by its views and its waiting timers), the snapshot refs, the status and the title; and what the row
carries beside the views — the timer worker's ``next_due``, the deadline ``due_at`` and the ready task rows.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine import runtime
from engine.history import canonical_json
from engine.serializer import load_state
from engine.snapshots import blob_ref, diff_views, state_view

from ..extensions import db
from ..models import Event, Instance, TaskRow
from ..models.types import as_utc
from .instances import case_title, due_in_utc
from .runtime import script_engine


def differing_keys(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The keys whose values differ between ``a`` and ``b`` (a key missing on one side counts as differing)."""
    return sorted(k for k in set(a) | set(b) if canonical_json(a.get(k)) != canonical_json(b.get(k)))


def check_row(instance: Instance, own: list[Event], bundle: Any, workflow: Any) -> list[dict[str, Any]]:
    """What the instance row says that its history does not: the columns fixed at the start against the
    ``instance_started`` event; data, saved workflow, snapshot refs, status and title against the replayed
    workflow (``workflow``: None when the replay failed, which is reported already)."""
    problems: list[dict[str, Any]] = []

    def differs(column: str, text: str) -> None:
        problems.append({"kind": "row", "field": column, "problem": text})

    started = own[0] if own and own[0].type == "instance_started" else None
    if started is not None:
        fixed = {"definition_key": started.data.get("definition_key"), "version": started.data.get("version"),
                 "manifest": started.data.get("manifest"), "started_by": started.actor}
        for ev in own:  # a migration moved the case to another version and files (api/services/migrations.py)
            if ev.type == "instance_migrated":
                fixed.update(version=ev.data.get("to_version"), manifest=ev.data.get("to_manifest"))
        for column, recorded in fixed.items():
            if recorded is not None and getattr(instance, column) != recorded:
                differs(column, f"the row's {column} is {getattr(instance, column)!r}, the history recorded "
                                f"{recorded!r}")
        # the bureau and unit decide who reads the case (api/permissions.py): a case moved in SQL is read there
        for column in ("org_id", "unit_id"):
            if column in started.data and getattr(instance, column) != started.data[column]:
                differs(column, f"the row's {column} is {getattr(instance, column)!r}, the history recorded "
                                f"{started.data[column]!r}: the case was moved behind the application's back")
    if workflow is None:
        return problems
    cancelled = False
    for ev in own:
        if ev.type in ("instance_cancelled", "rewound"):
            cancelled = ev.type == "instance_cancelled"
    data = runtime.instance_data(workflow)
    view = state_view(workflow, data)
    timers = [as_utc(t) for t in runtime.waiting_timers(workflow)]
    problems += _deadline_problems(instance, bundle, workflow, data, timers, cancelled)
    keys = differing_keys(instance.data or {}, data)
    if keys:
        differs("data", f"the row's case data differs from the replayed history in {', '.join(keys[:10])}")
    for column, part in (("state_ref", "elements"), ("data_ref", "data")):
        if getattr(instance, column) != blob_ref(view[part])[0]:
            differs(column, f"the row's {column} is not the snapshot of the replayed history")
    try:
        from .instances import stored_state  # instances -> hooks -> … -> audit: import late

        saved = load_state(bundle, stored_state(instance), script_engine(), consume=True)
        saved_view = state_view(saved, runtime.instance_data(saved))
        saved_timers = [as_utc(t) for t in runtime.waiting_timers(saved)]
    except Exception as exc:  # noqa: BLE001 - any unreadable saved state is a finding, not a crash
        differs("state", f"the row's saved workflow cannot be read: {type(exc).__name__}")
    else:
        runtime.discard(saved)
        if saved_timers != timers:  # the view holds no timer's fire time: a moved one fires early, or never
            differs("state", f"the row's saved workflow has timers due {_times(saved_timers)}, the history gives "
                             f"{_times(timers)}")
        diff = diff_views(view, saved_view)
        if diff:
            differs("state", "the row's saved workflow differs from the replayed history: "
                             + diff.replace("recorded", "history").replace("replay ", "row "))
    expected = "cancelled" if cancelled else "completed" if workflow.is_completed() else "running"
    if instance.status != expected:
        differs("status", f"the row's status is {instance.status!r}, the history gives {expected!r}")

    if instance.title != case_title(data, instance.title):
        differs("title", "the row's title is not the case title in the replayed data")
    return problems


def _times(moments: list[datetime]) -> str:
    return ", ".join(m.isoformat() for m in moments) or "none"


def _deadline_problems(instance: Instance, bundle: Any, workflow: Any, data: dict[str, Any], timers: list[datetime],
                       cancelled: bool) -> list[dict[str, Any]]:
    """The row's timer and deadline columns and the case's ready task rows against the replayed workflow: what the
    timer worker fires (``next_due``), the deadlines the inbox and warnings show (``due_at``), and the tasks offered
    (a ready row the history does not have is a task nobody was given; one missing strands the case)."""
    problems: list[dict[str, Any]] = []
    expected_next = timers[0] if timers and not cancelled else None
    if (as_utc(instance.next_due) if instance.next_due else None) != expected_next:
        problems.append({"kind": "row", "field": "next_due", "problem": f"the row's next_due is "
                         f"{instance.next_due.isoformat() if instance.next_due else 'none'}, the history's earliest "
                         f"waiting timer is {expected_next.isoformat() if expected_next else 'none'}"})
    expected_due = due_in_utc(bundle.process_properties.get(bundle.process_id, {}), data)
    if (as_utc(instance.due_at) if instance.due_at else None) != expected_due:
        problems.append({"kind": "row", "field": "due_at", "problem": "the row's due_at is not the deadline the "
                                                                     "replayed case data gives"})
    rows = sorted((element_id, as_utc(due) if due else None) for element_id, due in db.session.execute(
        select(TaskRow.element_id, TaskRow.due_at).where(TaskRow.instance_id == instance.id,
                                                         TaskRow.state == "ready")))
    ready = [] if cancelled else sorted((t.meta.element_id, due_in_utc(t.meta.properties, t.data))
                                        for t in runtime.ready_tasks(bundle, workflow))
    if rows != ready:
        problems.append({"kind": "row", "field": "tasks", "problem": "the case's ready task rows "
                         f"({', '.join(e for e, _ in rows) or 'none'}) are not the ready tasks of the replayed "
                         f"history ({', '.join(e for e, _ in ready) or 'none'}), or not with their deadlines"})
    return problems
