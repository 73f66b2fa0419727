"""What a published decision says (APL 59) and whether there is a decision to publish at all.

A disclosure is published only from a real decision, whatever a deployed diagram draws:

* a penalty, a permit or any other decision needs an *effective* decision by the head: a
  completed task with ``kind=decision`` in a ``head`` lane whose APL 58 gate record is not
  ``effective: false`` (rule ``disclosure_needs_decision``);
* an inspection result (``kind=inspection_result`` or the ``random_inspection_result`` form)
  only makes an *inspection* publishable: category ``inspection``, no penalty fields; a case
  that says it is a penalty or permit but holds only an inspection result publishes nothing;
* the publicity officer released it after that decision (a ``publicity_officer`` completion with
  ``publish_choice=release``; rule ``disclosure_needs_review``);
* the released text is the composed original with spans masked, nothing added or changed
  (:func:`check_only_masked`, 422 naming ``masked_text``).

Data typed into a bare ``disclosure`` start has no such history, so it is refused, and a
deployed diagram whose publish step runs without them is recorded as ``disclosure_withheld``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import or_, select

from engine.errors import FormDataInvalid, RuleViolation
from engine.mask_edits import edit_problem

from ..extensions import db
from ..models import Event

#: task kinds / forms whose completion is a decision that may be published
DECISION_KIND = "decision"
DECISION_ROLE = "head"
RESULT_KIND = "inspection_result"
RESULT_FORMS = ("random_inspection_result",)
REVIEW_ROLE = "publicity_officer"
RULE = "disclosure_needs_decision"
REVIEW_RULE = "disclosure_needs_review"
#: act types an inspection result may publish
INSPECTION_ACTS = ("inspection", "", None)

#: the fixed lists of the enumerated public fields: a value outside them is never published (rule
#: ``public_field_enumerated``) nor used as a statistics key (it counts as ``other``)
CATEGORIES = ("penalty", "permit", "inspection", "compulsion", "other")
ENUMERATED_RULE = "public_field_enumerated"
PENALTY_LABELS = {"warning": "警告", "fine": "罚款", "confiscation": "没收违法所得、没收非法财物",
                  "revoke_licence": "吊销许可证件（撤销登记）", "order_closure": "责令停止活动、关闭", "none": "不予行政处罚"}
PENALTY_KINDS = tuple(PENALTY_LABELS)
PERMIT_LABELS = {"approve": "准予行政许可", "deny": "不予行政许可"}
#: the head's decisions (head_decision, permit_decision forms)
DECISIONS = ("approve", "deny", "revise", "return_for_review")
#: how and by when the decision is fulfilled, when the case does not say (``fulfilment``)
FULFILMENT = {
    "fine": "当事人应当自收到行政处罚决定书之日起十五日内，到指定的银行或者通过电子支付系统缴纳罚款（行政处罚法第六十七条）。",
    "confiscation": "自行政处罚决定书送达之日起执行，没收的财物依法处理。",
    "revoke_licence": "自行政处罚决定书送达之日起执行，当事人交回被吊销的证件。",
    "order_closure": "自行政处罚决定书送达之日起执行。",
    "warning": "警告自行政处罚决定书送达之日起生效。",
}


@dataclass(frozen=True)
class Basis:
    """What a publication rests on: the recorded event and whether it is a decision or an inspection result."""

    event: Event
    kind: str  # "decision" | "inspection"

    @property
    def seq(self) -> int:
        return self.event.seq


def _effective(event: Event) -> bool:
    """False for a decision completion the APL 58 gate recorded as not effective (returned for review)."""
    return ((event.data or {}).get("gate") or {}).get("effective", True) is not False


def _completions(instance_id: int, *where: Any) -> list[Event]:
    """The case's task completions, oldest first; ``where`` narrows them in SQL (a superset of what the caller
    keeps, so the rows read do not grow with a review that looped: its rounds are other lanes' completions)."""
    return list(db.session.scalars(
        select(Event).where(Event.instance_id == instance_id, Event.type == "task_completed", *where)
        .order_by(Event.seq)))


