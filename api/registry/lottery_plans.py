"""双随机 lottery plans: fixed from the registry, committed, drawn once, or abandoned in public.

* **Fixing** (:func:`fix_plan`): the item from the random-inspection list, its part of the target directory, a
  count within it, a pool of certified officers larger than the team; the plan digest and the sha256 commitment
  to a fresh server random value are published at once. One plan per case (a new plan is a new case, rule
  ``lottery_plan_fixed``) and one *open* plan per item (fixed, not drawn, not abandoned, its case running): a
  second one is refused (409 naming the case), so nobody draws two plans of one item and keeps the better draw.
* **Drawing** (:func:`reveal`): the pool is checked again on the draw day; members who are no longer active
  officers, whose certificate does not cover the day of the draw through the inspection period, or who withdrew
  from the case, are excluded, each with its reason, recorded with the reveal and published, so the public
  re-draw (engine/lottery.py ``redraw``) applies the same pool. With fewer than a team plus one left the draw is
  refused before anything is revealed (rule ``lottery_pool``). **A reveal is final**: it is committed on its own,
  before the diagram's draw is checked, so a completion refused afterwards (a rule, a deployed diagram) neither
  hides the draw nor lets anyone draw again; a retry gets the same value back.
* **Abandoning** (:func:`abandon`): the head abandons an undrawn plan with a reason, published; it can no longer
  be drawn (rule ``lottery_plan_abandoned``). A drawn plan cannot be abandoned (a draw is final).

Only :func:`reveal` commits (see above); the rest leaves it to the caller.
"""
from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from engine import clock, lottery
from engine.errors import FormDataInvalid, NotFound, RuleViolation, StateConflict

from ..extensions import db
from ..models import Certificate, Instance, User
from ..models.registry import InspectionItem, LotteryAbandonment, LotteryPlan, LotteryReveal
from ..models.types import utc_iso
from ..services import locks, org_scope
from ..services.commits import commit_keeping
from ..services.history import append_event
from ..services.recusal import names, recused_officers
from ..services.runtime import calendar
from . import inspection
from .service import public_officers

LOTTERY_STREAM = "lottery"
#: a draw is final: no new plan, no rewind to (or before) the draw, no abandoning it
FINAL_RULE = "lottery_draw_final"
#: a fixed plan is published and stays: no edit of its keys, no rewind to it, no second plan in the case
PLAN_RULE = "lottery_plan_fixed"
ABANDONED_RULE = "lottery_plan_abandoned"
POOL_RULE = "lottery_pool"
#: the inspection period after the draw (the shipped diagram's results_due): a drawn inspector's certificate
#: must cover it, so the inspection act is not stranded by a certificate running out
INSPECTION_WORKING_DAYS = 20
LEAST_POOL = lottery.INSPECTORS_PER_TEAM + 1




def _pool(inspectors: list[Any], recused: set[str], org_id: int | None = None
          ) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """The inspector pool: certified officers of the registry today who did not withdraw from the case, more than
    one team, each named by the number of the certificate valid today (the public identifier: an officer's login
    name is never published). Members are given by login name (the form's list) or certificate number.

    Returns:
        the pool (certificate numbers, sorted), their officers' names ({number: display name}, published with the
        plan) and their login names ({number: login}, the case's, never published).

    Raises:
        FormDataInvalid: a member is not an active officer with a certificate valid today (APL 42) or withdrew from
            the case (APL 43), or the pool is not larger than the team (the planner would choose the inspectors).
    """
    day = clock.today()
    rows = public_officers(day, org_id=org_id)  # the case's bureau's officers, one row per valid certificate
    by_login: dict[str, dict[str, Any]] = {}
    by_number = {row["certificate_number"]: row for row in rows}
    for row in rows:
        by_login.setdefault(row["username"], row)
    chosen: dict[str, dict[str, Any]] = {}  # one entry per officer, however named
    outsiders = []
    for given in sorted({str(u) for u in inspectors}):
        row = by_login.get(given) or by_number.get(given)
        if row is None:
            outsiders.append(given)
        else:
            chosen.setdefault(row["username"], row)
    if outsiders:
        raise FormDataInvalid({"inspector_directory": [
            f"not active officers with an enforcement certificate valid on {day.isoformat()} (APL 42): "
            f"{', '.join(outsiders)}"]}, "inspector_directory: not certified officers")
    withdrawn = sorted(u for u in chosen if u in recused)
    if withdrawn:
        raise FormDataInvalid({"inspector_directory": [f"withdrew from this case (APL 43): {', '.join(withdrawn)}"]},
                              "inspector_directory: recused officers")
    if len(chosen) < LEAST_POOL:
        raise FormDataInvalid({"inspector_directory": [
            f"the pool needs at least {LEAST_POOL} certified officers (team of {lottery.INSPECTORS_PER_TEAM} + 1): "
            f"with {len(chosen)} the planner, not the draw, would choose the inspectors"]},
            "inspector_directory: too small")
    pool = sorted(row["certificate_number"] for row in chosen.values())
    shown = {row["certificate_number"]: row["display_name"] for row in chosen.values()}
    logins = {row["certificate_number"]: row["username"] for row in chosen.values()}
    return pool, shown, logins


