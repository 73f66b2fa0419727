"""A start, a completion, a timer firing, a rewind and a data edit all go through the one step pipeline
(api/services/steps.py): each is one ``steps.run``, records its cause event followed by one event per engine step,
saves the instance, and runs every hook registered at app start (issue 10 item 2)."""
from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from api.extensions import db
from api.models import Event, Instance
from api.services import steps, timers
from tests.api.helpers import fixture, upload

ACT_FILES = ("act_case.bpmn", "act_record.form", "act_escalation.form", "act_review.form")


@pytest.fixture
def recorded(app, monkeypatch):
    """Every ``steps.run`` call and every hook call, as (kind, instance id, engine step types, actor)."""
    calls: list[tuple] = []
    real_run = steps.run

    def spy_run(case, advance, actor):
        calls.append(("run", actor))
        return real_run(case, advance, actor)

    def hook(instance, taken, actor):
        calls.append(("hook", instance.id, [s.type for s in taken], actor))

    monkeypatch.setattr(steps, "run", spy_run)
    steps.register_hooks(app, hook)
    yield calls
    app.extensions["sanxiang_step_hooks"].remove(hook)


def _events(app, iid: int) -> list[Event]:
    with app.app_context():
        return list(db.session.scalars(select(Event).where(Event.stream == f"instance:{iid}").order_by(Event.seq)))


def _instance(app, iid: int) -> Instance:
    with app.app_context():
        return db.session.get(Instance, iid)


def _check_step(app, iid: int, calls: list[tuple], seen: int, cause: str, actor: str) -> int:
    """The events after ``seen``: the cause, then one engine event per step the hook was given; one run, one hook
    call; the instance row saved with the step's last event as its head. Returns the new event count."""
    assert [c[0] for c in calls] == ["run", "hook"], calls
    (_, run_actor), (_, hook_iid, taken, hook_actor) = calls
    assert run_actor == hook_actor == actor and hook_iid == iid
    events = _events(app, iid)
    new = [e.type for e in events[seen:]]
    assert new == [cause] + [f"engine_{t}" for t in taken], new
    row = _instance(app, iid)  # saved: the row's chain head is the step's last event
    assert (row.last_seq, row.last_hash) == (events[-1].seq, events[-1].hash)
    calls.clear()
    return len(events)


def test_start_complete_timer_rewind_and_edit_run_through_one_pipeline_and_its_hooks(http, app, recorded):
    resp = upload(http, "/api/v1/definitions", {name: fixture(name) for name in ACT_FILES})
    assert resp.status_code == 201, resp.get_json()

    iid = http.start("act_case", {"officers": ["officer1", "officer2"]})["id"]  # a start
    seen = _check_step(app, iid, recorded, 0, "instance_started", "officer1")

    due = _instance(app, iid).next_due
    now = (due if due.tzinfo else due.replace(tzinfo=UTC)) + timedelta(minutes=1)
    with app.app_context():
        assert timers.fire(iid, now) >= 1  # a timer firing (the worker's call)
    seen = _check_step(app, iid, recorded, seen, "timer_tick", "system")

    http.complete(iid, "task_escalation", {"escalation_note": "请尽快完成检查"}, "head1")  # a completion
    seen = _check_step(app, iid, recorded, seen, "task_completed", "head1")

    resp = http.call("POST", f"/api/v1/instances/{iid}/rewind", "admin",
                     json={"element_id": "task_escalation", "reason": "督办意见需重新填写"})  # a rewind
    assert resp.status_code == 200, resp.get_json()
    seen = _check_step(app, iid, recorded, seen, "rewound", "admin")
    assert http.open_task(iid, "task_escalation")

    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {"case_note": "补记"}, "reason": "登记补正"})  # a data edit
    assert resp.status_code == 200, resp.get_json()
    _check_step(app, iid, recorded, seen, "data_edited", "admin")

    body = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()
    assert body["ok"], body


def test_a_refusing_hook_refuses_the_whole_step_and_nothing_is_kept(http, app):
    """A hook runs inside the step: when it refuses (as the disclosure hooks do), the request changes nothing."""
    from engine.errors import RuleViolation

    iid = http.start("enforcement_case")["id"]
    before = len(_events(app, iid))
    task = http.open_task(iid, "task_register")

    def refuse(instance, taken, actor):  # noqa: ARG001
        raise RuleViolation("test_hook", "refused by a registered hook")

    steps.register_hooks(app, refuse)
    try:
        from tests import cases as c

        resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": c.REGISTER})
    finally:
        app.extensions["sanxiang_step_hooks"].remove(refuse)
    assert resp.status_code == 403 and resp.get_json()["errors"] == {"rule": "test_hook"}, resp.get_json()
    assert len(_events(app, iid)) == before
    assert http.open_task(iid, "task_register")["id"] == task["id"]
