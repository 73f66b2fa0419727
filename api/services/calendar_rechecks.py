"""Deadlines computed on a guess stay flagged after the year is loaded, until a person checks them.

A deadline reaching a year whose holidays nobody knew was computed Monday–Friday. Loading that year
(``PUT /api/v1/calendar/years/<year>`` or the ``calendar_years`` setting) does not rewrite it: the
deadline lives in the case's data, written by the diagram's own script, and history is append-only.
Instead the load records, on the ``calendar`` stream, which running cases carried such a guess
(:func:`record_rechecks`): the case's deadline, its open tasks' deadlines, and every value of its data
that a ``dueDate`` property of its diagram names (a deadline computed for a task not yet open). The guess
travels with the case: a task opened later on the guessed date, and a deadline derived from it (an
extension adds working days to the guess, so it is as wrong as the guess), are as doubtful as the guess
itself. So every open deadline of such a case that reaches the loaded year (task, inbox row, case) keeps
the flag "deadline computed before the 2027 calendar was loaded — check it" (:func:`recheck_warning`)
until a person confirms the case's deadlines (``POST /api/v1/calendar/confirmations``: an event
``deadline_confirmed`` on the case's own stream, :func:`confirm`). Nothing here commits.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import g, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import load_only

from engine import clock
from engine.deadlines import parse_due
from engine.errors import NotFound, StateConflict

from ..extensions import db
from ..models import Event, Instance, TaskRow
from . import org_scope, orgs
from .history import append_event, instance_stream
from .instances import bundle_for
from .runtime import calendar

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


def _due_keys(case: Instance, cache: dict[str, set[str]]) -> set[str]:
    """The data keys the case's diagram names as deadlines (``dueDate`` of the process and of its tasks)."""
    if case.bundle_key not in cache:
        bundle = bundle_for(case)
        props = [*bundle.process_properties.values(), *(meta.properties for meta in bundle.user_tasks.values())]
        cache[case.bundle_key] = {p["dueDate"] for p in props if p.get("dueDate")}
    return cache[case.bundle_key]


def record_rechecks(new_value: dict[str, Any], actor: str, client_addr: str | None) -> Event | None:
    """Before ``calendar_years`` becomes ``new_value``: record the running cases that carry a deadline reaching
    a year it loads and the calendar in force did not know (computed Monday–Friday), with the guessed values.
    None when there are none."""
    before = calendar()
    loaded = sorted(int(y) for y in new_value if not before.is_known_year(int(y)))
    if not loaded:
        return None
    today = clock.today()
    keys: dict[str, set[str]] = {}
    open_dues: dict[int, list[datetime]] = {}
    nodes = list(orgs.subtree(org_scope.effective_org()))  # the cases of the bureau (or subtree) loading the year
    for iid, due in db.session.execute(select(TaskRow.instance_id, TaskRow.due_at)
                                       .where(TaskRow.state == "ready", TaskRow.due_at.is_not(None),
                                              TaskRow.org_id.in_(nodes))):
        open_dues.setdefault(iid, []).append(_aware(due))

    def reached(due: datetime) -> list[int]:
        return [y for y in before.unknown_years(today, _beijing_date(due)) if y in loaded]

    cases: dict[str, dict[str, Any]] = {}
    columns = (Instance.id, Instance.definition_key, Instance.manifest, Instance.bundle_key, Instance.data,
               Instance.due_at)  # not the workflow state
    for case in db.session.scalars(select(Instance).options(load_only(*columns))
                                   .where(Instance.status == "running", Instance.org_id.in_(nodes))):
        data = case.data or {}
        dues = [*open_dues.get(case.id, []), *([_aware(case.due_at)] if case.due_at else [])]
        if any(isinstance(v, str) and (due := parse_due(v)) and reached(due) for v in data.values()):
            dues += [parse_due(data.get(key)) for key in sorted(_due_keys(case, keys))]
        guessed = {due: years for due in dues if due is not None and (years := reached(due))}
        if guessed:
            cases[str(case.id)] = {"years": sorted({y for ys in guessed.values() for y in ys}),
                                   "guessed": sorted(due.isoformat() for due in guessed)}
    if not cases:
        return None
    return append_event(STREAM, None, RECHECK, actor=actor, client_addr=client_addr,
                        data={"years": loaded, "cases": cases})


def _state() -> tuple[dict[int, set[int]], set[tuple[int, int]]]:
    """(case id -> years it carried a guess for, confirmed (case id, year)); once per request.

    Recheck events recorded before the per-case form (``tasks`` / ``instances`` entries) count by their case."""
    if has_request_context() and "calendar_rechecks" in g:
        return g.calendar_rechecks
    guessed: dict[int, set[int]] = {}
    for data in db.session.scalars(select(Event.data).where(Event.stream == STREAM, Event.type == RECHECK)):
        for key, entry in (data.get("cases") or {}).items():
            guessed.setdefault(int(key), set()).update(int(y) for y in entry["years"])
        for key, entry in (data.get("instances") or {}).items():
            guessed.setdefault(int(key), set()).update(int(y) for y in entry["years"])
        for entry in (data.get("tasks") or {}).values():
            guessed.setdefault(int(entry["instance_id"]), set()).update(int(y) for y in entry["years"])
    confirmed: set[tuple[int, int]] = set()
    if guessed:
        for iid, data in db.session.execute(select(Event.instance_id, Event.data)
                                            .where(Event.instance_id.in_(set(guessed)), Event.type == CONFIRMED)):
            confirmed.update((iid, int(y)) for y in data.get("years") or [])
    state = (guessed, confirmed)
    if has_request_context():
        g.calendar_rechecks = state
    return state


def unconfirmed_years(instance_id: int) -> list[int]:
    """The loaded years the case carried a guessed deadline for and nobody has confirmed since."""
    guessed, confirmed = _state()
    return sorted(y for y in guessed.get(instance_id, ()) if (instance_id, y) not in confirmed)


def pending_years(instance_id: int, due_at: datetime | None) -> list[int]:
    """The unconfirmed guessed years of the case that an open deadline of it (``due_at``) reaches: the guess
    itself, a task opened later on it, or a deadline derived from it."""
    if due_at is None:
        return []
    due_year = _beijing_date(due_at).year
    return [y for y in unconfirmed_years(instance_id) if y <= due_year]


def recheck_warning(instance_id: int, due_at: datetime | None, lang: str = "en") -> str | None:
    years = pending_years(instance_id, due_at)
    return message(years, lang) if years else None


def confirm(instance_id: int, note: str, actor: str, role: str | None, client_addr: str | None) -> dict[str, Any]:
    """Record that a person checked the case's guessed deadlines against the loaded calendar; no commit.

    Raises:
        NotFound: no such case. StateConflict: no deadline of the case awaits a check.
    """
    case = db.session.get(Instance, instance_id)
    if case is None:
        raise NotFound(f"instance {instance_id} not found")
    years = set(unconfirmed_years(case.id) if case.status == "running" else [])
    if not years:
        raise StateConflict(f"no deadline of case {instance_id} awaits a check against a loaded calendar")
    append_event(instance_stream(case.id), case, CONFIRMED, actor=actor, role=role, client_addr=client_addr,
                 data={"years": sorted(years), "note": note, "due_at": case.due_at.isoformat() if case.due_at else None})
    if has_request_context():
        g.pop("calendar_rechecks", None)
    return {"instance_id": case.id, "years": sorted(years), "note": note}
