"""Publishing decisions, withdrawing and correcting them, and the public's correction requests.

DOMAIN §1 After/Correction; APL 48 (a changed, revoked or illegal penalty is withdrawn with the
reason published), APL 59, OGI 41. Nothing here commits: the caller commits. Nothing here
appends history events either: the caller (a script-task step, a request) records its own.

Rows are append-only: a withdrawal is a :class:`DisclosureWithdrawal`, a correction a new
:class:`Disclosure` whose ``supersedes_id`` names the row it replaces.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from engine import clock, people
from engine.errors import FormDataInvalid, NotFound, RuleViolation, StateConflict
from engine.masking import mask_text

from ..extensions import db
from ..models import CorrectionRequest, Disclosure, DisclosureWithdrawal, Instance, TaskRow
from ..models.disclosures import DEFAULT_AGENCY, WITHDRAWAL_BASES
from .instances import start_instance

CORRECTION_PROCESS = "disclosure_correction"
STATUSES = ("published", "withdrawn", "superseded")


# --- pure helpers -------------------------------------------------------------------------------

def masked_person_name(name: str) -> str:
    """A natural person's name as published: surname + 某 (张三 → 张某, 欧阳小明 → 欧阳某某)."""
    name = name.strip()
    if len(name) < 2:
        return "某某"
    return mask_text(name, rules=(), names=[name])


def published_party(data: dict[str, Any]) -> str | None:
    """The party as the public sees it: an organisation's name as given; a natural person's masked
    name, unless the case sets ``disclosure_party`` (the reviewed form to publish) itself."""
    if data.get("disclosure_party"):
        return str(data["disclosure_party"])[:255]
    name = str(data.get("party_name") or "").strip()
    if not name:
        return None
    if data.get("party_type") == "organisation":
        return name[:255]
    return masked_person_name(name)[:255]


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(clock.BEIJING).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _actor_name(actor: Any) -> str:
    return str(getattr(actor, "username", actor) or "system")[:64]


def _required_text(field: str, value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        raise FormDataInvalid({field: ["required"]}, f"{field} is required")
    return text


# --- status ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DisclosureState:
    withdrawal: DisclosureWithdrawal | None
    superseded_by: int | None

    @property
    def status(self) -> str:
        if self.withdrawal is not None:
            return "withdrawn"
        return "superseded" if self.superseded_by is not None else "published"


def states_of(ids: list[int]) -> dict[int, DisclosureState]:
    """The public state of each disclosure id (two queries for any number of ids)."""
    if not ids:
        return {}
    withdrawals = {w.disclosure_id: w for w in db.session.scalars(
        select(DisclosureWithdrawal).where(DisclosureWithdrawal.disclosure_id.in_(ids)))}
    successors = {old: new for old, new in db.session.execute(
        select(Disclosure.supersedes_id, Disclosure.id).where(Disclosure.supersedes_id.in_(ids)))}
    return {i: DisclosureState(withdrawals.get(i), successors.get(i)) for i in ids}


def state_of(disclosure_id: int) -> DisclosureState:
    return states_of([disclosure_id])[disclosure_id]


def get_disclosure(disclosure_id: int) -> Disclosure:
    """Raises NotFound."""
    found = db.session.get(Disclosure, disclosure_id)
    if found is None:
        raise NotFound(f"disclosure {disclosure_id} not found")
    return found


def public_view(disclosure: Disclosure, state: DisclosureState) -> dict[str, Any]:
    """A disclosure as the public sees it, with its status."""
    w = state.withdrawal
    return {
        "id": disclosure.id, "category": disclosure.category, "title": disclosure.title,
        "decision_number": disclosure.decision_number, "party": disclosure.party,
        "decision_date": disclosure.decision_date, "agency": disclosure.agency,
        "legal_basis": disclosure.legal_basis, "masked_text": disclosure.masked_text,
        "published_at": disclosure.published_at, "status": state.status,
        "withdrawal": None if w is None else {"reason": w.reason, "basis": w.basis, "withdrawn_at": w.withdrawn_at},
        "superseded_by": state.superseded_by, "supersedes": disclosure.supersedes_id,
        "correction_reason": disclosure.correction_reason,
    }


def views_of(disclosures: list[Disclosure]) -> list[dict[str, Any]]:
    states = states_of([d.id for d in disclosures])
    return [public_view(d, states[d.id]) for d in disclosures]


def _beijing_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), clock.BEIJING).astimezone(UTC)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(q: str | None = None, category: str | None = None, date_from: date | None = None,
           date_to: date | None = None, status: str = "all", page: int = 1, per_page: int = 20) -> list[Disclosure]:
    """Disclosures newest first: ``q`` in title, masked text or decision number; published dates
    ``date_from``..``date_to`` inclusive (Beijing dates); ``status`` published | withdrawn |
    superseded | all."""
    later = aliased(Disclosure)
    withdrawn = exists().where(DisclosureWithdrawal.disclosure_id == Disclosure.id)
    superseded = exists().where(later.supersedes_id == Disclosure.id)
    stmt = select(Disclosure)
    if q and q.strip():
        like = _like(q.strip())
        stmt = stmt.where(or_(Disclosure.title.ilike(like, escape="\\"),
                              Disclosure.masked_text.ilike(like, escape="\\"),
                              Disclosure.decision_number.ilike(like, escape="\\")))
    if category:
        stmt = stmt.where(Disclosure.category == category)
    if date_from:
        stmt = stmt.where(Disclosure.published_at >= _beijing_midnight(date_from))
    if date_to:
        stmt = stmt.where(Disclosure.published_at < _beijing_midnight(date_to + timedelta(days=1)))
    if status == "published":
        stmt = stmt.where(~withdrawn, ~superseded)
    elif status == "withdrawn":
        stmt = stmt.where(withdrawn)
    elif status == "superseded":
        stmt = stmt.where(~withdrawn, superseded)
    stmt = stmt.order_by(Disclosure.published_at.desc(), Disclosure.id.desc())
    return list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))


