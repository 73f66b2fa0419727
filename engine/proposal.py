"""The decision-relevant content of a case and its digest (APL 58: a review approves one proposal).

A passed legal review (or a binding collective discussion) approves *this* content: the party,
the facts, the legal basis, the penalty kind and amount, or the permit outcome. The service
records :func:`digest` of it with the review; at the decision it computes :func:`decided` — the
case data as the head's submission changes it — and a decision whose digest differs from the
approved one needs a new review whenever the review catalogue finds the decided content major.

Pure functions, no IO. See docs/DOMAIN.md §3.
"""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal, InvalidOperation
from typing import Any

#: the keys a review approves (docs/DOMAIN.md §3 "Handler submits")
PROPOSAL_KEYS: tuple[str, ...] = (
    "party_type", "party_name", "party_id_number", "act_type",
    "facts", "legal_basis", "penalty_kind", "fine_amount", "permit_decision",
)

#: the data key a decision task writes; a script may never write it
DECISION_KEY = "decision"

#: values of ``decision`` that hand the case back for a new proposal/review instead of deciding it
RETURN_VALUES = frozenset({"return_for_review"})

#: what a head writes when the decision is ``revise``: form key -> the proposal key it replaces
REVISION_KEYS: dict[str, str] = {
    "revised_penalty_kind": "penalty_kind",
    "revised_fine_amount": "fine_amount",
    "revised_legal_basis": "legal_basis",
}


def _norm(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key == "fine_amount":
        number = amount(value)
        if number is None:
            return str(value).strip()
        return format(number.normalize(), "f") if number else "0"
    if isinstance(value, str):
        return " ".join(value.split())  # whitespace differences are not a change of content
    return value


def content(data: dict[str, Any]) -> dict[str, Any]:
    """The decision-relevant keys of ``data``, normalised (amounts as decimal strings, spaces folded)."""
    return {key: _norm(key, data.get(key)) for key in PROPOSAL_KEYS}


def digest(data: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of :func:`content`."""
    canonical = json.dumps(content(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def amount(value: Any) -> Decimal | None:
    """A fine amount as a finite, non-negative Decimal (``"２００００"``, ``" 2e4"`` included); None if it is not one."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value).strip() or "0")
    except InvalidOperation:
        return None
    return result if result.is_finite() and result >= 0 else None


def revision(submitted: dict[str, Any]) -> dict[str, Any]:
    """The proposal keys a decision submission sets: any proposal key it carries and, on ``revise``, its
    ``revised_*`` values."""
    result = {k: v for k, v in submitted.items() if k in PROPOSAL_KEYS and v not in (None, "")}
    if submitted.get(DECISION_KEY) == "revise":
        result.update({REVISION_KEYS[k]: v for k, v in submitted.items()
                       if k in REVISION_KEYS and v not in (None, "")})
    return result


def decided(data: dict[str, Any], submitted: dict[str, Any]) -> dict[str, Any]:
    """The case data as a decision submission makes it.

    Proposal keys the head submits (a revised ``penalty_kind``/``fine_amount``) override the data;
    on a permit, the head's ``decision`` (approve/deny) is the permit outcome; a penalty case
    decided ``deny`` imposes nothing.
    """
    result = dict(data)
    result.update(revision(submitted))
    choice = submitted.get(DECISION_KEY)
    if result.get("act_type") == "permit" and choice in ("approve", "deny"):
        result["permit_decision"] = choice
    elif choice == "deny":
        result["penalty_kind"], result["fine_amount"] = "none", 0
    return result


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """The proposal keys whose normalised value differs, as ``{field, before, after}``."""
    old, new = content(before), content(after)
    return [{"field": k, "before": old[k], "after": new[k]} for k in PROPOSAL_KEYS if old[k] != new[k]]
