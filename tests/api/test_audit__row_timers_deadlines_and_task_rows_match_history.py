"""Verify compares what the row carries beside the snapshot views with the replayed history: the fire times of
the saved workflow's waiting timers, the row's ``next_due`` (what the timer worker fires) and ``due_at`` (the
deadline the inbox shows), and the case's ready task rows. Found from outside: each of them could be changed in
the database with verify still "ok" — a legal review's overdue timer moved nine days earlier fired the head's
escalation early, a ``next_due`` set to NULL switched it off, and a completed review row set back to ready put a
second review in the inbox."""
from __future__ import annotations

import json

from SpiffWorkflow.util.task import TaskState

from api.extensions import db
from tests import cases as c
from tests.api.tamper import raw, rows_of
from tests.api.test_audit__verify_and_tampering import verify
from tests.api.walk import Acts, review_with_one_loop, to_legal_review, to_proposal, waive_hearing


def _at_review(http) -> int:
    """A major case waiting for its legal review (the review's overdue timer waiting)."""
    return to_legal_review(http)


def _fields(result: dict) -> set[str]:
    return {p.get("field") for p in result["problems"] if p["kind"] == "row"}


def _timer_row(app, iid: int) -> tuple[str, str, str]:
    """(the SpiffWorkflow task id of its workflow_tasks row, its entry, the fire time it holds) of the case's
    waiting timer."""
    for row in rows_of(app, "workflow_tasks", instance_id=iid):
        entry = json.loads(row["entry"]) if row["entry"] else {}
        value = (entry.get("internal_data") or {}).get("event_value")
        if isinstance(value, str) and entry.get("state") == TaskState.WAITING:
            return row["task_id"], row["entry"], value
    raise AssertionError("no waiting timer stored")


def test_a_case_waiting_on_a_timer_verifies_with_its_row(http):
    iid = _at_review(http)
    result = verify(http, iid)
    assert result["ok"] and result["row_ok"], result["problems"]


def test_a_timer_moved_in_the_saved_workflow_and_next_due_is_reported(http, app):
    iid = _at_review(http)
    row_id, entry, value = _timer_row(app, iid)
    earlier = "2026-01-01T23:59:59+08:00"
    assert value != earlier
    raw(app, "UPDATE workflow_tasks SET entry = :e WHERE instance_id = :i AND task_id = :t",
        e=entry.replace(value, earlier), i=iid, t=row_id)
    raw(app, "UPDATE instances SET next_due = :d, row_version = row_version + 1 WHERE id = :i",
        d="2026-01-01 15:59:59", i=iid)
    result = verify(http, iid)
    assert not result["ok"] and {"state", "next_due"} <= _fields(result), result["problems"]
    assert result["chain_ok"] and result["replay_ok"]  # the history itself is intact


def test_a_switched_off_timer_and_a_moved_deadline_are_reported(http, app):
    iid = _at_review(http)
    raw(app, "UPDATE instances SET next_due = NULL, due_at = :d WHERE id = :i", d="2099-01-01 00:00:00", i=iid)
    result = verify(http, iid)
    assert not result["ok"] and "next_due" in _fields(result), result["problems"]
    with app.app_context():
        has_deadline = db.session.execute(db.text("SELECT due_at FROM instances WHERE id = :i"), {"i": iid}).scalar()
    assert has_deadline is not None
    assert "due_at" in _fields(result), result["problems"]


def test_a_completed_task_row_set_back_to_ready_is_reported(http, app):
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    review_with_one_loop(http, iid, acts)
    [first_review, *_] = [r for r in rows_of(app, "tasks", instance_id=iid)
                          if r["element_id"] == "task_legal_review" and r["state"] == "completed"]
    raw(app, "UPDATE tasks SET state = 'ready', completed_at = NULL WHERE id = :t", t=first_review["id"])
    result = verify(http, iid)
    assert not result["ok"] and "tasks" in _fields(result), result["problems"]


def test_a_ready_task_row_marked_completed_is_reported(http, app):
    iid = _at_review(http)
    [review] = [r for r in rows_of(app, "tasks", instance_id=iid) if r["state"] == "ready"]
    raw(app, "UPDATE tasks SET state = 'completed' WHERE id = :t", t=review["id"])
    result = verify(http, iid)
    assert not result["ok"] and "tasks" in _fields(result), result["problems"]
