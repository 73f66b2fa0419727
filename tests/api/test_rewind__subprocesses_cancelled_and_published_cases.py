"""What a rewind may and may not do (found from outside):

* a rewind to a task inside a finished called process (the legal review, the recording) reopens that process:
  the case runs one branch, not the called process beside the steps after it. SpiffWorkflow's reset left the
  called process marked completed, so its call activity ended again at the next step; the case ran two branches,
  ran the parent's gateways again while the review was open, and no longer verified;
* a cancelled case stays cancelled ("for good"): a rewind of it is refused (409), as a data edit is;
* a decision already published is changed by a withdrawal or a correction (APL 48), not by a rewind: a rewind
  to a task completed before the publication is refused (403 ``published_decision_stands``); steps after the
  publication may still be rewound;
* the element id is bounded, and an unknown one is not echoed back at length.
"""
from __future__ import annotations

import pytest

from tests import cases as c
from tests.api.walk import (
    Acts,
    finish,
    open_ids,
    publish,
    run_minor_case,
    to_legal_review,
    to_proposal,
    verified,
)


def _rewind(http, iid: int, element_id: str, expect: int = 200) -> dict:
    resp = http.call("POST", f"/api/v1/instances/{iid}/rewind", "admin",
                     json={"element_id": element_id, "reason": "复核发现问题，退回重办"})
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()


def _open(http, iid: int) -> list[str]:
    return sorted(open_ids(http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()))


def _history_types(http, iid: int) -> list[tuple[str, str | None]]:
    events = http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json()
    return [(e["type"], e["element_id"]) for e in events]


def test_a_rewind_into_a_finished_legal_review_reopens_it_as_the_one_branch(http):
    acts = Acts(http)
    iid = to_legal_review(http, acts)
    acts.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")
    assert _open(http, iid) == ["task_head_decision"]
    _rewind(http, iid, "task_legal_review")
    assert _open(http, iid) == ["task_legal_review"]
    verified(http, iid)
    left_before = _history_types(http, iid).count(("engine_call_activity_left", "call_legal_review"))

    acts.complete(iid, "task_legal_review", c.REVIEW_PROBLEMS, "reviewer1")
    assert _open(http, iid) == ["task_fix_resubmit"]  # not the head's decision beside it
    assert _history_types(http, iid).count(("engine_call_activity_left", "call_legal_review")) == left_before
    verified(http, iid)
    acts.complete(iid, "task_fix_resubmit", c.FIX)
    assert _open(http, iid) == ["task_legal_review"]
    verified(http, iid)
    acts.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")
    assert _open(http, iid) == ["task_head_decision"]
    assert _history_types(http, iid).count(("engine_call_activity_left", "call_legal_review")) == left_before + 1
    verified(http, iid)
    finish(http, iid, acts)
    verified(http, iid)


def test_a_rewind_into_the_finished_recording_reopens_it_before_the_proposal(http):
    acts = Acts(http)
    iid = to_proposal(http, acts)
    assert _open(http, iid) == ["task_proposal"]
    _rewind(http, iid, "task_record_start")
    assert _open(http, iid) == ["task_record_start"]
    acts.complete(iid, "task_record_start", c.RECORD_START)
    assert _open(http, iid) == ["task_investigation"]  # no proposal before the investigation is redone
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    assert _open(http, iid) == ["task_proposal"]
    verified(http, iid)


def test_a_cancelled_case_is_not_revived_by_a_rewind(http):
    iid = to_proposal(http)
    resp = http.call("POST", f"/api/v1/instances/{iid}/cancel", "admin", json={"reason": "案件已移送其他机关办理"})
    assert resp.status_code == 200, resp.get_json()
    before = _history_types(http, iid)
    body = _rewind(http, iid, "task_investigation", expect=409)
    assert set(body) == {"code", "status", "message", "errors"} and "cancelled" in body["message"]
    detail = http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()
    assert detail["status"] == "cancelled" and detail["tasks"] == []
    assert _history_types(http, iid) == before
    verified(http, iid)


@pytest.mark.parametrize("target", ["task_head_decision", "task_review_masked", "task_proposal"])
def test_a_published_decision_is_not_changed_by_a_rewind(http, target):
    iid = run_minor_case(http)
    public = http.call("GET", "/api/v1/public/disclosures").get_json()
    before = _history_types(http, iid)
    body = _rewind(http, iid, target, expect=403)
    assert body["errors"]["rule"] == "published_decision_stands", body
    assert "withdraw" in body["message"]
    assert http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()["status"] == "completed"
    assert _history_types(http, iid) == before
    assert http.call("GET", "/api/v1/public/disclosures").get_json() == public
    verified(http, iid)


def test_a_step_after_the_publication_may_still_be_rewound(http):
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    publish(http, iid, acts)
    after_publication = _open(http, iid)
    assert after_publication and "task_review_masked" not in after_publication
    step = after_publication[0]
    data = c.EXECUTION if step == "task_execution" else c.ARCHIVE
    acts.complete(iid, step, data)
    _rewind(http, iid, step)
    assert step in _open(http, iid)
    verified(http, iid)


def test_an_unknown_element_id_is_bounded_and_not_echoed_at_length(http):
    iid = to_proposal(http)
    body = _rewind(http, iid, "x" * 5000, expect=422)
    assert "element_id" in body["errors"] and "x" * 300 not in str(body)
