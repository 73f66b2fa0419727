"""The random-inspection item list (随机抽查事项清单) and the target directory (检查对象名录).

Items and targets are versioned like the list of powers: each change is a new, append-only
row, the highest version of a code is current, ``retired`` takes it off the lists. A lottery
plan is fixed from these lists (never from text typed into the plan): :mod:`.lottery_plans`.
No commits here.
"""
from __future__ import annotations

from typing import Any

from engine import clock
from engine.errors import FormDataInvalid

from ..extensions import db
from ..models.registry import InspectionItem, InspectionTarget
from ..services import org_scope
from ..services.history import append_event
from . import lists

ITEM_FIELDS = ("name", "legal_basis", "target_category", "method", "retired")
TARGET_FIELDS = ("name", "category", "note", "retired")
STREAMS = {InspectionItem: "inspection_items", InspectionTarget: "inspection_targets"}

Model = type[InspectionItem] | type[InspectionTarget]




def current(model: Model, include_retired: bool = False, org_id: int | None = None) -> list[Any]:
    """The current version of every entry of ``model``'s list of bureau ``org_id`` (default: the case being
    worked, else the caller's bureau; entries set at the platform root included), by code."""
    return lists.effective(model, org_id, include_retired)


def versions(model: Model, code: str, org_id: int | None = None) -> list[Any]:
    """Every version of ``code`` in the bureau's list, oldest first. Raises NotFound (another bureau's too)."""
    return lists.versions(model, code, org_id, STREAMS[model].replace("_", " ")[:-1])


def put(model: Model, code: str, values: dict[str, Any], actor: str, client_addr: str | None = None,
        org_id: int | None = None) -> Any:
    """A new version of entry ``code`` (the first creates it) in the list of ``org_id`` (default: the caller's
    bureau), validated values; no commit."""
    fields = ITEM_FIELDS if model is InspectionItem else TARGET_FIELDS
    org_id = org_id if org_id is not None else org_scope.effective_org()
    data = {k: values[k] for k in fields if values.get(k) is not None}
    if model is InspectionTarget:  # the party identifier: a keyed digest and the masked spelling, never the number
        from ..services.parties import target_identity  # registry -> services: import late

        try:
            data.update(target_identity(values.get("party_id_number")))
        except ValueError as exc:
            raise FormDataInvalid({"party_id_number": [str(exc)]}, "party_id_number invalid") from None
    row = model(code=code, org_id=org_id, version=lists.next_version(model, code, org_id), changed_by=actor,
                changed_at=clock.now(), **data)
    db.session.add(row)
    db.session.flush()  # a unique-key clash: a concurrent change (409)
    append_event(STREAMS[model], None, f"{STREAMS[model][:-1]}_changed", actor=actor, client_addr=client_addr,
                 data={"code": code, "version": row.version, "org_id": org_id, **data})
    return row


def item_options(org_id: int | None = None) -> list[dict[str, Any]]:
    """The random-inspection items of the bureau as form options (valuesKey ``registry_inspection_items``)."""
    return [{"label": f"{i.name}（{i.legal_basis}）", "value": i.code} for i in current(InspectionItem, org_id=org_id)]


def directory(item: InspectionItem, org_id: int | None = None) -> list[str]:
    """The item's part of the target directory, by name; a name listed twice is refused (the draw is by name).

    Raises:
        FormDataInvalid: two current targets of the category share a name (named with their codes).
    """
    codes: dict[str, list[str]] = {}
    for target in current(InspectionTarget, org_id=org_id):
        if target.category == item.target_category:
            codes.setdefault(target.name, []).append(target.code)
    twice = {name: found for name, found in codes.items() if len(found) > 1}
    if twice:
        named = "; ".join(f"{name} ({', '.join(sorted(found))})" for name, found in sorted(twice.items()))
        raise FormDataInvalid({"inspection_item": [
            f"the target directory (检查对象名录) of '{item.target_category}' lists a name more than once: {named}; "
            "the process owner gives each target a distinct name before a plan is fixed"]},
            "duplicate names in the target directory")
    return sorted(codes)
