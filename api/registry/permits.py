"""A permit application's item values from the list of powers (权责清单), fixed when the application is registered.

The first ``powerItem`` task of a case (the application, 申请登记) records the item's entry as it stands then
(:class:`PermitItemRecord`, and in the task's completion event); every later ``powerItem`` task of the case
(acceptance, 受理) gets the same values back, so an item changed or retired between application and acceptance
neither shortens the limit nor turns a forwarded item into a decision. An item that is not on the list (or no
longer) is refused at registration (422 naming the field): there is no silent default.

What a permit case publishes as its outcome (:func:`published_outcome`) comes from these recorded values and the
head's decision, never from ``outcome_label`` or another key a diagram or an admin can change: an item the county
only forwards (RRA 21) is published as the preliminary opinion and where it went, not as 准予行政许可.

**The decision deadline is the item's** (:func:`deadline_values`): at acceptance (the first later ``powerItem``
task; or, for a diagram without one, the first save that sets ``decision_due``) the service records the
acceptance date and the statutory deadline computed from the recorded limit (calendar days, or working days on
the bureau's calendar), and whether the item allows ALL 42's extension and by how many working days (only items
with ALL 42's working-day limit: 10; an item whose limit a regulation sets, e.g. RRA 22's 30 days, none). The case
data's ``decision_due`` must be that deadline, or — after the head approved the extension in a ``head`` task
(``extension_approved``) on an item that allows it — that deadline plus the item's extension; an admin edit of
the deadline, the acceptance date, ``decision_extended`` or any recorded value is refused (rule ``permit_item_fixed``).
No commits here.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from engine import clock
from engine.errors import FormDataInvalid, RuleViolation

from ..extensions import db
from ..models import Event, Instance, PowerItem
from ..models.registry import PermitItemRecord
from ..services.runtime import calendar
from .service import current_powers

RULE = "permit_item_fixed"
#: ALL 42: when the list gives an item no limit, 20 working days from acceptance
DEFAULT_LIMIT = {"time_limit_days": 20, "time_limit_working_days": True,
                 "time_limit_source": "《行政许可法》第四十二条（权责清单未规定期限）"}
#: the data keys the values recorded at registration occupy (a registered case keeps each of them)
REGISTRATION_KEYS = ("power_item_key", "power_code", "power_version", "power_name", "power_legal_basis",
                     "permit_outcome", "forward_to", "time_limit_days", "time_limit_working_days", "time_limit_source",
                     "outcome_label", "extension_allowed", "extension_working_days")
#: every data key the recorded values occupy (an admin data edit of them is refused, rule permit_item_fixed)
FIXED_KEYS = (*REGISTRATION_KEYS, "statutory_due_from", "statutory_due")
#: ALL 42: a working-day limit may be extended once by 10 working days with the head's approval
EXTENSION_WORKING_DAYS = 10
#: data keys derived from the recorded values by the diagram (checked against them; an admin edit is refused)
DERIVED_KEYS = ("decision_due", "decision_extended", "accept_date", "limit_days")
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
            "forward_to": power.forward_to, **limit, **_extension(limit),
            "outcome_label": forward_label(power.forward_to) if outcome == "forward" else None}


def _extension(values: dict[str, Any]) -> dict[str, Any]:
    """Whether the item allows ALL 42's extension, and its length: only a working-day limit (ALL 42) does."""
    allowed = values.get("time_limit_working_days") is True
    return {"extension_allowed": allowed, "extension_working_days": EXTENSION_WORKING_DAYS if allowed else 0}


def deadline_values(values: dict[str, Any], day: date) -> dict[str, Any]:
    """The acceptance date and the statutory decision deadline of the recorded item for an acceptance on ``day``."""
    limit = int(values.get("time_limit_days") or DEFAULT_LIMIT["time_limit_days"])
    due = calendar().add_working_days(day, limit) if values.get("time_limit_working_days") else (
        day + timedelta(days=limit))
    return {"statutory_due_from": day.isoformat(), "statutory_due": due.isoformat()}


def _accept(instance_id: int, record: PermitItemRecord, actor: str) -> dict[str, Any]:
    """Record the acceptance date and deadline (today) with the item values: a new record row (append-only)."""
    values = {**_extension(record.values), **record.values, **deadline_values(record.values, clock.today())}
    db.session.add(PermitItemRecord(instance_id=instance_id, item_key=record.item_key, values=values,
                                    recorded_by=actor, recorded_at=clock.now()))
    db.session.flush()
    return values


def recorded(instance_id: int) -> PermitItemRecord | None:
    """The item values recorded for the case (the latest registration), if any."""
    return db.session.scalar(select(PermitItemRecord).where(PermitItemRecord.instance_id == instance_id)
                             .order_by(PermitItemRecord.id.desc()).limit(1))