def _may_be_decision() -> Any:
    """SQL: a completion that may be a head decision or an inspection result (exactly decided in Python)."""
    return or_(Event.role == DECISION_ROLE, Event.data["kind"].as_string() == RESULT_KIND,
               Event.data["form_key"].as_string().in_(RESULT_FORMS))


def is_head_decision(event: Event) -> bool:
    """An effective completion of a ``kind=decision`` task in a head's lane."""
    return ((event.data or {}).get("kind") == DECISION_KIND and event.role == DECISION_ROLE and _effective(event))


def is_inspection_result(event: Event) -> bool:
    data = event.data or {}
    return data.get("kind") == RESULT_KIND or data.get("form_key") in RESULT_FORMS


def decision_events(instance_id: int) -> list[Event]:
    """The case's recorded head decisions (effective) and inspection results, oldest first."""
    return [e for e in _completions(instance_id, _may_be_decision())
            if is_head_decision(e) or is_inspection_result(e)]


def require_decision(instance_id: int) -> Event:
    """The latest decision (or inspection result) recorded in the case's history.

    Raises:
        RuleViolation("disclosure_needs_decision"): none is recorded: the content would be made up.
    """
    found = decision_events(instance_id)
    if not found:
        raise RuleViolation(RULE, "only a decided case (a completed decision task of the head) or an inspection "
                                  "result is published; this case has none, so there is nothing to publish")
    return found[-1]


def publication_basis(instance_id: int, data: dict[str, Any]) -> Basis:
    """What the case may publish: its latest effective head decision, else its latest inspection result.

    Raises:
        RuleViolation("disclosure_needs_decision"): neither is recorded, or the case is a penalty, a
        permit or another decision (``act_type``) but holds only an inspection result (an inspection
        result publishes an inspection, never a penalty).
    """
    found = decision_events(instance_id)
    decisions = [e for e in found if is_head_decision(e)]
    if decisions:
        return Basis(decisions[-1], "decision")
    if found:
        if data.get("act_type") not in INSPECTION_ACTS:
            raise RuleViolation(RULE, f"a {data.get('act_type')} is published only after an effective decision by "
                                      "the head (a completed kind=decision task in the head's lane); this case "
                                      "holds only an inspection result, which publishes an inspection")
        return Basis(found[-1], "inspection")
    return Basis(require_decision(instance_id), "decision")  # raises


def require_release(instance_id: int, basis: Basis) -> Event:
    """The publicity officer's release of this decision: the latest ``publish_choice=release`` completion
    in a publicity officer's lane after the decision it publishes.

    Raises:
        RuleViolation("disclosure_needs_review"): no such release (a diagram that publishes right after
        the decision, or a release that predates the latest decision).
    """
    releases = [e for e in _completions(instance_id, Event.seq > basis.seq, Event.role == REVIEW_ROLE)
                if ((e.data or {}).get("submitted") or {}).get("publish_choice") == "release"]
    if not releases:
        raise RuleViolation(REVIEW_RULE, "a decision is published only after the publicity officer reviewed the "
                                         "masked text beside the original and chose to release it (OGI 37); "
                                         "no release is recorded after the latest decision")
    return releases[-1]


def check_only_masked(data: dict[str, Any], alternatives: tuple[str, ...] = (), masked_view: bool = False) -> None:
    """The text to publish is the composed original (``disclosure_text``) with spans masked, nothing else.

    ``masked_view``: the editor reads the case without raw ID numbers (the publicity officer), so the text is
    compared with the original as they see it: a raw ID number typed back is refused whether or not it is right,
    and the answer is no oracle for the digits they may not read.

    Raises:
        FormDataInvalid: naming ``masked_text`` when it adds or changes text, or when there is no
        composed original to compare it with (the text would be made up).
    """
    original = str(data.get("disclosure_text") or "")
    text = str(data.get("masked_text") or original)
    if masked_view:
        from ..permissions import shown

        original = shown({"t": original}, "masked")["t"]
        text = str(data.get("masked_text") or original)
        alternatives = tuple(shown({"t": a}, "masked")["t"] for a in alternatives)
    if not original.strip():
        raise FormDataInvalid({"masked_text": ["there is no composed original (disclosure_text) to mask: the "
                                               "published text is composed from the decision, not typed"]},
                              "masked_text has no original")
    problem = edit_problem(original, text, alternatives)
    if problem:
        raise FormDataInvalid({"masked_text": [problem]},
                              "masked_text: edits may only mask spans of the original; change the case through a "
                              "correction")


