"""Verification: a clean case verifies (chain + replay); each kind of tampering is reported where it shows."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from api.extensions import db
from api.models import Event, Instance
from api.services.audit import create_checkpoint
from tests import cases as c
from tests.api.tamper import raw, set_event_data
from tests.api.walk import run_major_case


def verify(http, iid: int) -> dict:
    resp = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def events_of(app, iid: int) -> list[Event]:
    with app.app_context():
        rows = list(db.session.scalars(select(Event).where(Event.stream == f"instance:{iid}").order_by(Event.seq)))
        db.session.expunge_all()
        return rows


@pytest.fixture
def case(http) -> int:
    return run_major_case(http)


def test_a_clean_major_case_verifies_with_chain_and_replay(http, case):
    result = verify(http, case)
    assert result["problems"] == []
    assert result["chain_ok"] and result["replay_ok"] and result["definitions_ok"] and result["ok"]
    assert result["events"] > 20
    assert result["replayed"] == result["events"]


def test_a_changed_byte_in_an_events_data_is_reported_at_that_event(http, app, case):
    target = next(e for e in events_of(app, case) if e.type == "task_completed" and e.element_id == "task_proposal")
    data = dict(target.data)
    data["submitted"] = {**data["submitted"], "fine_amount": 2000}
    set_event_data(app, target.id, data)
    result = verify(http, case)
    assert not result["chain_ok"] and not result["ok"]
    assert any(p["kind"] == "chain" and p["seq"] == target.seq for p in result["problems"])
    assert any(p["kind"] == "replay" and p["seq"] <= target.seq + 3 for p in result["problems"]), result["problems"]


def test_a_deleted_event_is_reported(http, app, case):
    victim = events_of(app, case)[6]
    raw(app, "DELETE FROM events WHERE id = :id", id=victim.id)
    result = verify(http, case)
    assert any(p["kind"] == "chain" and p["seq"] == victim.seq + 1 for p in result["problems"]), result["problems"]


def test_reordered_events_are_reported(http, app, case):
    a, b = events_of(app, case)[4:6]
    raw(app, "UPDATE events SET seq = -1 WHERE id = :id", id=a.id)
    raw(app, "UPDATE events SET seq = :s WHERE id = :id", s=a.seq, id=b.id)
    raw(app, "UPDATE events SET seq = :s WHERE id = :id", s=b.seq, id=a.id)
    result = verify(http, case)
    assert not result["chain_ok"]
    assert {a.seq, b.seq} & {p.get("seq") for p in result["problems"] if p["kind"] == "chain"}


def test_all_of_an_instances_events_deleted_is_reported_by_the_checkpoint(http, app, case):
    with app.app_context():
        create_checkpoint()
        db.session.commit()
    raw(app, "DELETE FROM events WHERE instance_id = :iid", iid=case)
    # the attacker also resets the instance's own head
    raw(app, "UPDATE instances SET last_seq = 0, last_hash = :g WHERE id = :iid", g="0" * 64, iid=case)
    result = verify(http, case)
    assert not result["ok"]
    assert any(p["kind"] == "checkpoint" and "gone" in p["problem"] for p in result["problems"]), result["problems"]


def test_deleting_the_last_events_is_reported_by_the_instance_head(http, app, case):
    last = events_of(app, case)[-1]
    raw(app, "DELETE FROM events WHERE id = :id", id=last.id)
    result = verify(http, case)
    assert any(p["kind"] == "chain" and "removed" in p["problem"] for p in result["problems"]), result["problems"]


def test_an_altered_snapshot_is_reported(http, app, case):
    target = next(e for e in events_of(app, case) if e.type == "task_completed" and e.element_id == "task_register")
    # blobs are shared by content across instances: put it back afterwards
    raw(app, "UPDATE blobs SET content = replace(content, '张三', '李四') WHERE sha256 = :s", s=target.data_ref)
    try:
        result = verify(http, case)
        assert not result["replay_ok"]
        assert any(p["kind"] == "snapshot" and p["ref"] == target.data_ref for p in result["problems"])
    finally:
        raw(app, "UPDATE blobs SET content = replace(content, '李四', '张三') WHERE sha256 = :s", s=target.data_ref)


def test_a_changed_definition_file_is_reported(http, app, case):
    with app.app_context():
        manifest = db.session.get(Instance, case).manifest
    sha = manifest["legal_review.bpmn"]
    raw(app, "UPDATE definition_files SET content = :c WHERE sha256 = :s", c=b"<tampered/>", s=sha)
    try:
        result = verify(http, case)
        assert not result["definitions_ok"]
        assert any(p["kind"] == "definition" and p["file"] == "legal_review.bpmn" for p in result["problems"])
    finally:
        with app.app_context():
            from api.cli import project_files

            original = project_files(app.config["PROCESSES_DIR"])["legal_review.bpmn"]
        raw(app, "UPDATE definition_files SET content = :c WHERE sha256 = :s", c=original, s=sha)


def test_state_after_each_event_comes_from_stored_snapshots(http, app, case):
    evs = events_of(app, case)
    first = http.call("GET", f"/api/v1/instances/{case}/history/1/state", "auditor1").get_json()
    assert first["type"] == "instance_started" and "case_title" not in first["data"]
    assert not any(e["element_id"] == "task_register" and e["state"] == "READY" for e in first["elements"])
    start = next(e for e in evs if e.type == "engine_start" and e.element_id == "start_case")
    started = http.call("GET", f"/api/v1/instances/{case}/history/{start.seq}/state", "auditor1").get_json()
    assert any(e["element_id"] == "task_register" and e["state"] == "READY" for e in started["elements"])
    reg = next(e for e in evs if e.type == "task_completed" and e.element_id == "task_register")
    after = http.call("GET", f"/api/v1/instances/{case}/history/{reg.seq}/state", "auditor1").get_json()
    assert after["data"]["case_title"] == c.REGISTER["case_title"]
    assert any(e["element_id"] == "task_register" and e["state"] == "COMPLETED" for e in after["elements"])
    assert http.call("GET", f"/api/v1/instances/{case}/history/9999/state", "auditor1").status_code == 404


def test_cli_verifies_and_fails_on_tampering(http, app, case):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify", str(case)])
    assert ok.exit_code == 0 and "OK" in ok.output, ok.output
    victim = events_of(app, case)[3]
    raw(app, "DELETE FROM events WHERE id = :id", id=victim.id)
    bad = runner.invoke(args=["audit", "verify", str(case)])
    assert bad.exit_code == 1 and "FAILED" in bad.output
