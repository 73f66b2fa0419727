"""GET /api/v1/health (issue 10 item 8): 200 with the database ok, 503 when it is unreachable; no login needed, and
nothing in the answer names a version, the database's address or a secret."""
from __future__ import annotations

import contextlib
import secrets
import socket
import threading

import pytest
from sqlalchemy.engine import make_url

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


class _FreezableProxy:
    """A TCP proxy to PostgreSQL on 127.0.0.1 that can be frozen: its sockets stay open and nothing passes, as
    with a hung host or middlebox; connections made while frozen are accepted and never answered."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream, self.frozen, self.closed = upstream, threading.Event(), threading.Event()
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = [self.server]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            self.sockets.append(client)
            if self.frozen.is_set():
                continue  # held open, never answered
            upstream = socket.create_connection(self.upstream)
            self.sockets.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        src.settimeout(0.1)
        while not self.closed.is_set():
            if self.frozen.is_set():
                self.closed.wait(0.1)
                continue
            try:
                data = src.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            dst.sendall(data)

    def close(self) -> None:
        self.closed.set()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.close()


def test_health_is_503_soon_when_a_pooled_connection_stops_answering():
    """Found from outside: with the database behind a proxy that froze, the probe's pooled connection waited
    220 s for an answer; each probe now makes its own connection under the connect timeout."""
    from tests.api.backup_support import LOCAL_POSTGRES, postgres_url

    base = make_url(postgres_url() or LOCAL_POSTGRES)
    proxy = _FreezableProxy((base.host or "127.0.0.1", base.port or 5432))
    url = base.set(host="127.0.0.1", port=proxy.port, database=base.database or "postgres")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
                      "SECRET_KEY": secrets.token_urlsafe(32), "DATABASE_CONNECT_TIMEOUT_SECONDS": 1})
    try:
        client = app.test_client()
        assert client.get("/api/v1/health").status_code == 200  # through the proxy; pooled connections exist
        with app.app_context():
            from api.extensions import db

            with db.engine.connect() as conn:  # the app's pool holds a connection through the proxy
                conn.exec_driver_sql("SELECT 1")
        proxy.frozen.set()
        answers: list = []
        probe = threading.Thread(target=lambda: answers.append(client.get("/api/v1/health")), daemon=True)
        probe.start()
        probe.join(60)  # not a speed check: a probe on the frozen pooled connection never ends on its own
        assert answers, "the health probe was still waiting after 60 s"
        assert answers[0].status_code == 503
    finally:
        proxy.close()
        with app.app_context():
            from api.extensions import db

            db.engine.dispose()
