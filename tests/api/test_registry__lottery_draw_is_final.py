"""A draw nobody can preview (docs/DOMAIN.md §5, issue 7 item 10): the head or the admin must not see a plan's draw
without it being recorded and public, nor re-plan after seeing it. A refused draw discloses nothing (rule
``lottery_draw`` names only the keys that differ); a reveal is final even when the completion is refused (it is
committed on its own and a retry draws the same); the pool and the recusals cannot be edited once a plan is
fixed (``lottery_plan_fixed``); no rewind to or before a fixed plan and no second plan in a case (a new plan is a
new case, the old plan stays public as abandoned)."""
from __future__ import annotations

from tests.api.test_process__random_inspection import DRAW, POOL, TARGETS, lists, plan, public_plans
from tests.api.test_registry__lottery_cannot_be_steered import OFFICERS_LINE, _planned, _variant
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open


def _patch(http, iid: int, changes: dict) -> dict:
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin", json={"changes": changes, "reason": "更正"})
    return resp.status_code, resp.get_json()


def _rewind(http, iid: int, element_id: str) -> tuple[int, dict]:
    resp = http.call("POST", f"/api/v1/instances/{iid}/rewind", "admin",
                     json={"element_id": element_id, "reason": "重新计划"})
    return resp.status_code, resp.get_json()


def _draw(http, iid: int) -> tuple[int, dict]:
    task = http.open_task(iid, "task_lottery_draw")
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "head1", json={"data": DRAW})
    return resp.status_code, resp.get_json()


def test_recusals_and_officers_cannot_be_edited_once_a_plan_is_fixed__lottery_plan_fixed(http):
    iid = _planned(http)
    before = _data(http, iid)
    for changes in ({"recused_officers": list(POOL)}, {"officers": ["officer1", "officer2"]}):
        status, body = _patch(http, iid, changes)
        assert status == 403 and body["errors"]["rule"] == "lottery_plan_fixed", body
        assert next(iter(changes)) in body["message"]
    assert _data(http, iid) == before
    assert [p["reveal"] for p in public_plans(http, iid)] == [None]  # nothing drawn, nothing seen


def test_a_refused_draw_discloses_nothing_and_its_reveal_is_final__lottery_draw(http):
    pid = "random_inspection_team_of_all"
    _variant(http, pid, (OFFICERS_LINE, "officers = list(inspector_logins.values())"))
    iid = _planned(http, pid)
    status, body = _draw(http, iid)
    assert status == 403 and body["errors"]["rule"] == "lottery_draw", body
    assert "officers" in body["message"]
    (public,) = public_plans(http, iid)
    # the reveal attempt is final: recorded and public although the completion was refused ...
    assert public["reveal"] is not None and public["status"] == "drawn"
    # ... and the refusal itself names only the keys that differ, never the seed or a drawn name
    assert public["seed"] not in body["message"] and public["reveal"] not in body["message"]
    assert not any(name in body["message"] for name in [*TARGETS, *POOL])
    assert _open(http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()) == ["task_lottery_draw"]
    again_status, again = _draw(http, iid)  # a retry draws the same (nothing new revealed)
    assert again_status == 403 and again["message"] == body["message"]
    assert public_plans(http, iid) == [public]
    for element_id in ("task_lottery_plan",):
        status, refused = _rewind(http, iid, element_id)
        assert status == 403 and refused["errors"]["rule"] in ("lottery_draw_final", "lottery_plan_fixed"), refused


def test_no_rewind_to_a_fixed_plan_and_no_second_plan_in_the_case__lottery_plan_fixed(http):
    iid = _planned(http)
    (fixed,) = public_plans(http, iid)
    status, refused = _rewind(http, iid, "task_lottery_plan")
    assert status == 403 and refused["errors"]["rule"] == "lottery_plan_fixed", refused
    assert _open(http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()) == ["task_lottery_draw"]
    assert public_plans(http, iid) == [fixed] and fixed["reveal"] is None and fixed["status"] == "open"


def test_a_deployed_diagram_looping_back_to_the_plan_cannot_plan_again__lottery_plan_fixed(http):
    pid = "random_inspection_plan_twice"
    _variant(http, pid, ('sourceRef="gw_plan_ok" targetRef="task_lottery_draw"',
                         'sourceRef="gw_plan_ok" targetRef="task_lottery_plan"'))
    item, _ = lists(http)
    iid = http.start(pid)["id"]
    assert _open(http.complete(iid, "task_lottery_plan", plan(item, 2), "officer1")) == ["task_lottery_plan"]
    refused = http.complete(iid, "task_lottery_plan", plan(item, 3), "officer1", expect=403)
    assert refused["errors"]["rule"] == "lottery_plan_fixed"
    assert [p["plan"]["target_count"] for p in public_plans(http, iid)] == [2]


def test_the_planner_cannot_preview_the_draw_and_plan_again__lottery_draw_final(http):
    """The red team's path: recuse the whole pool before the draw so that the draw is refused, read the draw from
    the refusal, undo, rewind to the plan and plan again. Each step is refused or discloses nothing new."""
    iid = _planned(http)
    status, body = _patch(http, iid, {"recused_officers": list(POOL)})
    assert status == 403 and body["errors"]["rule"] == "lottery_plan_fixed"
    status, refused = _rewind(http, iid, "task_lottery_plan")
    assert status == 403
    http.complete(iid, "task_lottery_draw", DRAW, "head1")
    (drawn,) = public_plans(http, iid)
    assert _data(http, iid)["drawn_targets"] == drawn["drawn_targets"]
    for element_id in ("task_lottery_plan", "task_lottery_draw"):
        status, refused = _rewind(http, iid, element_id)
        assert status == 403 and refused["errors"]["rule"] in ("lottery_draw_final", "lottery_plan_fixed")
    assert public_plans(http, iid) == [drawn]