# --- publish / withdraw / correct -----------------------------------------------------------------

def _decision_date(instance: Instance) -> date:
    """``decision_date`` from the case data, else the day the decision task was completed, else today (Beijing)."""
    given = _as_date(instance.data.get("decision_date"))
    if given is not None:
        return given
    decided = db.session.scalar(
        select(TaskRow.completed_at).where(TaskRow.instance_id == instance.id, TaskRow.kind == "decision",
                                           TaskRow.state == "completed")
        .order_by(TaskRow.completed_at.desc()).limit(1))
    if decided is not None:
        return decided.astimezone(clock.BEIJING).date()
    return clock.today()


def check_not_minor(data: dict[str, Any], decision_date: date) -> None:
    """Nothing about minors is published (DOMAIN §1 masking; OGI 15).

    Raises:
        RuleViolation("minor_not_published"): the party is a natural person under 18 on the
        decision date (birth date from ``party_id_number``), or the case says ``party_is_minor``.
    """
    if data.get("party_type") == "organisation":
        return
    if data.get("party_is_minor") is True or people.is_minor(data.get("party_id_number"), decision_date):
        raise RuleViolation("minor_not_published",
                            "the party is a minor on the decision date: the decision is not published")


def publish(instance: Instance, actor: Any) -> Disclosure:
    """Put the case's masked decision on the public list (APL 59); no commit, no event.

    Reads ``instance.data``: case_title, act_type, decision_number, masked_text, decision_date,
    legal_basis, party_type, party_name, party_id_number. ``actor`` is a User or a username.

    Raises:
        RuleViolation("minor_not_published"): the party is a minor (see :func:`check_not_minor`).
        RuleViolation("already_published"): the case already has a published decision (e.g. after a
            rewind); a change goes through correction (公示纠错), not a second publication.
    """
    data = instance.data or {}
    decided = _decision_date(instance)
    check_not_minor(data, decided)
    earlier = db.session.scalar(select(Disclosure.id).where(Disclosure.instance_id == instance.id).limit(1))
    if earlier is not None:
        raise RuleViolation("already_published",
                            f"case {instance.id} already has published decision {earlier}; correct it instead")
    disclosure = Disclosure(
        instance_id=instance.id, category=str(data.get("act_type") or "other")[:32],
        title=str(data.get("case_title") or instance.title or "")[:255],
        decision_number=(str(data["decision_number"])[:128] if data.get("decision_number") else None),
        masked_text=str(data.get("masked_text") or ""), party=published_party(data), decision_date=decided,
        agency=str(current_app.config.get("AGENCY_NAME") or DEFAULT_AGENCY)[:255],
        legal_basis=(str(data["legal_basis"]) if data.get("legal_basis") else None),
        published_by=_actor_name(actor), published_at=clock.now())
    db.session.add(disclosure)
    db.session.flush()
    return disclosure


def _check_case(instance_id: int | None) -> None:
    if instance_id is not None and db.session.get(Instance, instance_id) is None:
        raise NotFound(f"instance {instance_id} not found")


