"""Collective discussion (APL 57) binds the referral and counts its votes (rules collective_decision,
collective_discussion): a collective conclusion to refer the case may not be refused by one head at the referral
approval; every head attending votes once (for + against + abstain = heads attending, 422 naming the vote fields
otherwise) and a conclusion stands only with more than half of the heads attending in favour (403 otherwise)."""
from __future__ import annotations

import pytest

from tests import cases as c
from tests.api.test_case_rules__recusal import head4  # noqa: F401  (fixture)
from tests.api.walk import Acts, instance_data, open_ids, to_proposal, waive_hearing

COLLECTIVE = {"attendees": ["head1", "head2"], "discussion_date": "2026-11-24", "discussion_record": "会议纪要：……",
              "conclusion": "经讨论形成决定。", "votes_for": 2, "votes_against": 0}
REFER = {**COLLECTIVE, "collective_decision": "refer", "conclusion": "涉嫌犯罪，移送公安机关。"}
REFUSE = {"referral_approved": "no", "referral_approval_note": "不批准移送。"}
APPROVE = {"referral_approved": "yes", "referral_approval_note": "同意移送。"}


def _post(http, iid: int, element_id: str, data: dict, user: str):
    task = http.open_task(iid, element_id)
    return http.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})


def _rule(resp) -> str:
    assert resp.status_code == 403, resp.get_json()
    return resp.get_json()["errors"]["rule"]


def _complex_reviewed(http) -> int:
    """A complex case (catalogue rule complex_case), hearing right waived, review agreed: at the heads' discussion."""
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", {**c.PROPOSAL_MAJOR, "complex_case": True})
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    assert open_ids(http.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")) == [
        "task_collective_discussion"]
    return iid


def _disputed(http) -> int:
    """The handler disputes the reviewer's disagreement: at the heads' discussion inside the legal review."""
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    http.complete(iid, "task_legal_review", {**c.REVIEW_PROBLEMS, "problem_code": "disagree"}, "reviewer1")
    result = http.complete(iid, "task_fix_resubmit", {**c.FIX, "handler_disputes": True,
                                                      "dispute_reason": "拟处理意见适当。"}, "officer1")
    assert open_ids(result) == ["task_review_collective"]
    return iid


@pytest.mark.parametrize(("reach", "element_id"), [(_complex_reviewed, "task_collective_discussion"),
                                                    (_disputed, "task_review_collective")])
def test_a_collective_referral_binds_the_referral_approval_APL_57(http, reach, element_id):
    iid = reach(http)
    assert open_ids(http.complete(iid, element_id, REFER, "head1")) == ["task_referral_approval"]
    for head in ("head2", "head1"):  # neither a deputy head nor the chief overrules the heads' decision
        resp = _post(http, iid, "task_referral_approval", REFUSE, head)
        assert _rule(resp) == "collective_decision" and "refer" in resp.get_json()["message"]
    assert http.open_task(iid, "task_referral_approval")["state"] == "ready"  # nothing changed
    assert open_ids(http.complete(iid, "task_referral_approval", APPROVE, "head2")) == ["task_criminal_referral"]


def test_a_referral_the_heads_did_not_decide_can_still_be_refused_APL_27(http):
    """Only the collective's conclusion binds: a referral the reviewer asked for is the head's to approve or not."""
    iid = _complex_reviewed(http)
    http.complete(iid, "task_collective_discussion", {**COLLECTIVE, "collective_decision": "approve_proposal"},
                  "head1")
    assert open_ids(http.complete(iid, "task_head_decision", {**c.DECISION, "decision": "return_for_review",
                                                              "decision_number": f"宁民宗罚〔2026〕{iid}号"},
                                  "head1")) == ["task_proposal"]
    acts = Acts(http)
    acts.complete(iid, "task_proposal", {**c.PROPOSAL_MAJOR, "complex_case": True})
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    refer = {**c.REVIEW_PROBLEMS, "criminal_referral_needed": True, "problem_code": "refer",
             "review_opinion": "涉嫌犯罪，应移送。"}
    assert open_ids(http.complete(iid, "task_legal_review", refer, "reviewer1")) == ["task_referral_approval"]
    assert open_ids(http.complete(iid, "task_referral_approval", REFUSE, "head2")) == ["task_proposal"]


@pytest.mark.parametrize("votes", [
    {"votes_for": 7, "votes_against": 0},                        # more votes than heads attending
    {"votes_for": 1, "votes_against": 0},                        # a head who attended did not vote
    {"votes_for": 1, "votes_against": 0, "votes_abstain": 2},
    {"votes_for": 2, "votes_against": -1, "votes_abstain": 1},   # negative
    {"votes_for": 1.5, "votes_against": 0.5},                    # not whole heads
])
def test_the_votes_add_up_to_the_heads_attending_APL_57(http, votes):
    iid = _complex_reviewed(http)
    data = {**COLLECTIVE, **votes, "collective_decision": "approve_proposal"}
    resp = _post(http, iid, "task_collective_discussion", data, "head1")
    assert resp.status_code == 422, resp.get_json()
    assert {"votes_for", "votes_against", "votes_abstain"} & set(resp.get_json()["errors"]), resp.get_json()
    assert "collective_decision" not in instance_data(http, iid)  # nothing recorded


@pytest.mark.parametrize("votes", [{"votes_for": 0, "votes_against": 2}, {"votes_for": 1, "votes_against": 1},
                                   {"votes_for": 1, "votes_abstain": 1}])
def test_a_conclusion_needs_a_majority_of_the_heads_attending_APL_57(http, votes):
    iid = _complex_reviewed(http)
    data = {**COLLECTIVE, "votes_against": 0, **votes, "collective_decision": "approve_proposal"}
    resp = _post(http, iid, "task_collective_discussion", data, "head1")
    assert _rule(resp) == "collective_discussion" and "more than half" in resp.get_json()["message"]


@pytest.mark.usefixtures("head4")
def test_two_of_three_heads_adopt_the_conclusion_APL_57(http):
    iid = _complex_reviewed(http)
    data = {**COLLECTIVE, "attendees": ["head1", "head2", "head4"], "votes_for": 2, "votes_against": 1,
            "collective_decision": "approve_proposal"}
    assert open_ids(http.complete(iid, "task_collective_discussion", data, "head1")) == ["task_head_decision"]


def test_minutes_and_conclusion_are_not_invisible_text_APL_57(http):
    iid = _complex_reviewed(http)
    data = {**COLLECTIVE, "conclusion": "\u200b\u2060", "collective_decision": "approve_proposal"}
    resp = _post(http, iid, "task_collective_discussion", data, "head1")
    assert resp.status_code == 422 and "conclusion" in resp.get_json()["errors"], resp.get_json()
