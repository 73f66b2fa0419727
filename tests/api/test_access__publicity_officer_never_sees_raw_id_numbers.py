"""The publicity officer sees a case only as publication needs it: every ID number masked — also on the tasks they
claimed or completed themselves (the assignee's view of a task is not the full case for them)."""
from __future__ import annotations

from tests import cases as c
from tests.api.walk import Acts, decision_number, to_proposal

ID = c.REGISTER["party_id_number"]


def _at_publication(http) -> tuple[int, str]:
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    acts.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)}, "head1")
    acts.complete(iid, "task_service", c.SERVICE)
    return iid, http.open_task(iid, "task_review_masked")["id"]


def _no_raw_id(http, task: str) -> None:
    for url in (f"/api/v1/tasks/{task}", "/api/v1/tasks?scope=all&state=any&per_page=200", "/api/v1/tasks?scope=mine"):
        resp = http.call("GET", url, "publicity1")
        assert resp.status_code == 200, resp.get_json()
        assert ID not in resp.get_data(as_text=True), url


def test_a_claimed_publicity_task_shows_no_raw_id_number(http):
    iid, task = _at_publication(http)
    _no_raw_id(http, task)
    assert http.call("POST", f"/api/v1/tasks/{task}/claim", "publicity1").status_code == 200
    _no_raw_id(http, task)


def test_a_completed_publicity_task_shows_no_raw_id_number(http):
    iid, task = _at_publication(http)
    detail = http.call("GET", f"/api/v1/tasks/{task}", "publicity1").get_json()
    http.complete(iid, "task_review_masked", {**c.DISCLOSURE_OK, "masked_text": detail["data"]["masked_text"]},
                  "publicity1")
    _no_raw_id(http, task)
