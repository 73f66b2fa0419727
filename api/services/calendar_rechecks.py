"""Deadlines computed on a guess stay flagged after the year is loaded, until a person checks them.

A deadline reaching a year whose holidays nobody knew was computed Monday–Friday. Loading that year
(``PUT /api/v1/calendar/years/<year>`` or the ``calendar_years`` setting) does not rewrite it: the
deadline lives in the case's data, written by the diagram's own script, and history is append-only.
Instead the load records, on the ``calendar`` stream, which open tasks and running cases had such a
deadline (:func:`record_rechecks`); each keeps the flag "deadline computed before the 2027 calendar was
loaded — check it" (:func:`recheck_warning`) while it is open, its deadline unchanged, and no person
has confirmed it (``POST /api/v1/calendar/confirmations``: an event ``deadline_confirmed`` on the
case's own stream, :func:`confirm`). A deadline changed since (e.g. an extension computed on the loaded
calendar) is no longer flagged. Nothing here commits.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from flask import g, has_request_context
from sqlalchemy import select

from engine import clock
from engine.errors import NotFound, StateConflict

from ..extensions import db
from ..models import Event, Instance, TaskRow
from .history import append_event, instance_stream

STREAM = "calendar"
RECHECK = "deadline_recheck"
CONFIRMED = "deadline_confirmed"


def message(years: list[int], lang: str = "en") -> str:
    shown = ("、" if lang == "zh" else ", ").join(str(y) for y in years)
    if lang == "zh":
        return f"期限在{shown}年节假日安排载入前计算，请核对"
    return f"deadline computed before the {shown} calendar was loaded — check it"


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _beijing_date(at: datetime) -> date:
    return _aware(at).astimezone(clock.BEIJING).date()


def record_rechecks(new_value: dict[str, Any], actor: str, client_addr: str | None) -> Event | None:
    """Before ``calendar_years`` becomes ``new_value``: record the open deadlines that reach a year it loads
    and the calendar in force did not know (they were computed Monday–Friday). None when there are none."""
    from .runtime import calendar

    before = calendar()
    loaded = sorted(int(y) for y in new_value if not before.is_known_year(int(y)))
    if not loaded:
        return None
    since = datetime.combine(date(loaded[0], 1, 1), time(0), clock.BEIJING).astimezone(UTC)
    today = clock.today()

    def reached(due: datetime) -> list[int]:
        return [y for y in before.unknown_years(today, _beijing_date(due)) if y in loaded]

    tasks = {row.id: {"instance_id": row.instance_id, "due_at": _aware(row.due_at).isoformat(), "years": years}
             for row in db.session.scalars(select(TaskRow).where(TaskRow.state == "ready", TaskRow.due_at >= since))
             if (years := reached(row.due_at))}
    cases = {str(case.id): {"due_at": _aware(case.due_at).isoformat(), "years": years}
             for case in db.session.scalars(select(Instance).where(Instance.status == "running",
                                                                   Instance.due_at >= since))
             if (years := reached(case.due_at))}
    if not tasks and not cases:
        return None
    return append_event(STREAM, None, RECHECK, actor=actor, client_addr=client_addr,
                        data={"years": loaded, "tasks": tasks, "instances": cases})


def _state() -> tuple[dict[str, list[dict]], dict[str, list[dict]], set[tuple[int, int]]]:
    """(task id -> recheck entries, instance id -> entries, confirmed (instance id, year)); once per request."""
    if has_request_context() and "calendar_rechecks" in g:
        return g.calendar_rechecks
    tasks: dict[str, list[dict]] = {}
    cases: dict[str, list[dict]] = {}
    for data in db.session.scalars(select(Event.data).where(Event.stream == STREAM, Event.type == RECHECK)):
        for key, entry in (data.get("tasks") or {}).items():
            tasks.setdefault(key, []).append(entry)
        for key, entry in (data.get("instances") or {}).items():
            cases.setdefault(key, []).append(entry)
    ids = {int(k) for k in cases} | {int(e["instance_id"]) for entries in tasks.values() for e in entries}
    confirmed: set[tuple[int, int]] = set()
    if ids:
        for iid, data in db.session.execute(select(Event.instance_id, Event.data)
                                            .where(Event.instance_id.in_(ids), Event.type == CONFIRMED)):
            confirmed.update((iid, int(y)) for y in data.get("years") or [])
    state = (tasks, cases, confirmed)
    if has_request_context():
        g.calendar_rechecks = state
    return state


def pending_years(kind: str, key: Any, instance_id: int, due_at: datetime | None) -> list[int]:
    """The loaded years a task's (``kind="tasks"``) or case's (``"instances"``) unchanged deadline was guessed
    for and nobody confirmed since."""
    if due_at is None:
        return []
    tasks, cases, confirmed = _state()
    entries = (tasks if kind == "tasks" else cases).get(str(key), [])
    due = _aware(due_at)
    years = {y for e in entries if datetime.fromisoformat(e["due_at"]) == due for y in e["years"]}
    return sorted(y for y in years if (instance_id, y) not in confirmed)


def recheck_warning(kind: str, key: Any, instance_id: int, due_at: datetime | None, lang: str = "en") -> str | None:
    years = pending_years(kind, key, instance_id, due_at)
    return message(years, lang) if years else None


def confirm(instance_id: int, note: str, actor: str, role: str | None, client_addr: str | None) -> dict[str, Any]:
    """Record that a person checked the case's guessed deadlines against the loaded calendar; no commit.

    Raises:
        NotFound: no such case. StateConflict: no deadline of the case awaits a check.
    """
    case = db.session.get(Instance, instance_id)
    if case is None:
        raise NotFound(f"instance {instance_id} not found")
    years = set(pending_years("instances", case.id, case.id, case.due_at) if case.status == "running" else [])
    for row in db.session.scalars(select(TaskRow).where(TaskRow.instance_id == case.id, TaskRow.state == "ready")):
        years.update(pending_years("tasks", row.id, case.id, row.due_at))
    if not years:
        raise StateConflict(f"no deadline of case {instance_id} awaits a check against a loaded calendar")
    append_event(instance_stream(case.id), case, CONFIRMED, actor=actor, role=role, client_addr=client_addr,
                 data={"years": sorted(years), "note": note, "due_at": case.due_at.isoformat() if case.due_at else None})
    if has_request_context():
        g.pop("calendar_rechecks", None)
    return {"instance_id": case.id, "years": sorted(years), "note": note}
