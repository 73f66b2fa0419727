"""Publishing decisions, withdrawing and correcting them, and the public's correction requests.

docs/DOMAIN.md §1.3 After, §1.5 Correction; APL 48 (a changed, revoked or illegal penalty is withdrawn with the
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
from sqlalchemy.orm import aliased

from engine import clock, people
from engine.errors import FormDataInvalid, NotFound, RuleViolation, StateConflict
from engine.mask_edits import edit_problem
from engine.masking import mask_text

from ..extensions import db
from ..models import CorrectionRequest, Disclosure, DisclosureWithdrawal, Instance, TaskRow
from ..models.disclosures import WITHDRAWAL_BASES, WITHDRAWAL_EVENTS
from . import disclosure_content as content
from . import org_scope, orgs
from .public_masking import PublicMasker, generic_masker, masker_for
from .starts import start_instance

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
    """The party as the public sees it, the same as in every other published field: the
    ``party_name_display`` setting (natural persons 姓+某, organisations in full by default)."""
    party = masker_for(data).party
    return party[:255] if party else None


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


#: every text field of a public view: each goes through masking when it leaves the server (the enumerated ones too,
#: though publication only stores values of their fixed lists: disclosure_content.check_enumerated)
PUBLIC_TEXT_FIELDS = ("title", "decision_number", "party", "agency", "legal_basis", "masked_text", "facts",
                      "penalty", "fulfilment", "correction_reason", "category", "penalty_kind", "status")
WITHDRAWAL_TEXT_FIELDS = ("reason", "basis", "event_kind")


def public_view(disclosure: Disclosure, state: DisclosureState, masker: PublicMasker | None = None) -> dict[str, Any]:
    """A disclosure as the public sees it, with its status; every text goes through masking again
    (the rules in force now, the case's party and other names) before it leaves the server."""
    masker = masker or _masker_of(disclosure)
    w = state.withdrawal
    view = {
        "id": disclosure.id, "org": org_scope.code_of(disclosure.org_id), "category": disclosure.category,
        "title": disclosure.title,
        "decision_number": disclosure.decision_number, "party": disclosure.party,
        "decision_date": disclosure.decision_date, "agency": disclosure.agency,
        "legal_basis": disclosure.legal_basis, "masked_text": disclosure.masked_text,
        "facts": disclosure.facts, "penalty_kind": disclosure.penalty_kind,
        "fine_amount": float(disclosure.fine_amount) if disclosure.fine_amount is not None else None,
        "penalty": disclosure.penalty, "fulfilment": disclosure.fulfilment,
        "published_at": disclosure.published_at, "status": state.status,
        "withdrawal": None if w is None else {"reason": w.reason, "basis": w.basis,
                                              "withdrawn_at": w.withdrawn_at, "event_kind": w.event_kind,
                                              "event_date": w.event_date},
        "superseded_by": state.superseded_by, "supersedes": disclosure.supersedes_id,
        "correction_reason": disclosure.correction_reason,
    }
    for key in PUBLIC_TEXT_FIELDS:
        view[key] = masker.mask(view[key])
    if view["withdrawal"] is not None:
        for key in WITHDRAWAL_TEXT_FIELDS:
            view["withdrawal"][key] = masker.mask(view["withdrawal"][key])
    return view


def _masker_of(disclosure: Disclosure) -> PublicMasker:
    instance = db.session.get(Instance, disclosure.instance_id)
    if instance is None:
        return generic_masker(disclosure.org_id)
    return masker_for(instance.data or {}, instance.org_id)  # the deciding bureau's rules


def views_of(disclosures: list[Disclosure]) -> list[dict[str, Any]]:
    states = states_of([d.id for d in disclosures])
    maskers: dict[int, PublicMasker] = {}
    for d in disclosures:
        if d.instance_id not in maskers:
            maskers[d.instance_id] = _masker_of(d)
    return [public_view(d, states[d.id], maskers[d.instance_id]) for d in disclosures]


def _searchable(view: dict[str, Any]) -> str:
    parts = [view.get(k) or "" for k in PUBLIC_TEXT_FIELDS]
    if view.get("withdrawal"):
        parts.append(view["withdrawal"]["reason"] or "")
    return "\n".join(parts).casefold()


def _beijing_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), clock.BEIJING).astimezone(UTC)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(q: str | None = None, category: str | None = None, date_from: date | None = None,
           date_to: date | None = None, status: str = "all", page: int = 1, per_page: int = 20,
           org: str | None = None) -> list[Disclosure]:
    """Disclosures newest first: ``q`` in a published text field (as masked); published dates
    ``date_from``..``date_to`` inclusive (Beijing dates); ``status`` published | withdrawn |
    superseded | all; ``org`` an organisation's code: the decisions of its bureaus only.

    Raises:
        FormDataInvalid: an unknown ``org`` (422 naming it)."""
    later = aliased(Disclosure)
    withdrawn = exists().where(DisclosureWithdrawal.disclosure_id == Disclosure.id)
    superseded = exists().where(later.supersedes_id == Disclosure.id)
    stmt = select(Disclosure)
    if q and q.strip():
        like = _like(q.strip())
        stmt = stmt.where(or_(*(column.ilike(like, escape="\\") for column in (
            Disclosure.title, Disclosure.masked_text, Disclosure.decision_number, Disclosure.party,
            Disclosure.legal_basis, Disclosure.facts, Disclosure.penalty, Disclosure.fulfilment))))
    if category:
        stmt = stmt.where(Disclosure.category == category)
    if org:
        stmt = stmt.where(Disclosure.org_id.in_(list(orgs.subtree(org_scope.by_code(org).id))))
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
    rows = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    if q and q.strip():
        # a match must be in what the public sees: text stored before a masking rule existed is
        # not findable by the raw value the rule now hides
        needle = q.strip().casefold()
        states = states_of([d.id for d in rows])
        rows = [d for d in rows if needle in _searchable(public_view(d, states[d.id]))]
    return rows


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
    """Nothing about minors is published (docs/DOMAIN.md §1.4 masking; OGI 15).

    Raises:
        RuleViolation("minor_not_published"): the party is a natural person under 18 on the
        decision date (birth date from ``party_id_number``), or the case says ``party_is_minor``.
    """
    if data.get("party_type") == "organisation":
        return
    if data.get("party_is_minor") is True or people.is_minor(data.get("party_id_number"), decision_date):
        raise RuleViolation("minor_not_published",
                            "the party is a minor on the decision date: the decision is not published")


