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
from engine.errors import FormDataInvalid, NotFound, RuleViolation, StateConflict

from ..extensions import db
from ..models.registry import InspectionItem, InspectionTarget, LotteryPlan, LotteryReveal
from ..models.types import utc_iso
from ..services.history import append_event

ITEM_FIELDS = ("name", "legal_basis", "target_category", "method", "retired")
TARGET_FIELDS = ("name", "category", "note", "retired")
STREAMS = {InspectionItem: "inspection_items", InspectionTarget: "inspection_targets"}
LOTTERY_STREAM = "lottery"
#: a draw is final: no new plan, no rewind to (or before) the draw
FINAL_RULE = "lottery_draw_final"

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


def _directory(item: InspectionItem) -> list[str]:
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


def _pool(inspectors: list[Any]) -> list[str]:
    """The inspector pool: certified officers of the registry today, more than one team.

    Raises:
        FormDataInvalid: a name is not an active officer with a certificate valid today (APL 42), or the pool
            is not larger than the team (the planner would choose the inspectors instead of the draw).
    """
    from .service import public_officers  # service imports this module

    day = clock.today()
    pool = sorted({str(u) for u in inspectors})
    certified = {row["username"] for row in public_officers(day)}
    outsiders = [u for u in pool if u not in certified]
    if outsiders:
        raise FormDataInvalid({"inspector_directory": [
            f"not active officers with an enforcement certificate valid on {day.isoformat()} (APL 42): "
            f"{', '.join(outsiders)}"]}, "inspector_directory: not certified officers")
    least = lottery.INSPECTORS_PER_TEAM + 1
    if len(pool) < least:
        raise FormDataInvalid({"inspector_directory": [
            f"the pool needs at least {least} certified officers (team of {lottery.INSPECTORS_PER_TEAM} + 1): with "
            f"{len(pool)} the planner, not the draw, would choose the inspectors"]}, "inspector_directory: too small")
    return pool


def fix_plan(instance_id: int, item_code: str, target_count: Any, inspectors: list[str], actor: str,
             client_addr: str | None = None) -> dict[str, Any]:
    """Fix a lottery plan from the registry, commit to a fresh server random value; returns the data to record.

    The target list is the current directory for the item's category; the inspector pool must be certified
    officers of the registry today, more than one team. The plan digest and the commitment are published at
    once (``/api/v1/public/lottery-plans``), the random value only at the draw.

    Raises:
        FormDataInvalid: the item is not (or no longer) on the random-inspection list; the directory lists a
            name twice; the pool names someone who is not a certified officer, or is not larger than the team.
        RuleViolation("lottery_draw_final"): the case has drawn already; a new inspection is a new case.
    """
    drawn = revealed(instance_id)
    if drawn is not None:
        raise RuleViolation(FINAL_RULE, f"case {instance_id} drew from plan {drawn.plan_digest} already; a draw is "
                                        "final: a new inspection is a new case")
    items = {i.code: i for i in current(InspectionItem)}
    item = items.get(item_code)
    if item is None:
        raise FormDataInvalid({"inspection_item": [f"'{item_code}' is not on the random-inspection list"]})
    targets = _directory(item)
    plan = {"instance_id": instance_id, "inspection_item": item.code, "inspection_item_version": item.version,
            "inspection_item_name": item.name, "target_category": item.target_category,
            "target_list": targets, "target_count": target_count,
            "inspector_pool": _pool(inspectors), "fixed_at": utc_iso(clock.now())}
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
    """Reveal the server random value of the instance's latest plan for its draw; returns the data to record:
    the value and the committed plan's lists, so the diagram draws from the plan, not from editable case data.

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
    plan = row.plan
    return {"lottery_plan": plan, "plan_digest": row.plan_digest, "lottery_commitment": row.commitment,
            "lottery_reveal": row.secret, "target_list": plan["target_list"], "target_count": plan["target_count"],
            "inspector_pool": plan["inspector_pool"]}


def revealed(instance_id: int) -> LotteryPlan | None:
    """The plan the case drew from (its value revealed), if it has drawn."""
    return db.session.scalar(select(LotteryPlan).join(LotteryReveal, LotteryReveal.plan_id == LotteryPlan.id)
                             .where(LotteryPlan.instance_id == instance_id).order_by(LotteryPlan.id.desc()).limit(1))


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
