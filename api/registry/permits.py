"""A permit application's item values from the list of powers (权责清单), fixed when the application is registered.

The first ``powerItem`` task of a case (the application, 申请登记) records the item's entry as it stands then
(:class:`PermitItemRecord`, and in the task's completion event); every later ``powerItem`` task of the case
(acceptance, 受理) gets the same values back, so an item changed or retired between application and acceptance
neither shortens the limit nor turns a forwarded item into a decision. An item that is not on the list (or no
longer) is refused at registration (422 naming the field): there is no silent default.

What a permit case publishes as its outcome (:func:`published_outcome`) comes from these recorded values and the
head's decision, never from ``outcome_label`` or another key a diagram or an admin can change: an item the county
only forwards (RRA 21) is published as the preliminary opinion and where it went, not as 准予行政许可.
No commits here.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine import clock
from engine.errors import FormDataInvalid, RuleViolation

from ..extensions import db
from ..models import PowerItem
from ..models.registry import PermitItemRecord
from .service import current_powers

RULE = "permit_item_fixed"
#: ALL 42: when the list gives an item no limit, 20 working days from acceptance
DEFAULT_LIMIT = {"time_limit_days": 20, "time_limit_working_days": True,
                 "time_limit_source": "《行政许可法》第四十二条（权责清单未规定期限）"}
#: the data keys the recorded values occupy (an admin data edit of them is refused, rule permit_item_fixed)
FIXED_KEYS = ("power_item_key", "power_code", "power_version", "power_name", "power_legal_basis", "permit_outcome",
              "forward_to", "time_limit_days", "time_limit_working_days", "time_limit_source", "outcome_label")
PERMIT_LABELS = {"approve": "准予行政许可", "deny": "不予行政许可"}
FORWARD_MARK = "初审意见"


def forward_label(forward_to: str | None, decision: Any = None) -> str:
    """A forwarded item's outcome in words: the preliminary opinion and the authority it went to (RRA 21)."""
    where = forward_to or "上级宗教事务部门"
    if decision in PERMIT_LABELS:
        opinion = "同意" if decision == "approve" else "不同意"
        return f"{FORWARD_MARK}：{opinion}，已转报{where}审批（非准予行政许可决定）"
    return f"{FORWARD_MARK}：本局出具初审意见后转报{where}审批（非准予行政许可决定）"


def item_values(power: PowerItem) -> dict[str, Any]:
    """A listed permit item's entry as data for the diagram (the limit: the list's, else ALL 42's default)."""
    limit = ({"time_limit_days": power.time_limit_days, "time_limit_working_days": bool(power.working_days),
              "time_limit_source": f"权责清单 {power.code} 第{power.version}版：{power.time_limit or ''}"}
             if power.time_limit_days else DEFAULT_LIMIT)
    outcome = power.outcome or "decision"
    return {"power_item_key": power.item_key, "power_code": power.code, "power_version": power.version,
            "power_name": power.name, "power_legal_basis": power.legal_basis, "permit_outcome": outcome,
            "forward_to": power.forward_to, **limit,
            "outcome_label": forward_label(power.forward_to) if outcome == "forward" else None}


def recorded(instance_id: int) -> PermitItemRecord | None:
    """The item values recorded for the case (the latest registration), if any."""
    return db.session.scalar(select(PermitItemRecord).where(PermitItemRecord.instance_id == instance_id)
                             .order_by(PermitItemRecord.id.desc()).limit(1))


def fixed_values(instance_id: int, field: str, item_key: Any, actor: str) -> dict[str, Any]:
    """The item values of the case: recorded at its registration, or recorded now (the first powerItem task).

    Raises:
        FormDataInvalid: no registered item yet and ``item_key`` is not a permit item on the list in force.
        RuleViolation("permit_item_fixed"): the case was registered for another item (a new item is a new case).
    """
    record = recorded(instance_id)
    if record is not None:
        if item_key not in (None, "", record.item_key):
            raise RuleViolation(RULE, f"the application was registered for item '{record.item_key}' "
                                      f"({record.values.get('power_code')}); another item is a new application")
        return dict(record.values)
    power = next((p for p in current_powers() if p.item_key and p.item_key == item_key), None)
    if power is None or power.category != "permit":
        raise FormDataInvalid({field: [f"'{item_key}' is not a permit item of the list of powers (权责清单) in force"]},
                              f"{field}: not on the list of powers")
    values = item_values(power)
    db.session.add(PermitItemRecord(instance_id=instance_id, item_key=str(item_key), values=values,
                                    recorded_by=actor, recorded_at=clock.now()))
    db.session.flush()
    return dict(values)


def published_outcome(data: dict[str, Any]) -> str | None:
    """The outcome a permit case publishes, from its recorded powers-list values and the head's decision.

    None for a case that is not a permit or has no recorded item (the caller's own rules apply).
    """
    if data.get("act_type") != "permit" or data.get("permit_outcome") not in ("decision", "forward"):
        return None
    decision = data.get("decision")
    if data["permit_outcome"] == "forward":
        return forward_label(data.get("forward_to"), decision)
    return PERMIT_LABELS.get(str(decision))


def check_data(instance_id: int, data: dict[str, Any]) -> None:
    """The case data keeps the values recorded at registration (whatever a diagram's script or an admin wrote).

    Raises:
        RuleViolation("permit_item_fixed"): a recorded key changed, or is gone from a registered permit case;
            a forwarded item's outcome no longer reads as a preliminary opinion, or a decided item's carries one.
    """
    record = recorded(instance_id)
    if record is None:
        return
    values = record.values
    registered = data.get("act_type") == "permit"
    changed = [k for k in FIXED_KEYS if k != "outcome_label" and k in values
               and ((k in data and data[k] != values[k]) or (registered and k not in data))]
    label = data.get("outcome_label")
    if values.get("permit_outcome") == "forward":
        if registered and FORWARD_MARK not in str(label or ""):
            changed.append("outcome_label")
    elif label not in (None, ""):
        changed.append("outcome_label")
    if changed:
        raise RuleViolation(RULE, f"the item values recorded when the application was registered "
                                  f"({values.get('power_code')} v{values.get('power_version')}, "
                                  f"{values.get('permit_outcome')}) cannot be changed: {', '.join(changed)}")
