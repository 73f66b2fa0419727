"""A full minor case and a full major case with a problems -> resubmit loop, through HTTP."""
from __future__ import annotations

from tests import cases as c
from tests.api.walk import Acts, decision_number, finish, review_with_one_loop, to_proposal, waive_hearing


def test_minor_case_runs_without_legal_review(http):
    acts = Acts(http)
    iid = to_proposal(http, acts)
    result = acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    assert [t["element_id"] for t in result["tasks"]] == ["task_head_decision"]
    finish(http, iid, acts)
    events = http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
    completed = [e["element_id"] for e in events if e["type"] == "task_completed"]
    assert "task_legal_review" not in completed
    decision = [e for e in events if e["type"] == "engine_decision"]
    assert decision and decision[0]["data"]["outputs"]["is_major"] is False


def test_major_case_loops_through_legal_review_then_publishes_masked(http):
    acts = Acts(http)
    iid = to_proposal(http, acts)
    result = acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    assert [t["element_id"] for t in result["tasks"]] == ["task_hearing_notice_right"]
    waive_hearing(http, iid, acts)
    assert http.open_task(iid, "task_submit_review")
    review_with_one_loop(http, iid, acts)
    assert http.open_task(iid, "task_head_decision")
    detail = finish(http, iid, acts)
    assert c.REGISTER["party_id_number"] not in detail["data"]["masked_text"]

    instance = http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()
    assert instance["status"] == "completed"
    assert instance["data"]["is_major"] is True
    assert instance["data"]["major_rule"] == "fine_person_ge_10000"

    events = http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json()
    own = [e for e in events if e["data"] is not None]
    reviews = [e["data"]["submitted"]["review_outcome"] for e in own
               if e["type"] == "task_completed" and e["element_id"] == "task_legal_review"]
    assert reviews == ["problems", "agree"]
    chain = events
    assert [e["seq"] for e in chain] == list(range(1, len(chain) + 1))
    assert all(e["prev_hash"] == p["hash"] for p, e in zip(chain, chain[1:], strict=False))

    published = http.call("GET", "/api/v1/public/disclosures?q=" + decision_number(iid)).get_json()
    assert len(published) == 1
    assert published[0]["decision_number"] == decision_number(iid)
    assert c.REGISTER["party_id_number"] not in published[0]["masked_text"]
