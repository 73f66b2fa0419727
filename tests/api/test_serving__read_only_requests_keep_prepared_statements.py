"""A transaction that only read ends without a ROLLBACK on PostgreSQL (api/services/commits.py): psycopg drops all of
a connection's prepared statements on a ROLLBACK, so before this every inbox page made the next completion on that
connection parse and plan all its statements again. These tests run on a PostgreSQL database of their own (the
server CI starts, SANXIANG_TEST_PG_SERVER), whatever database the suite runs on.

What must not change: a transaction that wrote anything, set anything or failed still rolls back — nothing of it
is kept.
"""
from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, text

from api import create_app
from api.cli import init_db, seed_demo
from api.extensions import db
from api.models.locks import Lock
from api.services import commits

SERVER = os.environ.get("SANXIANG_TEST_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
PREPARED = "SELECT count(*) FROM pg_prepared_statements"


@contextmanager
def fresh_pg() -> Iterator[str]:
    """The URL of a new PostgreSQL database, dropped afterwards."""
    name = f"sx_prepared_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    """One pooled connection to a database with a table of notes."""
    commits.install()
    with fresh_pg() as url:
        made = create_engine(url, pool_size=1, max_overflow=0)
        with made.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)")
        yield made
        made.dispose()


@pytest.fixture(scope="module")
def pg_app() -> Iterator[Flask]:
    """The app on a database of its own with one pooled connection, schema made and demo users seeded."""
    with fresh_pg() as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_urlsafe(32),
                          "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0, "hide_parameters": True}})
        with app.app_context():
            init_db()
            seed_demo()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _prepare(conn) -> None:
    """Run one statement past psycopg's prepare threshold (5) so the connection holds a prepared statement."""
    for _ in range(7):
        conn.execute(text("SELECT count(*) FROM notes WHERE body = :b"), {"b": "x"})


def _notes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT body FROM notes ORDER BY id")).scalars().all()
        conn.commit()
        return rows


@pytest.mark.parametrize(("statement", "plain"), [
    ("SELECT 1", True),
    ("  select id from notes where id = 1 FOR UPDATE", True),
    ("\nSELECT tasks.id FROM tasks JOIN instances ON instances.id = tasks.instance_id", True),
    ("SELECT nextval('notes_id_seq')", False),
    ("SELECT set_config('sanxiang.x', 'y', false)", False),
    ("SELECT pg_advisory_lock(1)", False),
    ("SELECT pg_notify('c', 'p')", False),
    ("WITH gone AS (DELETE FROM notes RETURNING id) SELECT count(*) FROM gone", False),
    ("INSERT INTO notes (body) VALUES ('a')", False),
    ("UPDATE notes SET body = 'b'", False),
    ("SET statement_timeout = 5", False),
    ("SAVEPOINT sp", False),
    ("/* a comment first */ SELECT 1", False),
])
def test_only_a_plain_select_counts_as_a_read(statement, plain):
    assert commits.is_plain_read(statement) is plain


def test_a_read_only_transaction_keeps_the_prepared_statements(engine):
    with engine.connect() as conn:
        _prepare(conn)
        assert conn.execute(text(PREPARED)).scalar() >= 1
        conn.rollback()  # ended by a COMMIT at the driver: psycopg keeps what it prepared
        assert conn.execute(text(PREPARED)).scalar() >= 1
        conn.rollback()


def test_a_transaction_that_wrote_still_rolls_back(engine):
    with engine.connect() as conn:
        _prepare(conn)
        conn.execute(text("INSERT INTO notes (body) VALUES ('never kept')"))
        _prepare(conn)
        conn.rollback()
        assert conn.execute(text(PREPARED)).scalar() == 0  # a real ROLLBACK: psycopg deallocated everything
        conn.rollback()
    assert "never kept" not in _notes(engine)


def test_a_write_hidden_in_a_select_still_rolls_back(engine):
    with engine.connect() as conn:
        conn.execute(text("WITH made AS (INSERT INTO notes (body) VALUES ('cte') RETURNING id) "
                          "SELECT count(*) FROM made"))
        conn.rollback()
        conn.execute(text("SELECT set_config('sanxiang.probe', 'kept?', false)"))
        conn.rollback()
        assert conn.execute(text("SELECT current_setting('sanxiang.probe', true)")).scalar() in (None, "")
        conn.rollback()
    assert "cte" not in _notes(engine)


def test_a_failed_transaction_rolls_back_and_the_connection_goes_on(engine):
    with engine.connect() as conn:
        with pytest.raises(Exception, match="division by zero"):
            conn.execute(text("SELECT 1 / 0"))
        conn.rollback()
        assert conn.execute(text("SELECT 2")).scalar() == 2
        conn.rollback()


def test_a_session_that_flushed_and_failed_keeps_nothing(pg_app):
    with pg_app.app_context():
        db.session.add(Lock(key="flushed-then-dropped", taken=0))
        db.session.flush()
        assert db.session.get(Lock, "flushed-then-dropped") is not None
        db.session.remove()  # the request's end: rolled back
        assert db.session.get(Lock, "flushed-then-dropped") is None
        db.session.remove()


def test_inbox_pages_leave_the_connection_its_prepared_statements(pg_app):
    """Over HTTP, one pooled connection: seven inbox pages (each a read-only request), then the connection still
    holds the inbox statement prepared — before, each page's ROLLBACK deallocated it."""
    client = pg_app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "officer1", "password": "demo"}).get_json()["token"]
    for _ in range(7):
        resp = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200
    with pg_app.app_context():
        assert db.session.execute(text(PREPARED)).scalar() >= 1
        db.session.remove()
