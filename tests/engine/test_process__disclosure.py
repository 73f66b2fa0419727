"""disclosure: information about a minor is never published (政府信息公开条例第15条); the age comes from the
birth date in the party's ID number, on the engine's today."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from engine import clock, runtime
from engine.scripting import make_script_engine

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(born: date, region: str = "130528", sequence: str = "123") -> str:
    """An 18-character resident ID number (GB 11643, with its check character) for a birth date."""
    body = f"{region}{born:%Y%m%d}{sequence}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def test_id_number_helper_matches_a_known_number():
    assert id_number(date(1949, 12, 31), "110105", "002") == "11010519491231002X"  # the example in GB 11643


def test_a_case_against_a_minor_ends_in_the_withheld_disclosure(case_bundle, run_case, answers):
    born = years_before(clock.today(), 17)  # 17 this year: under 18 on any day of the run
    data = answers(major=False)
    register = {**data["task_register"][0], "party_name": "李小明", "party_id_number": id_number(born)}
    data["task_register"] = [register]
    run = run_case(case_bundle, data)

    assert run.workflow.is_completed()
    assert run.steps == [
        ("enforcement_case", "task_register"),
        ("enforcement_case", "task_recusal"),
        ("recording", "task_record_start"),
        ("recording", "task_investigation"),
        ("enforcement_case", "task_proposal"),
        ("enforcement_case", "task_head_decision"),
        ("enforcement_case", "task_service"),
        ("enforcement_case", "task_archive"),  # no review of a masked text: nothing is composed
    ]
    disclosure = [(r.type, r.element_id) for r in run.records if r.process_id == "disclosure"]
    assert disclosure == [("start", "start_disclosure"), ("script", "task_disclosure_check"),
                          ("gateway", "gw_party_minor"), ("script", "task_withhold_minor"),
                          ("end", "end_disclosure_minor")]
    (withhold,) = [r for r in run.records if r.element_id == "task_withhold_minor"]
    assert withhold.detail["outputs"] == {"disclosure_withheld": "minor"}
    # no publish script ran (the service publishes on kind=publish steps)
    assert not [r for r in run.records if r.element_id == "task_publish" or r.properties.get("kind") == "publish"]

    (end,) = [t for t in run.workflow.get_tasks() if t.task_spec.name == "end_case"]
    assert end.data["party_is_minor"] is True
    assert end.data["disclosure_withheld"] == "minor"
    assert not {"published", "disclosure_text", "masked_text"} & set(end.data)


AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 2026-11-20, 10:00 in Beijing
DECISION = {"case_title": "某宗教活动场所未经批准举办大型宗教活动案", "party_type": "person", "party_name": "王某",
            "act_type": "penalty", "decision": "approve", "decision_text": "决定给予警告。",
            "decision_number": "宁民宗罚〔2026〕9号", "legal_basis": "《宗教事务条例》第七十一条", "decision_date": None}


@pytest.mark.parametrize(("born", "minor"), [
    (date(2008, 11, 21), True),  # turns 18 tomorrow
    (date(2008, 11, 20), False),  # turns 18 today
    (date(1980, 1, 1), False),
])
def test_the_age_is_taken_on_the_engines_today(bundle_for, born, minor):
    bundle = bundle_for("disclosure")
    with clock.fixed(AT):
        workflow, records = runtime.start(bundle, {**DECISION, "party_id_number": id_number(born)},
                                          make_script_engine())
    (gateway,) = [r for r in records if r.element_id == "gw_party_minor"]
    assert gateway.detail["taken"] == (["task_withhold_minor"] if minor else ["task_compose"])
    if minor:
        assert workflow.is_completed()
        assert workflow.last_task.data["disclosure_withheld"] == "minor"
    else:
        (review,) = runtime.ready_tasks(bundle, workflow)
        assert review.meta.element_id == "task_review_masked"
        assert "disclosure_withheld" not in review.data