def _flush(what: str) -> None:
    """Flush; a unique-key clash means a concurrent withdrawal/correction of the same row (409).

    The session then needs the caller's rollback, as after any failed flush.
    """
    try:
        db.session.flush()
    except IntegrityError:
        raise StateConflict(f"{what} collided with a concurrent change; reload and retry") from None


def withdraw(disclosure_id: int, reason: str, basis: str, actor: Any, instance_id: int | None) -> DisclosureWithdrawal:
    """Withdraw a published decision, with the reason to publish (APL 48); no commit, no event.

    ``basis``: changed | revoked | illegal | other. ``instance_id``: the correction case.

    Raises:
        NotFound: no such disclosure (or case). FormDataInvalid: blank reason, unknown basis.
        StateConflict: already withdrawn, or superseded by a correction (withdraw the current one).
    """
    disclosure = get_disclosure(disclosure_id)
    reason = _required_text("reason", reason)
    if basis not in WITHDRAWAL_BASES:
        raise FormDataInvalid({"basis": [f"must be one of {', '.join(WITHDRAWAL_BASES)}"]}, "unknown basis")
    state = state_of(disclosure.id)
    if state.withdrawal is not None:
        raise StateConflict(f"disclosure {disclosure_id} is already withdrawn")
    if state.superseded_by is not None:
        raise StateConflict(f"disclosure {disclosure_id} was corrected by disclosure {state.superseded_by}; "
                            "withdraw that one")
    _check_case(instance_id)
    row = DisclosureWithdrawal(disclosure_id=disclosure.id, reason=reason, basis=basis,
                               withdrawn_by=_actor_name(actor), withdrawn_at=clock.now(), instance_id=instance_id)
    db.session.add(row)
    _flush(f"withdrawing disclosure {disclosure_id}")
    return row


def correct(disclosure_id: int, corrected_text: str, reason: str, actor: Any, instance_id: int | None) -> Disclosure:
    """Publish a corrected version of a decision (OGI 41): a new row superseding the old; no commit, no event.

    The corrected text goes through the default masking rules again (as the first publication did).

    Raises:
        NotFound: no such disclosure (or case). FormDataInvalid: blank text or reason.
        StateConflict: the disclosure is withdrawn or already superseded.
    """
    old = get_disclosure(disclosure_id)
    text = mask_text(_required_text("corrected_text", corrected_text))
    reason = _required_text("reason", reason)
    state = state_of(old.id)
    if state.withdrawal is not None:
        raise StateConflict(f"disclosure {disclosure_id} is withdrawn and cannot be corrected")
    if state.superseded_by is not None:
        raise StateConflict(f"disclosure {disclosure_id} was already corrected by disclosure {state.superseded_by}")
    _check_case(instance_id)
    new = Disclosure(instance_id=old.instance_id, category=old.category, title=old.title,
                     decision_number=old.decision_number, masked_text=text, party=old.party,
                     decision_date=old.decision_date, agency=old.agency, legal_basis=old.legal_basis,
                     supersedes_id=old.id, correction_reason=reason, correction_instance_id=instance_id,
                     published_by=_actor_name(actor), published_at=clock.now())
    db.session.add(new)
    _flush(f"correcting disclosure {disclosure_id}")
    return new


# --- the public's correction requests ----------------------------------------------------------------

def request_correction(disclosure_id: int, contact: str, reason: str, client_addr: str | None) -> CorrectionRequest:
    """Record a request to correct a published decision and start its correction case; no commit.

    The case (``disclosure_correction``) is started by ``public`` with the request and the
    disclosure in its data; if that process is not deployed the request is kept with
    ``case_id`` None.

    Raises:
        NotFound: no such disclosure. StateConflict: it is withdrawn or superseded.
    """
    disclosure = get_disclosure(disclosure_id)
    state = state_of(disclosure.id)
    if state.status != "published":
        hint = f" (the current version is {state.superseded_by})" if state.status == "superseded" else ""
        raise StateConflict(f"disclosure {disclosure_id} is {state.status}{hint}")
    data = {"disclosure_id": disclosure.id, "request_contact": contact, "request_reason": reason,
            "request_date": clock.today().isoformat(), "disclosure_title": disclosure.title,
            "disclosure_text": disclosure.masked_text, "act_type": disclosure.category}
    try:
        case_id: int | None = start_instance(CORRECTION_PROCESS, data, "public", None, client_addr).id
    except NotFound:
        case_id = None
    row = CorrectionRequest(disclosure_id=disclosure.id, contact=contact, reason=reason, case_id=case_id,
                            created_at=clock.now())
    db.session.add(row)
    db.session.flush()
    return row
