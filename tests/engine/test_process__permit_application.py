"""permit_application walked on the engine (runtime.start/complete, no HTTP): the item's limit as the list of powers
gives it (the service adds it at application and acceptance: api/registry/inject.py) — 20 working days from acceptance
(ALL 42), 30 days for RRA 22, an RRA 21 item ends as a forwarded preliminary opinion — approving is not major, refusing a permit is major (catalogue row refuse_permit) and so goes through
legal_review before the decision, service within 10 working days (ALL 44), publication."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from engine import clock
from engine.calendar import WorkingCalendar

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # a Friday, 10:00 in Beijing
TODAY = "2026-11-20"

APPLY = {"party_type": "organisation", "party_name": "宁晋县某寺", "party_id_number": "52130528MJ0000001X",
         "applicant_contact": "0319-5812345", "permit_item": "venue_construction",
         "application_summary": "在寺内新建僧舍一栋。", "application_materials": "申请书、设计图纸、资金来源说明、民主评议意见",
         "officers": ["officer1", "officer2"]}
ACCEPT = {"acceptance": "accept", "acceptance_reason": "属于本机关职权，材料齐全。"}
REVIEW_APPROVE = {"review_findings": "材料真实、齐全。", "site_check_needed": False, "permit_decision": "approve",
                  "proposal_text": "拟准予许可。", "complex_case": False, "request_decision_extension": False}
SITE_DENY = {"site_check_date": TODAY, "site_check_place": "宁晋县某寺",
             "site_check_record": "现场核查笔录：拟建位置位于文物保护范围内，与申请材料不符。",
             "site_matches_application": False, "permit_decision": "deny"}
APPROVE = {"decision": "approve", "decision_text": "准予在寺内新建僧舍一栋。", "decision_number": "宁民宗许〔2026〕1号"}
DENY = {"decision": "deny", "decision_text": "拟建建筑位于文物保护范围内，决定不予许可；如不服，可依法申请行政复议或者提起行政诉讼。",
        "decision_number": "宁民宗许〔2026〕2号"}
SERVICE = {"service_method": "direct", "service_date": TODAY, "recipient": "宁晋县某寺"}
LEGAL_BASIS = "《宗教事务条例》第三十三条"  # venue_construction
#: what the service adds from the list of powers, fixed at registration (api/registry/permits.py item_values)
POWER = {"power_code": "permit-rra33", "power_version": 1, "power_name": "宗教活动场所内改建或者新建建筑物",
         "power_legal_basis": LEGAL_BASIS, "permit_outcome": "decision", "forward_to": None,
         "time_limit_days": 20, "time_limit_working_days": True, "outcome_label": None}
DAYS_30 = {**POWER, "power_code": "permit-rra22", "power_name": "宗教活动场所登记",
           "power_legal_basis": "《宗教事务条例》第二十二条", "time_limit_days": 30, "time_limit_working_days": False}
FORWARD = {**DAYS_30, "power_code": "permit-rra21", "power_name": "筹备设立宗教活动场所审核",
           "power_legal_basis": "《宗教事务条例》第二十一条", "permit_outcome": "forward",
           "forward_to": "设区的市级人民政府宗教事务部门",
           "outcome_label": "初审意见：本局出具初审意见后转报设区的市级人民政府宗教事务部门审批（非准予行政许可决定）"}


def working_days(start: str, n: int) -> str:
    return WorkingCalendar().add_working_days(date.fromisoformat(start), n).isoformat()


@pytest.fixture(scope="module")
def permit_bundle(bundle_for):
    return bundle_for("permit_application")


@pytest.fixture
def permit_answers(answers):
    case = answers(major=True, review_rounds=1)
    return {
        "task_permit_apply": [APPLY],
        "task_permit_accept": [ACCEPT],
        "task_permit_review": [REVIEW_APPROVE],
        "task_permit_decision": [APPROVE],
        "task_permit_service": [SERVICE],
        # legal_review: the permit's own legal basis goes to the reviewer
        "task_submit_review": [{**case["task_submit_review"][0], "legal_basis": LEGAL_BASIS,
                                "draft_decision": "不予行政许可决定书（草稿）。"}],
        "task_legal_review": case["task_legal_review"],
        "task_fix_resubmit": case["task_fix_resubmit"],
        "task_review_masked": case["task_review_masked"],
        "task_permit_archive": case["task_archive"],
    }


def walk(bundle, run_case, answers, power: dict | None = None):
    with clock.fixed(AT):
        run = run_case(bundle, answers, start_data=power or POWER)
    assert run.workflow.is_completed()
    return run


def end_data(run, end_id: str = "end_permit") -> dict:
    (end,) = [t for t in run.workflow.get_tasks() if t.task_spec.name == end_id]
    return dict(end.data)


def records_of(run, element_id: str):
    return [r for r in run.records if r.element_id == element_id]


def decisions(run) -> list[tuple[bool, str]]:
    return [(r.detail["outputs"]["is_major"], r.detail["outputs"]["major_rule"])
            for r in records_of(run, "task_permit_major_check")]


def test_approving_a_permit_is_not_major_and_is_published(permit_bundle, run_case, permit_answers):
    run = walk(permit_bundle, run_case, permit_answers)
    assert run.steps == [
        ("permit_application", "task_permit_apply"),
        ("permit_application", "task_permit_accept"),
        ("permit_application", "task_permit_review"),
        ("permit_application", "task_permit_decision"),
        ("permit_application", "task_permit_service"),
        ("disclosure", "task_review_masked"),
        ("permit_application", "task_permit_archive"),
    ]
    assert decisions(run) == [(False, "not_major")]
    assert not [r for r in run.records if r.process_id == "legal_review"]
    data = end_data(run)
    assert data["act_type"] == "permit" and data["legal_basis"] == LEGAL_BASIS
    assert data["case_title"] == "宁晋县某寺申请宗教活动场所内改建或者新建建筑物"
    assert data["apply_date"] == data["accept_date"] == data["decision_date"] == TODAY
    assert data["decision_due"] == working_days(TODAY, 20)  # ALL 42, not extended
    assert data["decision_extended"] is False
    assert data["service_due"] == working_days(TODAY, 10)  # ALL 44
    assert data["disclosure_due"] == working_days(TODAY, 7)  # permit decisions: 7 working days
    assert data["published"] is True
    assert "处理结果：准予行政许可" in data["masked_text"]
    (publish,) = records_of(run, "task_publish")
    assert publish.properties.get("kind") == "publish"


def test_proposing_a_refusal_is_major_and_goes_through_legal_review(permit_bundle, run_case, permit_answers):
    """The site check finds the application untrue: the proposal becomes a refusal, which is major."""
    permit_answers.update({
        "task_permit_review": [{**REVIEW_APPROVE, "site_check_needed": True}],
        "task_permit_site_check": [SITE_DENY],
        "task_permit_decision": [DENY],
    })
    run = walk(permit_bundle, run_case, permit_answers)
    assert run.steps == [
        ("permit_application", "task_permit_apply"),
        ("permit_application", "task_permit_accept"),
        ("permit_application", "task_permit_review"),
        ("permit_application", "task_permit_site_check"),
        ("legal_review", "task_submit_review"),
        ("legal_review", "task_legal_review"),
        ("permit_application", "task_permit_decision"),
        ("permit_application", "task_permit_service"),
        ("disclosure", "task_review_masked"),
        ("permit_application", "task_permit_archive"),
    ]
    (major_check,) = records_of(run, "task_permit_major_check")
    assert major_check.detail["outputs"] == {"is_major": True, "major_rule": "refuse_permit"}
    assert [m["rule_id"] for m in major_check.detail["matched_rules"]] == ["rule_refuse_permit"]
    (gateway,) = records_of(run, "gw_permit_is_major")
    assert gateway.detail["taken"] == ["call_permit_legal_review"]
    (entered,) = [r for r in records_of(run, "call_permit_legal_review") if r.type == "call_activity_entered"]
    assert entered.detail == {"called": "legal_review"}
    # the head's refusal was already reviewed: no second round through the catalogue
    (redecide,) = records_of(run, "gw_permit_redecide")
    assert redecide.detail["taken"] == ["task_permit_decided"]
    data = end_data(run)
    assert data["permit_decision"] == "deny" and data["decision"] == "deny"
    assert data["review_outcome"] == "agree"
    assert data["legal_basis"] == LEGAL_BASIS
    assert "处理结果：不予行政许可" in data["masked_text"]
    assert data["published"] is True


def test_a_head_refusing_an_approve_proposal_sends_it_through_legal_review_first(permit_bundle, run_case,
                                                                                 permit_answers):
    permit_answers["task_permit_decision"] = [DENY]
    run = walk(permit_bundle, run_case, permit_answers)
    decision_steps = [n for n, step in enumerate(run.steps) if step == ("permit_application", "task_permit_decision")]
    assert len(decision_steps) == 2
    first, second = decision_steps
    assert run.steps[first + 1: second] == [("legal_review", "task_submit_review"), ("legal_review", "task_legal_review")]
    assert decisions(run) == [(False, "not_major"), (True, "refuse_permit")]
    assert [r.detail["taken"] for r in records_of(run, "gw_permit_redecide")] == [
        ["task_permit_redecide"], ["task_permit_decided"]]
    data = end_data(run)
    assert data["permit_decision"] == "deny" and data["is_major"] is True
    assert "处理结果：不予行政许可" in data["masked_text"]


def test_a_30_day_item_counts_calendar_days_and_cannot_be_extended__RRA_22(permit_bundle, run_case, permit_answers):
    permit_answers["task_permit_review"] = [{**REVIEW_APPROVE, "request_decision_extension": True,
                                             "decision_extension_reason": "需征求意见。"}]
    run = walk(permit_bundle, run_case, permit_answers, DAYS_30)
    data = end_data(run)
    assert data["decision_due"] == "2026-12-20"  # 30 days from 2026-11-20, not working days
    assert data["extension_allowed"] is False and data["decision_extended"] is False
    assert ("permit_application", "task_permit_extension") not in run.steps
    assert data["outcome_label"] is None and "处理结果：准予行政许可" in data["masked_text"]


def test_a_forwarded_item_ends_as_a_preliminary_opinion__RRA_21(permit_bundle, run_case, permit_answers):
    run = walk(permit_bundle, run_case, permit_answers, FORWARD)
    data = end_data(run)
    assert data["case_title"] == "宁晋县某寺申请筹备设立宗教活动场所审核"
    assert data["outcome_label"] == "初审意见：同意，已转报设区的市级人民政府宗教事务部门审批（非准予行政许可决定）"
