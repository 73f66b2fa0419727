"""The random-inspection item list (随机抽查事项清单) and the target directory (检查对象名录).

Items and targets are versioned like the list of powers: each change is a new, append-only
row, the highest version of a code is current, ``retired`` takes it off the lists. A lottery
plan is fixed from these lists (never from text typed into the plan): :mod:`.lottery_plans`.
No commits here.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engine import clock
from engine.errors import FormDataInvalid, NotFound

from ..extensions import db
from ..models.registry import InspectionItem, InspectionTarget
from ..services.flush import flush_or_conflict as _flush
from ..services.history import append_event

ITEM_FIELDS = ("name", "legal_basis", "target_category", "method", "retired")
TARGET_FIELDS = ("name", "category", "note", "retired")
STREAMS = {InspectionItem: "inspection_items", InspectionTarget: "inspection_targets"}

Model = type[InspectionItem] | type[InspectionTarget]




def current(model: Model, include_retired: bool = False) -> list[Any]:
    """The current version of every entry of ``model``'s list, by code."""
    latest = select(model.code, func.max(model.version).label("version")).group_by(model.code).subquery()
    stmt = select(model).join(latest, (model.code == latest.c.code) & (model.version == latest.c.version))
    if not include_retired:
        stmt = stmt.where(model.retired.is_(False))
    return list(db.session.scalars(stmt.order_by(model.code)))


def versions(model: Model, code: str) -> list[Any]:
    """Every version of ``code``, oldest first. Raises NotFound."""
    rows = list(db.session.scalars(select(model).where(model.code == code).order_by(model.version)))
    if not rows:
        raise NotFound(f"{STREAMS[model].replace('_', ' ')[:-1]} '{code}' not found")
    return rows


def put(model: Model, code: str, values: dict[str, Any], actor: str, client_addr: str | None = None) -> Any:
    """A new version of entry ``code`` (the first creates it), validated values; no commit."""
    fields = ITEM_FIELDS if model is InspectionItem else TARGET_FIELDS
    last = db.session.scalar(select(func.max(model.version)).where(model.code == code)) or 0
    data = {k: values[k] for k in fields if values.get(k) is not None}
    row = model(code=code, version=last + 1, changed_by=actor, changed_at=clock.now(), **data)
    db.session.add(row)
    _flush(f"changing {STREAMS[model]} {code}")
    append_event(STREAMS[model], None, f"{STREAMS[model][:-1]}_changed", actor=actor, client_addr=client_addr,
                 data={"code": code, "version": row.version, **data})
    return row


def item_options() -> list[dict[str, Any]]:
    """The random-inspection items as form options (valuesKey ``registry_inspection_items``)."""
    return [{"label": f"{i.name}（{i.legal_basis}）", "value": i.code} for i in current(InspectionItem)]


def directory(item: InspectionItem) -> list[str]:
    """The item's part of the target directory, by name; a name listed twice is refused (the draw is by name).

    Raises:
        FormDataInvalid: two current targets of the category share a name (named with their codes).
    """
    codes: dict[str, list[str]] = {}
    for target in current(InspectionTarget):
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
