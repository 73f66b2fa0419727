"""The bureau starts the withdrawal of a published decision it learns was changed or revoked (APL 48).

A decision changed or revoked by administrative reconsideration (行政复议), by a court
(行政诉讼) or by the bureau itself (自行纠正) is withdrawn within 3 (working) days of that
event, with the reason published. The bureau's publicity officer or head starts a
``disclosure_correction`` case with origin ``bureau``: the basis, the event and its date are
recorded, and the publicity officer's withdrawal task is due 3 working days after the event
date (not after the day someone noticed). The event date can lie neither in the future nor
before the decision it changed (422 ``event_date``); one bureau withdrawal of a disclosure is
open at a time (409). A changed, revoked or illegal decision is withdrawn (or, when changed,
corrected): such a bureau withdrawal cannot end in "reject" (:func:`check_outcome`, 403 ``APL_48``).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from engine import clock
from engine.errors import FormDataInvalid, NotFound, RuleViolation, StateConflict

from ..extensions import db
from ..models import Event, Instance, User
from ..models.disclosures import WITHDRAWAL_BASES, WITHDRAWAL_EVENTS
from . import locks
from .disclosures import CORRECTION_PROCESS, case_org, get_disclosure, state_of
from .starts import start_instance

#: bases under which APL 48 leaves no choice: the decision is withdrawn (a changed one may be corrected instead)
BINDING_BASES = {"changed": ("withdraw", "correct"), "revoked": ("withdraw",), "illegal": ("withdraw",)}
RULE = "APL_48"


def check_event(basis: Any, event_kind: Any, event_date: Any, reason: Any, decided_on: date | None = None) -> date:
    """The event date, once basis, event, date and reason are valid.

    Raises:
        FormDataInvalid: naming each bad field (unknown basis or event, a date that is not ISO, lies
        in the future or before the decision ``decided_on``, a blank reason).
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
    elif day is not None and decided_on is not None and day < decided_on:
        errors["event_date"] = [f"{day.isoformat()} is before the published decision of {decided_on.isoformat()}; "
                                "a decision is changed or revoked after it was made"]
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
    from ..permissions import acting_role

    role = acting_role(user, "withdrawal.start")
    if role is None:
        raise RuleViolation("role", "a withdrawal is started by the publicity officer or the head (APL 48)")
    disclosure = get_disclosure(disclosure_id)
    day = check_event(basis, event_kind, event_date, reason, disclosure.decision_date)
    state = state_of(disclosure.id)
    if state.status != "published":
        hint = f"; the current version is {state.superseded_by}" if state.superseded_by else ""
        raise StateConflict(f"disclosure {disclosure_id} is {state.status}{hint}")
    _lock(disclosure.id)
    already = open_withdrawal(disclosure.id)
    if already is not None:
        raise StateConflict(f"disclosure {disclosure_id} already has an open withdrawal (case {already}); finish "
                            "that one")
    data = {"origin": "bureau", "disclosure_id": disclosure.id, "withdraw_basis": basis, "event_kind": event_kind,
            "event_date": day.isoformat(), "request_reason": str(reason).strip(),
            "correction_reason": str(reason).strip(), "correction_outcome": "withdraw",
            "request_contact": user.username, "disclosure_title": disclosure.title,
            "disclosure_text": disclosure.masked_text, "act_type": disclosure.category}
    try:

        return start_instance(CORRECTION_PROCESS, data, user.username, role, client_addr,
                              org_id=case_org(disclosure.instance_id), unit_id=user.org_id)
    except NotFound:
        raise NotFound(f"process '{CORRECTION_PROCESS}' is not deployed; deploy it to withdraw decisions") from None


def _lock(disclosure_id: int) -> None:
    """Serialise withdrawals of one disclosure (on PostgreSQL and SQLite: :mod:`.locks`)."""
    locks.hold(f"withdrawal:{disclosure_id}")


def open_withdrawal(disclosure_id: int) -> int | None:
    """The id of a running bureau withdrawal case of the disclosure, if any."""
    running = db.session.scalars(select(Instance).where(Instance.definition_key == CORRECTION_PROCESS,
                                                        Instance.status == "running"))
    return next((i.id for i in running if (i.data or {}).get("origin") == "bureau"
                 and str((i.data or {}).get("disclosure_id")) == str(disclosure_id)), None)


def _started_basis(instance: Instance) -> str | None:
    """The basis the bureau recorded when it started the withdrawal (the intake event), not one edited since."""
    intake = db.session.scalar(select(Event).where(Event.instance_id == instance.id,
                                                   Event.type == "correction_received").order_by(Event.seq).limit(1))
    if intake is not None and (intake.data or {}).get("origin") == "bureau":
        return (intake.data or {}).get("withdraw_basis") or instance.data.get("withdraw_basis")
    return None if intake is not None else instance.data.get("withdraw_basis")


def check_outcome(instance: Instance) -> None:
    """A bureau withdrawal of a changed, revoked or illegal decision ends in its withdrawal (APL 48).

    Checked after every step of every case (api.services.hooks.apply), whatever the diagram draws:
    the review's ``correction_outcome`` must be ``withdraw`` (or ``correct`` for a changed decision).

    Raises:
        RuleViolation("APL_48"): the outcome is "reject" (or another the basis does not allow).
    """
    data = instance.data or {}
    outcome = data.get("correction_outcome")
    if data.get("origin") != "bureau" or outcome in (None, "", "withdraw"):
        return
    basis = _started_basis(instance)
    allowed = BINDING_BASES.get(str(basis))
    if allowed is not None and outcome not in allowed:
        raise RuleViolation(RULE, f"the published decision was {basis} (APL 48): it is withdrawn"
                                  f"{' or corrected' if 'correct' in allowed else ''}, the outcome "
                                  f"{outcome!r} is not open to the bureau")
