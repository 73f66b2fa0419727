"""GET /api/v1/health (issue 10 item 8): 200 with the database ok, 503 when it is unreachable; no login needed, and
nothing in the answer names a version, the database's address or a secret."""
from __future__ import annotations

import secrets

from api import create_app


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
