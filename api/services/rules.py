"""Rules the service enforces whatever a deployed diagram says.

* role: only a user holding the lane's role may claim or complete a task;
* separation of duties: a legal reviewer may not be an officer of the case;
* the legal-review gate (APL 58) lives in :mod:`api.services.gate`.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engine import clock
from engine.errors import RuleViolation

from ..extensions import db
from ..models import Event, EvidenceItem, Instance, TaskRow, User
from . import org_scope, recording_list
from .history import instance_stream
from .recusal import recused_officers


def check_role(user: User, task: TaskRow) -> None:
    """The user may work ``task``: inside their own bureau (api/permissions.py) and holding its lane's role."""
    from ..permissions import check_task_work, task_view  # permissions -> services: import late

    check_task_work(user, task)
    if user.has_role(task.role):
        task_view(user, task)  # the case must be theirs too (their unit's, or one they work on): 403 case_access
    if not user.has_role(task.role):
        raise RuleViolation("role", f"task '{task.name}' belongs to role '{task.role}'; {user.username} does not hold it")


def case_officers(instance: Instance) -> set[str]:
    """Officers of the case: those named in its data and those who worked its officer tasks, less those
    who withdrew from it (APL 43, from the case's history: ``recusal.recused_officers``)."""
    named = instance.data.get("officers") or []
    officers = {str(o) for o in named} if isinstance(named, list) else set()
    rows = db.session.execute(select(Event.actor).where(Event.stream == instance_stream(instance.id),
                                                        Event.role == "officer").distinct())
    officers.update(a for (a,) in rows if a)
    return officers - recused_officers(instance)


def check_separation_of_duties(user: User, task: TaskRow, instance: Instance) -> None:
    if task.role != "legal_reviewer":
        return
    if user.username in case_officers(instance):
        raise RuleViolation("separation_of_duties",
                            f"{user.username} is an officer of this case and may not review it (APL 58)")


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
    users = list(db.session.scalars(select(User).where(User.username.in_(names))  # with their certificates: one query
                                    .options(selectinload(User.certificates)))) if names else []
    day = clock.today()
    valid = sorted(u.username for u in users if u.has_role("officer") and u.active and u.certificate_on(day)
                   and org_scope.in_bureau(u, instance.org_id))  # officers of the case's own bureau only
    if len(valid) < 2:
        raise RuleViolation(
            "two_officers",
            f"an enforcement act ({act_kind}) needs at least two officers with enforcement certificates valid on "
            f"{day.isoformat()} (APL 42); valid: {valid or 'none'}, named: {names or 'none'}")


def check_recording(act_kind: str | None, task: TaskRow, instance: Instance) -> None:
    """Acts that need A/V (the setting ``recording_requirements``, the full-process flag, the case's item and post
    on the bureau's recording list: :func:`recording_list.requirement`) need an audio/video item attached to this
    task (seed 四(二)1, 四(二)2)."""
    needed = recording_list.requirement(act_kind, instance)
    if not needed.needs_av:
        return
    found = db.session.scalar(select(EvidenceItem.id).where(
        EvidenceItem.instance_id == instance.id, EvidenceItem.task_id == task.id,
        EvidenceItem.kind == "audio_video").limit(1))
    if found is None:
        raise RuleViolation("av_required",
                            f"'{task.name}' is a {act_kind} act that needs audio/video ({'; '.join(needed.reasons)}): "
                            f"attach an audio/video record to this task first "
                            f"(POST /api/v1/instances/{instance.id}/evidence with task_id={task.id})")
