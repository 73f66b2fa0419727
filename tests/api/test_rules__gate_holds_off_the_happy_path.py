"""APL 58, second attack: the gate reads what binds the decision from the history, not from editable data.

A hearing held, a complex case, a suspected crime stay true once the case made them true; the heads'
collective discussion approves only content a legal review assessed; the written decision names the
decided fine in every ordinary spelling; an admin cannot rewrite a decision after it is made.
"""
from __future__ import annotations

import pytest

from tests import cases as c
from tests.api.walk import (
    Acts,
    decision_number,
    instance_data,
    open_ids,
    to_proposal,
    today,
    waive_hearing,
    working_days,
)

HEARING = {**c.DUTIES, "duty_document_issued": "《听证笔录》", "party_attended": True,
           "hearing_record": "听证笔录：当事人陈述、申辩……", "hearing_opinion": "事实清楚。", "record_signed": True}
FINE_5000 = {**c.PROPOSAL_MAJOR, "fine_amount": 5000, "proposal_text": "罚款人民币伍仟元。"}


def _history(http, iid: int) -> list[dict]:
    return http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()


def _complete(http, iid: int, element_id: str, data: dict, user: str):
    task = http.open_task(iid, element_id)
    return http.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})


def _after_hearing_and_review(http, acts: Acts) -> int:
    """A ¥5,000 fine (not major by amount) that became major because a hearing was held; reviewed."""
    iid = to_proposal(http, acts)
    assert open_ids(acts.complete(iid, "task_proposal", FINE_5000)) == ["task_hearing_notice_right"]
    acts.complete(iid, "task_hearing_notice_right", c.RIGHT_NOTICE)
    acts.complete(iid, "task_hearing_request", {"hearing_requested": "yes", "request_date": today()})
    notice = {"notice_date": today(), "hearing_date": working_days(today(), 7), "hearing_place": "局听证室",
              "hearing_host": "法制科王某", "hearing_public": True}
    acts.complete(iid, "task_hearing_notice", notice)
    acts.complete(iid, "task_hearing", HEARING)
    assert instance_data(http, iid)["major_rule"] == "hearing_held"
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    acts.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")
    return iid


def test_unticking_hearing_held_after_a_return_does_not_make_the_case_minor__APL_58(http):
    acts = Acts(http)
    iid = _after_hearing_and_review(http, acts)
    back = {"decision": "return_for_review", "decision_text": "退回重新拟定。", "decision_number": decision_number(iid)}
    http.complete(iid, "task_head_decision", back, "head1")
    acts.complete(iid, "task_proposal", {**FINE_5000, "fine_amount": 9500, "proposal_text": "罚款人民币玖仟伍佰元。",
                                         "hearing_held": False})
    acts.complete(iid, "task_hearing_notice_right", c.RIGHT_NOTICE)
    acts.complete(iid, "task_hearing_request", c.NO_HEARING)
    decide = {**c.DECISION, "decision_text": "决定罚款人民币玖仟伍佰元。", "decision_number": decision_number(iid)}
    resp = _complete(http, iid, "task_head_decision", decide, "head1")
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "legal_review_gate", resp.get_json()
    assert "hearing_held" in resp.get_json()["message"]


def test_an_admin_cannot_untick_hearing_held__APL_58(http):
    iid = _after_hearing_and_review(http, Acts(http))
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {"hearing_held": False}, "reason": "录入错误"})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "decided_content"
    assert instance_data(http, iid)["hearing_held"] is True


def test_the_heads_cannot_approve_content_no_reviewer_saw__APL_57_58(http):
    """The handler swaps in a heavier proposal while disputing the review: the collective discussion's
    approval does not cover it, so the decision needs a legal review of the new content."""
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    acts.complete(iid, "task_legal_review", {**c.REVIEW_PROBLEMS, "problem_code": "disagree",
                                             "review_opinion": "不同意罚款贰万元。"}, "reviewer1")
    fix = {**c.FIX, "penalty_kind": "revoke_licence", "fine_amount": 200000, "proposal_text": "吊销登记证并罚款贰拾万元。",
           "handler_disputes": True, "dispute_reason": "坚持原意见。"}
    assert open_ids(acts.complete(iid, "task_fix_resubmit", fix)) == ["task_review_collective"]
    held = {"attendees": ["head1", "head2"], "discussion_record": "讨论。", "conclusion": "同意拟处理意见。",
            "votes_for": 2, "collective_decision": "approve_proposal", "discussion_date": today()}
    http.complete(iid, "task_review_collective", held, "head1")
    approval = [e for e in _history(http, iid) if e["type"] == "task_completed"][-1]["data"]["approval"]
    assert approval["kind"] == "collective_discussion" and approval["passed"] is False
    decide = {**c.DECISION, "decision_text": "决定吊销登记证，并处罚款人民币贰拾万元。", "decision_number": decision_number(iid)}
    resp = _complete(http, iid, "task_head_decision", decide, "head1")
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "legal_review_gate", resp.get_json()


def _reviewed_fine(http) -> int:
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)  # ¥20,000
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    acts.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")
    return iid


@pytest.mark.parametrize("text", [
    "决定给予罚款人民币贰万伍仟圆整的行政处罚。",
    "决定给予罚款：50000元。",
    "决定罚款共计人民币50000元。",
    "决定处以罚款，金额为人民币伍万元。",
    "决定罚款5萬元。",
    "决定罚\u200b款人民币50000元。",
    "决定吊\u200b销其登记证，并处罚款人民币贰万元。",
    "决定处以罚款￥50,000。",
    "决定责令停产停业，并处罚款人民币贰万元。",
])
def test_the_written_decision_is_read_in_every_ordinary_spelling__APL_58(http, text):
    iid = _reviewed_fine(http)
    resp = _complete(http, iid, "task_head_decision",
                     {**c.DECISION, "decision_text": text, "decision_number": decision_number(iid)}, "head1")
    assert resp.status_code == 422 and "decision_text" in resp.get_json()["errors"], resp.get_json()


def test_quoting_the_laws_range_is_not_naming_another_fine__APL_58(http):
    iid = _reviewed_fine(http)
    text = "依据《宗教事务条例》第六十四条“处十万元以上三十万元以下的罚款”的规定，决定罚款人民币贰万元。"
    result = http.complete(iid, "task_head_decision",
                           {**c.DECISION, "decision_text": text, "decision_number": decision_number(iid)}, "head1")
    assert open_ids(result) == ["task_service"]


def test_an_admin_cannot_rewrite_the_decision_after_it_is_made__APL_58(http):
    iid = _reviewed_fine(http)
    http.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)}, "head1")
    heavier = "决定吊销其宗教活动场所登记证，并处罚款人民币伍拾万元。"
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {"decision_text": heavier, "decision": "deny"}, "reason": "文字更正"})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "decided_content"
    assert instance_data(http, iid)["decision"] == "approve"


def test_a_written_decision_has_a_bounded_length__APL_58(http):
    """Hostile input: a decision text of thousands of amounts is refused by the form (422), not read."""
    iid = _reviewed_fine(http)
    resp = _complete(http, iid, "task_head_decision",
                     {**c.DECISION, "decision_text": "罚款" + "1元" * 3000, "decision_number": decision_number(iid)},
                     "head1")
    assert resp.status_code == 422 and "decision_text" in resp.get_json()["errors"]
