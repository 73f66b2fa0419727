"""No default secret: outside the demo the server refuses to start without its own key or with demo users present,
and a session cookie signed with a well-known key (or naming a user without a server-side token) logs nobody in."""
from __future__ import annotations

import secrets
import stat
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from api import create_app
from api.cli import init_db
from api.config import ConfigurationError, check_secret_key, demo_secret_key
from api.extensions import db
from api.models import User
from api.security import hash_password

WELL_KNOWN = ["dev-only-change-me", "test", ""]


def _key() -> str:
    return secrets.token_urlsafe(48)


def _clean_db(tmp_path: Path) -> str:
    """A new SQLite database with the tables and one ordinary (non-demo) user."""
    url = f"sqlite:///{tmp_path / 'clean.db'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": _key()})
    with app.app_context():
        init_db()
        db.session.add(User(username="ops", display_name="运维", roles=["admin"], password_hash=hash_password("x" * 16)))
        db.session.commit()
        db.engine.dispose()
    return url


def test_no_key_outside_the_demo_refuses_to_start__secret_key_required(tmp_path):
    with pytest.raises(ConfigurationError, match="SANXIANG_SECRET_KEY"):
        create_app({"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})


#: an empty key in demo mode means "use the demo's generated key" (tested below), so it is not in this table
MODES_AND_KEYS = [(mode, key) for mode in ({}, {"TESTING": True}, {"DEMO": True}) for key in WELL_KNOWN
                  if key or not mode.get("DEMO")]


@pytest.mark.parametrize(("mode", "key"), MODES_AND_KEYS)
def test_a_well_known_key_is_refused_in_every_mode__no_default_secret(tmp_path, key, mode):
    with pytest.raises(ConfigurationError):
        create_app({**mode, "SECRET_KEY": key, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})


def test_a_short_key_is_refused_outside_tests__secret_key_strength(tmp_path):
    with pytest.raises(ConfigurationError, match="too short"):
        create_app({"SECRET_KEY": "abcdefgh12345", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})


def test_the_demo_generates_its_key_once_in_instance_with_mode_0600__demo_secret(tmp_path):
    first = demo_secret_key(tmp_path)
    assert len(first) >= 48 and demo_secret_key(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    config = {"DEMO": True, "SECRET_KEY": None}
    check_secret_key(config, tmp_path)
    assert config["SECRET_KEY"] == first
    other = tmp_path / "other"
    check_secret_key(config2 := {"DEMO": True, "SECRET_KEY": None}, other)
    assert config2["SECRET_KEY"] != first  # random per installation


def test_demo_users_present_outside_the_demo_refuse_to_start__no_demo_users(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]  # the test database: seeded with the demo users
    with pytest.raises(ConfigurationError, match="demo user"):
        create_app({"SECRET_KEY": _key(), "SQLALCHEMY_DATABASE_URI": url})
    assert isinstance(create_app({"SECRET_KEY": _key(), "SQLALCHEMY_DATABASE_URI": url, "DEMO": True}), Flask)
    clean = _clean_db(tmp_path)
    real = create_app({"SECRET_KEY": _key(), "SQLALCHEMY_DATABASE_URI": clean})
    assert real.config["SESSION_COOKIE_SECURE"] is True and real.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert real.config["SESSION_COOKIE_HTTPONLY"] is True
    result = real.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "demo only" in result.output
    with real.app_context():
        assert db.session.scalar(select(User).where(User.demo.is_(True))) is None
        db.engine.dispose()


def _forged(app: Flask, key: str, payload: dict) -> str:
    """A session cookie value for ``payload`` signed with ``key`` the way Flask signs them."""
    fake = Flask("forger")
    fake.secret_key = key or "x"  # Flask refuses to sign with an empty key; the server must refuse both
    fake.config.update(app.config)
    fake.secret_key = key or "x"
    return app.session_interface.get_signing_serializer(fake).dumps(payload)


def _admin_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == "admin"))


@pytest.mark.parametrize("key", [*WELL_KNOWN, "current"])
def test_a_forged_session_cookie_logs_nobody_in__forged_cookie(app, http, key):
    uid = _admin_id(app)
    real_key = app.secret_key
    payloads = [{"uid": uid}, {"uid": uid, "tok": "guess"}, {"tok": http.token("admin")}]  # an API token is no session
    for payload in payloads:
        client = app.test_client()
        client.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"),
                          _forged(app, real_key if key == "current" else key, payload))
        assert client.get("/api/v1/me").status_code == 401, (key, payload)
        inbox = client.get("/inbox")
        assert inbox.status_code == 302 and "/login" in inbox.headers["Location"], (key, payload)
        assert client.get("/api/v1/users").status_code == 401
