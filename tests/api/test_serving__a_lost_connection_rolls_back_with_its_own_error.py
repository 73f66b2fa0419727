"""A transaction whose database connection was lost (a server restart, a killed backend) rolls back as ever: the
read-only-transaction listener (api/services/commits.py) must not touch the invalidated connection, where reading
``conn.info`` tries to reconnect and raises PendingRollbackError from inside the rollback, hiding the real error
(the request's OperationalError) behind a different one. Runs on a PostgreSQL database of its own (the server CI
starts, SANXIANG_TEST_PG_SERVER), whatever database the suite runs on."""
from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from api import create_app
from api.cli import init_db, seed_demo
from api.extensions import db
from api.services import commits

SERVER = os.environ.get("SANXIANG_TEST_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")


@contextmanager
def fresh_pg() -> Iterator[tuple[str, Engine]]:
    """The URL of a new PostgreSQL database and an AUTOCOMMIT engine on it (to end its other backends)."""
    name = f"sx_lost_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    killer = create_engine(f"{SERVER}/{name}", isolation_level="AUTOCOMMIT")
    try:
        yield f"{SERVER}/{name}", killer
    finally:
        killer.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _end_other_backends(killer: Engine) -> None:
    with killer.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))


def test_the_rollback_of_a_lost_connection_does_not_raise():
    commits.install()
    with fresh_pg() as (url, killer):
        engine = create_engine(url, pool_size=1, max_overflow=0)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))  # a read-only transaction: the listener would end it with a COMMIT
                _end_other_backends(killer)
                with pytest.raises(OperationalError):
                    conn.execute(text("SELECT 2"))
                assert conn.invalidated
                conn.rollback()  # before the fix: PendingRollbackError from the rollback listener
                assert conn.execute(text("SELECT 3")).scalar() == 3  # reconnected
                conn.rollback()
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def pg_app() -> Iterator[tuple[Flask, Engine]]:
    with fresh_pg() as (url, killer):
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_urlsafe(32),
                          "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0, "hide_parameters": True}})
        with app.app_context():
            init_db()
            seed_demo()
        yield app, killer
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_request_after_the_database_restarted_is_served_on_a_new_connection(pg_app):
    """Found from outside: after a database restart the first request on each pooled connection was a 500 (and the
    timer worker's first run failed). The pool checks a connection before handing it out (pool_pre_ping)."""
    app, killer = pg_app
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "officer1", "password": "demo"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    _end_other_backends(killer)  # the pooled connection's backend is gone
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200


def test_an_unreachable_database_is_503_with_the_error_body_not_500():
    """Found from outside: with the database down every request but the health check answered 500 with a
    traceback in the log; it is 503 (retry), as the health check says."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/none",
                      "SECRET_KEY": secrets.token_urlsafe(32)})
    client = app.test_client()
    for method, url, body in (("GET", "/api/v1/tasks", None), ("POST", "/api/v1/auth/token",
                                                               {"username": "officer1", "password": "demo"})):
        resp = client.open(url, method=method, json=body, headers={"Authorization": "Bearer x" * 3})
        assert resp.status_code == 503, (url, resp.status_code, resp.get_data(as_text=True)[:300])
        reply = resp.get_json()
        assert set(reply) == {"code", "status", "message", "errors"} and "database" in reply["message"]
        assert int(resp.headers["Retry-After"]) >= 1


def test_the_health_check_answers_from_its_own_connection_after_the_pool_lost_its_own(pg_app):
    """The load balancer's check makes its own connection for each probe (api/health): backends ended under the
    pool (a server restart) do not make it answer 503 while the database answers, and a request on the pool still
    fails with its own error, then reconnects."""
    app, killer = pg_app
    client = app.test_client()
    assert client.get("/api/v1/health").status_code == 200
    token = client.post("/api/v1/auth/token", json={"username": "officer1", "password": "demo"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    _end_other_backends(killer)
    resp = client.get("/api/v1/health")
    assert resp.status_code == 200 and resp.get_json()["database"] == "ok"
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200  # the pool reconnected (pre-ping)
