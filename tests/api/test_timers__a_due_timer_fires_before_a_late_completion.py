"""A completion sent after an interrupting timer of its case fell due sees that timer fired first, whatever the timer
worker's lag: the timer's tick is recorded and the completion is refused (409, the task was cancelled by the timer).
Found from outside: a completion 2 s after the due time, the workers busy or stopped, completed the task and the
timer never fired; the outcome depended on how far the worker's queue had got."""
from __future__ import annotations

from datetime import timedelta

from api.models.types import utcnow
from engine import clock
from tests.api.test_audit__verify_and_tampering import verify
from tests.api.timer_support import deploy_timer_case, start_timer_case


def _verified(http, iid: int, monkeypatch, now) -> None:
    monkeypatch.setattr(clock, "now", now)  # unpinned: the replay runs each event at its own instant
    result = verify(http, iid)
    assert result["ok"], result["problems"]


def _types(http, iid: int) -> list[str]:
    return [e["type"] for e in http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json()]


def _complete_at(http, pin, after_due: timedelta, note: str):
    """A timer case due in 5 minutes whose waiting task is completed at ``after_due`` from its due time (no worker
    runs in the tests: nothing fires the timer meanwhile); (the case id, the response)."""
    deploy_timer_case(http)
    due = utcnow() + timedelta(minutes=5)
    iid = start_timer_case(http, due)
    task = http.open_task(iid, "task_wait")
    pin(due + after_due)
    return iid, http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": {"note": note}})


def test_a_completion_after_the_due_time_finds_the_timer_fired(http, pin, monkeypatch):
    now = clock.now
    iid, resp = _complete_at(http, pin, timedelta(seconds=2), "迟到的办理")
    assert resp.status_code == 409, resp.get_json()
    assert "cancelled" in resp.get_json()["message"]
    types = _types(http, iid)
    assert types.count("timer_tick") == 1 and "task_completed" not in types
    detail = http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()
    assert [t["element_id"] for t in detail["tasks"]] == ["task_after"]
    _verified(http, iid, monkeypatch, now)


def test_a_completion_before_the_due_time_completes(http, pin, monkeypatch):
    now = clock.now
    iid, resp = _complete_at(http, pin, timedelta(seconds=-1), "按时办理")
    assert resp.status_code == 200, resp.get_json()
    types = _types(http, iid)
    assert "timer_tick" not in types and types.count("task_completed") == 1
    _verified(http, iid, monkeypatch, now)
