"""Rules the service enforces whatever a deployed diagram says.

* role: only a user holding the lane's role may claim or complete a task;
* separation of duties: a legal reviewer may not be an officer of the case;
* legal-review gate (APL 58): a decision task on a case the review catalogue
  finds major cannot be completed unless the latest legal review outcome,
  as recorded in the history, is ``agree``.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine import decisions
from engine.errors import RuleViolation

from ..extensions import db
from ..models import Event, Instance, TaskRow, User
from .definitions import current_catalog
from .history import instance_stream
from .runtime import script_engine

CATALOGUE_DECISION = "major_decision"
DECISION_KINDS = frozenset({"decision"})


def check_role(user: User, task: TaskRow) -> None:
    if not user.has_role(task.role):
        raise RuleViolation("role", f"task '{task.name}' belongs to role '{task.role}'; {user.username} does not hold it")


def case_officers(instance: Instance) -> set[str]:
    """Officers of the case: those named in its data and those who worked its officer tasks."""
    named = instance.data.get("officers") or []
    officers = {str(o) for o in named} if isinstance(named, list) else set()
    rows = db.session.execute(select(Event.actor).where(Event.stream == instance_stream(instance.id),
                                                        Event.role == "officer").distinct())
    officers.update(a for (a,) in rows if a)
    return officers


def check_separation_of_duties(user: User, task: TaskRow, instance: Instance) -> None:
    if task.role != "legal_reviewer":
        return
    if user.username in case_officers(instance):
        raise RuleViolation("separation_of_duties",
                            f"{user.username} is an officer of this case and may not review it (APL 58)")


def catalogue_result(instance: Instance, bundle: Any) -> dict[str, Any]:
    """The review catalogue's verdict on the case's current data.

    Uses the catalogue pinned in the instance's bundle, else the latest deployed one.
    """
    parser = (bundle.decisions or {}).get(CATALOGUE_DECISION)
    if parser is None:
        catalog = current_catalog()
        filename = catalog.decisions.get(CATALOGUE_DECISION)
        if filename is None:
            return {}
        parser = decisions.parse_decision(catalog.files[filename], filename, CATALOGUE_DECISION)
    return decisions.evaluate(parser, instance.data, script_engine())


def latest_review_outcome(instance: Instance) -> str | None:
    stmt = (select(Event.data).where(Event.instance_id == instance.id, Event.type == "task_completed",
                                     Event.role == "legal_reviewer").order_by(Event.seq.desc()).limit(1))
    data = db.session.scalar(stmt)
    if not data:
        return None
    return (data.get("submitted") or {}).get("review_outcome")


def is_decision_task(task: TaskRow, submitted: dict[str, Any]) -> bool:
    return task.kind in DECISION_KINDS or (task.role == "head" and "decision" in submitted)


def check_legal_review_gate(task: TaskRow, instance: Instance, bundle: Any, submitted: dict[str, Any]) -> None:
    """Refuse a major decision without a passed legal review (APL 58)."""
    if not is_decision_task(task, submitted):
        return
    verdict = catalogue_result(instance, bundle)
    major = bool(verdict.get("is_major")) or instance.data.get("is_major") is True
    if not major:
        return
    outcome = latest_review_outcome(instance)
    if outcome != "agree":
        rule = verdict.get("major_rule") or instance.data.get("major_rule") or "major"
        raise RuleViolation(
            "legal_review_gate",
            f"this is a major decision ({rule}); it needs a passed legal review first (APL 58), "
            f"latest review outcome: {outcome or 'none'}",
        )
