"""What the service does when a script task of a given ``kind`` ran in the engine.

``publish`` puts the case's masked decision on the public list, ``withdraw`` withdraws
a published decision (APL 48), ``correct`` publishes a corrected version. Each is
recorded as an event. A refusal by the law (a minor party is never published) is
recorded as ``disclosure_withheld`` instead of failing the step.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine import runtime
from engine.errors import RuleViolation

from ..models import Instance
from . import disclosures
from .history import append_event, instance_stream


def _publish(instance: Instance, step: runtime.StepRecord, actor: str) -> dict[str, Any]:
    item = disclosures.publish(instance, actor)
    return {"disclosure_id": item.id, "masked_text": item.masked_text}


def _withdraw(instance: Instance, step: runtime.StepRecord, actor: str) -> dict[str, Any]:
    data = instance.data
    row = disclosures.withdraw(int(data["disclosure_id"]), str(data.get("withdraw_reason") or ""),
                               str(data.get("withdraw_basis") or "other"), actor, instance.id)
    return {"disclosure_id": row.disclosure_id, "reason": row.reason, "basis": row.basis}


def _correct(instance: Instance, step: runtime.StepRecord, actor: str) -> dict[str, Any]:
    data = instance.data
    item = disclosures.correct(int(data["disclosure_id"]), str(data.get("corrected_text") or ""),
                               str(data.get("correction_reason") or ""), actor, instance.id)
    return {"disclosure_id": item.id, "supersedes_id": int(data["disclosure_id"])}


HOOKS: dict[str, tuple[str, Callable[[Instance, runtime.StepRecord, str], dict[str, Any]]]] = {
    "publish": ("disclosure_published", _publish),
    "withdraw": ("disclosure_withdrawn", _withdraw),
    "correct": ("disclosure_corrected", _correct),
}


def apply(instance: Instance, steps: list[runtime.StepRecord], actor: str) -> None:
    """Run the hook of every step whose task carries a known ``kind``; no commit."""
    for step in steps:
        hook = HOOKS.get(step.properties.get("kind", ""))
        if hook is None:
            continue
        event_type, action = hook
        try:
            data = action(instance, step, actor)
        except RuleViolation as exc:
            event_type, data = "disclosure_withheld", {"rule": exc.rule, "reason": exc.message}
        append_event(instance_stream(instance.id), instance, event_type, actor=actor, role="publicity_officer",
                     element_id=step.element_id, data=data)