def pool_logins(pool: list[str]) -> dict[str, str]:
    """The login name of each pool member ({certificate number: login}), from the certificates register (a
    certificate number is unique and names one officer)."""
    rows = db.session.execute(select(Certificate.number, User.username).join(User, User.id == Certificate.user_id)
                              .where(Certificate.number.in_([str(n) for n in pool])))
    return {number: username for number, username in rows}


def _count(target_count: Any, targets: list[str]) -> int:
    """The number of targets to draw: a whole number from 1 to the directory's size (422 otherwise)."""
    if not targets:
        raise FormDataInvalid({"inspection_item": [
            "the target directory (检查对象名录) has no target for this item; the process owner adds them first"]})
    if isinstance(target_count, bool) or not isinstance(target_count, int | float) or target_count != int(
            target_count) or not 1 <= int(target_count) <= len(targets):
        raise FormDataInvalid({"target_count": [f"must be a whole number from 1 to {len(targets)} (the targets in "
                                                "the directory for this item)"]})
    return int(target_count)


def _status(shown: LotteryReveal | None, dropped: LotteryAbandonment | None, case_status: str | None) -> str:
    if shown is not None:
        return "drawn"
    if dropped is not None or case_status not in (None, "running"):
        return "abandoned"
    return "open"


def _open_plan(item_code: str, instance_id: int, org_id: int | None = None) -> LotteryPlan | None:
    """Another case's open plan (fixed, not drawn, not abandoned, its case running) for the bureau's item."""
    stmt = (select(LotteryPlan, Instance.status)
            .outerjoin(LotteryReveal, LotteryReveal.plan_id == LotteryPlan.id)
            .outerjoin(LotteryAbandonment, LotteryAbandonment.plan_id == LotteryPlan.id)
            .outerjoin(Instance, Instance.id == LotteryPlan.instance_id)
            .where(LotteryReveal.id.is_(None), LotteryAbandonment.id.is_(None), LotteryPlan.instance_id != instance_id,
                   LotteryPlan.org_id.is_not_distinct_from(org_id))
            .order_by(LotteryPlan.id))
    for plan, status in db.session.execute(stmt):
        if plan.plan.get("inspection_item") == item_code and status == "running":
            return plan
    return None


