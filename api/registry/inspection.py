"""The random-inspection item list (随机抽查事项清单), the target directory (检查对象名录) and lottery plans.

Items and targets are versioned like the list of powers: each change is a new, append-only
row, the highest version of a code is current, ``retired`` takes it off the lists. A lottery
plan is fixed from these lists (never from text typed into the plan), committed with the
sha256 of a server random value, and revealed at the draw (engine/lottery.py). No commits here.
"""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine import clock, lottery
from engine.errors import FormDataInvalid, NotFound, StateConflict

from ..extensions import db
from ..models.registry import InspectionItem, InspectionTarget, LotteryPlan, LotteryReveal
from ..models.types import utc_iso
from ..services.history import append_event

ITEM_FIELDS = ("name", "legal_basis", "target_category", "method", "retired")
TARGET_FIELDS = ("name", "category", "note", "retired")
STREAMS = {InspectionItem: "inspection_items", InspectionTarget: "inspection_targets"}
LOTTERY_STREAM = "lottery"

Model = type[InspectionItem] | type[InspectionTarget]


def _flush(what: str) -> None:
    try:
        db.session.flush()
    except IntegrityError:
        raise StateConflict(f"{what} collided with a concurrent change; reload and retry") from None


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


def fix_plan(instance_id: int, item_code: str, target_count: Any, inspectors: list[str], actor: str,
             client_addr: str | None = None) -> dict[str, Any]:
    """Fix a lottery plan from the registry, commit to a fresh server random value; returns the data to record.

    The target list is the current directory for the item's category; the plan digest and the
    commitment are published at once (``/api/v1/public/lottery-plans``), the random value only at the draw.

    Raises:
        FormDataInvalid: the item is not (or no longer) on the random-inspection list.
    """
    items = {i.code: i for i in current(InspectionItem)}
    item = items.get(item_code)
    if item is None:
        raise FormDataInvalid({"inspection_item": [f"'{item_code}' is not on the random-inspection list"]})
    targets = sorted(t.name for t in current(InspectionTarget) if t.category == item.target_category)
    plan = {"instance_id": instance_id, "inspection_item": item.code, "inspection_item_version": item.version,
            "inspection_item_name": item.name, "target_category": item.target_category,
            "target_list": targets, "target_count": target_count,
            "inspector_pool": sorted({str(u) for u in inspectors}), "fixed_at": utc_iso(clock.now())}
    secret = secrets.token_hex(32)
    row = LotteryPlan(instance_id=instance_id, plan=plan, plan_digest=lottery.plan_digest(plan),
                      commitment=lottery.commitment(secret), secret=secret, created_by=actor, created_at=clock.now())
    db.session.add(row)
    _flush("fixing the lottery plan")
    append_event(LOTTERY_STREAM, None, "lottery_plan_fixed", actor=actor, client_addr=client_addr,
                 instance_id=instance_id, data={"plan_id": row.id, "plan": plan, "plan_digest": row.plan_digest,
                                                "commitment": row.commitment})
    return {"inspection_item_name": item.name, "target_list": targets, "inspector_pool": plan["inspector_pool"],
            "lottery_plan": plan, "plan_digest": row.plan_digest, "lottery_commitment": row.commitment}


def reveal(instance_id: int, actor: str, client_addr: str | None = None) -> dict[str, Any]:
    """Reveal the server random value of the instance's latest plan for its draw; returns the data to record.

    Raises:
        StateConflict: no plan was fixed for this instance, or its value was revealed already.
    """
    row = db.session.scalar(select(LotteryPlan).where(LotteryPlan.instance_id == instance_id)
                            .order_by(LotteryPlan.id.desc()).limit(1))
    if row is None:
        raise StateConflict(f"instance {instance_id} has no fixed lottery plan to draw from")
    if db.session.scalar(select(LotteryReveal.id).where(LotteryReveal.plan_id == row.id)) is not None:
        raise StateConflict(f"the lottery plan {row.plan_digest} was drawn already")
    db.session.add(LotteryReveal(plan_id=row.id, revealed_by=actor, revealed_at=clock.now()))
    _flush("revealing the lottery value")
    append_event(LOTTERY_STREAM, None, "lottery_revealed", actor=actor, client_addr=client_addr,
                 instance_id=instance_id, data={"plan_id": row.id, "plan_digest": row.plan_digest,
                                                "commitment": row.commitment, "reveal": row.secret})
    return {"lottery_plan": row.plan, "plan_digest": row.plan_digest, "lottery_commitment": row.commitment,
            "lottery_reveal": row.secret}


def public_plans(instance_id: int | None = None) -> list[dict[str, Any]]:
    """Every fixed plan with its digest and commitment; the random value, seed and draw once revealed."""
    stmt = (select(LotteryPlan, LotteryReveal).outerjoin(LotteryReveal, LotteryReveal.plan_id == LotteryPlan.id)
            .order_by(LotteryPlan.id.desc()))
    if instance_id is not None:
        stmt = stmt.where(LotteryPlan.instance_id == instance_id)
    result = []
    for plan, shown in db.session.execute(stmt):
        entry = {"id": plan.id, "instance_id": plan.instance_id, "plan": plan.plan, "plan_digest": plan.plan_digest,
                 "commitment": plan.commitment, "fixed_at": plan.created_at, "revealed_at": None, "reveal": None,
                 "seed": None, "drawn_targets": None, "drawn_inspectors": None}
        if shown is not None:
            drawn = lottery.redraw(plan.plan, plan.commitment, plan.secret)
            entry.update(revealed_at=shown.revealed_at, reveal=plan.secret, seed=drawn["seed"],
                         drawn_targets=drawn["targets"], drawn_inspectors=drawn["inspectors"])
        result.append(entry)
    return result