def publish(instance: Instance, actor: Any, basis: str = "decision") -> Disclosure:
    """Put the case's decision on the public list, every field masked (APL 59); no commit, no event.

    ``basis`` is what the publication rests on (disclosure_content.publication_basis): ``decision``
    (the head's decision: the case's act type, penalty kind and amount) or ``inspection`` (an
    inspection result: category inspection, no penalty kind, amount or fulfilment).

    Reads ``instance.data``: case_title, act_type, decision_number, masked_text (or disclosure_text),
    decision_date, legal_basis, facts, penalty_kind, fine_amount, performance_due, party_type, party_name,
    party_id_number, third_party_names. The outcome (``penalty``) and how to fulfil it (``fulfilment``) are derived
    from the decided content only (disclosure_content.penalty_text, fulfilment_text). Every text field goes through :func:`masker_for` (the bureau's
    rules on top of the defaults, other persons' names, the party named as the setting says).
    ``actor`` is a User or a username.

    Raises:
        RuleViolation("minor_not_published"): the party is a minor (see :func:`check_not_minor`).
        RuleViolation("already_published"): the case already has a published decision (e.g. after a
            rewind); a change goes through correction (公示纠错), not a second publication.
        RuleViolation("public_field_enumerated"): the category or penalty kind is not on its fixed list.
    """
    data = instance.data or {}
    decided = _decision_date(instance)
    check_not_minor(data, decided)
    earlier = db.session.scalar(select(Disclosure.id).where(Disclosure.instance_id == instance.id).limit(1))
    if earlier is not None:
        raise RuleViolation("already_published",
                            f"case {instance.id} already has published decision {earlier}; correct it instead")
    if basis == "inspection":  # an inspection result publishes an inspection, never a penalty
        data = {**{k: v for k, v in data.items() if k not in ("penalty_kind", "fine_amount", "fulfilment")},
                "act_type": "inspection"}
    content.check_enumerated(data)  # category and penalty kind: values of their fixed lists only
    masker = masker_for(data, instance.org_id)
    mask = masker.mask
    number = mask(data.get("decision_number") or None)
    disclosure = Disclosure(
        instance_id=instance.id, org_id=instance.org_id, category=str(data.get("act_type") or "other")[:32],
        title=(mask(data.get("case_title") or instance.title or "") or "")[:255],
        decision_number=number[:128] if number else None,
        masked_text=mask(data.get("masked_text") or data.get("disclosure_text") or "") or "",
        party=masker.party[:255] if masker.party else None, decision_date=decided,
        agency=(mask(agency_of(instance.org_id)) or "")[:255],
        legal_basis=mask(data.get("legal_basis") or None), facts=mask(content.facts_text(data)),
        penalty_kind=(str(data["penalty_kind"])[:32] if data.get("penalty_kind") else None),
        fine_amount=content.fine_amount(data), penalty=mask(content.penalty_text(data)),
        fulfilment=mask(content.fulfilment_text(data)),
        published_by=_actor_name(actor), published_at=clock.now())
    db.session.add(disclosure)
    db.session.flush()
    return disclosure


