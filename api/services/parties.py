"""Exchange of permit and supervision information (审批与监管信息交换共享, seed 二(二)).

Cases are linked to their party (:class:`~api.models.PartyLink`) by a step hook: a permit application and an
enforcement case when the party's identifier is in the case data (``party_id_number``, any spelling), a random
inspection when its targets are drawn (each drawn target of the directory that has a party identifier). The link
holds a keyed digest of the identifier (engine/parties.py), never the number.

Working a task of one of these cases shows the party's earlier results from the other processes
(:data:`SHOWS`): an inspection or enforcement case shows the party's permit decisions (item, decision, date,
validity), a permit application the party's inspection results and penalties. The scope is the case's bureau
(docs/ACCESS.md, "Shared party records"): another bureau's cases are never shown. Every case shown is a recorded
read on that case's access stream (``party_history_read``), in the same transaction as the answer.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import parties as engine_parties
from engine.masking import mask_text
from engine.masking_rules import DEFAULT_RULES

from ..extensions import db
from ..models import Instance, PartyLink, TaskRow, User
from ..models.registry import InspectionTarget
from .access import record_read

PERMIT, INSPECTION, ENFORCEMENT = "permit_application", "random_inspection", "enforcement_case"
#: the process of a case -> the processes whose results its tasks show
SHOWS: dict[str, tuple[str, ...]] = {
    PERMIT: (INSPECTION, ENFORCEMENT),
    INSPECTION: (PERMIT,),
    ENFORCEMENT: (PERMIT,),
}
PENALTY_FIELDS = ("penalty_kind", "fine_amount")


def _secret() -> bytes:
    """The key of the party digests: ``PARTY_LINK_KEY`` (set it once and keep it: links are made with it), else the
    app's ``SECRET_KEY``."""
    key = current_app.config.get("PARTY_LINK_KEY") or current_app.config["SECRET_KEY"]
    return (key if isinstance(key, bytes) else str(key).encode()) + b"|party-link"


def key_of(raw: object) -> tuple[str, engine_parties.Party] | None:
    """(digest, party) of an identifier in any spelling; None when it is not a valid ID number or credit code."""
    party = engine_parties.identify(raw)
    return None if party is None else (engine_parties.party_key(_secret(), party), party)


def target_identity(raw: object) -> dict[str, str | None]:
    """The columns an inspection target stores for a party identifier (none given: all None).

    Raises ValueError when ``raw`` is given and is not a valid ID number or credit code."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {"party_key": None, "party_masked": None}
    found = key_of(raw)
    if found is None:
        raise ValueError("not a resident ID number nor a unified social credit code")
    return {"party_key": found[0], "party_masked": engine_parties.masked_identifier(found[1])}


def _parties_of(instance: Instance) -> dict[str, str]:
    """party digest -> masked identifier, for the parties the case's current data names."""
    data = instance.data or {}
    if instance.definition_key in (PERMIT, ENFORCEMENT):
        found = key_of(data.get("party_id_number"))
        return {} if found is None else {found[0]: engine_parties.masked_identifier(found[1])}
    if instance.definition_key == INSPECTION and data.get("drawn_targets"):
        from ..registry import lists  # services -> registry: import late

        drawn = {str(n) for n in data.get("drawn_targets") or []}
        category = (data.get("lottery_plan") or {}).get("target_category")
        return {t.party_key: t.party_masked or "" for t in lists.effective(InspectionTarget, instance.org_id, True)
                if t.name in drawn and t.party_key and (category is None or t.category == category)}
    return {}


# --- this process's memory of committed links ----------------------------------------------------------------------
# A step must stay a handful of statements (tests/api/test_tasks__completion_cost.py): the links a case has are read
# once per process and remembered, and a link this process adds is remembered only once its transaction commits (a
# rolled-back step leaves nothing remembered). A random inspection's drawn targets are final: once its links are
# committed (none, too), its directory is not read again.
_KNOWN = "sanxiang_party_links"
_KNOWN_MAX = 100_000
_PENDING = "sanxiang_party_links_pending"