def fix_plan(instance_id: int, item_code: str, target_count: Any, inspectors: list[str], actor: str,
             data: dict[str, Any], client_addr: str | None = None) -> dict[str, Any]:
    """Fix a lottery plan from the registry, commit to a fresh server random value; returns the data to record.

    Raises:
        FormDataInvalid: the item is not (or no longer) on the random-inspection list; its directory is empty or
            lists a name twice; the count is out of range; the pool is not certified officers larger than the team.
        RuleViolation("lottery_draw_final" / "lottery_plan_fixed"): the case has a plan already (drawn or not):
            a new plan is a new case.
        StateConflict: another case holds an open plan for the item.
    """
    previous = latest(instance_id)
    if previous is not None:
        rule = FINAL_RULE if revealed(instance_id) is not None else PLAN_RULE
        raise RuleViolation(rule, f"case {instance_id} fixed plan {previous.plan_digest} already and it is public; "
                                  "a new plan is a new case (the head may abandon this one before its draw)")
    instance = db.session.get(Instance, instance_id)
    org_id = instance.org_id if instance is not None else None
    items = {i.code: i for i in inspection.current(InspectionItem, org_id=org_id)}  # the case's bureau's list
    item = items.get(item_code)
    if item is None:
        raise FormDataInvalid({"inspection_item": [f"'{item_code}' is not on the random-inspection list"]})
    # one open plan per item: two cases cannot both pass the check (PostgreSQL and SQLite)
    locks.hold(f"lottery-item:{org_id}:{item.code}")
    other = _open_plan(item.code, instance_id, org_id)
    if other is not None:
        raise StateConflict(f"case {other.instance_id} holds an open plan ({other.plan_digest}) for item "
                            f"'{item.code}': it is drawn or abandoned by the head before another plan is fixed")
    targets = inspection.directory(item, org_id)
    count = _count(target_count, targets)
    recused = recused_officers(instance) | set(names(data.get("recused_officers")))
    pool, inspector_names, logins = _pool(inspectors, recused, org_id)
    plan = {"instance_id": instance_id, "inspection_item": item.code, "inspection_item_version": item.version,
            "inspection_item_name": item.name, "target_category": item.target_category,
            "target_list": targets, "target_count": count, "inspector_pool": pool,
            "inspector_names": inspector_names, "fixed_at": utc_iso(clock.now())}
    secret = secrets.token_hex(32)
    row = LotteryPlan(instance_id=instance_id, org_id=org_id, plan=plan, plan_digest=lottery.plan_digest(plan),
                      commitment=lottery.commitment(secret), secret=secret, created_by=actor, created_at=clock.now())
    db.session.add(row)
    db.session.flush()  # a unique-key clash: a concurrent change (409)
    append_event(LOTTERY_STREAM, None, "lottery_plan_fixed", actor=actor, client_addr=client_addr,
                 instance_id=instance_id, data={"plan_id": row.id, "plan": plan, "plan_digest": row.plan_digest,
                                                "commitment": row.commitment, "inspector_logins": logins})
    return {"inspection_item_name": item.name, "target_list": targets, "target_count": count,
            "inspector_pool": pool, "inspector_names": inspector_names, "inspector_logins": logins,
            "lottery_plan": plan, "plan_digest": row.plan_digest,
            "lottery_commitment": row.commitment}


def _covered(user: User, start: date, end: date) -> bool:
    """Whether the user's certificates cover every day from ``start`` to ``end`` (renewals chained)."""
    day = start
    while day <= end:
        cert = user.certificate_on(day)
        if cert is None:
            return False
        if cert.valid_to is None:
            return True
        day = cert.valid_to + timedelta(days=1)
    return True


def exclusions(pool: list[str], instance: Instance, data: dict[str, Any], day: date) -> list[dict[str, str]]:
    """The pool members (certificate numbers) who cannot inspect if drawn on ``day``, each with its reason and
    officer's name (in pool order; published with the reveal)."""
    until = calendar().add_working_days(day, INSPECTION_WORKING_DAYS)
    rows = db.session.execute(select(Certificate.number, User).join(User, User.id == Certificate.user_id)
                              .where(Certificate.number.in_(pool)))
    users = {number: user for number, user in rows}
    recused = recused_officers(instance) | set(names(data.get("recused_officers")))
    out = []
    for number in pool:
        user = users.get(number)
        named = {"inspector": number, "name": user.display_name if user is not None else ""}
        if (user is None or not user.active or not user.has_role("officer")
                or not org_scope.in_bureau(user, instance.org_id)):
            out.append({**named, "reason": "inactive", "note": "抽取日已不是在岗执法人员"})
        elif not _covered(user, day, until):
            out.append({**named, "reason": "certificate_not_valid",
                        "note": f"执法证件不能覆盖抽取日{day.isoformat()}至检查期限{until.isoformat()}（行政处罚法第42条）"})
        elif user.username in recused:
            out.append({**named, "reason": "recused", "note": "已决定回避（行政处罚法第43条）"})
    return out


