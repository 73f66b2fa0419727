"""A step records the calendar settings it ran on (issue 10, settings): a calendar change made in another server
process reaches this one up to SETTINGS_RECHECK_SECONDS late, and a change's time is its request's start while it
commits later, so the time-based rule alone can replay a step with a calendar it never used. Each step's cause event
records the versions of the calendar settings its script engine was built from (hashed with the event); verify
replays it with exactly those, and reports a recorded version that does not exist or was changed after the event.

Every test pins the engine clock, each to a later day than the test before (a step runs on no version changed
after its time, so an earlier test's settings changes must lie before a later test's steps); nothing depends on
today's date."""
from __future__ import annotations

import secrets
import time
import uuid

import pytest
from sqlalchemy import select

from api import create_app
from api.extensions import db
from api.models import Event
from api.services.audit import create_checkpoint, verify_instance
from tests import cases as c
from tests.api.forgery import rehash_stream, restore_checkpoints, rewrite_checkpoints, saved_checkpoints
from tests.api.helpers import beijing, one_lane_bpmn, upload
from tests.api.tamper import set_event_data
from tests.conftest import Api

KEYS = ("calendar_overrides", "calendar_years", "calendar_unknown_year")
HOLIDAY = "2099-12-02"  # a Wednesday: one working day after Tuesday 2099-12-01, unless made a holiday


@pytest.fixture
def overrides(http):
    """The bureau's calendar overrides put back afterwards (as a new version: settings are never edited)."""
    saved = http.call("GET", "/api/v1/settings/calendar_overrides", "admin").get_json()["value"]
    yield saved
    resp = http.call("PUT", "/api/v1/settings/calendar_overrides", "admin", json={"value": saved})
    assert resp.status_code == 200, resp.get_json()


@pytest.fixture
def saved(app):
    """The checkpoints table as it was: put back after the attack (the database is shared by the suite)."""
    rows = saved_checkpoints(app)
    yield rows
    restore_checkpoints(app, rows)


@pytest.fixture
def recheck(app, monkeypatch):
    """This process rechecks the settings as production does (every 5 s)."""
    monkeypatch.setitem(app.config, "SETTINGS_RECHECK_SECONDS", 5.0)


@pytest.fixture
def other_app(app, recheck):
    """A second server process on the same database, with production's 5 s recheck."""
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SECRET_KEY": secrets.token_urlsafe(32), "EVIDENCE_DIR": app.config["EVIDENCE_DIR"],
                        "CORRECTIONS_PER_HOUR": 10_000, "SETTINGS_RECHECK_SECONDS": 5.0})
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _probe(http) -> str:
    """A diagram whose second task's deadline is one working day after the first task's completion."""
    pid = f"versions_probe_{uuid.uuid4().hex[:8]}"
    bpmn = one_lane_bpmn(pid, "日历版本探针", ["start", "task_first", "task_compute", "task_reply", "end"], """\
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="task_first" name="登记">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="case_archive" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:scriptTask id="task_compute" name="起算期限"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>reply_due = add_working_days(today(), 1)</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="task_reply" name="答复">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="case_archive" />
        <spiffworkflow:property name="dueDate" value="reply_due" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task_first" />
    <bpmn:sequenceFlow id="f2" sourceRef="task_first" targetRef="task_compute" />
    <bpmn:sequenceFlow id="f3" sourceRef="task_compute" targetRef="task_reply" />
    <bpmn:sequenceFlow id="f4" sourceRef="task_reply" targetRef="end" />
""")
    resp = upload(http, "/api/v1/definitions", {f"{pid}.bpmn": bpmn.encode()})
    assert resp.status_code == 201, resp.get_json()
    return pid


def _versions(http) -> dict[str, int]:
    """The versions of the calendar settings in force for the demo bureau (the cases' and the admin's)."""
    return {key: http.call("GET", f"/api/v1/settings/{key}", "admin").get_json()["version"] for key in KEYS}


