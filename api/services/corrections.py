"""Corrections without loss: an admin data edit or a rewind is a new event with before and after."""
from __future__ import annotations

from typing import Any

from engine import runtime
from engine.errors import StateConflict
from engine.snapshots import state_view

from ..models import Instance, User
from ..models.types import utcnow
from ..registry import guard as registry_guard
from . import gate, hooks, recusal
from .history import append_event, instance_stream
from .instances import get_instance, load_workflow, ready_rows, record_steps, save
from .snapshots import stage_view


def edit_data(instance_id: int, changes: dict[str, Any], reason: str, user: User, client_addr: str | None) -> Instance:
    """Change case data on the running instance; the event keeps every before/after pair. No commit."""
    instance = get_instance(instance_id)
    if instance.status != "running":
        raise StateConflict(f"instance {instance_id} is {instance.status}")
    known = ready_rows(instance.id)
    gate.check_data_edit(instance, changes, list(known.values()))
    registry_guard.check_edit(instance, changes)  # a fixed lottery plan/draw, a permit's recorded item
    recusal.check_data_edit(instance, changes)  # a decided recusal stands (APL 43)
    bundle, workflow = load_workflow(instance)
    before = runtime.edit_data(workflow, changes)
    refs = stage_view(state_view(workflow, runtime.instance_data(workflow)))
    append_event(instance_stream(instance.id), instance, "data_edited", actor=user.username, role="admin",
                 data={"reason": reason, "changes": {k: {"before": before[k], "after": changes[k]} for k in changes}},
                 client_addr=client_addr, refs=refs)
    save(instance, bundle, workflow, known)
    return instance


def rewind(instance_id: int, element_id: str, reason: str, user: User, client_addr: str | None) -> Instance:
    """Make the latest completed user task ``element_id`` ready again. No commit."""
    instance = get_instance(instance_id)
    registry_guard.check_rewind(instance, element_id)  # a lottery draw is final
    bundle, workflow = load_workflow(instance)
    known = ready_rows(instance.id)
    before = {"status": instance.status, "open_tasks": sorted(r.element_id for r in known.values())}
    records = runtime.rewind(workflow, element_id, views=True)
    first, rest = records[0], records[1:]
    append_event(instance_stream(instance.id), instance, "rewound", actor=user.username, role="admin",
                 element_id=element_id, data={"reason": reason, "before": before}, client_addr=client_addr,
                 refs=stage_view(first.view))
    record_steps(instance, rest, user.username)
    instance.status = "running"
    instance.ended_at = None
    save(instance, bundle, workflow, known)
    hooks.apply(instance, rest, user.username)
    return instance


def cancel(instance_id: int, reason: str, user: User, client_addr: str | None) -> Instance:
    """Stop a running case for good (e.g. an inspection whose plan was abandoned); no commit.

    The workflow state and the history stay as they are: a new ``instance_cancelled`` event records who
    stopped the case, why, and which tasks were open; its open task rows become ``cancelled``.

    Raises:
        StateConflict: the case is not running.
    """
    instance = get_instance(instance_id)
    if instance.status != "running":
        raise StateConflict(f"instance {instance_id} is {instance.status}")
    open_rows = ready_rows(instance.id)
    for row in open_rows.values():
        row.state = "cancelled"
    instance.status, instance.ended_at, instance.next_due = "cancelled", utcnow(), None
    append_event(instance_stream(instance.id), instance, "instance_cancelled", actor=user.username, role="admin",
                 data={"reason": reason, "open_tasks": sorted(r.element_id for r in open_rows.values())},
                 client_addr=client_addr)
    return instance
