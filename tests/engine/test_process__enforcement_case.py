"""enforcement_case branches walked on the engine: a hearing held makes a case major (APL 58, 64); the handler's
dispute of the review opinion, or a complex case, brings the case to the heads' collective discussion (APL 57);
a suspected crime goes to referral (APL 27); evidence preservation (APL 56); execution (ACL 53-55)."""
from __future__ import annotations

from datetime import UTC, date, datetime

from engine import clock
from engine.calendar import WorkingCalendar
from tests.cases import DUTIES

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
                             "task_head_decision", "task_service", "task_execution", "task_archive"]
    assert steps_of(run, "legal_review") == ["task_submit_review", "task_legal_review"]
    checks = [r for r in run.records if r.element_id == "task_check_hearing_notice"]
    assert "不足七个工作日" in checks[0].detail["outputs"]["hearing_notice_error"]
    (major_check,) = [r for r in run.records if r.element_id == "task_major_check"]
    assert major_check.detail["outputs"] == {"is_major": True, "major_rule": "hearing_held"}
    data = end_data(run)
    assert data["hearing_request_due"] == working_days(TODAY, 5)
    assert data["hearing_held"] is True and data["hearing_notice_error"] is None


COLLECTIVE = {"attendees": ["head1", "head2"], "discussion_date": TODAY, "discussion_record": "讨论记录。",
              "conclusion": "证据已足以认定违法事实，同意拟处理意见。", "votes_for": 2,
              "collective_decision": "approve_proposal"}


def test_a_disputed_review_goes_to_the_collective_discussion_not_back_to_the_reviewer_APL_57(
        case_bundle, run_case, answers):
    data = answers(major=True, review_rounds=2)
    data["task_fix_resubmit"] = [{**data["task_fix_resubmit"][0], "handler_disputes": True,
                                  "dispute_reason": "现有证据已足以认定违法事实。"}]
    data["task_review_collective"] = [COLLECTIVE]
    run = run_case(case_bundle, data)
    assert run.workflow.is_completed()
    # one review round only: the dispute ends the review in the heads' collective discussion
    assert steps_of(run, "legal_review") == ["task_submit_review", "task_legal_review", "task_fix_resubmit",
                                             "task_review_collective"]
    assert steps_of(run)[-4:] == ["task_head_decision", "task_service", "task_execution", "task_archive"]
    (gateway,) = [r for r in run.records if r.element_id == "gw_disputed"]
    assert gateway.detail["taken"] == ["task_review_collective"]
    (collective,) = [r for r in run.records if r.element_id == "gw_collective"]
    assert collective.detail["taken"] == ["gw_referral"]  # held already: not a second time for a complex case
    data = end_data(run)
    assert data["review_disputed"] is True and data["collective_held"] is True


def test_a_complex_case_goes_to_the_collective_discussion_APL_57(case_bundle, run_case, answers):
    data = answers(major=False)
    data["task_proposal"] = [{**data["task_proposal"][0], "complex_case": True}]
    data["task_collective_discussion"] = [COLLECTIVE]
    run = run_case(case_bundle, data)
    assert run.workflow.is_completed()
    assert steps_of(run)[-5:] == ["task_proposal", "task_collective_discussion", "task_head_decision",
                                  "task_service", "task_archive"]  # a warning: nothing to execute


def test_a_reviewer_who_finds_a_suspected_crime_sends_the_case_to_referral_APL_27(case_bundle, run_case, answers):
    data = answers(major=True, review_rounds=1)
    data["task_legal_review"] = [{**data["task_legal_review"][0], "review_outcome": "problems",
                                  "problem_code": "refer", "criminal_referral_needed": True,
                                  "review_opinion": "涉嫌犯罪，应当移送公安机关。"}]
    data["task_referral_approval"] = [{"referral_approved": "yes", "referral_approval_note": "同意移送。"}]
    data["task_criminal_referral"] = [{"referral_authority": "宁晋县公安局", "referral_date": TODAY,
                                       "referral_number": "宁民宗移〔2026〕1号", "referral_materials": "案卷一宗。"}]
    run = run_case(case_bundle, data)
    assert run.workflow.is_completed()
    assert steps_of(run, "legal_review") == ["task_submit_review", "task_legal_review"]
    assert steps_of(run)[-3:] == ["task_referral_approval", "task_criminal_referral", "task_archive"]
    assert "task_head_decision" not in steps_of(run)
    assert end_data(run)["referral_needed"] is True


