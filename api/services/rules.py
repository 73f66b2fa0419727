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

from engine import clock, decisions
from engine.errors import RuleViolation

from ..extensions import db
from ..models import Event, EvidenceItem, Instance, TaskRow, User
from . import settings
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


def check_legal_qualification(user: User, task: TaskRow) -> None:
    """Reviewers carry the legal qualification (APL 58: first-time reviewers hold the national qualification)."""
    if task.role == "legal_reviewer" and not user.legal_qualified:
        raise RuleViolation("legal_qualification",
                            f"{user.username} has no legal-review qualification on record (APL 58)")


def _officer_list(submitted: dict[str, Any], instance: Instance) -> list[str]:
    named = submitted.get("officers") if isinstance(submitted.get("officers"), list) else None
    if named is None:
        named = instance.data.get("officers") if isinstance(instance.data.get("officers"), list) else []
    return [str(n) for n in named]


def check_two_officers(act_kind: str | None, submitted: dict[str, Any], instance: Instance) -> None:
    """An enforcement act needs at least two officers with certificates valid that day (APL 42)."""
    if not act_kind:
        return
    names = _officer_list(submitted, instance)
    users = list(db.session.scalars(select(User).where(User.username.in_(names)))) if names else []
    day = clock.today()
    valid = sorted(u.username for u in users if u.has_role("officer") and u.active and u.certificate_on(day))
    if len(valid) < 2:
        raise RuleViolation(
            "two_officers",
            f"an enforcement act ({act_kind}) needs at least two officers with enforcement certificates valid on "
            f"{day.isoformat()} (APL 42); valid: {valid or 'none'}, named: {names or 'none'}")


def check_recording(act_kind: str | None, task: TaskRow, instance: Instance) -> None:
    """Acts the recording table marks 'av' need an audio/video item attached to this task (seed 四(二)2)."""
    if not act_kind:
        return
    table = settings.get("recording_requirements")
    flag = table.get("full_process_flag")
    needs_av = table.get("acts", {}).get(act_kind) == "av" or bool(flag and instance.data.get(flag))
    if not needs_av:
        return
    found = db.session.scalar(select(EvidenceItem.id).where(
        EvidenceItem.instance_id == instance.id, EvidenceItem.task_id == task.id,
        EvidenceItem.kind == "audio_video").limit(1))
    if found is None:
        raise RuleViolation("av_required",
                            f"'{task.name}' is a {act_kind} act: attach an audio/video record to this task first "
                            f"(POST /api/v1/instances/{instance.id}/evidence with task_id={task.id})")