def _draw_values(row: LotteryPlan, shown: LotteryReveal) -> dict[str, Any]:
    plan = row.plan
    excluded = shown.excluded or []
    return {"lottery_plan": plan, "plan_digest": row.plan_digest, "lottery_commitment": row.commitment,
            "lottery_reveal": row.secret, "target_list": plan["target_list"], "target_count": plan["target_count"],
            "inspector_pool": plan["inspector_pool"], "inspector_names": plan.get("inspector_names") or {},
            "inspector_logins": pool_logins(plan["inspector_pool"]), "pool_exclusions": excluded,
            "draw_pool": lottery.draw_pool(plan["inspector_pool"], [e["inspector"] for e in excluded])}


def _commit_reveal() -> None:
    """Commit the reveal now, keeping the request's loaded objects as they are (their optimistic version checks
    still apply to the rest of the completion)."""
    commit_keeping()  # a concurrent draw of the plan clashes here: 409 (api/errors.py)


def reveal(instance_id: int, data: dict[str, Any], actor: str, client_addr: str | None = None) -> dict[str, Any]:
    """Reveal the server random value of the case's plan for its draw (committed at once: a reveal is final);
    returns the data to record: the value, the committed plan's lists and the pool the draw uses.

    Raises:
        StateConflict: no plan was fixed for this instance.
        RuleViolation("lottery_plan_abandoned"): the head abandoned the plan.
        RuleViolation("lottery_pool"): fewer than a team plus one of the pool can inspect on the draw day.
    """
    row = latest(instance_id)
    if row is None:
        raise StateConflict(f"instance {instance_id} has no fixed lottery plan to draw from")
    locks.hold(f"lottery-plan:{row.id}")  # a draw and an abandon of one plan cannot both pass their checks
    shown = db.session.scalar(select(LotteryReveal).where(LotteryReveal.plan_id == row.id))
    if shown is not None:
        return _draw_values(row, shown)  # revealed by an earlier attempt: the same draw, nothing new
    if db.session.scalar(select(LotteryAbandonment.id).where(LotteryAbandonment.plan_id == row.id)) is not None:
        raise RuleViolation(ABANDONED_RULE, f"the head abandoned plan {row.plan_digest}; it cannot be drawn: the new "
                                            "plan is a new case")
    day = clock.today()
    excluded = exclusions(row.plan["inspector_pool"], db.session.get(Instance, instance_id), data, day)
    pool = lottery.draw_pool(row.plan["inspector_pool"], [e["inspector"] for e in excluded])
    if len(pool) < LEAST_POOL:
        named = "; ".join(f"{e['inspector']} ({e['reason']})" for e in excluded)
        raise RuleViolation(POOL_RULE, f"on {day.isoformat()} only {len(pool)} of the plan's pool can inspect "
                                       f"(excluded: {named}); with fewer than {LEAST_POOL} the draw would not "
                                       f"choose: nothing was revealed; the head abandons plan {row.plan_digest} "
                                       f"(POST /api/v1/lottery-plans/{row.id}/abandon) and a new case plans again")
    shown = LotteryReveal(plan_id=row.id, revealed_by=actor, revealed_at=clock.now(), excluded=excluded)
    db.session.add(shown)
    db.session.flush()  # a unique-key clash: a concurrent change (409)
    append_event(LOTTERY_STREAM, None, "lottery_revealed", actor=actor, client_addr=client_addr,
                 instance_id=instance_id, data={"plan_id": row.id, "plan_digest": row.plan_digest,
                                                "commitment": row.commitment, "reveal": row.secret,
                                                "excluded": excluded, "draw_pool": pool})
    _commit_reveal()
    return _draw_values(row, shown)