def _add_holiday(http, current: dict) -> None:
    resp = http.call("PUT", "/api/v1/settings/calendar_overrides", "admin",
                     json={"value": {**current, HOLIDAY: False}})
    assert resp.status_code == 200, resp.get_json()


def _completion(app, iid: int) -> Event:
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.stream == f"instance:{iid}",
                                                      Event.type == "task_completed"))
        db.session.expunge(event)
        return event


def _verify(app, iid: int) -> dict:
    with app.app_context():
        return verify_instance(iid)


def _reply_due(http, iid: int) -> str:
    return http.open_task(iid, "task_reply")["due_at"]


def test_a_step_on_a_stale_calendar_of_another_process_verifies_and_records_its_versions(
        app, http, other_app, pin, overrides):
    other = Api(other_app.test_client())
    pid = _probe(http)
    pin(beijing(2099, 12, 1, 10))
    iid = other.start(pid)["id"]  # the other process builds its calendar now (and checks the version marker)
    before = _versions(http)
    _add_holiday(http, overrides)  # this process makes 2099-12-02 a holiday
    assert _versions(http) != before
    # the other process checked the marker a moment ago: for SETTINGS_RECHECK_SECONDS it keeps its calendar
    other_app.extensions["sanxiang_settings"]["checked_at"] = time.monotonic()
    pin(beijing(2099, 12, 1, 10, 0, 2))  # two seconds after the change
    other.complete(iid, "task_first", c.ARCHIVE, "officer1")
    # the deadline the other process computed is the old calendar's (the change had not reached it) ...
    assert _reply_due(http, iid).startswith(HOLIDAY)
    # ... verify replays it with exactly that calendar, which the step's event names
    result = _verify(app, iid)
    assert result["ok"], result["problems"]
    assert _completion(app, iid).data["calendar_versions"] == before
    # a step of this process, after the change, computes and records the new calendar
    second = http.start(pid)["id"]
    http.complete(second, "task_first", c.ARCHIVE, "officer1")
    assert _reply_due(http, second).startswith("2099-12-03")
    assert _completion(app, second).data["calendar_versions"] == _versions(http)
    result = _verify(app, second)
    assert result["ok"], result["problems"]


def test_a_step_that_began_before_a_change_committed_under_it_runs_on_the_calendar_before_it(
        app, http, pin, overrides):
    """One process: a change takes effect at its request's start and commits later; a step whose request began
    before the change but read the settings after the commit must not run on the change (its time precedes it),
    else verify would find a version from the step's future."""
    pid = _probe(http)
    pin(beijing(2099, 12, 8, 9))
    iid = http.start(pid)["id"]
    before = _versions(http)
    pin(beijing(2099, 12, 8, 10, 0, 5))  # the change's request starts at 10:00:05 ...
    resp = http.call("PUT", "/api/v1/settings/calendar_overrides", "admin",
                     json={"value": {**overrides, "2099-12-09": False}})
    assert resp.status_code == 200, resp.get_json()
    pin(beijing(2099, 12, 8, 10))  # ... the step's at 10:00:00, and it reads the settings after the commit
    http.complete(iid, "task_first", c.ARCHIVE, "officer1")
    assert _reply_due(http, iid).startswith("2099-12-09")  # the calendar in force at the step's time
    assert _completion(app, iid).data["calendar_versions"] == before
    result = _verify(app, iid)
    assert result["ok"], result["problems"]

def test_every_step_records_its_versions_in_its_cause_event(app, http, pin):
    pid = _probe(http)
    pin(beijing(2100, 1, 1, 10))
    iid = http.start(pid)["id"]
    http.complete(iid, "task_first", c.ARCHIVE, "officer1")
    with app.app_context():
        events = list(db.session.scalars(select(Event).where(Event.stream == f"instance:{iid}")
                                         .order_by(Event.seq)))
    causes = {e.type: e.data for e in events if not e.type.startswith("engine_")}
    assert set(causes) == {"instance_started", "task_completed"}
    for data in causes.values():
        assert data["calendar_versions"] == _versions(http)


