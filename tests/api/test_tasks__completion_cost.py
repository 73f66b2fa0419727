"""A completion is a handful of SQL statements and exactly one commit (counted, not timed)."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from api.extensions import db
from api.models.types import utcnow
from tests import cases as c


@contextmanager
def counting(app):
    counts = {"statements": 0, "commits": 0, "sql": [], "text": [], "order": []}
    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        counts["statements"] += 1
        counts["sql"].append(statement.split()[0])
        counts["text"].append(" ".join(statement.split()))
        counts["order"].append(statement.split()[0])

    def commit(conn):  # noqa: ARG001
        counts["commits"] += 1
        counts["order"].append("COMMIT")

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "commit", commit)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "commit", commit)


def test_completing_a_task_costs_a_handful_of_statements_and_one_commit(http, app, monkeypatch):
    iid = http.start("enforcement_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    task = http.open_task(iid, "task_recusal")
    monkeypatch.setitem(app.config, "TOKEN_CACHE_SECONDS", 3600)  # no wall clock in the count: the cache holds
    http.call("GET", "/api/v1/me", "officer1")  # the token checked once outside the measured request
    with counting(app) as counts:
        resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": c.RECUSAL_NONE})
    assert resp.status_code == 200, resp.get_json()
    assert counts["commits"] == 1
    # one transaction: the answer (the open tasks) is read before the commit and kept, not read again in a second
    # transaction whose ROLLBACK would drop the connection's prepared statements (api/services/commits.py)
    assert counts["order"][-1] == "COMMIT", counts["order"]
    assert resp.get_json()["tasks"] == http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()["tasks"]
    text = counts["text"]
    # the token from the process's cache, the settings from the settings cache: no read of either table
    assert not any("FROM api_tokens" in t or "FROM settings" in t for t in text), text
    # the case's lock (a no-op UPDATE on SQLite, SELECT ... FOR UPDATE on PostgreSQL), then task, instance and the
    # ready rows in one read
    assert "row_version=instances.row_version" in text[0] or "FOR UPDATE" in text[0], text
    assert text[1].startswith("SELECT tasks.") and "JOIN instances" in text[1], text
    writes = [s for s, t in zip(counts["sql"], text, strict=True)
              if s in ("INSERT", "UPDATE", "DELETE") and "row_version=instances.row_version" not in t]
    assert "DELETE" not in writes
    # blobs (INSERT ... ON CONFLICT DO NOTHING, no SELECT first), events, the instance once, the task, the new task,
    # and the workflow's changed tasks (one upsert: api/services/instances.py; the workflow itself comes from the
    # process's hot cache, no read)
    assert len(writes) <= 6, text
    assert sum(1 for t in text if t.startswith("UPDATE instances SET") and "row_version=instances.row_version" not in t) == 1
    assert not any(t.startswith("SELECT blobs") for t in text), text
    # lock, read, the case's recusal decisions (APL 43, from its history), <= 6 writes, the response's open tasks
    assert counts["statements"] <= 10, text


def test_a_revoked_token_is_refused_at_once_though_it_was_cached__token_revoked(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_CACHE_SECONDS", 3600)
    token = client.post("/api/v1/auth/token", json={"username": "officer2", "password": "demo"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    with counting(app) as counts:
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert sum("FROM api_tokens" in t for t in counts["text"]) == 1, counts["text"]  # the second from the cache
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_token_revoked_by_another_process_is_refused_when_the_cache_is_off(client, app, monkeypatch):
    """Another process's revocation reaches this one within TOKEN_CACHE_SECONDS; with 0 at once."""
    from sqlalchemy import update

    from api.models import ApiToken
    from api.security import token_digest

    monkeypatch.setitem(app.config, "TOKEN_CACHE_SECONDS", 0)
    token = client.post("/api/v1/auth/token", json={"username": "officer2", "password": "demo"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with app.app_context():  # behind this process's back: no cache entry is dropped
        db.session.execute(update(ApiToken).where(ApiToken.token_hash == token_digest(token))
                           .values(revoked_at=utcnow()))
        db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_deactivated_user_s_cached_token_is_refused_at_once__token_revoked(client, http, app, monkeypatch):
    import uuid

    monkeypatch.setitem(app.config, "TOKEN_CACHE_SECONDS", 3600)
    name = f"c{uuid.uuid4().hex[:10]}"
    assert http.call("POST", "/api/v1/users", "admin", json={
        "username": name, "display_name": "缓存测试", "password": "cache-password-123", "roles": ["officer"],
        "org": "nj-mzj"}).status_code == 201
    token = client.post("/api/v1/auth/token", json={"username": name, "password": "cache-password-123"}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["roles"] == ["officer"]
    resp = http.call("PATCH", f"/api/v1/users/{name}", "admin", json={"active": False, "reason": "调离执法岗位"})
    assert resp.status_code == 200, resp.get_json()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_cached_token_is_as_old_as_its_table_read__token_revoked(client, app, monkeypatch):
    """The cache holds a token for TOKEN_CACHE_SECONDS from the moment its row was read, not from when the entry
    was stored: a slow read (1.5 s here, on a fake clock) must not stretch another process's revocation window."""
    from sqlalchemy import update

    import api.security as security
    from api.models import ApiToken
    from api.security import token_digest

    clock = {"now": 1000.0}
    monkeypatch.setattr(security.time, "monotonic", lambda: clock["now"])
    monkeypatch.setitem(app.config, "TOKEN_CACHE_SECONDS", 2)
    token = client.post("/api/v1/auth/token", json={"username": "officer2", "password": "demo"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    with app.app_context():
        engine = db.engine

    def slow_read(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        if "FROM api_tokens" in statement:
            clock["now"] += 1.5

    event.listen(engine, "before_cursor_execute", slow_read)
    try:
        assert client.get("/api/v1/me", headers=headers).status_code == 200  # read at 1000, stored at 1001.5
    finally:
        event.remove(engine, "before_cursor_execute", slow_read)
    with app.app_context():  # another process revokes: this one's cache is not told
        db.session.execute(update(ApiToken).where(ApiToken.token_hash == token_digest(token))
                           .values(revoked_at=utcnow()))
        db.session.commit()
    clock["now"] = 1002.5  # 2.5 s after the read, 1 s after the entry was stored
    assert client.get("/api/v1/me", headers=headers).status_code == 401
