"""The 双随机 lottery cannot be steered (docs/DOMAIN.md §5, issue 7 item 10) by what a user can change after the
plan is fixed: an admin data edit, a rewind to a fresh draw, a deployed diagram that draws with its own seed or list,
a deployed plan form with its own options, a directory with a name listed twice, or a pool no larger than the team.
The draw is the committed plan's (rule ``lottery_draw``), the plan is fixed (``lottery_plan_fixed``), a draw is
final (``lottery_draw_final``)."""
from __future__ import annotations

import json
from pathlib import Path

from tests.api.helpers import upload
from tests.api.test_process__random_inspection import (
    DRAW,
    POOL,
    POOL_CERTIFICATES,
    TARGETS,
    _inspect,
    lists,
    logins,
    plan,
    public_plans,
)
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = (ROOT / "processes" / "random_inspection.bpmn").read_text()
PLAN_FORM = json.loads((ROOT / "forms" / "lottery_plan.form").read_text())
SEED_LINE = "lottery_seed = derive_lottery_seed(plan_digest, lottery_commitment, lottery_reveal)"


#: the shipped draw's team: the login names of the drawn certificate numbers
OFFICERS_LINE = 'officers = [(var("inspector_logins") or {}).get(n, n) for n in drawn_inspectors]'


def _variant(http, pid: str, *replacements: tuple[str, str], form: dict | None = None) -> None:
    """Deploy random_inspection as ``pid`` with the given text replacements (and a plan form of its own)."""
    bpmn = SHIPPED.replace('id="random_inspection"', f'id="{pid}"').replace('processRef="random_inspection"',
                                                                            f'processRef="{pid}"')
    for old, new in replacements:
        assert old in bpmn
        bpmn = bpmn.replace(old, new)
    files = {f"{pid}.bpmn": bpmn.encode()}
    if form is not None:
        files[f"{form['id']}.form"] = json.dumps(form, ensure_ascii=False).encode()
    resp = upload(http, "/api/v1/definitions", files)
    assert resp.status_code == 201, resp.get_json()


def _planned(http, process: str = "random_inspection") -> int:
    item, _ = lists(http)
    iid = http.start(process)["id"]
    assert _open(http.complete(iid, "task_lottery_plan", plan(item, 2), "officer1")) == ["task_lottery_draw"]
    return iid


def _patch(http, iid: int, changes: dict) -> dict:
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin", json={"changes": changes, "reason": "更正"})
    assert resp.status_code == 403, resp.get_json()
    return resp.get_json()


def _rewind(http, iid: int, element_id: str, expect: int) -> dict:
    resp = http.call("POST", f"/api/v1/instances/{iid}/rewind", "admin", json={"element_id": element_id,
                                                                               "reason": "重新抽取"})
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()


def test_an_admin_edit_of_the_fixed_plan_or_of_the_draw_is_refused__lottery_plan_fixed(http):
    iid = _planned(http)
    before = _data(http, iid)
    for changes in ({"target_list": sorted(TARGETS)[:2]}, {"inspector_pool": ["officer1", "officer2"]},
                    {"lottery_commitment": "0" * 64}, {"lottery_seed": "我选的种子"}):
        assert _patch(http, iid, changes)["errors"]["rule"] == "lottery_plan_fixed"
    assert _data(http, iid) == before
    http.complete(iid, "task_lottery_draw", DRAW, "head1")
    data = _data(http, iid)
    (public,) = [p for p in public_plans(http, iid) if p["reveal"]]
    assert data["drawn_targets"] == public["drawn_targets"] and data["drawn_inspectors"] == public["drawn_inspectors"]
    others = [t for t in TARGETS if t not in data["drawn_targets"]][:2]
    outsider = next(o for o in POOL if o not in logins(data))
    other_number = next(n for n in POOL_CERTIFICATES if n not in data["drawn_inspectors"])
    for changes in ({"drawn_targets": others}, {"officers": [outsider, logins(data)[0]]},
                    {"drawn_inspectors": [other_number, data["drawn_inspectors"][0]]},
                    {"inspector_logins": {n: "officer1" for n in POOL_CERTIFICATES}}):
        refused = _patch(http, iid, changes)
        assert refused["errors"]["rule"] == "lottery_plan_fixed" and next(iter(changes)) in refused["message"]
    assert _data(http, iid) == data


def test_a_draw_is_final_no_rewind_to_or_before_it__lottery_draw_final(http):
    iid = _planned(http)
    http.complete(iid, "task_lottery_draw", DRAW, "head1")
    drawn = _data(http, iid)
    for element_id in ("task_lottery_plan", "task_lottery_draw"):
        assert _rewind(http, iid, element_id, 403)["errors"]["rule"] == "lottery_draw_final"
    assert _open(http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()) == ["task_inspection"]
    assert [p["reveal"] is not None for p in public_plans(http, iid)] == [True]  # one plan, drawn once
    _inspect(http, iid, {"inspection_results": "均未发现问题。", "problems_found": False})
    _rewind(http, iid, "task_inspection", 200)  # a step after the draw can be corrected; the draw stays
    assert {k: _data(http, iid)[k] for k in ("drawn_targets", "drawn_inspectors", "officers")} == {
        k: drawn[k] for k in ("drawn_targets", "drawn_inspectors", "officers")}