def fixed_values(instance_id: int, field: str, item_key: Any, actor: str) -> dict[str, Any]:
    """The item values of the case: recorded at its registration, or recorded now (the first powerItem task).

    A later ``powerItem`` task (the acceptance) records the acceptance date and the deadline once
    (:func:`deadline_values`); every later one gets them back.

    Raises:
        FormDataInvalid: no registered item yet and ``item_key`` is not a permit item on the list in force.
        RuleViolation("permit_item_fixed"): the case was registered for another item (a new item is a new case).
    """
    record = recorded(instance_id)
    if record is not None:
        if item_key not in (None, "", record.item_key):
            raise RuleViolation(RULE, f"the application was registered for item '{record.item_key}' "
                                      f"({record.values.get('power_code')}); another item is a new application")
        if "statutory_due" not in record.values:  # the acceptance: the deadline counts from today
            return _accept(instance_id, record, actor)
        return dict(record.values)
    case_org = db.session.scalar(select(Instance.org_id).where(Instance.id == instance_id))
    power = next((p for p in current_powers(org_id=case_org)  # the case's own bureau's list of powers
                  if p.item_key and p.item_key == item_key), None)
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


def _extension_approved(instance_id: int) -> bool:
    """Whether a head approved the extension in a task of the case (``extension_approved`` in a head task)."""
    stmt = select(Event.data).where(Event.instance_id == instance_id, Event.type == "task_completed",
                                    Event.role == "head")
    pending = [e.data for e in db.session.new if isinstance(e, Event) and e.instance_id == instance_id
               and e.type == "task_completed" and e.role == "head"]  # this completion's, not flushed yet
    return any(((data or {}).get("submitted") or {}).get("extension_approved") is True
               for data in [*pending, *db.session.scalars(stmt)])


def _wrong_deadline(instance_id: int, values: dict[str, Any], data: dict[str, Any]) -> list[str]:
    """The deadline keys of the case data that differ from the recorded acceptance."""
    wrong = []
    if "accept_date" in data and data["accept_date"] != values["statutory_due_from"]:
        wrong.append("accept_date")
    if "limit_days" in data and data["limit_days"] != values.get("time_limit_days"):
        wrong.append("limit_days")
    due = data.get("decision_due")
    if "decision_due" in data and due != values["statutory_due"]:
        extension = _extension(values) | {k: values[k] for k in ("extension_allowed", "extension_working_days")
                                          if k in values}
        extended = calendar().add_working_days(date.fromisoformat(values["statutory_due"]),
                                               int(extension["extension_working_days"])).isoformat()
        if not (extension["extension_allowed"] and due == extended and data.get("decision_extended") is True
                and _extension_approved(instance_id)):
            wrong.append("decision_due")
    return wrong


def check_edit(instance_id: int, keys: set[str]) -> None:
    """An admin data edit leaves the recorded item values and what is derived from them (the deadline) alone.

    Raises:
        RuleViolation("permit_item_fixed").
    """
    fixed = keys & {*FIXED_KEYS, *DERIVED_KEYS, "permit_item"}
    if fixed and recorded(instance_id) is not None:
        raise RuleViolation(RULE, f"the permit item values recorded at registration, and the deadline and "
                                  f"extension derived from them, cannot be edited: {', '.join(sorted(fixed))}")


def check_data(instance_id: int, data: dict[str, Any]) -> None:
    """The case data keeps the values recorded at registration (whatever a diagram's script or an admin wrote).

    Raises:
        RuleViolation("permit_item_fixed"): a recorded key changed, or is gone from a registered permit case;
            a forwarded item's outcome no longer reads as a preliminary opinion, or a decided item's carries one;
            the acceptance date or ``decision_due`` is not the recorded deadline (or its approved extension).
    """
    record = recorded(instance_id)
    if record is None:
        return
    values = record.values
    if data.get("decision_due") is not None and "statutory_due" not in values:  # a diagram without an acceptance
        values = _accept(instance_id, record, "system")  # powerItem task: its deadline counts from today
    registered = data.get("act_type") == "permit"
    changed = [k for k in FIXED_KEYS if k != "outcome_label" and k in values
               and ((k in data and data[k] != values[k]) or (registered and k in REGISTRATION_KEYS and k not in data))]
    label = data.get("outcome_label")
    if values.get("permit_outcome") == "forward":
        if registered and FORWARD_MARK not in str(label or ""):
            changed.append("outcome_label")
    elif label not in (None, ""):
        changed.append("outcome_label")
    if "statutory_due" in values:
        changed += _wrong_deadline(instance_id, values, data)
    if changed:
        raise RuleViolation(RULE, f"the item values recorded when the application was registered "
                                  f"({values.get('power_code')} v{values.get('power_version')}, "
                                  f"{values.get('permit_outcome')}) cannot be changed: {', '.join(changed)}")
