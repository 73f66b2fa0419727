"""One open 双随机 plan per inspection item (docs/DOMAIN.md §5, issue 7 item 10): a planner who fixes two plans for
one item in two cases and draws both keeps the result he prefers. A plan is open from fixing until it is drawn or
the head abandons it (with a reason, published); a second plan for an item with an open plan is refused (409 naming
the other case); an abandoned plan cannot be drawn (403 ``lottery_plan_abandoned``) and stays public as such."""
from __future__ import annotations

from tests.api.test_process__random_inspection import DRAW, lists, plan, public_plans
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open


def _abandon(http, plan_id: int, user: str = "head1", reason: str | None = "抽查对象名录需更新，本计划不再抽取。"):
    body = {} if reason is None else {"reason": reason}
    return http.call("POST", f"/api/v1/lottery-plans/{plan_id}/abandon", user, json=body)


def test_two_cases_cannot_hold_open_plans_for_one_item__lottery_one_open_plan(http):
    item, _ = lists(http)
    first, second = http.start("random_inspection")["id"], http.start("random_inspection")["id"]
    assert _open(http.complete(first, "task_lottery_plan", plan(item, 2), "officer1")) == ["task_lottery_draw"]
    refused = http.complete(second, "task_lottery_plan", plan(item, 2), "officer1", expect=409)
    assert str(first) in refused["message"] and item in refused["message"]
    assert public_plans(http, second) == []
    http.complete(first, "task_lottery_draw", DRAW, "head1")  # drawn: the plan is no longer open
    assert _open(http.complete(second, "task_lottery_plan", plan(item, 2), "officer1")) == ["task_lottery_draw"]
    (drawn,) = public_plans(http, first)
    assert drawn["status"] == "drawn"


def test_the_head_abandons_an_open_plan_publicly_and_it_cannot_be_drawn__lottery_plan_abandoned(http):
    item, _ = lists(http)
    first, second = http.start("random_inspection")["id"], http.start("random_inspection")["id"]
    http.complete(first, "task_lottery_plan", plan(item, 2), "officer1")
    (fixed,) = public_plans(http, first)
    assert fixed["status"] == "open"
    assert _abandon(http, fixed["id"], user="officer1").status_code == 403  # not the planner's choice
    no_reason = _abandon(http, fixed["id"], reason=None)
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    resp = _abandon(http, fixed["id"])
    assert resp.status_code == 200, resp.get_json()
    (abandoned,) = public_plans(http, first)
    assert abandoned["status"] == "abandoned" and abandoned["abandon_reason"] == "抽查对象名录需更新，本计划不再抽取。"
    assert abandoned["reveal"] is None and abandoned["seed"] is None  # abandoned unseen: nothing revealed
    refused = http.complete(first, "task_lottery_draw", DRAW, "head1", expect=403)
    assert refused["errors"]["rule"] == "lottery_plan_abandoned"
    assert "lottery_reveal" not in _data(http, first) and public_plans(http, first) == [abandoned]
    assert _abandon(http, fixed["id"]).status_code == 409  # once
    # the item is free again: the new plan is a new case
    assert _open(http.complete(second, "task_lottery_plan", plan(item, 2), "officer1")) == ["task_lottery_draw"]
    http.complete(second, "task_lottery_draw", DRAW, "head1")
    (drawn,) = public_plans(http, second)
    assert _abandon(http, drawn["id"]).status_code == 403  # a draw is final: a drawn plan is not abandoned
