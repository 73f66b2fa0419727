"""A due timer is taken inside its firing transaction (issue 10 item 7): on PostgreSQL with SELECT ... FOR UPDATE
SKIP LOCKED — a worker skips an instance another holds instead of waiting or firing it again —, on SQLite under
its single write lock. Several workers racing over the same due timers fire each exactly once."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from api.extensions import db
from api.models.types import utcnow
from api.services.timers import fire_due, take_due
from tests.api.timer_support import deploy_timer_case, is_postgres, start_timer_case, ticks


@pytest.fixture
def due_cases(http, app):
    """Six cases whose timers are due one minute from now (fired at +2 minutes)."""
    deploy_timer_case(http)
    at = utcnow() + timedelta(minutes=1)
    return [start_timer_case(http, at) for _ in range(6)], at + timedelta(minutes=1)


def _only_these_due(app, ids, now):
    """Other tests' timers may be due at ``now`` too: fire them first, so the race is over ``ids`` only."""
    with app.app_context():
        fire_due(now - timedelta(minutes=1, seconds=1))
        db.session.remove()


def test_workers_racing_over_the_same_due_timers_fire_each_once(app, due_cases):
    ids, now = due_cases
    _only_these_due(app, ids, now)
    results: list[dict] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def worker() -> None:
        with app.app_context():
            try:
                barrier.wait()
                results.append(fire_due(now))
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert [ticks(app, iid) for iid in ids] == [1] * len(ids)
    assert sum(r["instances"] for r in results) >= len(ids)  # every one fired, by one worker or another
    with app.app_context():
        assert fire_due(now)["instances"] == 0 or all(ticks(app, iid) == 1 for iid in ids)
        assert [ticks(app, iid) for iid in ids] == [1] * len(ids)


def test_a_timer_fired_meanwhile_is_not_taken_again(app, due_cases):
    ids, now = due_cases
    _only_these_due(app, ids, now)
    with app.app_context():
        assert fire_due(now)["instances"] >= len(ids)
        assert take_due(now) is None  # next_due moved on (or the case finished): nothing left to take
        db.session.rollback()
    assert [ticks(app, iid) for iid in ids] == [1] * len(ids)


def test_postgresql_skips_an_instance_another_worker_holds_sqlite_waits_for_the_lock(app, due_cases):
    ids, now = due_cases
    _only_these_due(app, ids, now)
    held = ids[0]
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"],
                          connect_args={"timeout": 30} if not is_postgres(app) else {})
    conn = other.connect()
    try:
        if is_postgres(app):
            # another worker is firing `held`: its row is locked until that transaction ends
            conn.execute(text("SELECT id FROM instances WHERE id = :id FOR UPDATE"), {"id": held})
            with app.app_context():
                done = fire_due(now)  # returns without waiting for the held row
                db.session.remove()
            assert done["instances"] == len(ids) - 1, done
            assert ticks(app, held) == 0 and [ticks(app, i) for i in ids[1:]] == [1] * (len(ids) - 1)
            conn.rollback()  # the other worker died: its transaction is rolled back, the row free again
        else:
            # SQLite has one writer: a worker waits for the write lock, then re-reads the row before it fires
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            release = threading.Timer(1.0, conn.rollback)
            release.start()
            with app.app_context():
                done = fire_due(now)
                db.session.remove()
            release.join()
            assert done["instances"] == len(ids), done
    finally:
        conn.close()
        other.dispose()
    with app.app_context():
        fire_due(now)
        db.session.remove()
    assert [ticks(app, iid) for iid in ids] == [1] * len(ids)
