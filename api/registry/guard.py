"""What neither a diagram nor an admin can change once the registry fixed it: a lottery's plan and draw, a permit
application's item values.

* **The draw is the committed plan's draw** (rule ``lottery_draw``): whenever the case data of an instance that has
  drawn is saved (the completion of the ``lottery=draw`` task and every later step, whatever the deployed diagram's
  script computed), its plan, revealed value, seed, pool at the draw, ``drawn_targets``, ``drawn_inspectors`` and
  ``officers`` (the login names of the drawn inspectors less any recused; the pool and the draw name officers by
  certificate number, ``inspector_logins`` maps them) must equal what the service computes from the plan stored at
  plan time (``lottery_plans``), its revealed value and the exclusions recorded at the draw (engine/lottery.py
  ``redraw``, the public re-draw). The refusal names only the keys that differ: it discloses no draw (and the
  reveal is committed before the check, :mod:`.lottery_plans`, so a refused completion hides nothing either).
* **The plan is fixed** (rule ``lottery_plan_fixed``): once a plan is fixed an admin data edit of the lottery keys,
  of ``officers`` and of ``recused_officers`` is refused, and so is a rewind to the plan task or a task completed
  before it (a new plan is a new case; the head abandons the old one, which stays public).
* **A draw is final** (rule ``lottery_draw_final``): no rewind to the draw or to a task completed before it, and no
  new plan after it (:func:`.lottery_plans.fix_plan`); a new inspection is a new case, the old plan stays public.
* **A permit application keeps its item** (rule ``permit_item_fixed``, :mod:`.permits`): the values recorded at
  registration stay in the case data; an admin data edit of them is refused.

The data checks run on every write of ``Instance.data`` (an ORM attribute event, so each path that saves an
instance — task completion, timers, messages, corrections — is covered); a refusal raises out of the request,
which then changes nothing. No commits here.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from engine import lottery
from engine.errors import RuleViolation

from ..extensions import db
from ..models import Event, Instance
from ..services.history import instance_stream
from . import lottery_plans, permits

DRAW_RULE = "lottery_draw"
PLAN_RULE = lottery_plans.PLAN_RULE
#: the task properties that make the service record registry values for a case (api/registry/inject.py)
REGISTRY_PROPERTIES = frozenset({"lottery", "powerItem"})
#: the data keys of a fixed plan and its draw (``officers`` too, once drawn)
LOTTERY_KEYS = ("lottery_plan", "inspection_item", "inspection_item_name", "target_list", "target_count",
                "inspector_pool", "inspector_names", "inspector_logins", "plan_digest", "lottery_commitment",
                "lottery_reveal", "lottery_seed", "drawn_targets", "drawn_inspectors", "draw_pool", "pool_exclusions")
#: what a fixed plan freezes besides its own keys: who acts and who withdrew (the pool at the draw depends on them)
PEOPLE_KEYS = ("officers", "recused_officers")


def _names(value: Any) -> set[str]:
    return {str(v) for v in value} if isinstance(value, list) else set()


def _drew_before(instance_id: int) -> bool:
    """Whether a completion of the case carried the revealed value (the draw task was completed)."""
    stmt = select(Event.data).where(Event.stream == instance_stream(instance_id), Event.type == "task_completed")
    return any("lottery_reveal" in ((data or {}).get("submitted") or {}) for (data,) in db.session.execute(stmt))


def check_draw(instance_id: int, data: dict[str, Any]) -> None:
    """The case data of an instance that has drawn carries exactly the committed plan's draw.

    Raises:
        RuleViolation("lottery_draw"): a key differs (e.g. a deployed diagram drew with its own seed or list); the
            message names the keys only, never the seed or a drawn name.
    """
    found = lottery_plans.drawn(instance_id)
    if found is None:
        return
    row, shown = found
    if "lottery_reveal" not in data and not _drew_before(instance_id):
        return  # revealed by a refused completion: the draw task is still open, its retry draws the same
    excluded = [e["inspector"] for e in shown.excluded or []]
    drawn = lottery.redraw(row.plan, row.commitment, row.secret, excluded)
    expected = {"lottery_plan": row.plan, "plan_digest": row.plan_digest, "lottery_commitment": row.commitment,
                "lottery_reveal": row.secret, "lottery_seed": drawn["seed"], "target_list": row.plan["target_list"],
                "inspector_pool": row.plan["inspector_pool"], "drawn_targets": drawn["targets"],
                "drawn_inspectors": drawn["inspectors"]}
    if shown.excluded is not None:  # reveals recorded before exclusions were kept carry no pool at the draw
        expected.update(draw_pool=drawn["pool"], pool_exclusions=shown.excluded)
    logins = lottery_plans.pool_logins(row.plan["inspector_pool"])
    expected["inspector_logins"] = logins
    if "inspector_names" in row.plan:
        expected["inspector_names"] = row.plan["inspector_names"]
    wrong = [key for key, value in expected.items() if data.get(key) != value]
    acting = {logins.get(number, number) for number in drawn["inspectors"]} - _names(data.get("recused_officers"))
    if not isinstance(data.get("officers"), list) or _names(data.get("officers")) != acting:
        wrong.append("officers")
    if wrong:
        raise RuleViolation(DRAW_RULE, f"the case's {', '.join(wrong)} differ from the draw of the committed plan "
                                       f"{row.plan_digest}; the draw is the plan's, not the diagram's (the plan and "
                                       f"its draw are public: /api/v1/public/lottery-plans?instance_id={instance_id})")


def check_data(instance_id: int, data: dict[str, Any], properties: frozenset[str] = REGISTRY_PROPERTIES) -> None:
    """Every fixed-by-the-registry rule on a case's data (see the module docstring), for the registry task
    ``properties`` the instance's diagrams use (no lottery task, no lottery record: nothing to look up)."""
    if "lottery" in properties:
        check_draw(instance_id, data)
    if "powerItem" in properties:
        permits.check_data(instance_id, data)


