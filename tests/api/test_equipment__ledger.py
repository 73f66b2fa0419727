"""The equipment ledger: register, check out, return, read; holder_at from the movements."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from api.extensions import db
from api.models import DeviceMovement, Event
from api.services.equipment import holder_at
from engine.errors import RuleViolation
from tests.api.evidence_support import checkout, give_back, new_device


def test_only_admin_or_head_register_and_codes_are_unique(http):
    code = new_device(http, "camera", as_user="head1")
    again = http.call("POST", "/api/v1/devices", "admin", json={"code": code, "name": "相机", "kind": "camera"})
    assert again.status_code == 409
    resp = http.call("POST", "/api/v1/devices", "officer1", json={"code": code + "x", "name": "相机", "kind": "camera"})
    assert resp.status_code == 403
    resp = http.call("POST", "/api/v1/devices", "admin", json={"code": "bad code!", "name": "", "kind": "drone"})
    assert resp.status_code == 422 and {"code", "name", "kind"} <= set(resp.get_json()["errors"])


def test_checkout_and_return_with_the_current_holder(http):
    code = new_device(http)
    listed = {d["code"]: d for d in http.call("GET", "/api/v1/devices", "officer1").get_json()}
    assert listed[code]["holder"] is None
    checkout(http, code, "officer1")
    checkout(http, code, "officer2", expect=409)
    listed = {d["code"]: d for d in http.call("GET", "/api/v1/devices", "auditor1").get_json()}
    assert listed[code]["holder"] == "officer1"
    give_back(http, code, as_user="officer2", expect=403)  # not the holder, not admin/head
    give_back(http, code, as_user="officer1")
    give_back(http, code, expect=409)
    checkout(http, code, "officer2", as_user="officer2")  # an officer may check out to themself
    checkout(http, code, "reviewer1", as_user="admin", expect=422)
    ledger = http.call("GET", f"/api/v1/devices/{code}/ledger", "auditor1").get_json()
    assert [(m["action"], m["officer"], m["by"]) for m in ledger] == [
        ("checkout", "officer1", "admin"), ("return", "officer1", "officer1"), ("checkout", "officer2", "officer2")]
    assert all(m["at"].endswith("+00:00") for m in ledger)
    assert http.call("GET", "/api/v1/devices/NOPE/ledger", "auditor1").status_code == 404


def test_officer_may_not_check_out_to_someone_else(http):
    code = new_device(http)
    checkout(http, code, "officer2", as_user="officer1", expect=403)


def test_holder_at_reads_the_movements(http, app):
    code = new_device(http)
    start = datetime.now(UTC)
    checkout(http, code, "officer1")
    middle = datetime.now(UTC)
    give_back(http, code)
    end = datetime.now(UTC)
    with app.app_context():
        assert holder_at(code, start - timedelta(seconds=1)) is None
        assert holder_at(code, middle) == "officer1"
        assert holder_at(code, middle.replace(tzinfo=None)) == "officer1"  # naive = UTC
        assert holder_at(code, end) is None
        assert holder_at("NO-SUCH-DEVICE", end) is None
        streams = {e.type for e in db.session.scalars(select(Event).where(Event.stream == f"device:{code}"))}
        assert streams == {"device_registered", "device_checkout", "device_return"}


def test_movements_are_append_only(http, app):
    code = new_device(http)
    checkout(http, code, "officer1")
    with app.app_context():
        move = db.session.scalars(select(DeviceMovement).order_by(DeviceMovement.id.desc())).first()
        move.officer = "officer2"
        with pytest.raises(RuleViolation):
            db.session.flush()
        db.session.rollback()
