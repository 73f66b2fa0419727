"""enforcement_case branches walked on the engine: a hearing held makes a case major (ALP 58, 64), and the
handler's dispute of the review opinion brings the case to the heads' collective discussion (ALP 57)."""
from __future__ import annotations

from datetime import UTC, date, datetime

from engine import clock
from engine.calendar import WorkingCalendar

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # a Friday, 10:00 in Beijing
TODAY = "2026-11-20"


def working_days(start: str, n: int) -> str:
    return WorkingCalendar().add_working_days(date.fromisoformat(start), n).isoformat()


def end_data(run) -> dict:
    (end,) = [t for t in run.workflow.get_tasks() if t.task_spec.name == "end_case"]
    return dict(end.data)


def steps_of(run, process_id: str = "enforcement_case") -> list[str]:
    return [element for process, element in run.steps if process == process_id]


def test_a_small_fine_with_a_hearing_held_is_major(case_bundle, run_case, answers):
    data = answers(major=True, review_rounds=1)
    data["task_proposal"] = [{**data["task_proposal"][0], "fine_amount": 5000, "proposal_text": "罚款伍仟元。"}]
    data["task_hearing_request"] = [{"hearing_requested": "yes", "request_date": TODAY, "request_method": "written"}]
    notice = {"notice_date": TODAY, "hearing_place": "宁晋县民族宗教事务局会议室", "hearing_host": "法制科负责人",
              "hearing_public": True}
    data["task_hearing_notice"] = [{**notice, "hearing_date": working_days(TODAY, 6)},  # too early: sent back
                                   {**notice, "hearing_date": working_days(TODAY, 7)}]
    data["task_hearing"] = [{"party_attended": True, "hearing_record": "听证笔录。", "hearing_opinion": "维持拟处理意见。",
                             "record_signed": True}]
    with clock.fixed(AT):
        run = run_case(case_bundle, data)
    assert run.workflow.is_completed()
    assert steps_of(run) == ["task_register", "task_recusal", "task_proposal", "task_hearing_notice_right",
                             "task_hearing_request", "task_hearing_notice", "task_hearing_notice", "task_hearing",
                             "task_head_decision", "task_service", "task_archive"]
    assert steps_of(run, "legal_review") == ["task_submit_review", "task_legal_review"]
    checks = [r for r in run.records if r.element_id == "task_check_hearing_notice"]
    assert "不足七个工作日" in checks[0].detail["outputs"]["hearing_notice_error"]
    (major_check,) = [r for r in run.records if r.element_id == "task_major_check"]
    assert major_check.detail["outputs"] == {"is_major": True, "major_rule": "hearing_held"}
    data = end_data(run)
    assert data["hearing_request_due"] == working_days(TODAY, 5)
    assert data["hearing_held"] is True and data["hearing_notice_error"] is None


def test_a_disputed_review_goes_to_the_collective_discussion_before_the_decision(case_bundle, run_case, answers):
    data = answers(major=True, review_rounds=2)
    data["task_fix_resubmit"] = [{**data["task_fix_resubmit"][0], "handler_disputes": True,
                                  "dispute_reason": "现有证据已足以认定违法事实。"}]
    data["task_collective_discussion"] = [{"attendees": "局长、分管副局长、法制科负责人", "discussion_date": TODAY,
                                           "discussion_record": "讨论记录。", "collective_decision": "approve_proposal"}]
    run = run_case(case_bundle, data)
    assert run.workflow.is_completed()
    case_steps = steps_of(run)
    assert case_steps[-4:] == ["task_collective_discussion", "task_head_decision", "task_service", "task_archive"]
    (gateway,) = [r for r in run.records if r.element_id == "gw_collective"]
    assert gateway.detail["taken"] == ["task_collective_discussion"]
    assert end_data(run)["review_disputed"] is True


def test_an_undisputed_major_case_has_no_collective_discussion(case_bundle, run_case, answers):
    run = run_case(case_bundle, answers(major=True))
    assert "task_collective_discussion" not in steps_of(run)
    assert end_data(run)["review_disputed"] is False
