"""random_inspection (双随机、一公开) walked on the engine: the plan comes fixed from the registry with its digest and
commitment (what the service adds, see api/registry/inject.py), the draw derives the seed from the revealed server
random value (engine.lottery.derive_seed) so anyone can re-draw it, the drawn inspectors inspect, results are
published."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from engine import clock, lottery, runtime
from engine.calendar import WorkingCalendar
from engine.errors import ScriptError
from engine.scripting import make_script_engine

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # a Friday, 10:00 in Beijing
TODAY = "2026-11-20"
TARGETS = sorted(["城关清真寺", "大曹庄天主堂", "东汪福音堂", "凤凰寺", "贾家口观音庵", "苏家庄清真寺"])
INSPECTORS = ["officer1", "officer2", "officer3"]  # more than the team of two
REVEAL = "5f0c6d0e4e1b7a3c9d2f8a6b4c1e0d9f7a5b3c2d1e0f9a8b7c6d5e4f3a2b1c0d"
FORM = {"inspection_item": "insp-venue-finance", "target_count": 3, "inspector_directory": INSPECTORS}
DUTIES = {"duty_certificates_shown": True, "duty_document_issued": "《现场检查笔录》", "duty_informed_reasons": True,
          "duty_informed_basis": True, "duty_informed_rights": True, "duty_informed_remedies": True}
RESULTS = {**DUTIES, "inspection_results": "抽中场所均已建立财务账册并按月公开。", "problems_found": False}


def fixed(form: dict, targets: list[str] = TARGETS) -> dict:
    """The plan task's data as the service records it: the form plus the registry's plan, digest and commitment."""
    logins = {f"HB-T-{login}": login for login in form["inspector_directory"]}  # pool members by certificate number
    names = {number: f"执法人员{login[-1]}" for number, login in logins.items()}
    plan = {"instance_id": 1, "inspection_item": form["inspection_item"], "target_list": targets,
            "target_count": form["target_count"], "inspector_pool": sorted(logins), "inspector_names": names}
    return {**form, "inspection_item_name": "宗教活动场所财务管理情况检查", "target_list": targets,
            "inspector_pool": plan["inspector_pool"], "inspector_names": names, "inspector_logins": logins,
            "lottery_plan": plan, "plan_digest": lottery.plan_digest(plan),
            "lottery_commitment": lottery.commitment(REVEAL)}


def revealed(plan_data: dict, reveal: str = REVEAL) -> dict:
    return {"draw_witnesses": "监督员", "draw_confirmed": True, "lottery_plan": plan_data["lottery_plan"],
            "plan_digest": plan_data["plan_digest"], "lottery_commitment": plan_data["lottery_commitment"],
            "lottery_reveal": reveal}


@pytest.fixture(scope="module")
def inspection_bundle(bundle_for):
    return bundle_for("random_inspection")


def _step(bundle, workflow, element_id: str, data: dict) -> list:
    (task,) = runtime.ready_tasks(bundle, workflow)
    assert task.meta.element_id == element_id
    return runtime.complete(workflow, task.id, data)


def test_the_seed_comes_from_the_revealed_value_and_anyone_can_redraw(inspection_bundle):
    with clock.fixed(AT):
        workflow, _ = runtime.start(inspection_bundle, {}, make_script_engine())
        plan_data = fixed(FORM)
        _step(inspection_bundle, workflow, "task_lottery_plan", plan_data)
        (draw,) = runtime.ready_tasks(inspection_bundle, workflow)
        assert draw.meta.element_id == "task_lottery_draw" and draw.role == "head"
        _step(inspection_bundle, workflow, "task_lottery_draw", revealed(plan_data))
        (inspection,) = runtime.ready_tasks(inspection_bundle, workflow)
    data = inspection.data
    again = lottery.redraw(plan_data["lottery_plan"], plan_data["lottery_commitment"], REVEAL)
    assert data["lottery_seed"] == again["seed"] == lottery.derive_seed(data["plan_digest"], data["lottery_commitment"],
                                                                        REVEAL)
    assert data["drawn_targets"] == again["targets"] and len(set(data["drawn_targets"])) == 3
    assert data["drawn_inspectors"] == again["inspectors"] and all(n.startswith("HB-T-") for n in again["inspectors"])
    assert data["officers"] == [plan_data["inspector_logins"][n] for n in again["inspectors"]]
    assert data["drawn_inspectors_text"] == "、".join(f"执法人员{data['inspector_logins'][n][-1]}（执法证号 {n}）"
                                                      for n in again["inspectors"])
    assert data["draw_date"] == TODAY
    assert data["results_due"] == WorkingCalendar().add_working_days(date.fromisoformat(TODAY), 20).isoformat()
    other = lottery.redraw(plan_data["lottery_plan"], lottery.commitment("another value"), "another value")
    assert other["seed"] != again["seed"]


def test_a_reveal_that_does_not_match_the_commitment_stops_the_draw(inspection_bundle):
    workflow, _ = runtime.start(inspection_bundle, {}, make_script_engine())
    plan_data = fixed(FORM)
    _step(inspection_bundle, workflow, "task_lottery_plan", plan_data)
    with pytest.raises(ScriptError) as err:
        _step(inspection_bundle, workflow, "task_lottery_draw", revealed(plan_data, reveal="chosen by the planner"))
    assert err.value.element_id == "task_draw" and "commitment" in err.value.message


@pytest.mark.parametrize(("change", "targets", "message"), [
    ({"target_count": 7}, TARGETS, "抽取数量"),
    ({}, [], "检查对象名录中没有"),
    ({"inspector_directory": ["officer1", "officer2"]}, TARGETS, "至少三名"),
])
def test_an_unsound_plan_is_sent_back_before_any_draw(inspection_bundle, change, targets, message):
    workflow, _ = runtime.start(inspection_bundle, {}, make_script_engine())
    records = _step(inspection_bundle, workflow, "task_lottery_plan", fixed({**FORM, **change}, targets))
    assert not [r for r in records if r.element_id in ("task_lottery_draw", "task_draw")]
    (again,) = runtime.ready_tasks(inspection_bundle, workflow)
    assert again.meta.element_id == "task_lottery_plan" and message in again.data["lottery_error"]


def test_the_results_are_published_with_where_to_verify_the_draw(inspection_bundle):
    plan_data = fixed(FORM)
    answers = {"task_lottery_plan": [FORM], "task_lottery_draw": [{"draw_witnesses": "监督员", "draw_confirmed": True}],
               "task_inspection": [RESULTS], "task_review_results": [{"publish_choice": "release"}]}
    server = {"task_lottery_plan": plan_data, "task_lottery_draw": revealed(plan_data)}
    with clock.fixed(AT):
        workflow, _ = runtime.start(inspection_bundle, {}, make_script_engine())
        for element_id, (answer,) in answers.items():
            (task,) = runtime.ready_tasks(inspection_bundle, workflow)
            assert task.meta.element_id == element_id
            extra = {"masked_text": task.data.get("masked_text")} if element_id == "task_review_results" else {}
            runtime.complete(workflow, task.id, {**answer, **server.get(element_id, {}), **extra})
    assert workflow.is_completed()
    (end,) = [t for t in workflow.get_tasks() if t.task_spec.name == "end_inspection"]
    text = end.data["masked_text"]
    assert "lottery-plans?instance_id=1" in text and "宗教活动场所财务管理情况检查" in text
    assert f"抽中的检查对象：{'、'.join(end.data['drawn_targets'])}" in text and end.data["published"] is True


def test_lottery_primitives():
    plan = {"target_list": ["甲", "乙", "丙"], "target_count": 2, "inspector_pool": ["a", "b", "c"]}
    assert lottery.canonical({"b": 1, "a": "甲"}) == '{"a":"甲","b":1}'
    committed = lottery.commitment("r")
    drawn = lottery.redraw(plan, committed, "r")
    assert drawn["targets"] == lottery.draw(drawn["seed"], plan["target_list"], 2)
    assert len(drawn["inspectors"]) == 2
    with pytest.raises(ValueError):
        lottery.derive_seed(lottery.plan_digest(plan), committed, "not r")
    with pytest.raises(ValueError):
        lottery.draw("", ["a"], 1)