def agency_of(org_id: int | None) -> str:
    """The deciding agency as published: the name of the case's bureau (its organisation node); the configured
    ``AGENCY_NAME`` only for a case without one."""
    return org_scope.name_of(org_id) or str(current_app.config.get("AGENCY_NAME") or "")


def _check_case(instance_id: int | None) -> None:
    if instance_id is not None and db.session.get(Instance, instance_id) is None:
        raise NotFound(f"instance {instance_id} not found")




def withdraw(disclosure_id: int, reason: str, basis: str, actor: Any, instance_id: int | None,
             event_kind: str | None = None, event_date: date | None = None) -> DisclosureWithdrawal:
    """Withdraw a published decision, with the reason to publish (APL 48); no commit, no event.

    ``basis``: changed | revoked | illegal | other. ``instance_id``: the correction case.
    ``event_kind``/``event_date``: what changed or revoked the decision and when (the 3-day limit
    runs from it). The reason is published, so it is masked as the decision was.

    Raises:
        NotFound: no such disclosure (or case). FormDataInvalid: blank reason, unknown basis or event.
        StateConflict: already withdrawn, or superseded by a correction (withdraw the current one).
    """
    disclosure = get_disclosure(disclosure_id)
    reason = _required_text("reason", reason)
    if basis not in WITHDRAWAL_BASES:
        raise FormDataInvalid({"basis": [f"must be one of {', '.join(WITHDRAWAL_BASES)}"]}, "unknown basis")
    if event_kind is not None and event_kind not in WITHDRAWAL_EVENTS:
        raise FormDataInvalid({"event_kind": [f"must be one of {', '.join(WITHDRAWAL_EVENTS)}"]}, "unknown event")
    state = state_of(disclosure.id)
    if state.withdrawal is not None:
        raise StateConflict(f"disclosure {disclosure_id} is already withdrawn")
    if state.superseded_by is not None:
        raise StateConflict(f"disclosure {disclosure_id} was corrected by disclosure {state.superseded_by}; "
                            "withdraw that one")
    _check_case(instance_id)
    row = DisclosureWithdrawal(disclosure_id=disclosure.id, reason=_masker_of(disclosure).mask(reason) or reason,
                               basis=basis, withdrawn_by=_actor_name(actor), withdrawn_at=clock.now(),
                               instance_id=instance_id, event_kind=event_kind, event_date=event_date)
    db.session.add(row)
    db.session.flush()  # a unique-key clash: a concurrent change (409)
    return row


