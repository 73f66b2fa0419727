"""GET /api/v1/health (issue 10 item 8): 200 with the database ok, 503 when it is unreachable; no login needed, and
nothing in the answer names a version, the database's address or a secret."""
from __future__ import annotations

import secrets
import socket
import threading

import pytest

from api import create_app
from api.config import ConfigurationError


def test_health_is_200_when_the_database_answers(client, app):
    resp = client.get("/api/v1/health")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok"}
    assert resp.headers["X-Request-Id"]


def test_health_is_503_when_the_database_is_unreachable():
    # nothing listens on port 1: the connection is refused at once
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    key = secrets.token_urlsafe(32)
    down = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": key})
    resp = down.test_client().get("/api/v1/health")
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "unavailable", "database": "unreachable"}
    text = resp.get_data(as_text=True)
    for leak in ("127.0.0.1", "nowhere", "postgres", "psycopg", "OperationalError", key):
        assert leak not in text


def test_health_names_no_version_nor_secret(client, app):
    resp = client.get("/api/v1/health")
    text = resp.get_data(as_text=True) + "".join(f"{k}: {v}\n" for k, v in resp.headers.items())
    from importlib.metadata import version

    for leak in (version("flask"), version("sqlalchemy"), version("gunicorn"), "Python/", "Werkzeug", app.config["SECRET_KEY"],
                 app.config["SQLALCHEMY_DATABASE_URI"]):
        assert leak not in text, leak


def test_health_is_503_soon_when_the_database_port_accepts_but_never_answers(monkeypatch):
    """Found from outside: a database host that takes the TCP connection and then says nothing (a hung server, a
    half-open firewall) held the health request until gunicorn killed its worker (120 s, a 500). The connection
    has a connect timeout (DATABASE_CONNECT_TIMEOUT_SECONDS), so the probe answers 503."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepted by the kernel, never read nor answered
    port = silent.getsockname()[1]
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/nowhere"
    down = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_urlsafe(32),
                       "DATABASE_CONNECT_TIMEOUT_SECONDS": 1})
    answers: list = []
    probe = threading.Thread(target=lambda: answers.append(down.test_client().get("/api/v1/health")), daemon=True)
    try:
        probe.start()
        probe.join(60)  # not a speed check: without a timeout the probe never ends on its own
        assert answers, "the health probe was still waiting for the database after 60 s"
        assert answers[0].status_code == 503
        assert answers[0].get_json() == {"status": "unavailable", "database": "unreachable"}
    finally:
        silent.close()
        with down.app_context():
            from api.extensions import db

            db.engine.dispose()


def test_the_connect_timeout_is_checked_at_start():
    for bad in (0, -1, "5s", "abc"):
        with pytest.raises(ConfigurationError, match="DATABASE_CONNECT_TIMEOUT"):
            create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/x",
                        "SECRET_KEY": secrets.token_urlsafe(32), "DATABASE_CONNECT_TIMEOUT_SECONDS": bad})