def _known() -> dict[int, frozenset[str]]:
    """The app's memory: instance id -> the party digests committed for it."""
    return current_app.extensions.setdefault(_KNOWN, {})


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, {})
    if not pending or not has_app_context():
        return
    known = _known()
    if len(known) + len(pending) > _KNOWN_MAX:
        known.clear()
    known.update(pending)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def record_links(instance: Instance, steps: list, actor: str) -> None:
    """Step hook: link the case to the parties its data names that it is not linked to yet; no commit."""
    if instance.definition_key not in SHOWS:
        return
    known_here = _known().get(instance.id)
    if instance.definition_key == INSPECTION:
        if known_here is not None or not (instance.data or {}).get("drawn_targets"):
            return
        found = _parties_of(instance)
    else:
        found = _parties_of(instance)
        if not found or (known_here is not None and set(found) <= known_here):
            return
    if known_here is None:
        known = set(db.session.scalars(select(PartyLink.party_key).where(PartyLink.instance_id == instance.id)))
    else:
        known = set(known_here)
    db.session.info.setdefault(_PENDING, {})[instance.id] = frozenset(known | set(found))
    for key, masked in found.items():
        if key not in known:
            db.session.add(PartyLink(instance_id=instance.id, org_id=instance.org_id, party_key=key,
                                     party_kind=engine_parties.kind_of_masked(masked),
                                     party_masked=masked, process_key=instance.definition_key, recorded_by=actor))
    db.session.flush()


def _permit(instance: Instance) -> dict[str, Any] | None:
    data = instance.data or {}
    if not data.get("decision_date") or data.get("decision") not in ("approve", "deny"):
        return None  # not decided yet
    return {"item": data.get("permit_item_name") or data.get("permit_item"), "decision": data.get("decision"),
            "decision_number": data.get("decision_number"), "date": data.get("decision_date"),
            "valid_until": data.get("permit_valid_until") or None}


def _inspection(instance: Instance) -> dict[str, Any] | None:
    data = instance.data or {}
    if data.get("problems_found") is None or not data.get("decision_date"):
        return None  # not inspected yet
    return {"item": data.get("inspection_item_name"), "result": "problems" if data.get("problems_found") else "none",
            "follow_up": data.get("follow_up") or None, "date": data.get("decision_date")}


def _penalty(instance: Instance) -> dict[str, Any] | None:
    data = instance.data or {}
    decision = data.get("decision")
    if not data.get("decision_date") or decision not in ("approve", "revise", "deny"):
        return None  # not decided yet
    revised = decision == "revise"
    kind = (data.get("revised_penalty_kind") if revised else None) or data.get("penalty_kind")
    fine = data.get("revised_fine_amount") if revised and data.get("revised_fine_amount") is not None \
        else data.get("fine_amount")
    return {"item": data.get("case_title"), "decision": decision,
            "penalty_kind": None if decision == "deny" else kind, "fine_amount": None if decision == "deny" else fine,
            "decision_number": data.get("decision_number"), "date": data.get("decision_date")}


SUMMARIES = {PERMIT: _permit, INSPECTION: _inspection, ENFORCEMENT: _penalty}
#: the statutory ID-number rules: a text of another case (its title, a follow-up) shows no ID number typed into it
_ID_RULES = [r for r in DEFAULT_RULES if r.name.startswith("id_number")]


def _id_numbers_masked(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: mask_text(v, _ID_RULES) if isinstance(v, str) else v for k, v in summary.items()}


def history_for(user: User, task: TaskRow, instance: Instance, client_addr: str | None = None) -> list[dict[str, Any]]:
    """The party's earlier results from other processes of the case's bureau, one entry per party of the case
    (``party`` masked, ``records`` newest first); each case shown is recorded as read by ``user``. No commit."""
    wanted = SHOWS.get(instance.definition_key)
    if not wanted:
        return []
    mine = {link.party_key: link for link in db.session.scalars(
        select(PartyLink).where(PartyLink.instance_id == instance.id).order_by(PartyLink.id))}
    if not mine:
        return []
    rows = db.session.execute(
        select(PartyLink.party_key, Instance).join(Instance, Instance.id == PartyLink.instance_id).where(
            PartyLink.party_key.in_(list(mine)), PartyLink.org_id == instance.org_id,
            Instance.org_id == instance.org_id, PartyLink.process_key.in_(wanted), Instance.id != instance.id)
        .order_by(Instance.id.desc())).all()
    found: dict[str, list[dict[str, Any]]] = {key: [] for key in mine}
    for key, other in rows:
        if key not in _parties_of(other):
            continue  # the other case's party was corrected since: it no longer concerns this party
        summary = SUMMARIES[other.definition_key](other)
        if summary is None:
            continue
        record_read(user, other.id, "party_history", view="summary", client_addr=client_addr,
                    detail={"for_instance": instance.id, "task_id": task.id})
        found[key].append({"instance_id": other.id, "process": other.definition_key, **_id_numbers_masked(summary)})
    return [{"party": link.party_masked, "party_kind": link.party_kind,
             "records": sorted(found[key], key=lambda r: str(r.get("date") or ""), reverse=True)}
            for key, link in mine.items()]