def fine_amount(data: dict[str, Any]) -> Decimal | None:
    value = data.get("fine_amount")
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def check_enumerated(data: dict[str, Any]) -> None:
    """The enumerated public fields hold values of their fixed lists: the category (``act_type``) one of
    :data:`CATEGORIES`, the penalty kind one of :data:`PENALTY_KINDS` (or none).

    Raises:
        RuleViolation("public_field_enumerated"): naming the field (the publish hook records disclosure_withheld).
    """
    act, kind = data.get("act_type"), data.get("penalty_kind")
    if act not in (None, "", *CATEGORIES):
        raise RuleViolation(ENUMERATED_RULE, f"category (act_type) must be one of {', '.join(CATEGORIES)}: a case "
                                             "whose category is not on the list is not published")
    if kind not in (None, "", *PENALTY_KINDS):
        raise RuleViolation(ENUMERATED_RULE, f"penalty_kind must be one of {', '.join(PENALTY_KINDS)}: a case whose "
                                             "penalty kind is not on the list is not published")


def fixed_value(value: Any, allowed: tuple[str, ...], other: str = "other") -> str:
    """``value`` when it is on the fixed list ``allowed``, else ``other`` (a statistics key, never raw case data)."""
    return value if isinstance(value, str) and value in allowed else other


def penalty_text(data: dict[str, Any]) -> str | None:
    """The outcome in words, only from the decided content: the penalty kind (its fixed label) and amount, the
    permit outcome from the recorded powers-list item, or the inspection result; never a free data key such as
    ``outcome_label`` (a permit's forwarded-item label is one of the recorded item values)."""
    act = data.get("act_type")
    from ..registry.permits import published_outcome  # a permit's outcome: its recorded powers-list values

    if act == "permit" and published_outcome(data):
        return published_outcome(data)
    if act == "permit":
        return PERMIT_LABELS.get(str(data.get("decision")), None)
    if act == "inspection":
        return "发现问题" if data.get("problems_found") is True else "未发现问题"
    kind = data.get("penalty_kind")
    if kind not in PENALTY_LABELS:
        return None
    label = PENALTY_LABELS[kind]
    amount = fine_amount(data)
    if amount:
        label += f"，罚款人民币{amount.normalize():f}元" if kind != "fine" else f"人民币{amount.normalize():f}元"
    return label


def fulfilment_text(data: dict[str, Any]) -> str | None:
    """How and by when to fulfil the decision, derived from the decided penalty (never a free ``fulfilment`` key):
    the statutory way for the penalty kind, with the recorded performance deadline (``performance_due``, a date)
    when the case has one. Nothing for permits, inspections and no penalty."""
    if data.get("act_type") in ("permit", "inspection"):
        return None
    way = FULFILMENT.get(str(data.get("penalty_kind") or ""))
    if way is None:
        return None
    due = _date_text(data.get("performance_due"))
    return f"{way}履行期限至{due}。" if due else way


def _date_text(value: Any) -> str | None:
    """A recorded date as YYYY年M月D日 (None for anything that is not a date: free text is never published)."""
    try:
        day = date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None
    return f"{day.year}年{day.month}月{day.day}日"


def facts_text(data: dict[str, Any]) -> str | None:
    """The main facts (主要违法事实), or an inspection's results."""
    for key in ("facts", "inspection_results"):
        if str(data.get(key) or "").strip():
            return str(data[key])
    return None
