"""Fixtures: an app on SQLite (default) or on SANXIANG_TEST_DATABASE_URL (PostgreSQL in CI),
with the shipped processes deployed and the demo users created."""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from api.cli import deploy_dirs, init_db, seed_demo
from api.extensions import db
from tests import cases

#: every fast task search of engine/walk.py is checked against SpiffWorkflow's own iterator in the tests
os.environ.setdefault("SANXIANG_CHECK_WALKS", "1")


@pytest.fixture(autouse=True)
def _beijing_today() -> None:
    """Every test sees the Beijing date of its own start (tests/cases.py `refresh_today`)."""
    cases.refresh_today()


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("SANXIANG_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
                      "SECRET_KEY": secrets.token_urlsafe(32),
                      # every test client is 127.0.0.1: the throttle's own tests lower this (test_public__*throttled)
                      "CORRECTIONS_PER_HOUR": 10_000})
    with app.app_context():
        db.drop_all()
        init_db()
        deploy_dirs()
        seed_demo()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Api:
    """A tiny HTTP helper that logs in as demo users and remembers their tokens."""

    _tokens: dict[str, str] = {}

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def token(self, username: str) -> str:
        if username not in self._tokens:
            resp = self.client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
            assert resp.status_code == 200, resp.get_json()
            self._tokens[username] = resp.get_json()["token"]
        return self._tokens[username]

    def call(self, method: str, url: str, as_user: str | None = None, **kwargs: Any):
        headers = kwargs.pop("headers", {})
        if as_user:
            headers["Authorization"] = f"Bearer {self.token(as_user)}"
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def start(self, key: str, data: dict | None = None, as_user: str = "officer1") -> dict:
        resp = self.call("POST", "/api/v1/instances", as_user, json={"definition_key": key, "data": data or {}})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    def open_task(self, instance_id: int, element_id: str) -> dict:
        body = self.call("GET", f"/api/v1/instances/{instance_id}", "auditor1").get_json()
        matches = [t for t in body["tasks"] if t["element_id"] == element_id]
        assert matches, f"{element_id} not open; open: {[t['element_id'] for t in body['tasks']]}"
        return matches[0]

    def complete(self, instance_id: int, element_id: str, data: dict, as_user: str, expect: int = 200) -> Any:
        task = self.open_task(instance_id, element_id)
        resp = self.call("POST", f"/api/v1/tasks/{task['id']}/complete", as_user, json={"data": data})
        assert resp.status_code == expect, resp.get_json()
        return resp.get_json()


@pytest.fixture
def http(client: FlaskClient) -> Api:
    return Api(client)
