"""What a published decision says (APL 59) and whether there is a decision to publish at all.

A disclosure is published only from a real decision: the case's own history must hold a
completed decision task (``kind=decision``) or an inspection result (``kind=inspection_result``
or the ``random_inspection_result`` form). Data typed into a bare ``disclosure`` start has no
such history, so it is refused (rule ``disclosure_needs_decision``), and a deployed diagram whose
publish step runs before any decision is recorded as ``disclosure_withheld``.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from engine.errors import RuleViolation

from ..extensions import db
from ..models import Event

#: task kinds / forms whose completion is a decision that may be published
DECISION_KINDS = ("decision", "inspection_result")
RESULT_FORMS = ("random_inspection_result",)
RULE = "disclosure_needs_decision"

PENALTY_LABELS = {"warning": "警告", "fine": "罚款", "confiscation": "没收违法所得、没收非法财物",
                  "revoke_licence": "吊销许可证件（撤销登记）", "order_closure": "责令停止活动、关闭", "none": "不予行政处罚"}
PERMIT_LABELS = {"approve": "准予行政许可", "deny": "不予行政许可"}
#: how and by when the decision is fulfilled, when the case does not say (``fulfilment``)
FULFILMENT = {
    "fine": "当事人应当自收到行政处罚决定书之日起十五日内，到指定的银行或者通过电子支付系统缴纳罚款（行政处罚法第六十七条）。",
    "confiscation": "自行政处罚决定书送达之日起执行，没收的财物依法处理。",
    "revoke_licence": "自行政处罚决定书送达之日起执行，当事人交回被吊销的证件。",
    "order_closure": "自行政处罚决定书送达之日起执行。",
    "warning": "警告自行政处罚决定书送达之日起生效。",
}


def _effective(event: Event) -> bool:
    """False for a decision completion the APL 58 gate recorded as not effective (returned for review)."""
    return ((event.data or {}).get("gate") or {}).get("effective", True) is not False


def decision_events(instance_id: int) -> list[Event]:
    """The case's recorded, effective completions of decision tasks and inspection results, oldest first."""
    completions = db.session.scalars(
        select(Event).where(Event.instance_id == instance_id, Event.type == "task_completed").order_by(Event.seq))
    return [e for e in completions
            if ((e.data or {}).get("kind") in DECISION_KINDS or (e.data or {}).get("form_key") in RESULT_FORMS)
            and _effective(e)]


def require_decision(instance_id: int) -> Event:
    """The latest decision (or inspection result) recorded in the case's history.

    Raises:
        RuleViolation("disclosure_needs_decision"): none is recorded: the content would be made up.
    """
    found = decision_events(instance_id)
    if not found:
        raise RuleViolation(RULE, "only a decided case (a completed decision task) or an inspection result is "
                                  "published; this case has none, so there is nothing to publish")
    return found[-1]


def fine_amount(data: dict[str, Any]) -> Decimal | None:
    value = data.get("fine_amount")
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def penalty_text(data: dict[str, Any]) -> str | None:
    """The outcome in words: penalty kind and amount, the permit outcome, or the inspection result."""
    act = data.get("act_type")
    if str(data.get("outcome_label") or "").strip():  # e.g. a forwarded item's preliminary opinion, not a grant
        return str(data["outcome_label"]).strip()
    if act == "permit":
        return PERMIT_LABELS.get(str(data.get("decision")), None)
    if act == "inspection":
        return "发现问题" if data.get("problems_found") is True else "未发现问题"
    kind = data.get("penalty_kind")
    if not kind:
        return None
    label = PENALTY_LABELS.get(str(kind), str(kind))
    amount = fine_amount(data)
    if amount:
        label += f"，罚款人民币{amount.normalize():f}元" if kind != "fine" else f"人民币{amount.normalize():f}元"
    return label


def fulfilment_text(data: dict[str, Any]) -> str | None:
    """How and by when to fulfil the decision: the case's ``fulfilment``, else the statutory default."""
    given = str(data.get("fulfilment") or "").strip()
    if given:
        return given
    if data.get("act_type") in ("permit", "inspection"):
        return None
    return FULFILMENT.get(str(data.get("penalty_kind") or ""))


def facts_text(data: dict[str, Any]) -> str | None:
    """The main facts (主要违法事实), or an inspection's results."""
    for key in ("facts", "inspection_results"):
        if str(data.get(key) or "").strip():
            return str(data[key])
    return None
