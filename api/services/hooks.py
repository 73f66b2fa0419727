"""What the service does when a script task of a given ``kind`` ran in the engine.

``disclosure_source`` checks that the case holds a real decision before anything is composed
for publication (a bare ``disclosure`` start with typed-in content is refused, rule
``disclosure_needs_decision``); ``publish`` puts the case's masked decision on the public list
— only when the case's history holds an effective head decision (or an inspection result, published
as an inspection) and, after it, the publicity officer's release, and only as the composed original
with spans masked (422 ``masked_text`` otherwise), whatever the diagram says; ``withhold`` records the publicity officer's reasoned decision not to publish
(a withholding without a reason is refused, 422 ``withhold_reason``); ``correction_intake``
accepts a correction case only from the public channel or the bureau's withdrawal endpoint;
``withdraw`` withdraws a published decision (APL 48), ``correct`` publishes a corrected version.
Each is recorded as an event. A refusal by the law at publication (a minor party, no decision, no
release) is recorded as ``disclosure_withheld`` instead of failing the step.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine import runtime
from engine.errors import FormDataInvalid, RuleViolation

from ..extensions import db
from ..models import Instance, User
from . import disclosure_content, disclosures, gate, withdrawals
from .history import append_event, instance_stream
from .public_masking import review_alternatives

Hook = Callable[[Instance, runtime.StepRecord, str], dict[str, Any]]


def _source(instance: Instance, step: runtime.StepRecord, actor: str) -> dict[str, Any]:
    decided = disclosure_content.require_decision(instance.id)
    return {"decision_event": decided.seq, "decision_task": decided.element_id}


def _publish(instance: Instance, step: runtime.StepRecord, actor: str) -> dict[str, Any]:
    """Publish only an effective head decision (or an inspection result, as an inspection) that the
    publicity officer released afterwards, as the composed original with spans masked (disclosure_content)."""
    data = instance.data or {}
    basis = disclosure_content.publication_basis(instance.id, data)
    release = disclosure_content.require_release(instance.id, basis)
    if basis.kind == "decision":
        gate.check_published_content(instance)  # what is published is what the head decided (APL 58, 59)
    disclosure_content.check_only_masked(data, review_alternatives(data), masked_view=_masked_view(instance, actor))
    item = disclosures.publish(instance, actor, basis.kind)
    return {"disclosure_id": item.id, "masked_text": item.masked_text, "basis": basis.kind,
            "decision_event": basis.seq, "release_event": release.seq}


def _masked_view(instance: Instance, actor: str) -> bool:
    """Whether ``actor`` reads the case in the masked view (the publicity officer: no raw ID numbers)."""
    from sqlalchemy import select

    from .. import permissions

    user = db.session.scalar(select(User).where(User.username == actor))
    if user is None:
        return False
    try:
        return permissions.case_view(user, instance) == "masked"
    except Exception:  # noqa: BLE001 - out of reach: the strictest check
        return True


def _withhold(instance: Instance, step: runtime.StepRecord, actor: str) -> dict[str, Any]:
    reason = str(instance.data.get("withhold_reason") or "").strip()
    if not reason:
        raise FormDataInvalid({"withhold_reason": ["required when the decision is withheld (publish_choice "
                                                   "withhold): the reason and its legal basis"]},
                              f"{step.element_id}: withholding needs a reason")
    return {"rule": "officer", "reason": reason}


def _intake(instance: Instance, step: runtime.StepRecord, actor: str) -> dict[str, Any]:
    data = instance.data
    origin = data.get("origin") or "public"
    if origin == "public":
        if instance.started_by != "public":
            raise RuleViolation("correction_origin", "a public correction request comes through "
                                "POST /api/v1/public/corrections; the bureau withdraws through "
                                "POST /api/v1/disclosures/<id>/withdrawals")
        return {"origin": origin, "request_date": data.get("request_date")}
    if origin != "bureau":
        raise FormDataInvalid({"origin": ["must be public or bureau"]}, "unknown origin")
    from ..permissions import can  # permissions -> services: import late

    starter = db.session.query(User).filter_by(username=instance.started_by).one_or_none()
    if starter is None or not can(starter, "withdrawal.start"):
        raise RuleViolation("role", "a withdrawal is started by the publicity officer or the head (APL 48)")
    try:
        decided_on = disclosures.get_disclosure(int(data.get("disclosure_id"))).decision_date
    except (TypeError, ValueError):
        raise FormDataInvalid({"disclosure_id": ["required: the published decision to withdraw"]},
                              "no disclosure_id") from None
    day = withdrawals.check_event(data.get("withdraw_basis"), data.get("event_kind"), data.get("event_date"),
                                  data.get("correction_reason"), decided_on)
    return {"origin": origin, "withdraw_basis": data.get("withdraw_basis"), "event_kind": data.get("event_kind"),
            "event_date": day.isoformat(), "withdraw_due": data.get("withdraw_due")}


def _withdraw(instance: Instance, step: runtime.StepRecord, actor: str) -> dict[str, Any]:
    data = instance.data
    event_date = disclosures._as_date(data.get("event_date"))
    row = disclosures.withdraw(int(data["disclosure_id"]), str(data.get("withdraw_reason") or ""),
                               str(data.get("withdraw_basis") or "other"), actor, instance.id,
                               data.get("event_kind") or None, event_date)
    return {"disclosure_id": row.disclosure_id, "reason": row.reason, "basis": row.basis,
            "event_kind": row.event_kind, "event_date": event_date.isoformat() if event_date else None}


def _correct(instance: Instance, step: runtime.StepRecord, actor: str) -> dict[str, Any]:
    data = instance.data
    item = disclosures.correct(int(data["disclosure_id"]), str(data.get("corrected_text") or ""),
                               str(data.get("correction_reason") or ""), actor, instance.id)
    return {"disclosure_id": item.id, "supersedes_id": int(data["disclosure_id"])}


#: kind -> (event type, action, whether a RuleViolation is recorded as disclosure_withheld instead of refusing)
HOOKS: dict[str, tuple[str, Hook, bool]] = {
    "disclosure_source": ("disclosure_source_checked", _source, False),
    "publish": ("disclosure_published", _publish, True),
    "withhold": ("disclosure_withheld", _withhold, False),
    "correction_intake": ("correction_received", _intake, False),
    "withdraw": ("disclosure_withdrawn", _withdraw, False),
    "correct": ("disclosure_corrected", _correct, False),
}


def apply(instance: Instance, steps: list[runtime.StepRecord], actor: str) -> None:
    """Run the hook of every step whose task carries a known ``kind``; no commit.

    First refuses a bureau withdrawal of a changed or revoked decision that the review rejected
    (withdrawals.check_outcome, 403 APL_48). Raises what a refusing hook raises (RuleViolation 403,
    FormDataInvalid 422): the request then changes nothing.
    """
    withdrawals.check_outcome(instance)  # APL 48: whatever the diagram draws
    for step in steps:
        hook = HOOKS.get(step.properties.get("kind", ""))
        if hook is None:
            continue
        event_type, action, record_refusal = hook
        try:
            data = action(instance, step, actor)
        except RuleViolation as exc:
            if not record_refusal:
                raise
            event_type, data = "disclosure_withheld", {"rule": exc.rule, "reason": exc.message}
        append_event(instance_stream(instance.id), instance, event_type, actor=actor, role="publicity_officer",
                     element_id=step.element_id, data=data)
