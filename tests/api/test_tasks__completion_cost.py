"""A completion is a handful of SQL statements and exactly one commit (counted, not timed)."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from api.extensions import db
from tests import cases as c


@contextmanager
def counting(app):
    counts = {"statements": 0, "commits": 0, "sql": [], "text": []}
    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        counts["statements"] += 1
        counts["sql"].append(statement.split()[0])
        counts["text"].append(statement[:90])

    def commit(conn):  # noqa: ARG001
        counts["commits"] += 1

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "commit", commit)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "commit", commit)


def test_completing_a_task_costs_a_handful_of_statements_and_one_commit(http, app):
    iid = http.start("enforcement_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    task = http.open_task(iid, "task_recusal")
    http.token("officer1")  # log in outside the measured request
    with counting(app) as counts:
        resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": c.RECUSAL_NONE})
    assert resp.status_code == 200, resp.get_json()
    assert counts["commits"] == 1
    # the case's lock on SQLite is a no-op UPDATE taking the write lock (a SELECT ... FOR UPDATE on PostgreSQL)
    writes = [s for s, text in zip(counts["sql"], counts["text"], strict=True)
              if s in ("INSERT", "UPDATE", "DELETE") and "row_version=instances.row_version" not in text]
    assert "DELETE" not in writes, [t for t in counts["text"] if t.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    # events, instance, task rows (the completed one, the new one), blobs, and the workflow's changed tasks (one
    # upsert: api/services/instances.py)
    assert len(writes) <= 6, [t for t in counts["text"] if t.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    # token+user, task, the case's lock and the task read again under it (racing writers queue, issue 8),
    # instance, the settings version marker (at most every SETTINGS_RECHECK_SECONDS), the case's recusal decisions
    # (APL 43, from its history), ready rows, existing snapshot blobs, <= 6 writes, the response's open-task read;
    # the workflow itself comes from the process's hot cache (no read)
    assert counts["statements"] <= 15, counts["sql"]
