"""random_inspection (双随机、一公开) walked on the engine: the plan is checked, the draw is engine.lottery.draw
of the published seed (so anyone can re-draw it), the drawn inspectors inspect, the results are published."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from engine import clock, lottery, runtime
from engine.calendar import WorkingCalendar
from engine.scripting import make_script_engine

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # a Friday, 10:00 in Beijing
TODAY = "2026-11-20"
TARGETS = ["城关清真寺", "大曹庄天主堂", "东汪福音堂", "凤凰寺", "贾家口观音庵", "苏家庄清真寺"]
SEED = "2026-11-20 宁晋县民族宗教事务局 公开摇号"
INSPECTORS = ["officer1", "officer2"]
PLAN = {"inspection_item": "宗教活动场所财务管理情况检查", "target_directory": "\n".join(TARGETS) + "\n\n",
        "target_count": 3, "inspector_directory": INSPECTORS, "lottery_seed": SEED}
RESULTS = {"inspection_results": "抽中场所均已建立财务账册并按月公开。", "problems_found": False}
# an unticked checkbox is submitted as false (the results review has no script that defaults it)
PUBLISH = {"publish_approved": True, "publish_withheld": False, "publish_review_note": "已核对。"}


def working_days(start: str, n: int) -> str:
    return WorkingCalendar().add_working_days(date.fromisoformat(start), n).isoformat()


@pytest.fixture(scope="module")
def inspection_bundle(bundle_for):
    return bundle_for("random_inspection")


def inspection_answers(plans: list[dict]) -> dict[str, list[dict]]:
    return {"task_lottery_plan": plans, "task_inspection": [RESULTS], "task_review_results": [PUBLISH]}


def end_data(run) -> dict:
    (end,) = [t for t in run.workflow.get_tasks() if t.task_spec.name == "end_inspection"]
    return dict(end.data)


def test_the_draw_is_the_published_lottery_and_the_results_are_published(inspection_bundle, run_case):
    too_many = {**PLAN, "target_count": len(TARGETS) + 1}
    with clock.fixed(AT):
        run = run_case(inspection_bundle, inspection_answers([too_many, PLAN]))
    assert run.workflow.is_completed()
    assert run.steps == [
        ("random_inspection", "task_lottery_plan"),
        ("random_inspection", "task_lottery_plan"),  # sent back: more targets than the directory holds
        ("random_inspection", "task_inspection"),
        ("random_inspection", "task_review_results"),
    ]
    checks = [r for r in run.records if r.element_id == "task_check_plan"]
    assert "抽取数量" in checks[0].detail["outputs"]["lottery_error"]
    assert [r.detail["taken"] for r in run.records if r.element_id == "gw_plan_ok"] == [
        ["task_lottery_plan"], ["task_draw"]]

    data = end_data(run)
    assert data["target_list"] == TARGETS  # blank lines of the directory are ignored
    expected = lottery.draw(SEED, TARGETS, 3)
    assert data["drawn_targets"] == expected
    assert lottery.draw(SEED, TARGETS, 3) == expected  # re-drawing gives the same list
    assert lottery.draw(SEED, list(reversed(TARGETS)), 3) == expected  # whatever the directory's order
    assert len(expected) == len(set(expected)) == 3 and set(expected) <= set(TARGETS)
    assert data["drawn_inspectors"] == lottery.draw(SEED + ":inspectors", INSPECTORS, 2)
    assert data["officers"] == data["drawn_inspectors"]
    assert data["act_type"] == "inspection"
    assert data["draw_date"] == TODAY and data["results_due"] == working_days(TODAY, 20)
    assert data["disclosure_due"] == working_days(TODAY, 20)

    # the published text carries what a re-draw needs: the seed, the directory and the result
    assert SEED in data["masked_text"]
    assert all(name in data["masked_text"] for name in TARGETS)
    assert f"抽中的检查对象：{'、'.join(expected)}" in data["masked_text"]
    assert data["published"] is True
    (publish,) = [r for r in run.records if r.element_id == "task_publish_results"]
    assert publish.properties.get("kind") == "publish"


def test_the_same_plan_draws_the_same_targets_in_another_instance(inspection_bundle):
    drawn = []
    for _ in range(2):
        workflow, _ = runtime.start(inspection_bundle, {}, make_script_engine())
        (plan,) = runtime.ready_tasks(inspection_bundle, workflow)
        runtime.complete(workflow, plan.id, dict(PLAN))
        (inspection,) = runtime.ready_tasks(inspection_bundle, workflow)
        assert inspection.meta.element_id == "task_inspection"
        drawn.append(inspection.data["drawn_targets"])
    assert drawn[0] == drawn[1] == lottery.draw(SEED, TARGETS, 3)
    other_seed = [lottery.draw(f"{SEED} #{n}", TARGETS, 3) for n in range(5)]
    assert any(d != drawn[0] for d in other_seed)  # the seed, not the directory order, decides


@pytest.mark.parametrize(("change", "message"), [
    ({"target_directory": "凤凰寺\n凤凰寺\n城关清真寺"}, "重复"),
    ({"inspector_directory": ["officer1"]}, "两名"),
    ({"lottery_seed": "   "}, "随机种子"),
])
def test_an_unsound_plan_is_sent_back_before_any_draw(inspection_bundle, change, message):
    workflow, _ = runtime.start(inspection_bundle, {}, make_script_engine())
    (plan,) = runtime.ready_tasks(inspection_bundle, workflow)
    records = runtime.complete(workflow, plan.id, {**PLAN, **change})
    assert not [r for r in records if r.element_id == "task_draw"]
    (again,) = runtime.ready_tasks(inspection_bundle, workflow)
    assert again.meta.element_id == "task_lottery_plan"
    assert message in again.data["lottery_error"]
    assert "drawn_targets" not in again.data
