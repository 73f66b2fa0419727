"""Figures of the supervision dashboard (web page /dashboard): the annual statistics split the way supervisors read
them — cases by month and act type, legal-review outcomes, overdue tasks by person, publicity deadlines met or missed.

Scoped and timed exactly like :func:`api.services.stats.annual_statistics` (the organisation's subtree, the Beijing
calendar year, as of the year's end once it is over), so the totals equal the statistics API's figures:
``cases_by_month`` adds up to ``cases.by_act_type[*].started``, ``review_outcomes`` is ``legal_reviews.by_outcome``
and ``overdue_by_person`` adds up to ``overdue.tasks.open_overdue``. Nothing here commits.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine import clock

from ..extensions import db
from ..models import Instance, TaskRow, User
from ..services import orgs, stats
from ..services.disclosure_content import CATEGORIES
from ..services.disclosures import CORRECTION_PROCESS

#: act types in chart order (``none``: the case data names none yet)
ACT_TYPES = (*CATEGORIES, stats.NONE)
#: review outcomes in chart order
OUTCOMES = (*stats.REVIEW_OUTCOMES, stats.NONE, "other")
#: publicity deadline states
PUBLICITY_STATES = ("met", "missed", "pending")
UNCLAIMED = ""


def _nodes(org_id: int | None) -> list[int]:
    from ..services import org_scope

    return list(orgs.subtree(org_id if org_id is not None else org_scope.platform_root()))


def _cases_by_month(year: int, nodes: list[int]) -> dict[str, list[int]]:
    """act type -> 12 monthly counts of enforcement cases started (Beijing months; correction cases left out, as
    the statistics' ``by_act_type`` leaves them out)."""
    out = {act: [0] * 12 for act in ACT_TYPES}
    rows = db.session.execute(
        select(Instance.started_at, Instance.data["act_type"].as_string())
        .where(stats._in_year(Instance.started_at, year), Instance.org_id.in_(nodes),
               Instance.definition_key != CORRECTION_PROCESS)).all()
    for started, act in rows:
        key = stats._key(act, CATEGORIES)
        out.setdefault(key, [0] * 12)[started.astimezone(clock.BEIJING).month - 1] += 1
    return out


def _late_open(state: str, due: datetime, done: datetime | None, at: datetime) -> bool:
    """Open past its deadline at ``at`` (a task completed after ``at`` was still open then)."""
    return (state == "ready" or (state == "completed" and not stats._ended_by(done, at))) and due < at


def _overdue_by_person(year: int, at: datetime, nodes: list[int]) -> list[dict[str, Any]]:
    """Tasks open past their deadline at ``at`` per assignee (``""``: nobody has claimed it), most first."""
    rows = db.session.execute(
        select(TaskRow.state, TaskRow.due_at, TaskRow.completed_at, TaskRow.assignee, TaskRow.completed_by)
        .where(stats._in_year(TaskRow.created_at, year), TaskRow.due_at.is_not(None),
               TaskRow.instance_id.in_(select(Instance.id).where(Instance.org_id.in_(nodes))))).all()
    counts = Counter((assignee or completed_by or UNCLAIMED) if state == "completed" else (assignee or UNCLAIMED)
                     for state, due, done, assignee, completed_by in rows if _late_open(state, due, done, at))
    names = dict(db.session.execute(select(User.username, User.display_name)
                                    .where(User.username.in_([p for p in counts if p]))).all())
    return [{"username": person, "display_name": names.get(person, person), "overdue": count}
            for person, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def _publicity(year: int, at: datetime, nodes: list[int]) -> dict[str, int]:
    """Publicity tasks (role ``publicity_officer``) with a deadline: done in time, late or still open past it
    (missed), open and not yet due (pending)."""
    out = dict.fromkeys(PUBLICITY_STATES, 0)
    rows = db.session.execute(
        select(TaskRow.state, TaskRow.due_at, TaskRow.completed_at)
        .where(stats._in_year(TaskRow.created_at, year), TaskRow.due_at.is_not(None),
               TaskRow.role == "publicity_officer", TaskRow.state.in_(("ready", "completed")),
               TaskRow.instance_id.in_(select(Instance.id).where(Instance.org_id.in_(nodes))))).all()
    for state, due, done in rows:
        if state == "completed" and stats._ended_by(done, at):
            out["met" if done <= due else "missed"] += 1
        else:
            out["missed" if due < at else "pending"] += 1
    return out


def dashboard_figures(year: int, org_id: int | None = None) -> dict[str, Any]:
    """The dashboard's four figures for organisation ``org_id``'s subtree (default: the platform) in ``year``."""
    nodes = _nodes(org_id)
    at = stats.as_of(year)
    reviews = stats._legal_reviews(year, nodes)["by_outcome"]
    return {
        "year": year,
        "as_of": at,
        "cases_by_month": _cases_by_month(year, nodes),
        "review_outcomes": {key: reviews.get(key, 0) for key in sorted(set(OUTCOMES) | set(reviews),
                                                                       key=lambda k: (k not in OUTCOMES, k))},
        "overdue_by_person": _overdue_by_person(year, at, nodes),
        "publicity": _publicity(year, at, nodes),
        # 执法双公示: the year's permit and penalty decisions by credit-platform report status (as the statistics)
        "credit": stats.annual_credit(year, at, nodes),
    }
