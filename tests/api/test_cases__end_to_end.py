"""A full minor case and a full major case with a problems -> resubmit loop, through HTTP."""
from __future__ import annotations

from tests.api import cases as c


def _investigate(http, iid: int) -> None:
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    http.complete(iid, "task_record_start", c.RECORD_START, "officer1")
    http.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")


def _finish(http, iid: int) -> dict:
    http.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": _number(iid)}, "head1")
    http.complete(iid, "task_service", c.SERVICE, "officer1")
    review = http.open_task(iid, "task_review_masked")
    detail = http.call("GET", f"/api/v1/tasks/{review['id']}", "publicity1").get_json()
    masked = detail["data"]["masked_text"]
    http.complete(iid, "task_review_masked", {**c.DISCLOSURE_OK, "masked_text": masked}, "publicity1")
    result = http.complete(iid, "task_archive", c.ARCHIVE, "officer1")
    assert result["status"] == "completed"
    assert result["tasks"] == []
    return detail


def _number(iid: int) -> str:
    return f"宁民宗罚〔2026〕{iid}号"


def test_minor_case_runs_without_legal_review(http):
    iid = http.start("enforcement_case")["id"]
    _investigate(http, iid)
    result = http.complete(iid, "task_proposal", c.PROPOSAL_MINOR, "officer1")
    assert [t["element_id"] for t in result["tasks"]] == ["task_head_decision"]
    _finish(http, iid)
    events = http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
    completed = [e["element_id"] for e in events if e["type"] == "task_completed"]
    assert "task_legal_review" not in completed
    decision = [e for e in events if e["type"] == "engine_decision"]
    assert decision and decision[0]["data"]["outputs"]["is_major"] is False


def test_major_case_loops_through_legal_review_then_publishes_masked(http):
    iid = http.start("enforcement_case")["id"]
    _investigate(http, iid)
    result = http.complete(iid, "task_proposal", c.PROPOSAL_MAJOR, "officer1")
    assert [t["element_id"] for t in result["tasks"]] == ["task_submit_review"]
    http.complete(iid, "task_submit_review", c.SUBMIT_REVIEW, "officer1")
    http.complete(iid, "task_legal_review", c.REVIEW_PROBLEMS, "reviewer1")
    http.complete(iid, "task_fix_resubmit", c.FIX, "officer1")
    result = http.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")
    assert [t["element_id"] for t in result["tasks"]] == ["task_head_decision"]
    detail = _finish(http, iid)
    assert c.REGISTER["party_id_number"] not in detail["data"]["masked_text"]

    instance = http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()
    assert instance["status"] == "completed"
    assert instance["data"]["is_major"] is True
    assert instance["data"]["major_rule"] == "fine_person_ge_10000"

    events = http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
    reviews = [e["data"]["submitted"]["review_outcome"] for e in events
               if e["type"] == "task_completed" and e["element_id"] == "task_legal_review"]
    assert reviews == ["problems", "agree"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert all(e["prev_hash"] == p["hash"] for p, e in zip(events, events[1:], strict=False))

    published = http.call("GET", "/api/v1/public/disclosures?q=" + _number(iid)).get_json()
    assert len(published) == 1
    assert published[0]["decision_number"] == _number(iid)
    assert c.REGISTER["party_id_number"] not in published[0]["masked_text"]
