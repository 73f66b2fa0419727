"""Verify replays the history and compares the result with the instance row: a row changed behind the
application's back (its data, status, version, definition, current state or head refs) is reported, although
every event and snapshot is intact."""
from __future__ import annotations

import json

import pytest

from api.extensions import db
from api.models import Instance
from tests import cases as c
from tests.api.tamper import raw
from tests.api.test_audit__verify_and_tampering import verify


def _case(http) -> int:
    iid = http.start("enforcement_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    return iid


def _json(app) -> str:
    with app.app_context():
        return "CAST(:v AS JSONB)" if db.engine.dialect.name == "postgresql" else ":v"


def _row(app, iid: int) -> Instance:
    with app.app_context():
        row = db.session.get(Instance, iid)
        db.session.expunge(row)
        return row


def test_an_untouched_row_matches_its_history(http):
    iid = _case(http)
    result = verify(http, iid)
    assert result["ok"] and result["row_ok"], result["problems"]


def test_changed_case_data_is_reported(http, app):
    iid = _case(http)
    data = _row(app, iid).data | {"party_name": "李四"}  # the party's name changed in the row only
    raw(app, f"UPDATE instances SET data = {_json(app)} WHERE id = :i", v=json.dumps(data, ensure_ascii=False), i=iid)
    result = verify(http, iid)
    assert not result["ok"] and not result["row_ok"]
    assert any(p["kind"] == "row" and p["field"] == "data" and "party_name" in p["problem"]
               for p in result["problems"]), result["problems"]
    assert result["chain_ok"] and result["replay_ok"]  # the history itself is intact


@pytest.mark.parametrize(("field", "sql"), [
    ("status", "UPDATE instances SET status = 'completed' WHERE id = :i"),
    ("version", "UPDATE instances SET version = version + 7 WHERE id = :i"),
    ("definition_key", "UPDATE instances SET definition_key = 'permit_application' WHERE id = :i"),
    ("started_by", "UPDATE instances SET started_by = 'officer3' WHERE id = :i"),
    ("data_ref", "UPDATE instances SET data_ref = :z WHERE id = :i"),
])
def test_a_changed_column_is_reported(http, app, field, sql):
    iid = _case(http)
    raw(app, sql, i=iid, z="0" * 64)
    result = verify(http, iid)
    assert not result["row_ok"] and not result["ok"]
    assert any(p["kind"] == "row" and p["field"] == field for p in result["problems"]), result["problems"]


def test_a_swapped_workflow_state_is_reported(http, app):
    """The row's saved workflow is replaced by an earlier one (the registration undone in the row only)."""
    iid = _case(http)
    fresh = http.start("enforcement_case")["id"]
    raw(app, "UPDATE instances SET state = (SELECT state FROM instances WHERE id = :f) WHERE id = :i", f=fresh, i=iid)
    result = verify(http, iid)
    assert any(p["kind"] == "row" and p["field"] == "state" for p in result["problems"]), result["problems"]


def test_an_unreadable_workflow_state_is_reported_not_a_500(http, app):
    iid = _case(http)
    raw(app, "UPDATE instances SET state = :s WHERE id = :i", s="{not json", i=iid)
    result = verify(http, iid)
    assert any(p["kind"] == "row" and p["field"] == "state" for p in result["problems"]), result["problems"]


def test_a_cancelled_case_whose_row_was_reopened_is_reported(http, app):
    iid = _case(http)
    resp = http.call("POST", f"/api/v1/instances/{iid}/cancel", "admin", json={"reason": "计划已撤销，案件终止。"})
    assert resp.status_code == 200, resp.get_json()
    assert verify(http, iid)["row_ok"]
    raw(app, "UPDATE instances SET status = 'running' WHERE id = :i", i=iid)
    result = verify(http, iid)
    assert any(p["kind"] == "row" and p["field"] == "status" for p in result["problems"]), result["problems"]
