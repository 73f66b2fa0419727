"""A collective discussion (APL 57) binds and counts only for the proposal it discussed: a case returned for a new
proposal is discussed again (the diagram resets it), and the service, whatever a deployed diagram routes, refuses
the decision of a complex case that no discussion held after its latest proposal has discussed (403
collective_discussion); an older discussion's conclusion binds nothing."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests import cases as c
from tests.api.helpers import upload
from tests.api.walk import Acts, decision_number, open_ids, to_proposal, today, waive_hearing

SHIPPED = Path(__file__).resolve().parents[2] / "processes" / "enforcement_case.bpmn"
COLLECTIVE = {"attendees": ["head1", "head2"], "discussion_record": "经讨论。", "conclusion": "同意罚款贰万元。",
              "votes_for": 2, "votes_against": 0, "collective_decision": "approve_proposal"}
REVOKE = {**c.PROPOSAL_MAJOR, "complex_case": True, "penalty_kind": "revoke_licence", "fine_amount": 0,
          "proposal_text": "吊销登记证。"}


def _variant(pid: str, old: str, new: str) -> bytes:
    xml = SHIPPED.read_text(encoding="utf-8")
    assert xml.count(old) == 1, old
    xml = xml.replace(old, new)
    return xml.replace('id="enforcement_case"', f'id="{pid}"').replace('processRef="enforcement_case"',
                                                                        f'processRef="{pid}"').encode()


#: diagrams a process owner might deploy: one that carries the discussion over to a new proposal (the old
#: shipped behaviour), one that never sends a complex case to the heads
VARIANTS = {
    "carry_over_case": ("collective_held = False\nif var(", "collective_kept = True\nif var("),
    "no_discussion_case": ("(complex_case == True or complex_flagged == True) and collective_held != True", "False"),
}


@pytest.fixture
def deployed(http):
    for pid, (old, new) in VARIANTS.items():
        resp = upload(http, "/api/v1/definitions", {f"{pid}.bpmn": _variant(pid, old, new)})
        assert resp.status_code == 201, resp.get_json()


def _reviewed(http, acts: Acts, iid: int, proposal: dict) -> list[str]:
    acts.complete(iid, "task_proposal", proposal)
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    return open_ids(acts.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1"))


def _decide(http, iid: int, data: dict, user: str = "head2"):
    task = http.open_task(iid, "task_head_decision")
    return http.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})


def _decision(iid: int, **extra) -> dict:
    return {**c.DECISION, "decision_text": "决定吊销其宗教活动场所登记证。", "decision_number": decision_number(iid), **extra}


def _discussed_then_returned(http, key: str) -> tuple[Acts, int]:
    """Complex case, fine ¥20,000 reviewed and approved by the heads; head1 returns it for a new proposal."""
    acts = Acts(http)
    iid = to_proposal(http, acts, key=key)
    assert _reviewed(http, acts, iid, {**c.PROPOSAL_MAJOR, "complex_case": True}) == ["task_collective_discussion"]
    http.complete(iid, "task_collective_discussion", {**COLLECTIVE, "discussion_date": today()}, "head1")
    back = {"decision": "return_for_review", "decision_text": "退回。", "decision_number": decision_number(iid)}
    assert open_ids(http.complete(iid, "task_head_decision", back, "head1")) == ["task_proposal"]
    return acts, iid


def test_a_new_proposal_of_a_complex_case_is_discussed_again__APL_57(http):
    acts, iid = _discussed_then_returned(http, "enforcement_case")
    assert _reviewed(http, acts, iid, REVOKE) == ["task_collective_discussion"]
    http.complete(iid, "task_collective_discussion", {**COLLECTIVE, "conclusion": "同意吊销登记证。",
                                                      "discussion_date": today()}, "head1")
    assert open_ids(http.complete(iid, "task_head_decision", _decision(iid), "head2")) == ["task_service"]


def test_unticking_complex_in_the_new_proposal_does_not_skip_the_discussion__APL_57(http):
    acts, iid = _discussed_then_returned(http, "enforcement_case")
    assert _reviewed(http, acts, iid, {**REVOKE, "complex_case": False}) == ["task_collective_discussion"]


def test_the_old_discussion_does_not_bind_a_new_proposal__APL_57(http, deployed):
    """A diagram that keeps collective_held: no new discussion, and the fine's approval does not carry over."""
    acts, iid = _discussed_then_returned(http, "carry_over_case")
    assert _reviewed(http, acts, iid, REVOKE) == ["task_head_decision"]
    resp = _decide(http, iid, _decision(iid))
    body = resp.get_json()
    assert resp.status_code == 403 and body["errors"]["rule"] == "collective_discussion", body
    assert http.open_task(iid, "task_head_decision")["state"] == "ready"
    back = _decide(http, iid, _decision(iid, decision="return_for_review", decision_text="退回。"))
    assert back.status_code == 200 and open_ids(back.get_json()) == ["task_proposal"]