def _registry_properties(instance: Instance) -> frozenset[str]:
    """Which registry properties (``lottery``, ``powerItem``) the user tasks of the instance's own bundle carry:
    records exist only for those (server_values creates them), so other instances need no query."""
    from ..services.instances import bundle_for  # parsed already by the request: a cache hit

    bundle = bundle_for(instance)
    return frozenset(p for meta in bundle.user_tasks.values() for p in REGISTRY_PROPERTIES if meta.properties.get(p))


def check_edit(instance: Instance, changes: dict[str, Any]) -> None:
    """An admin data edit leaves a fixed plan, its people, its draw and a permit's recorded item values (and the
    deadline computed from them) alone.

    Raises:
        RuleViolation("lottery_plan_fixed"), RuleViolation("permit_item_fixed").
    """
    keys = set(changes)
    if lottery_plans.latest(instance.id) is not None:
        fixed = keys & {*LOTTERY_KEYS, *PEOPLE_KEYS}
        if fixed:
            raise RuleViolation(PLAN_RULE, f"the lottery plan of case {instance.id} is fixed and published (and its "
                                           f"draw final once drawn): {', '.join(sorted(fixed))} cannot be edited")
    permits.check_edit(instance.id, keys)


def _completion_seqs(instance: Instance, element_id: str) -> tuple[int | None, int | None, int | None]:
    """The seq of the plan's completion, of the draw's and of the latest completion of ``element_id``."""
    completions = db.session.scalars(select(Event).where(Event.stream == instance_stream(instance.id),
                                                         Event.type == "task_completed").order_by(Event.seq))
    plan_seq = draw_seq = target_seq = None
    for ev in completions:
        submitted = (ev.data or {}).get("submitted") or {}
        if plan_seq is None and "lottery_commitment" in submitted:
            plan_seq = ev.seq
        if draw_seq is None and "lottery_reveal" in submitted:
            draw_seq = ev.seq
        if ev.element_id == element_id:
            target_seq = ev.seq
    return plan_seq, draw_seq, target_seq


def check_rewind(instance: Instance, element_id: str) -> None:
    """A fixed plan stays and a completed draw is final: no rewind to the plan or the draw task, or to a task
    completed before them.

    Raises:
        RuleViolation("lottery_draw_final"), RuleViolation("lottery_plan_fixed").
    """
    if lottery_plans.latest(instance.id) is None:
        return
    plan_seq, draw_seq, target_seq = _completion_seqs(instance, element_id)
    if target_seq is None:
        return
    if draw_seq is not None and target_seq <= draw_seq:
        raise RuleViolation(lottery_plans.FINAL_RULE, f"case {instance.id} has drawn: a draw is final, so "
                                                      f"{element_id} (completed before or at the draw) cannot be "
                                                      "rewound; a new inspection is a new case and the old plan "
                                                      "stays public")
    if plan_seq is not None and target_seq <= plan_seq:
        raise RuleViolation(PLAN_RULE, f"case {instance.id} fixed and published its lottery plan: {element_id} "
                                       "(completed before or at the plan) cannot be rewound; a new plan is a new "
                                       "case (the head abandons this plan, which stays public)")


@event.listens_for(Instance.data, "set")
def _on_data_set(target: Instance, value: Any, oldvalue: Any, initiator: Any) -> None:  # noqa: ARG001
    if target.id is None or not isinstance(value, dict):
        return
    properties = _registry_properties(target)
    if properties:
        with db.session.no_autoflush:
            check_data(target.id, value, properties)
