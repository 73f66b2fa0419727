"""Corrections without loss: an admin data edit or a rewind is a new event with before and after.

Also the public's correction requests (OGI 41): throttled per client address, each with a reference number.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from engine import clock, runtime
from engine.errors import RuleViolation, StateConflict

from ..errors import TooManyRequests
from ..extensions import db
from ..models import CorrectionRequest, Event, Instance, User
from ..models.types import as_utc, utcnow
from ..registry import guard as registry_guard
from . import gate, locks, recusal, steps
from .history import append_event, instance_stream
from .instances import get_instance, ready_rows


def edit_data(instance_id: int, changes: dict[str, Any], reason: str, user: User, client_addr: str | None) -> Instance:
    """Change case data on the running instance; the event keeps every before/after pair. No commit."""
    instance = get_instance(instance_id)
    if instance.status != "running":
        raise StateConflict(f"instance {instance_id} is {instance.status}")

    def advance(case: steps.Case) -> steps.Outcome:
        gate.check_data_edit(instance, changes, list(case.known.values()))
        registry_guard.check_edit(instance, changes)  # a fixed lottery plan/draw, a permit's recorded item
        recusal.check_data_edit(instance, changes)  # a decided recusal stands (APL 43)
        before = runtime.edit_data(case.workflow, changes)
        return steps.Outcome(event={
            "type_": "data_edited", "actor": user.username, "role": "admin", "client_addr": client_addr,
            "data": {"reason": reason, "changes": {k: {"before": before[k], "after": changes[k]} for k in changes}}})

    steps.run(instance, advance, user.username)
    return instance


#: the rule refusing a rewind that would change a decision already published (APL 48: withdraw or correct it)
PUBLISHED_RULE = "published_decision_stands"
#: what a case publishes: a decision, a correction of one, a withdrawal (a correction case's outcome is public too)
PUBLISHING_EVENTS = ("disclosure_published", "disclosure_corrected", "disclosure_withdrawn")


def check_rewind_keeps_publication(instance: Instance, element_id: str) -> None:
    """A published decision is changed by a withdrawal or a correction, not by a rewind: no rewind to a task
    completed before the case's first publication (the decision, the masked text, anything they rest on).

    Raises:
        RuleViolation(PUBLISHED_RULE).
    """
    rows = db.session.execute(select(Event.type, Event.element_id, Event.seq, Event.data).where(
        Event.stream == instance_stream(instance.id), Event.type.in_(("task_completed", *PUBLISHING_EVENTS)))
        .order_by(Event.seq))
    published: tuple[int, Any] | None = None
    target_seq = None
    for type_, element, seq, data in rows:
        if type_ in PUBLISHING_EVENTS and published is None:
            published = (seq, (data or {}).get("disclosure_id"))
        elif type_ == "task_completed" and element == element_id:
            target_seq = seq
    if published is not None and target_seq is not None and target_seq < published[0]:
        raise RuleViolation(PUBLISHED_RULE, f"case {instance.id} published its decision (disclosure {published[1]}) "
                                            f"after {element_id} was completed: a published decision is changed by "
                                            f"a withdrawal (POST /api/v1/disclosures/{published[1]}/withdrawals) or "
                                            "a correction (process disclosure_correction), not by a rewind (APL 48)")


def rewind(instance_id: int, element_id: str, reason: str, user: User, client_addr: str | None) -> Instance:
    """Make the latest completed user task ``element_id`` ready again. No commit.

    Raises:
        StateConflict: the case was cancelled (for good). RuleViolation: a lottery draw or plan is final, or the
        decision was published after that task (:func:`check_rewind_keeps_publication`). NotFound: no completed
        user task ``element_id``.
    """
    instance = get_instance(instance_id)

    def advance(case: steps.Case) -> steps.Outcome:
        if instance.status == "cancelled":  # read under the case's lock (steps.load)
            raise StateConflict(f"instance {instance_id} was cancelled for good; a rewind does not revive it (start "
                                "a new case)")
        registry_guard.check_rewind(instance, element_id)  # a lottery draw is final
        check_rewind_keeps_publication(instance, element_id)
        before = {"status": instance.status, "open_tasks": sorted(r.element_id for r in case.known.values())}
        records = runtime.rewind(case.workflow, element_id, views=True)
        instance.status = "running"
        instance.ended_at = None
        return steps.Outcome(
            event={"type_": "rewound", "actor": user.username, "role": "admin", "element_id": element_id,
                   "data": {"reason": reason, "before": before}, "client_addr": client_addr},
            view=records[0].view, steps=records[1:])

    steps.run(instance, advance, user.username)
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


#: the stream recording each public correction request (no personal data: reference, disclosure, address)
PUBLIC_REQUESTS = "public:corrections"
WINDOW = timedelta(hours=1)


def check_request_allowed(client_addr: str | None) -> None:
    """Refuse a correction request from an address that made ``CORRECTIONS_PER_HOUR`` in the last hour; no commit.

    Requests of every address take turns here (a named lock), so N requests sent at once cannot all pass the count.

    Raises:
        TooManyRequests: 429, with the seconds until the oldest counted request leaves the window (Retry-After).
    """
    limit = int(current_app.config.get("CORRECTIONS_PER_HOUR", 5))
    locks.hold(PUBLIC_REQUESTS)
    since = clock.now() - WINDOW
    count, oldest = db.session.execute(
        select(func.count(Event.id), func.min(Event.at)).where(
            Event.stream == PUBLIC_REQUESTS, Event.client_addr == client_addr, Event.at > since)).one()
    if count >= limit:
        wait = (as_utc(oldest) + WINDOW - clock.now()).total_seconds() if oldest is not None else 3600
        raise TooManyRequests(f"at most {limit} correction requests an hour from one address; try again later",
                              retry_after=max(1, int(wait) + 1))


def reference_of(request: CorrectionRequest) -> str:
    """The number a requester quotes: ``JC`` + the day it was received (Beijing) + its sequence number."""
    day = as_utc(request.created_at).astimezone(clock.BEIJING).date()
    return f"JC{day:%Y%m%d}-{request.id:06d}"


def record_request(request: CorrectionRequest, client_addr: str | None) -> str:
    """Record the request on the public requests stream (it counts for the throttle); returns its reference."""
    reference = reference_of(request)
    append_event(PUBLIC_REQUESTS, None, "correction_requested", actor="public", client_addr=client_addr,
                 data={"reference": reference, "request_id": request.id, "disclosure_id": request.disclosure_id,
                       "case_id": request.case_id})
    return reference