def correct(disclosure_id: int, corrected_text: str, reason: str, actor: Any, instance_id: int | None) -> Disclosure:
    """Publish a corrected version of a decision (OGI 41): a new row superseding the old; no commit, no event.

    A correction may only mask further or restore the composed text of the decision (OGI 41 corrects the
    publication, not the decision): the corrected text is the case's composed original (``disclosure_text``) with
    spans masked (engine.mask_edits, as at the release), also against the published version and the service's
    masked preview. A changed decision is withdrawn (APL 48) and published anew after a new decision. The corrected
    text and the reason are masked as the first publication was (the case's masker).

    Raises:
        NotFound: no such disclosure (or case). FormDataInvalid: blank text or reason, or a corrected text that
        adds or changes words (naming ``corrected_text``).
        StateConflict: the disclosure is withdrawn or already superseded.
    """
    old = get_disclosure(disclosure_id)
    masker = _masker_of(old)
    check_correction(old, _required_text("corrected_text", corrected_text), masker)
    text = masker.mask(corrected_text) or ""
    reason = masker.mask(_required_text("reason", reason)) or ""
    state = state_of(old.id)
    if state.withdrawal is not None:
        raise StateConflict(f"disclosure {disclosure_id} is withdrawn and cannot be corrected")
    if state.superseded_by is not None:
        raise StateConflict(f"disclosure {disclosure_id} was already corrected by disclosure {state.superseded_by}")
    _check_case(instance_id)
    new = Disclosure(instance_id=old.instance_id, org_id=old.org_id, category=old.category, title=old.title,
                     decision_number=old.decision_number, masked_text=text, party=old.party,
                     decision_date=old.decision_date, agency=old.agency, legal_basis=old.legal_basis,
                     facts=old.facts, penalty_kind=old.penalty_kind, fine_amount=old.fine_amount,
                     penalty=old.penalty, fulfilment=old.fulfilment, supersedes_id=old.id, correction_reason=reason, correction_instance_id=instance_id,
                     published_by=_actor_name(actor), published_at=clock.now())
    db.session.add(new)
    db.session.flush()  # a unique-key clash: a concurrent change (409)
    return new


def check_correction(old: Disclosure, corrected_text: str, masker: PublicMasker) -> None:
    """The corrected text masks or restores the composed text of ``old``'s decision, nothing else.

    Raises:
        FormDataInvalid: naming ``corrected_text``.
    """
    instance = db.session.get(Instance, old.instance_id)
    original = str(((instance.data if instance is not None else None) or {}).get("disclosure_text") or "")
    source = original or old.masked_text or ""
    alternatives = tuple(t for t in (old.masked_text, masker.mask(original) if original else None) if t)
    problem = edit_problem(source, corrected_text, alternatives)
    if problem:
        raise FormDataInvalid({"corrected_text": [problem + " (a correction may only mask further or restore the "
                                                  "decision's composed text; a changed decision is withdrawn and "
                                                  "decided anew)"]},
                              "corrected_text is not the decision's text with spans masked")


# --- the public's correction requests ----------------------------------------------------------------

def request_correction(disclosure_id: int, contact: str, reason: str, client_addr: str | None) -> CorrectionRequest:
    """Record a request to correct a published decision and start its correction case; no commit.

    The case (``disclosure_correction``) is started by ``public`` with the request and the
    disclosure in its data; the request's date is the server's day, never one the requester gives; if that process is not deployed the request is kept with
    ``case_id`` None.

    Raises:
        NotFound: no such disclosure. StateConflict: it is withdrawn or superseded.
    """
    disclosure = get_disclosure(disclosure_id)
    state = state_of(disclosure.id)
    if state.status != "published":
        hint = f" (the current version is {state.superseded_by})" if state.status == "superseded" else ""
        raise StateConflict(f"disclosure {disclosure_id} is {state.status}{hint}")
    data = {"origin": "public", "disclosure_id": disclosure.id, "request_contact": contact, "request_reason": reason,
            "request_date": clock.today().isoformat(), "disclosure_title": disclosure.title,
            "disclosure_text": disclosure.masked_text, "act_type": disclosure.category}
    try:
        case_id: int | None = start_instance(CORRECTION_PROCESS, data, "public", None, client_addr,
                                             org_id=case_org(disclosure.instance_id)).id
    except NotFound:
        case_id = None
    row = CorrectionRequest(disclosure_id=disclosure.id, contact=contact, reason=reason, case_id=case_id,
                            created_at=clock.now())
    db.session.add(row)
    db.session.flush()
    return row


def case_org(instance_id: int) -> int | None:
    """The bureau of the case a disclosure published (its correction case belongs there too)."""
    return db.session.scalar(select(Instance.org_id).where(Instance.id == instance_id))
