"""Reviewers' training records (定期培训, seed 四(三)2) through HTTP: kept by the admin of the reviewer's bureau,
append-only (a correction or withdrawal is a new attributed entry, the database refuses a changed row), read within
the bureau (a supervisor read-only), and shown where a legal review is offered and claimed: the last training date,
the hours this year and a warning when none in the bureau's ``reviewer_training_months``."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from api.extensions import db
from tests.api.walk import to_legal_review, today


def _reviewer(http) -> str:
    """A fresh legal reviewer of the demo bureau (no training yet)."""
    name = f"rev-{uuid.uuid4().hex[:8]}"
    body = {"username": name, "display_name": f"审核员{name}", "password": "a-long-password-1",
            "roles": ["legal_reviewer"], "legal_qualified": True, "org": "nj-mzj"}
    resp = http.call("POST", "/api/v1/users", "admin", json=body)
    assert resp.status_code == 201, resp.get_json()
    return name


def _days_ago(n: int) -> str:
    from datetime import date

    return (date.fromisoformat(today()) - timedelta(days=n)).isoformat()


def _train(http, who: str, expect: int = 201, as_user: str = "admin", **values):
    body = {"trained_on": today(), "topic": "行政处罚法修订要点", "hours": 4, "organiser": "河北省司法厅",
            "certificate": "冀培〔2026〕12号", **values}
    body = {k: v for k, v in body.items() if v is not None}  # None: the field left out
    resp = http.call("POST", f"/api/v1/training/{who}", as_user, json=body)
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()


def _record(http, who: str, as_user: str = "admin"):
    return http.call("GET", f"/api/v1/training/{who}", as_user)


def test_training_is_recorded_and_corrected_by_new_entries_only(http):
    who = _reviewer(http)
    first = _train(http, who, trained_on=_days_ago(1), hours=4)
    assert first["recorded_by"] == "admin" and first["corrects"] is None
    wrong = _train(http, who, topic="合法性审核实务", hours=30)
    # hours typed wrong: the correction names the entry and says why; the wrong entry stays in the history
    assert "reason" in _train(http, who, 422, corrects=wrong["id"], hours=3)["errors"]
    fixed = _train(http, who, corrects=wrong["id"], hours=3, topic="合法性审核实务", reason="学时录入错误，应为3学时")
    assert "corrects" in _train(http, who, 422, corrects=wrong["id"], hours=2, reason="再改")["errors"]  # superseded
    body = _record(http, who).get_json()
    assert [r["id"] for r in body["records"]] == [first["id"], fixed["id"]]
    assert [r["id"] for r in body["history"]] == [first["id"], wrong["id"], fixed["id"]]
    assert body["summary"]["hours_this_year"] == (7 if _days_ago(1)[:4] == today()[:4] else 3)
    assert body["summary"]["last_training_date"] == today() and body["summary"]["warning"] is None
    # a withdrawal (recorded by mistake) keeps the entry's fields and takes it out of the record in force
    gone = _train(http, who, corrects=fixed["id"], withdrawn=True, reason="重复录入", expect=201, topic=None,
                  hours=None, organiser=None, trained_on=None, certificate=None)
    assert gone["withdrawn"] is True and gone["topic"] == "合法性审核实务"
    assert [r["id"] for r in _record(http, who).get_json()["records"]] == [first["id"]]


@pytest.mark.parametrize("bad", [
    {"hours": -1}, {"hours": 0}, {"hours": "4h"}, {"topic": "  "}, {"topic": "a\x00b"}, {"trained_on": "2026-13-01"},
    {"organiser": "x" * 300}, {"unknown": 1}, {"corrects": "1; drop table"}, {"withdrawn": True},
])
def test_hostile_entries_are_refused_naming_the_field(http, bad):
    who = _reviewer(http)
    # a NUL is refused for every request before validation (400), the rest by the schema (422): both name the field
    resp = _train(http, who, 400 if any("\x00" in str(v) for v in bad.values()) else 422, **bad)
    field = next(iter(bad)) if "withdrawn" not in bad else "corrects"
    assert field in resp["errors"], resp
    assert _record(http, who).get_json()["history"] == []


def test_a_training_in_the_future_is_refused(http):
    who = _reviewer(http)
    tomorrow = _days_ago(-1)
    assert "trained_on" in _train(http, who, 422, trained_on=tomorrow)["errors"]


def test_the_database_refuses_to_change_or_delete_a_recorded_entry(http, app):
    who = _reviewer(http)
    _train(http, who)
    with app.app_context():
        for statement in ("UPDATE training_records SET hours = 99", "DELETE FROM training_records"):
            with pytest.raises(Exception, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(text(statement))
    assert _record(http, who).get_json()["records"][0]["hours"] == 4


def test_only_the_bureau_reads_and_only_its_admin_writes(http):
    who = _reviewer(http)
    _train(http, who)
    assert _record(http, who, "head3").status_code == 404  # the county's other bureau: no such user for them
    assert _record(http, who, "officer1").status_code == 403  # no role for it
    assert _record(http, who, "head1").status_code == 200
    assert _record(http, who, "supervisor1").status_code == 200  # the justice bureau reads the county
    assert _train(http, who, 403, as_user="supervisor1")["errors"]["rule"] == "role"
    assert _train(http, who, 403, as_user="head1")["errors"]["rule"] == "role"
    assert _train(http, "officer4", 404)  # the admin's reach ends at the bureau
    assert len(_record(http, who).get_json()["history"]) == 1


def _to_legal_review(http) -> int:
    return to_legal_review(http)


def _months(http, value: int) -> None:
    resp = http.call("PUT", "/api/v1/settings/reviewer_training_months", "admin", json={"value": value})
    assert resp.status_code == 200, resp.get_json()


def test_the_review_task_shows_each_reviewers_training_and_warns_after_the_configured_months(http):
    trained, untrained, stale = _reviewer(http), _reviewer(http), _reviewer(http)
    _train(http, trained, hours=6)
    _train(http, stale, trained_on=_days_ago(70), hours=2)
    iid = _to_legal_review(http)
    task = http.open_task(iid, "task_legal_review")
    detail = http.call("GET", f"/api/v1/tasks/{task['id']}", "reviewer1").get_json()
    shown = {r["username"]: r for r in detail["reviewer_training"]}
    assert shown[trained]["last_training_date"] == today() and shown[trained]["hours_this_year"] == 6
    assert shown[trained]["warning"] is None
    assert shown[untrained]["last_training_date"] is None and shown[untrained]["warning"] == "no training recorded"
    assert shown[stale]["warning"] is None  # 70 days is within the default 12 months
    assert "head1" not in shown  # reviewers only
    try:
        _months(http, 2)
        detail = http.call("GET", f"/api/v1/tasks/{task['id']}", "reviewer1").get_json()
        shown = {r["username"]: r for r in detail["reviewer_training"]}
        assert shown[stale]["warning"] == "no training recorded in the last 2 months"
        assert shown[trained]["warning"] is None
        assert http.call("PUT", "/api/v1/settings/reviewer_training_months", "admin",
                         json={"value": 0}).status_code == 422
    finally:
        _months(http, 12)
    # claiming shows it again, the claimer marked; another task of the case shows none
    claimed = http.call("POST", f"/api/v1/tasks/{task['id']}/claim", "reviewer1").get_json()
    assert [r["username"] for r in claimed["reviewer_training"] if r["assignee"]] == ["reviewer1"]
    fresh = http.start("enforcement_case")["id"]
    register = http.open_task(fresh, "task_register")
    assert http.call("GET", f"/api/v1/tasks/{register['id']}", "officer1").get_json()["reviewer_training"] == []
