"""The bureau starts the withdrawal of a published decision it learns was changed or revoked (APL 48).

A decision changed or revoked by administrative reconsideration (行政复议), by a court
(行政诉讼) or by the bureau itself (自行纠正) is withdrawn within 3 (working) days of that
event, with the reason published. The bureau's publicity officer or head starts a
``disclosure_correction`` case with origin ``bureau``: the basis, the event and its date are
recorded, and the publicity officer's withdrawal task is due 3 working days after the event
date (not after the day someone noticed). The event date cannot lie in the future.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from engine import clock
from engine.errors import FormDataInvalid, NotFound, RuleViolation, StateConflict

from ..models import Instance, User
from ..models.disclosures import WITHDRAWAL_BASES, WITHDRAWAL_EVENTS
from .disclosures import CORRECTION_PROCESS, get_disclosure, state_of
from .instances import start_instance

#: roles that start a withdrawal, and the role recorded for it
STARTERS = ("publicity_officer", "head")


def check_event(basis: Any, event_kind: Any, event_date: Any, reason: Any) -> date:
    """The event date, once basis, event, date and reason are valid.

    Raises:
        FormDataInvalid: naming each bad field (unknown basis or event, a date that is not ISO or lies
        in the future, a blank reason).
    """
    errors: dict[str, list[str]] = {}
    if basis not in WITHDRAWAL_BASES:
        errors["withdraw_basis"] = [f"must be one of {', '.join(WITHDRAWAL_BASES)}"]
    if event_kind not in WITHDRAWAL_EVENTS:
        errors["event_kind"] = [f"must be one of {', '.join(WITHDRAWAL_EVENTS)}"]
    day: date | None = None
    try:
        day = event_date if isinstance(event_date, date) else date.fromisoformat(str(event_date))
    except ValueError:
        errors["event_date"] = ["must be a date (YYYY-MM-DD)"]
    if day is not None and day > clock.today():
        errors["event_date"] = [f"{day.isoformat()} is in the future; give the date of the decision that changed "
                                "or revoked the published one"]
    if not str(reason or "").strip():
        errors["reason"] = ["required: the reason is published with the withdrawal"]
    if errors:
        raise FormDataInvalid(errors, "the withdrawal is incomplete: " + ", ".join(sorted(errors)))
    assert day is not None
    return day


def start_withdrawal(disclosure_id: int, basis: str, event_kind: str, event_date: Any, reason: str,
                     user: User, client_addr: str | None) -> Instance:
    """Start the bureau's withdrawal case for a published decision; no commit.

    Raises:
        RuleViolation("role"): the user is neither publicity officer nor head. NotFound: no such
        disclosure, or ``disclosure_correction`` is not deployed. StateConflict: the disclosure is
        already withdrawn or superseded. FormDataInvalid: see :func:`check_event`.
    """
    role = next((r for r in STARTERS if user.has_role(r)), None)
    if role is None:
        raise RuleViolation("role", "a withdrawal is started by the publicity officer or the head (APL 48)")
    disclosure = get_disclosure(disclosure_id)
    day = check_event(basis, event_kind, event_date, reason)
    state = state_of(disclosure.id)
    if state.status != "published":
        hint = f"; the current version is {state.superseded_by}" if state.superseded_by else ""
        raise StateConflict(f"disclosure {disclosure_id} is {state.status}{hint}")
    data = {"origin": "bureau", "disclosure_id": disclosure.id, "withdraw_basis": basis, "event_kind": event_kind,
            "event_date": day.isoformat(), "request_reason": str(reason).strip(),
            "correction_reason": str(reason).strip(), "correction_outcome": "withdraw",
            "request_contact": user.username, "disclosure_title": disclosure.title,
            "disclosure_text": disclosure.masked_text, "act_type": disclosure.category}
    try:
        return start_instance(CORRECTION_PROCESS, data, user.username, role, client_addr)
    except NotFound:
        raise NotFound(f"process '{CORRECTION_PROCESS}' is not deployed; deploy it to withdraw decisions") from None
