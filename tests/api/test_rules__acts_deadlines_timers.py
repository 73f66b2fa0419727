"""Enforcement acts (APL 42 two officers, seed 四(二)2 A/V), APL 58 reviewer qualification,
deadlines with yellow/red warnings, and timers fired by the worker — on a small fixture process."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from api.extensions import db
from api.models import Instance, TaskRow, User
from api.security import hash_password
from api.worker import tick
from tests.api.evidence_support import MP4, av_meta, checkout, media, new_device, upload
from tests.api.helpers import fixture
from tests.api.helpers import upload as upload_files
from tests.api.test_audit__verify_and_tampering import verify
from tests.cases import DUTIES

ACT_FILES = ("act_case.bpmn", "act_record.form", "act_escalation.form", "act_review.form")


@pytest.fixture
def act_case(http) -> str:
    resp = upload_files(http, "/api/v1/definitions", {name: fixture(name) for name in ACT_FILES})
    assert resp.status_code == 201, resp.get_json()
    return "act_case"


def _start(http, officers: list[str]) -> tuple[int, dict]:
    iid = http.start("act_case", {"officers": officers})["id"]
    return iid, http.open_task(iid, "task_act")


def _complete(http, task: dict, user: str = "officer1"):
    return http.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, json={"data": {"act_record_text": "检查", **DUTIES}})


def _attach_av(http, iid: int, task_id: str) -> None:
    device = new_device(http)
    checkout(http, device, "officer1")
    resp = upload(http, iid, media(MP4), "act.mp4", av_meta(device, task_id=task_id))
    assert resp.status_code == 201, resp.get_json()


def test_an_act_needs_two_officers_with_valid_certificates__APL_42(http, app, act_case):
    with app.app_context():
        if db.session.scalar(select(User).where(User.username == "nocert1")) is None:
            db.session.add(User(username="nocert1", display_name="无证人员", roles=["officer"],
                                password_hash=hash_password("demo")))
            db.session.commit()
    for officers in (["officer1"], ["officer1", "nocert1"], ["officer1", "head1"]):
        iid, task = _start(http, officers)
        resp = _complete(http, task)
        assert resp.status_code == 403, officers
        assert resp.get_json()["errors"]["rule"] == "two_officers"
        assert "APL 42" in resp.get_json()["message"]


def test_a_site_inspection_needs_an_av_record_attached__seed_4_2_2(http, act_case):
    iid, task = _start(http, ["officer1", "officer2"])
    resp = _complete(http, task)
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "av_required"
    _attach_av(http, iid, task["id"])
    assert _complete(http, task).status_code == 200


def test_the_recording_table_is_a_versioned_setting(http, act_case):
    url = "/api/v1/settings/recording_requirements"
    current = http.call("GET", url, "owner1").get_json()
    assert current["value"]["acts"]["site_inspection"] == "av"
    bad = http.call("PUT", url, "owner1", json={"value": {"acts": {"site_inspection": "maybe"}}})
    assert bad.status_code == 422
    assert http.call("PUT", url, "officer1", json={"value": current["value"]}).status_code == 403
    relaxed = {**current["value"], "acts": {**current["value"]["acts"], "site_inspection": "text"}}
    changed = http.call("PUT", url, "owner1", json={"value": relaxed}).get_json()
    assert changed["version"] == current["version"] + 1
    try:
        iid, task = _start(http, ["officer1", "officer2"])
        assert _complete(http, task).status_code == 200
    finally:
        http.call("PUT", url, "owner1", json={"value": current["value"]})


def test_full_process_av_when_major_property_rights_are_touched(http, act_case):
    url = "/api/v1/settings/recording_requirements"
    current = http.call("GET", url, "owner1").get_json()["value"]
    relaxed = {**current, "acts": {**current["acts"], "site_inspection": "text"}}
    http.call("PUT", url, "owner1", json={"value": relaxed})
    try:
        iid = http.start("act_case", {"officers": ["officer1", "officer2"], "major_property_rights": True})["id"]
        task = http.open_task(iid, "task_act")
        assert _complete(http, task).get_json()["errors"]["rule"] == "av_required"
    finally:
        http.call("PUT", url, "owner1", json={"value": current})


def test_reviewers_must_hold_the_legal_qualification__APL_58(http, app, act_case):
    with app.app_context():
        if db.session.scalar(select(User).where(User.username == "unqualified1")) is None:
            db.session.add(User(username="unqualified1", display_name="未取得资格", roles=["legal_reviewer"],
                                password_hash=hash_password("demo"), legal_qualified=False))
            db.session.commit()
    iid, task = _start(http, ["officer1", "officer2"])
    _attach_av(http, iid, task["id"])
    _complete(http, task)
    review = http.open_task(iid, "task_review")
    resp = http.call("POST", f"/api/v1/tasks/{review['id']}/complete", "unqualified1",
                     json={"data": {"review_note": "同意"}})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "legal_qualification"
    resp = http.call("POST", f"/api/v1/tasks/{review['id']}/complete", "reviewer1", json={"data": {"review_note": "同意"}})
    assert resp.status_code == 200


def test_deadlines_and_warnings_on_tasks_and_instances(http, app, act_case):
    iid, task = _start(http, ["officer1", "officer2"])
    assert task["due_at"] is not None
    assert task["warning"] == "yellow"  # two working days left: within the default warning of 2
    instance = http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()
    assert instance["due_at"] is not None
    from api.services.deadlines import warning_for

    with app.test_request_context():
        due = datetime.fromisoformat(task["due_at"])
        assert warning_for(due, due + timedelta(seconds=1)) == "red"
        assert warning_for(due, due - timedelta(days=30)) is None
    inbox = http.call("GET", "/api/v1/tasks?scope=candidate&per_page=200", "officer1").get_json()
    dated = [t["due_at"] for t in inbox if t["due_at"]]
    assert dated == sorted(dated)  # the inbox sorts by urgency: nearest deadline first


def test_the_worker_fires_a_due_timer_and_the_escalation_replays(http, app, act_case):
    iid, task = _start(http, ["officer1", "officer2"])
    with app.app_context():
        next_due = db.session.get(Instance, iid).next_due
    assert next_due is not None
    before = next_due if next_due.tzinfo else next_due.replace(tzinfo=UTC)
    assert tick(app, before - timedelta(minutes=1))["timers"] == 0
    done = tick(app, before + timedelta(minutes=1))
    assert done["timers"] >= 1
    escalation = http.open_task(iid, "task_escalation")
    assert escalation["role"] == "head"
    events = http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
    assert any(e["type"] == "timer_tick" for e in events)
    assert any(e["type"] == "engine_timer_fired" and e["element_id"] == "timer_overdue" for e in events), [(e["type"], e["element_id"]) for e in events]
    http.complete(iid, "task_escalation", {"escalation_note": "请尽快完成检查"}, "head1")
    with app.app_context():
        rows = db.session.scalars(select(TaskRow).where(TaskRow.instance_id == iid, TaskRow.element_id == "task_act"))
        assert [r.state for r in rows] == ["ready"]  # non-interrupting: the act is still open
    result = verify(http, iid)
    assert result["ok"], result["problems"]
