"""Rules the service enforces whatever the diagram says: roles, separation of duties, the APL 58 gate."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api.extensions import db
from api.models import Event, Instance, User
from api.security import hash_password
from tests import cases as c
from tests.api.helpers import fixture, upload
from tests.api.walk import Acts, to_proposal, waive_hearing


def _to_proposal(http, key: str = "enforcement_case") -> int:
    if key == "enforcement_case":
        return to_proposal(http)
    iid = http.start(key)["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    return iid


def test_only_the_lanes_role_may_claim_or_complete(http):
    iid = http.start("enforcement_case")["id"]
    task = http.open_task(iid, "task_register")
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "head1", json={"data": c.REGISTER})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "role"
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/claim", "reviewer1")
    assert resp.status_code == 403


def test_claim_unclaim_and_claimed_by_another(http):
    iid = http.start("enforcement_case")["id"]
    task = http.open_task(iid, "task_register")
    url = f"/api/v1/tasks/{task['id']}"
    assert http.call("POST", url + "/claim", "officer1").get_json()["assignee"] == "officer1"
    mine = http.call("GET", f"/api/v1/tasks?scope=mine&instance_id={iid}", "officer1").get_json()
    assert task["id"] in {t["id"] for t in mine}
    assert http.call("POST", url + "/claim", "officer2").status_code == 409
    resp = http.call("POST", url + "/complete", "officer2", json={"data": c.REGISTER})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "assignee"
    assert http.call("POST", url + "/unclaim", "officer1").get_json()["assignee"] is None
    candidates = http.call("GET", f"/api/v1/tasks?scope=candidate&instance_id={iid}", "officer2").get_json()
    assert task["id"] in {t["id"] for t in candidates}
    assert http.call("POST", url + "/complete", "officer2", json={"data": c.REGISTER}).status_code == 200
    assert http.call("POST", url + "/complete", "officer2", json={"data": c.REGISTER}).status_code == 409
    types = [e["type"] for e in http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()]
    assert types[:5] == ["instance_started", "engine_start", "task_claimed", "task_unclaimed", "task_completed"]


def test_invalid_form_data_is_422_and_changes_nothing(http, app):
    iid = http.start("enforcement_case")["id"]
    task = http.open_task(iid, "task_register")
    with app.app_context():
        before = db.session.get(Instance, iid)
        snapshot = (before.state, before.row_version, before.last_seq)
        events = db.session.scalar(select(func.count()).select_from(Event).where(Event.stream == f"instance:{iid}"))
    bad = {**c.REGISTER, "party_type": "alien", "unknown_field": 1}
    bad.pop("case_title")
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": bad})
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert {"party_type", "case_title", "unknown_field"} <= set(errors)
    with app.app_context():
        after = db.session.get(Instance, iid)
        assert (after.state, after.row_version, after.last_seq) == snapshot
        assert db.session.scalar(select(func.count()).select_from(Event).where(Event.stream == f"instance:{iid}")) == events
    assert http.open_task(iid, "task_register")["state"] == "ready"


def test_reviewer_may_not_be_an_officer_of_the_case(http, app):
    with app.app_context():
        if db.session.scalar(select(User).where(User.username == "dual1")) is None:
            db.session.add(User(username="dual1", display_name="兼职人员", roles=["officer", "legal_reviewer"],
                                password_hash=hash_password("demo"), legal_qualified=True))
            db.session.commit()
    iid = _to_proposal(http)
    acts = Acts(http)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR, "dual1")
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW, "officer1")
    review = http.open_task(iid, "task_legal_review")
    resp = http.call("POST", f"/api/v1/tasks/{review['id']}/claim", "dual1")
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "separation_of_duties"
    resp = http.call("POST", f"/api/v1/tasks/{review['id']}/complete", "dual1", json={"data": c.REVIEW_AGREE})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "separation_of_duties"
    http.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")


@pytest.fixture
def forgetful(http) -> str:
    """Deploy a diagram with no catalogue task and no legal review (idempotent)."""
    resp = upload(http, "/api/v1/definitions", {"forgetful_case.bpmn": fixture("forgetful_case.bpmn")})
    assert resp.status_code == 201, resp.get_json()
    return "forgetful_case"


def test_major_decision_needs_a_passed_review_even_when_the_diagram_forgets_it(http, forgetful):
    """APL 58: the gate holds for a deployed diagram with no catalogue task and no legal review."""
    iid = _to_proposal(http, "forgetful_case")
    http.complete(iid, "task_proposal", c.PROPOSAL_MAJOR, "officer1")
    decision = http.open_task(iid, "task_head_decision")
    resp = http.call("POST", f"/api/v1/tasks/{decision['id']}/complete", "head1", json={"data": c.DECISION})
    assert resp.status_code == 403
    body = resp.get_json()
    assert body["errors"]["rule"] == "legal_review_gate"
    assert "fine_person_ge_10000" in body["message"]
    assert http.open_task(iid, "task_head_decision")["state"] == "ready"


def test_minor_decision_passes_the_gate_in_the_forgetful_diagram(http, forgetful):
    iid = _to_proposal(http, forgetful)
    http.complete(iid, "task_proposal", c.PROPOSAL_MINOR, "officer1")
    result = http.complete(iid, "task_head_decision", c.DECISION, "head1")
    assert result["status"] == "completed"


def test_revoking_a_licence_is_major_and_gated(http, forgetful):
    iid = _to_proposal(http, forgetful)
    http.complete(iid, "task_proposal", {**c.PROPOSAL_MINOR, "penalty_kind": "revoke_licence"}, "officer1")
    decision = http.open_task(iid, "task_head_decision")
    resp = http.call("POST", f"/api/v1/tasks/{decision['id']}/complete", "head1", json={"data": c.DECISION})
    assert resp.status_code == 403 and "revoke_licence" in resp.get_json()["message"]