def test_evidence_preservation_is_approved_then_decided_within_seven_working_days_APL_56(
        case_bundle, run_case, answers):
    data = answers(major=False)
    data["task_investigation"] = [{**data["task_investigation"][0], "preservation_needed": True}]
    data["task_preservation_approval"] = [{"preservation_approval": "approved",
                                           "preservation_approval_note": "证据可能灭失，同意先行登记保存。"}]
    data["task_evidence_preservation"] = [{"preservation_date": TODAY, "preservation_notice_number": "宁民宗保〔2026〕1号",
                                           "preserved_items": "宣传品200册。", "preservation_place": "局证物室"}]
    data["task_preservation_decision"] = [{"preservation_outcome": "release", "preservation_decision_number": "宁民宗保决〔2026〕1号"}]
    with clock.fixed(AT):
        run = run_case(case_bundle, data)
    assert run.workflow.is_completed()
    steps = steps_of(run)
    assert steps[2:6] == ["task_preservation_approval", "task_evidence_preservation", "task_preservation_decision",
                          "task_proposal"]
    assert end_data(run)["preservation_decision_due"] == working_days(TODAY, 7)


def test_an_unpaid_fine_goes_to_the_court_after_a_reminder_and_the_heads_approval_ACL_54_55(
        case_bundle, run_case, answers):
    """Default -> the reminder served as an act -> the officer's application -> the head's approval (a return sends
    it back to the officer). The dates are the service's (api/services/stage_rules.py), not the diagram's."""
    data = answers(major=True, review_rounds=1)
    data["task_execution"] = [{"execution_outcome": "not_performed"}]
    data["task_execution_reminder"] = [{**DUTIES, "reminder_number": "宁民宗催〔2026〕1号", "reminder_content": "限期缴纳。",
                                        "reminder_service_method": "direct", "reminder_recipient": "张三"}]
    data["task_compulsory_execution"] = [{"court_name": "宁晋县人民法院", "court_application_number": "宁民宗强申〔2026〕1号",
                                          "court_application_materials": "决定书、催告书、送达回证。"}]
    data["task_compulsory_approval"] = [{"compulsory_application_approved": "returned", "compulsory_approval_note": "补充材料。"},
                                        {"compulsory_application_approved": "approved"}]
    run = run_case(case_bundle, data)
    assert run.workflow.is_completed()
    assert steps_of(run)[-7:] == ["task_execution", "task_execution_reminder", "task_compulsory_execution",
                                  "task_compulsory_approval", "task_compulsory_execution", "task_compulsory_approval",
                                  "task_archive"]


def test_a_returned_case_is_discussed_again_and_stays_complex_APL_57(case_bundle, run_case, answers):
    """The discussion of one proposal does not count for the next: after a return the heads discuss again,
    even when the new proposal no longer ticks 'complex'."""
    data = answers(major=True, review_rounds=1)
    data["task_proposal"] = [{**data["task_proposal"][0], "complex_case": True},
                             {**data["task_proposal"][0], "complex_case": False}]
    data["task_collective_discussion"] = [{"attendees": ["head1", "head2"], "discussion_date": TODAY,
                                           "discussion_record": "纪要。", "conclusion": "同意。", "votes_for": 2,
                                           "collective_decision": "approve_proposal"}]
    data["task_head_decision"] = [{**data["task_head_decision"][0], "decision": "return_for_review"},
                                  data["task_head_decision"][0]]
    with clock.fixed(AT):
        run = run_case(case_bundle, data)
    assert run.workflow.is_completed()
    assert steps_of(run).count("task_collective_discussion") == 2


def test_an_undisputed_major_case_has_no_collective_discussion(case_bundle, run_case, answers):
    run = run_case(case_bundle, answers(major=True))
    assert "task_collective_discussion" not in steps_of(run)
    assert end_data(run)["review_disputed"] is False