def test_a_diagram_that_never_discusses_a_complex_case_cannot_decide_it__APL_57(http, deployed):
    acts = Acts(http)
    iid = to_proposal(http, acts, key="no_discussion_case")
    assert _reviewed(http, acts, iid, {**c.PROPOSAL_MAJOR, "complex_case": True}) == ["task_head_decision"]
    for choice in ("approve", "deny"):
        resp = _decide(http, iid, _decision(iid, decision=choice, decision_text="决定罚款人民币贰万元。"))
        body = resp.get_json()
        assert resp.status_code == 403 and body["errors"]["rule"] == "collective_discussion", body


def test_a_case_that_is_not_complex_needs_no_discussion__APL_57(http, deployed):
    acts = Acts(http)
    iid = to_proposal(http, acts, key="no_discussion_case")
    assert _reviewed(http, acts, iid, c.PROPOSAL_MAJOR) == ["task_head_decision"]
    resp = _decide(http, iid, _decision(iid, decision_text="决定罚款人民币贰万元。"))
    assert resp.status_code == 200, resp.get_json()


def test_a_return_and_an_identical_proposal_do_not_shake_off_the_heads_decision__APL_57(http):
    """The heads decided 'no penalty' on a disputed review; the head returns the case, the identical proposal
    is reviewed again and agreed: one head still may not impose the fine the heads rejected."""
    from tests import cases as c
    from tests.api.walk import Acts, open_ids, to_proposal, waive_hearing

    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    http.complete(iid, "task_legal_review", {**c.REVIEW_PROBLEMS, "problem_code": "disagree"}, "reviewer1")
    result = http.complete(iid, "task_fix_resubmit", {**c.FIX, "handler_disputes": True, "dispute_reason": "适当。"},
                           "officer1")
    assert open_ids(result) == ["task_review_collective"]
    held = {"attendees": ["head1", "head2"], "discussion_date": "2026-11-24", "discussion_record": "会议纪要：……",
            "conclusion": "情节轻微并及时改正，不予行政处罚。", "votes_for": 2, "votes_against": 0,
            "collective_decision": "no_penalty"}
    http.complete(iid, "task_review_collective", held, "head1")
    number = f"宁民宗罚〔2026〕{iid}号"
    back = {"decision": "return_for_review", "decision_text": "退回。", "decision_number": number}
    assert open_ids(http.complete(iid, "task_head_decision", back, "head2")) == ["task_proposal"]
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    assert open_ids(http.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")) == ["task_head_decision"]
    task = http.open_task(iid, "task_head_decision")
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "head2",
                     json={"data": {**c.DECISION, "decision_text": "决定罚款人民币贰万元。", "decision_number": number}})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "collective_decision", resp.get_json()
    deny = {"decision": "deny", "decision_text": "决定不予行政处罚。", "decision_number": number}
    assert open_ids(http.complete(iid, "task_head_decision", deny, "head2")) == ["task_service"]