def test_a_deployed_diagram_drawing_with_its_own_seed_or_team_is_refused__lottery_draw(http):
    variants = {
        "random_inspection_own_seed": (SEED_LINE, 'lottery_seed = "chosen-by-the-planner"'),
        "random_inspection_own_list": (SEED_LINE, SEED_LINE + "\ntarget_list = sorted(target_list)[:target_count]"),
        "random_inspection_own_team": (OFFICERS_LINE, "officers = list(inspector_logins.values())"),
    }
    for pid, replacement in variants.items():
        _variant(http, pid, replacement)
        iid = _planned(http, pid)
        task = http.open_task(iid, "task_lottery_draw")
        resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "head1", json={"data": DRAW})
        assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "lottery_draw", (pid, resp.get_json())
        assert http.open_task(iid, "task_lottery_draw")["id"] == task["id"]  # the case did not move on ...
        (public,) = public_plans(http, iid)  # ... but the reveal is final and public, and the refusal leaks nothing
        assert public["status"] == "drawn" and public["seed"] not in resp.get_json()["message"]


def test_a_deployed_diagram_cannot_plan_again_after_the_draw__lottery_draw_final(http):
    pid = "random_inspection_replan"
    _variant(http, pid, ('sourceRef="task_draw" targetRef="task_inspection"',
                         'sourceRef="task_draw" targetRef="task_lottery_plan"'))
    item, _ = lists(http)
    iid = http.start(pid)["id"]
    http.complete(iid, "task_lottery_plan", plan(item, 2), "officer1")
    assert _open(http.complete(iid, "task_lottery_draw", DRAW, "head1")) == ["task_lottery_plan"]
    refused = http.complete(iid, "task_lottery_plan", plan(item, 2), "officer1", expect=403)
    assert refused["errors"]["rule"] == "lottery_draw_final"
    assert len(public_plans(http, iid)) == 1


def test_a_directory_listing_a_name_twice_is_refused_at_plan_time__lottery_directory(http):
    item, category = lists(http)
    twin = {"code": f"{category}-twin", "name": TARGETS[0], "category": category}
    assert http.call("POST", "/api/v1/inspection-targets", "owner1", json=twin).status_code == 201
    iid = http.start("random_inspection")["id"]
    refused = http.complete(iid, "task_lottery_plan", plan(item, 2), "officer1", expect=422)
    message = refused["errors"]["inspection_item"][0]
    assert TARGETS[0] in message and f"{category}-0" in message and f"{category}-twin" in message
    assert public_plans(http, iid) == [] and _open(http.call("GET", f"/api/v1/instances/{iid}", "auditor1")
                                                   .get_json()) == ["task_lottery_plan"]
    renamed = {**twin, "name": f"{TARGETS[0]}（分堂）"}  # the process owner fixes the directory; the plan goes on
    assert http.call("POST", "/api/v1/inspection-targets", "owner1", json=renamed).status_code == 201
    assert _open(http.complete(iid, "task_lottery_plan", plan(item, 2), "officer1")) == ["task_lottery_draw"]
    http.complete(iid, "task_lottery_draw", DRAW, "head1")
    assert len(_data(http, iid)["drawn_targets"]) == 2


def test_a_deployed_plan_form_cannot_put_non_officers_in_the_pool__APL_42(http):
    pid, key = "random_inspection_own_pool", "lottery_plan_own_pool"
    form = json.loads(json.dumps(PLAN_FORM))
    form["id"] = key
    outsiders = ["head1", "reviewer1", "nobody"]
    for comp in form["components"]:
        if comp.get("key") == "inspector_directory":
            comp.pop("valuesKey")
            comp["values"] = [{"label": n, "value": n} for n in ["officer1", "officer2", *outsiders]]
    _variant(http, pid, ('name="formKey" value="lottery_plan"', f'name="formKey" value="{key}"'), form=form)
    item, _ = lists(http)
    iid = http.start(pid)["id"]
    refused = http.complete(iid, "task_lottery_plan", {**plan(item, 2), "inspector_directory":
                                                       ["officer1", "officer2", *outsiders]}, "officer1", expect=422)
    message = refused["errors"]["inspector_directory"][0]
    assert all(name in message for name in outsiders) and "officer1" not in message
    assert public_plans(http, iid) == []


def test_the_pool_is_larger_than_the_team_so_the_draw_chooses__lottery_pool(http):
    item, _ = lists(http)
    iid = http.start("random_inspection")["id"]
    for team in (["officer1", "officer2"], ["officer1", "officer1", "officer2"]):
        refused = http.complete(iid, "task_lottery_plan", {**plan(item, 2), "inspector_directory": team},
                                "officer1", expect=422)
        assert "at least 3" in refused["errors"]["inspector_directory"][0]
    assert public_plans(http, iid) == []
    assert _open(http.complete(iid, "task_lottery_plan", plan(item, 2), "officer1")) == ["task_lottery_draw"]