def abandon(plan_id: int, reason: str, actor: str, client_addr: str | None = None,
            nodes: set[int] | None = None) -> LotteryPlan:
    """The head abandons an undrawn plan, with a reason (published); returns the plan. No commit.

    Raises:
        NotFound; FormDataInvalid: a blank reason; RuleViolation("lottery_draw_final"): the plan was drawn;
        StateConflict: abandoned already.
    """
    reason = str(reason or "").strip()
    if not reason:
        raise FormDataInvalid({"reason": ["Missing data for required field."]})
    row = db.session.get(LotteryPlan, plan_id)
    if row is None or (nodes is not None and row.org_id not in nodes):  # another bureau's plan: not there
        raise NotFound(f"lottery plan {plan_id} not found")
    locks.hold(f"lottery-plan:{row.id}")
    if db.session.scalar(select(LotteryReveal.id).where(LotteryReveal.plan_id == row.id)) is not None:
        raise RuleViolation(FINAL_RULE, f"plan {row.plan_digest} was drawn: a draw is final and is not abandoned")
    if db.session.scalar(select(LotteryAbandonment.id).where(LotteryAbandonment.plan_id == row.id)) is not None:
        raise StateConflict(f"plan {row.plan_digest} was abandoned already")
    dropped = LotteryAbandonment(plan_id=row.id, reason=reason, abandoned_by=actor, abandoned_at=clock.now())
    db.session.add(dropped)
    db.session.flush()  # a unique-key clash: a concurrent change (409)
    append_event(LOTTERY_STREAM, None, "lottery_plan_abandoned", actor=actor, client_addr=client_addr,
                 instance_id=row.instance_id, data={"plan_id": row.id, "plan_digest": row.plan_digest,
                                                    "reason": reason})
    return row


def latest(instance_id: int) -> LotteryPlan | None:
    """The case's plan (its latest, for cases that fixed more than one before plans were one per case)."""
    return db.session.scalar(select(LotteryPlan).where(LotteryPlan.instance_id == instance_id)
                             .order_by(LotteryPlan.id.desc()).limit(1))


def drawn(instance_id: int) -> tuple[LotteryPlan, LotteryReveal] | None:
    """The plan the case drew from and its reveal, if it has drawn."""
    found = db.session.execute(select(LotteryPlan, LotteryReveal)
                               .join(LotteryReveal, LotteryReveal.plan_id == LotteryPlan.id)
                               .where(LotteryPlan.instance_id == instance_id)
                               .order_by(LotteryPlan.id.desc()).limit(1)).first()
    return (found[0], found[1]) if found else None


def revealed(instance_id: int) -> LotteryPlan | None:
    """The plan the case drew from (its value revealed), if it has drawn."""
    found = drawn(instance_id)
    return found[0] if found else None


def public_plans(instance_id: int | None = None, nodes: set[int] | None = None) -> list[dict[str, Any]]:
    """Every fixed plan (of the bureaus ``nodes`` when given) with its digest, commitment and status (open,
    drawn, abandoned); the random value, the exclusions at the draw, the seed and the draw once revealed; the
    reason once abandoned."""
    stmt = (select(LotteryPlan, LotteryReveal, LotteryAbandonment, Instance.status)
            .outerjoin(LotteryReveal, LotteryReveal.plan_id == LotteryPlan.id)
            .outerjoin(LotteryAbandonment, LotteryAbandonment.plan_id == LotteryPlan.id)
            .outerjoin(Instance, Instance.id == LotteryPlan.instance_id)
            .order_by(LotteryPlan.id.desc()))
    if instance_id is not None:
        stmt = stmt.where(LotteryPlan.instance_id == instance_id)
    if nodes is not None:
        stmt = stmt.where(LotteryPlan.org_id.in_(list(nodes)))
    result = []
    for plan, shown, dropped, case_status in db.session.execute(stmt):
        entry = {"id": plan.id, "instance_id": plan.instance_id, "org": org_scope.code_of(plan.org_id), "plan": plan.plan, "plan_digest": plan.plan_digest,
                 "commitment": plan.commitment, "fixed_at": plan.created_at,
                 "status": _status(shown, dropped, case_status), "revealed_at": None, "reveal": None,
                 "seed": None, "excluded": None, "draw_pool": None, "drawn_targets": None, "drawn_inspectors": None,
                 "abandoned_at": dropped.abandoned_at if dropped else None,
                 "abandon_reason": dropped.reason if dropped else None}
        if shown is not None:
            excluded = shown.excluded or []
            result_draw = lottery.redraw(plan.plan, plan.commitment, plan.secret, [e["inspector"] for e in excluded])
            entry.update(revealed_at=shown.revealed_at, reveal=plan.secret, seed=result_draw["seed"],
                         excluded=excluded, draw_pool=result_draw["pool"], drawn_targets=result_draw["targets"],
                         drawn_inspectors=result_draw["inspectors"])
        result.append(entry)
    return result
