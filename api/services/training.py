"""Reviewers' training records (定期培训, seed 四(三)2), append-only, managed by the admin of the reviewer's bureau.

An entry records one training (date, topic, hours, organiser, certificate). Nothing recorded changes: a correction
is a new entry naming the one it replaces (``corrects``) with a reason, a withdrawal (an entry recorded by mistake)
a new entry with ``withdrawn`` set. The record in force is every entry no later entry corrects and that is not a
withdrawal. Every entry is also an event on the ``training_records`` stream (hash-chained, verified like the others).

Where a legal review is offered or claimed, the reviewers' training is shown (:func:`for_task`): the last training
date, the hours this (calendar) year, and a warning when nobody recorded a training in the last N months (setting
``reviewer_training_months``, default 12).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine import clock
from engine.errors import FormDataInvalid, NotFound, StateConflict

from ..extensions import db
from ..models import TaskRow, TrainingRecord, User
from . import org_scope, orgs, settings
from .history import append_event

STREAM = "training_records"
REVIEWER_ROLES = ("legal_reviewer",)


def user_in(username: str, nodes: Iterable[int]) -> User:
    """The user ``username`` of ``nodes`` (the caller's reach).

    Raises:
        NotFound: no such user, or one of another bureau (the same answer: the caller learns nothing of it).
    """
    user = db.session.scalar(select(User).where(User.username == username[:64],
                                                org_scope.users_in_clause(set(nodes))))
    if user is None:
        raise NotFound(f"user '{username[:64]}' not found")
    return user


def record_of(user: User) -> dict[str, Any]:
    """The user's training as the API shows it: summary, entries in force, every entry recorded."""
    rows = entries(user)
    return {"summary": summary(user), "records": [as_dict(r, user) for r in in_force(rows)],
            "history": [as_dict(r, user) for r in rows]}


def entries(user: User) -> list[TrainingRecord]:
    """Every entry recorded for ``user``, oldest first (corrections and withdrawals included)."""
    return list(db.session.scalars(select(TrainingRecord).where(TrainingRecord.user_id == user.id)
                                   .order_by(TrainingRecord.id)))


def in_force(rows: list[TrainingRecord]) -> list[TrainingRecord]:
    """The entries no later entry corrects, withdrawals left out, by date."""
    replaced = {r.corrects_id for r in rows if r.corrects_id is not None}
    return sorted((r for r in rows if r.id not in replaced and not r.withdrawn), key=lambda r: (r.trained_on, r.id))


def add(user: User, values: dict[str, Any], actor: str, client_addr: str | None = None) -> TrainingRecord:
    """Record a training of ``user`` (or, with ``corrects``, a correction or withdrawal of one); no commit.

    Raises:
        FormDataInvalid: ``corrects`` is not an entry of this user in force; a correction or withdrawal without
            a reason; a date in the future.
        StateConflict: the entry was corrected meanwhile (409).
    """
    corrects = values.get("corrects")
    if corrects is not None:
        current = {r.id for r in in_force(entries(user))}
        if corrects not in current:
            raise FormDataInvalid({"corrects": [f"entry {corrects} is not a training record of {user.username} in "
                                                "force (a corrected or withdrawn entry is corrected by its latest "
                                                "correction)"]}, "unknown entry")
        if not str(values.get("reason") or "").strip():
            raise FormDataInvalid({"reason": ["required when an entry is corrected or withdrawn"]}, "no reason")
        earlier = db.session.get(TrainingRecord, corrects)
        values = {**{k: getattr(earlier, k) for k in ("trained_on", "topic", "hours", "organiser", "certificate")},
                  **{k: v for k, v in values.items() if v is not None}}
    if values["trained_on"] > clock.today():
        raise FormDataInvalid({"trained_on": ["a training is recorded after it took place (not in the future)"]})
    row = TrainingRecord(user_id=user.id, org_id=orgs.user_bureau(user), trained_on=values["trained_on"],
                         topic=values["topic"].strip(), hours=float(values["hours"]),
                         organiser=values["organiser"].strip(), certificate=(values.get("certificate") or None),
                         corrects_id=corrects, withdrawn=bool(values.get("withdrawn")),
                         reason=(values.get("reason") or None), recorded_by=actor, recorded_at=clock.now())
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # the unique corrects_id: a concurrent correction of the same entry
        raise StateConflict(f"entry {corrects} was corrected meanwhile; reload and correct its latest version") \
            from exc
    append_event(STREAM, None, "training_recorded", actor=actor, client_addr=client_addr, data=as_dict(row, user))
    return row


def as_dict(row: TrainingRecord, user: User) -> dict[str, Any]:
    return {"id": row.id, "username": user.username, "trained_on": row.trained_on.isoformat(), "topic": row.topic,
            "hours": row.hours, "organiser": row.organiser, "certificate": row.certificate,
            "corrects": row.corrects_id, "withdrawn": row.withdrawn, "reason": row.reason,
            "recorded_by": row.recorded_by, "recorded_at": row.recorded_at.isoformat() if row.recorded_at else None}


def _months_before(day: date, months: int) -> date:
    month = day.month - 1 - months
    year = day.year + month // 12
    month = month % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=last)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def summary(user: User, today: date | None = None, months: int | None = None) -> dict[str, Any]:
    """The reviewer's training as shown where reviews are assigned: last date, hours this year, warning."""
    today = today or clock.today()
    if months is None:
        months = int(settings.get("reviewer_training_months", orgs.user_bureau(user)))
    rows = in_force(entries(user))
    past = [r for r in rows if r.trained_on <= today]
    last = past[-1].trained_on if past else None
    hours = sum(r.hours for r in past if r.trained_on.year == today.year)
    since = _months_before(today, months)
    warning = None if last is not None and last > since else (
        f"no training recorded in the last {months} months" if last is not None else "no training recorded")
    return {"username": user.username, "display_name": user.display_name,
            "last_training_date": last.isoformat() if last else None, "hours_this_year": round(hours, 1),
            "months": months, "warning": warning}


def for_task(task: TaskRow) -> list[dict[str, Any]]:
    """On a legal-review task: the training of every active reviewer of the case's bureau who may claim it, and of
    the assignee; [] on other tasks."""
    if task.role not in REVIEWER_ROLES:
        return []
    stmt = select(User).where(User.active.is_(True), org_scope.users_clause(task.org_id)).order_by(User.username)
    users = [u for u in db.session.scalars(stmt) if any(u.has_role(r) for r in REVIEWER_ROLES)
             or u.username == task.assignee]
    if task.assignee and task.assignee not in {u.username for u in users}:
        assignee = db.session.scalar(select(User).where(User.username == task.assignee))
        users += [assignee] if assignee is not None else []
    months = int(settings.get("reviewer_training_months", task.org_id))
    return [{**summary(u, months=months), "assignee": u.username == task.assignee} for u in users]
