"""Collective discussion (APL 57) happens and binds: a disputed review or a complex case goes to the heads'
discussion (never back and forth between handler and reviewer); it records at least two heads of the registry,
votes or a conclusion and minutes; the head's decision may not contradict it (rule collective_decision):
approve_proposal -> approve; revise -> revise to the penalty the discussion named; no_penalty -> deny;
refer -> deny (the case goes to referral)."""
from __future__ import annotations

from tests import cases as c
from tests.api.walk import Acts, to_proposal, today, waive_hearing
from tests.api.walk import open_ids as _open

COLLECTIVE = {"attendees": ["head1", "head2"], "discussion_date": "2026-11-24", "discussion_record": "会议纪要：……",
              "conclusion": "经讨论形成决定。", "votes_for": 2, "votes_against": 0}


def _post(http, iid: int, element_id: str, data: dict, user: str):
    task = http.open_task(iid, element_id)
    return http.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})


def _rule(resp) -> str:
    assert resp.status_code == 403, resp.get_json()
    return resp.get_json()["errors"]["rule"]


def _disputed(http) -> int:
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    http.complete(iid, "task_legal_review", {**c.REVIEW_PROBLEMS, "problem_code": "disagree"}, "reviewer1")
    result = http.complete(iid, "task_fix_resubmit", {**c.FIX, "handler_disputes": True,
                                                      "dispute_reason": "拟处理意见适当。"}, "officer1")
    assert _open(result) == ["task_review_collective"]  # not back to the reviewer
    return iid


def _decision(iid: int, **extra) -> dict:
    return {**c.DECISION, "decision_number": f"宁民宗罚〔2026〕{iid}号", **extra}


def test_a_discussion_needs_two_heads_of_the_registry_APL_57(http):
    iid = _disputed(http)
    alone = {**COLLECTIVE, "attendees": ["head1"], "collective_decision": "approve_proposal"}
    assert _rule(_post(http, iid, "task_review_collective", alone, "head1")) == "collective_discussion"
    stranger = {**COLLECTIVE, "attendees": ["head1", "officer1"], "collective_decision": "approve_proposal"}
    assert _post(http, iid, "task_review_collective", stranger, "head1").status_code in (403, 422)


def test_no_penalty_binds_the_head_APL_57(http):
    iid = _disputed(http)
    http.complete(iid, "task_review_collective", {**COLLECTIVE, "collective_decision": "no_penalty",
                                                  "conclusion": "情节轻微并及时改正，不予行政处罚。"}, "head1")
    resp = _post(http, iid, "task_head_decision", _decision(iid), "head2")
    assert _rule(resp) == "collective_decision" and "no_penalty" in resp.get_json()["message"]
    revised = _decision(iid, decision="revise", revised_penalty_kind="warning", revised_fine_amount=0)
    assert _rule(_post(http, iid, "task_head_decision", revised, "head2")) == "collective_decision"
    result = http.complete(iid, "task_head_decision", _decision(iid, decision="deny",
                                                                 decision_text="决定不予行政处罚。"), "head2")
    assert _open(result) == ["task_service"]


def _complex_case_reviewed(http, acts: Acts, iid: int, proposal: dict) -> dict:
    """Proposal of a complex case (major: catalogue rule complex_case), hearing right waived, review agreed."""
    result = acts.complete(iid, "task_proposal", {**proposal, "complex_case": True})
    assert _open(result) == ["task_hearing_notice_right"]
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    return http.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")


def test_a_revision_binds_the_penalty_the_heads_named_APL_57(http):
    acts = Acts(http)
    iid = to_proposal(http, acts)
    result = _complex_case_reviewed(http, acts, iid, c.PROPOSAL_MAJOR)
    assert _open(result) == ["task_collective_discussion"]  # a complex case is discussed by the heads
    revise = {**COLLECTIVE, "collective_decision": "revise", "collective_penalty_kind": "fine",
              "collective_fine_amount": 12000, "discussion_date": today()}
    missing = {k: v for k, v in revise.items() if k != "collective_penalty_kind"}
    resp = _post(http, iid, "task_collective_discussion", missing, "head1")
    assert resp.status_code == 422 and "collective_penalty_kind" in resp.get_json()["errors"]
    http.complete(iid, "task_collective_discussion", revise, "head1")
    assert _rule(_post(http, iid, "task_head_decision", _decision(iid), "head1")) == "collective_decision"
    heavier = _decision(iid, decision="revise", revised_penalty_kind="fine", revised_fine_amount=30000)
    resp = _post(http, iid, "task_head_decision", heavier, "head1")
    assert _rule(resp) == "collective_decision" and "fine_amount" in resp.get_json()["message"]
    # the heads' penalty differs from what was reviewed: the case goes back for a new proposal and review (APL 58)
    result = http.complete(iid, "task_head_decision", _decision(iid, decision="return_for_review"), "head1")
    assert _open(result) == ["task_proposal"]
    result = _complex_case_reviewed(http, acts, iid, {**c.PROPOSAL_MAJOR, "fine_amount": 12000})
    # a discussion counts only for the proposal it discussed: the new proposal is discussed again
    assert _open(result) == ["task_collective_discussion"]
    http.complete(iid, "task_collective_discussion", {**COLLECTIVE, "collective_decision": "approve_proposal",
                                                      "discussion_date": today()}, "head1")
    agreed = _decision(iid, decision_text="决定罚款人民币壹万贰仟元。")
    assert _open(http.complete(iid, "task_head_decision", agreed, "head1")) == ["task_service"]


def test_approve_proposal_allows_only_the_proposal_APL_57(http):
    iid = _disputed(http)
    http.complete(iid, "task_review_collective", {**COLLECTIVE, "collective_decision": "approve_proposal"}, "head1")
    deny = _decision(iid, decision="deny", decision_text="不予处罚。")
    assert _rule(_post(http, iid, "task_head_decision", deny, "head1")) == "collective_decision"
    assert _open(http.complete(iid, "task_head_decision", _decision(iid), "head1")) == ["task_service"]


def test_a_discussion_that_refers_the_case_sends_it_to_referral(http):
    iid = _disputed(http)
    result = http.complete(iid, "task_review_collective", {**COLLECTIVE, "collective_decision": "refer"}, "head1")
    assert _open(result) == ["task_referral_approval"]