def test_an_edited_recorded_version_breaks_the_chain(app, http, pin):
    pid = _probe(http)
    pin(beijing(2100, 1, 8, 10))
    iid = http.start(pid)["id"]
    http.complete(iid, "task_first", c.ARCHIVE, "officer1")
    completed = _completion(app, iid)
    original = dict(completed.data)
    forged = {**original, "calendar_versions": {**original["calendar_versions"], "calendar_overrides": 0}}
    set_event_data(app, completed.id, forged)
    try:
        result = _verify(app, iid)
        assert not result["ok"] and not result["chain_ok"]
        assert any(p["kind"] == "chain" and p.get("seq") == completed.seq for p in result["problems"]), \
            result["problems"]
    finally:
        set_event_data(app, completed.id, original)
    assert _verify(app, iid)["ok"]


def test_a_rehashed_version_from_after_the_event_is_reported(app, http, pin, overrides, saved, monkeypatch):
    """An attacker with the database rewrites the recorded version to one changed after the step (here with the
    same value, so that the replay alone cannot tell) and re-hashes the chain and the unsigned checkpoints."""
    for key in ("CHECKPOINT_KEY", "CHECKPOINT_PUBLIC_KEY", "CHECKPOINT_FILE"):
        monkeypatch.setitem(app.config, key, None)
    pid = _probe(http)
    pin(beijing(2100, 1, 15, 10))
    iid = http.start(pid)["id"]
    http.complete(iid, "task_first", c.ARCHIVE, "officer1")
    pin(beijing(2100, 1, 15, 11))
    resp = http.call("PUT", "/api/v1/settings/calendar_overrides", "admin", json={"value": overrides})
    assert resp.status_code == 200, resp.get_json()
    later = resp.get_json()["version"]
    with app.app_context():
        create_checkpoint()
        db.session.commit()
    assert _verify(app, iid)["ok"]
    completed = _completion(app, iid)
    forged = {**completed.data, "calendar_versions": {**completed.data["calendar_versions"],
                                                      "calendar_overrides": later}}
    set_event_data(app, completed.id, forged)
    rehash_stream(app, f"instance:{iid}", {})
    rewrite_checkpoints(app, "strip")
    result = _verify(app, iid)
    assert not result["ok"], result["problems"]
    found = [p for p in result["problems"] if p.get("seq") == completed.seq and "calendar_overrides" in p["problem"]]
    assert found and all(p["kind"] == "calendar" for p in found), result["problems"]
    assert "after" in found[0]["problem"]
    # nothing else tells the forgery apart: the chain links, the value is the same
    assert result["chain_ok"] and result["replay_ok"], result["problems"]


def test_a_recorded_version_that_does_not_exist_is_reported(app, http, pin, saved, monkeypatch):
    for key in ("CHECKPOINT_KEY", "CHECKPOINT_PUBLIC_KEY", "CHECKPOINT_FILE"):
        monkeypatch.setitem(app.config, key, None)
    pid = _probe(http)
    pin(beijing(2100, 1, 22, 10))
    iid = http.start(pid)["id"]
    http.complete(iid, "task_first", c.ARCHIVE, "officer1")
    with app.app_context():
        create_checkpoint()
        db.session.commit()
    completed = _completion(app, iid)
    forged = {**completed.data, "calendar_versions": {**completed.data["calendar_versions"],
                                                      "calendar_years": 10**6}}
    set_event_data(app, completed.id, forged)
    rehash_stream(app, f"instance:{iid}", {})
    rewrite_checkpoints(app, "strip")
    result = _verify(app, iid)
    assert not result["ok"]
    found = [p for p in result["problems"] if p["kind"] == "calendar" and p.get("seq") == completed.seq]
    assert found and "calendar_years" in found[0]["problem"] and "does not exist" in found[0]["problem"], \
        result["problems"]
