"""Login is throttled per username and per client address, with a lockout an admin lifts; an unknown user costs
what a wrong password costs (one hash check against a dummy hash) and is locked the same way; concurrent guesses
cannot overrun the limit; hostile usernames get 401/422, never 500."""
from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta
from urllib.parse import quote_from_bytes

import pytest
from sqlalchemy import select

import api.security as security
from api.extensions import db
from api.models import Event, LoginAttempt, User
from api.models.types import utcnow
from tests.api.helpers import csrf_of

TOKEN = "/api/v1/auth/token"


def _addr() -> str:
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def _login(client, username: str, password: str, addr: str | None = None) -> int:
    body = json.dumps({"username": username, "password": password})  # ASCII: a lone surrogate goes as its escape
    return client.post(TOKEN, data=body, content_type="application/json",
                       environ_base={"REMOTE_ADDR": addr or _addr()}).status_code


def _new_user(http, password: str = "a-long-password-1") -> str:
    name = f"u{uuid.uuid4().hex[:10]}"
    resp = http.call("POST", "/api/v1/users", "admin", json={
        "username": name, "display_name": "测试用户", "password": password, "roles": ["officer"], "org": "nj-mzj"})
    assert resp.status_code == 201, resp.get_json()
    return name


@pytest.fixture
def limits(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 3)
    monkeypatch.setitem(app.config, "LOGIN_LOCKOUT_SECONDS", 0)  # only an admin lifts it
    monkeypatch.setitem(app.config, "LOGIN_ADDR_MAX_FAILURES", 5)
    monkeypatch.setitem(app.config, "LOGIN_ADDR_WINDOW_SECONDS", 300)


def test_a_username_is_locked_after_n_failures_until_an_admin_lifts_it__login_lockout(client, http, app, limits):
    name = _new_user(http)
    assert [_login(client, name, "wrong") for _ in range(3)] == [401, 401, 401]
    assert _login(client, name, "a-long-password-1") == 429  # the right password no longer helps
    web = app.test_client()
    token = csrf_of(web)
    page = web.post("/login", data={"username": name, "password": "a-long-password-1", "csrf_token": token})
    assert page.status_code == 429  # the web login shares the lock
    shown = http.call("GET", f"/api/v1/users/{name}", "admin").get_json()
    assert shown["locked"] is True and shown["failed_logins"] >= 3 and shown["locked_until"] is None
    assert http.call("DELETE", f"/api/v1/users/{name}/lockout", "officer1").status_code == 403
    lifted = http.call("DELETE", f"/api/v1/users/{name}/lockout", "admin")
    assert lifted.status_code == 200 and lifted.get_json()["locked"] is False
    assert _login(client, name, "a-long-password-1") == 200
    with app.app_context():
        ev = db.session.scalars(select(Event).where(Event.stream == "users", Event.type == "user_lockout_lifted")
                                .order_by(Event.seq.desc())).first()
        assert ev.actor == "admin" and ev.data["username"] == name and ev.data["was_locked"] is True


def test_a_success_resets_the_count__login_lockout(client, http, limits):
    name = _new_user(http)
    for _ in range(3):
        assert _login(client, name, "wrong") == 401
        assert _login(client, name, "wrong") == 401
        assert _login(client, name, "a-long-password-1") == 200


def test_an_unknown_user_is_answered_and_locked_exactly_like_a_known_one__no_enumeration(client, http, limits):
    known, unknown = _new_user(http), f"ghost{uuid.uuid4().hex[:8]}"
    seq_known = [_login(client, known, "wrong") for _ in range(4)]
    seq_unknown = [_login(client, unknown, "wrong") for _ in range(4)]
    assert seq_known == seq_unknown == [401, 401, 401, 429]
    a = client.post(TOKEN, json={"username": known, "password": "wrong"}).get_json()
    b = client.post(TOKEN, json={"username": unknown, "password": "wrong"}).get_json()
    assert a == b


def test_the_lock_ends_by_itself_when_configured__login_lockout_expiry(client, http, app, monkeypatch, limits):
    monkeypatch.setitem(app.config, "LOGIN_LOCKOUT_SECONDS", 600)
    name = _new_user(http)
    with app.app_context():  # three failures eleven minutes ago
        for _ in range(3):
            db.session.add(LoginAttempt(username=name, client_addr="10.9.9.9", outcome="failed",
                                        at=utcnow() - timedelta(minutes=11)))
        db.session.commit()
    assert _login(client, name, "a-long-password-1") == 200
    for _ in range(3):
        assert _login(client, name, "wrong") == 401
    assert _login(client, name, "a-long-password-1") == 429  # locked again, for ten minutes


def test_one_address_has_a_budget_of_failures_across_usernames__login_rate_per_address(client, http, limits):
    addr, other = _addr(), _addr()
    name = _new_user(http)
    codes = [_login(client, f"guess{i}{uuid.uuid4().hex[:6]}", "wrong", addr) for i in range(6)]
    assert codes == [401] * 5 + [429]
    assert _login(client, name, "a-long-password-1", addr) == 429  # even a right password, from that address
    assert _login(client, name, "a-long-password-1", other) == 200


def test_concurrent_guesses_cannot_overrun_the_lockout__login_lockout_race(app, http, limits):
    name = _new_user(http)
    n = 10
    out: list[int] = [0] * n
    barrier = threading.Barrier(n)

    def guess(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        out[i] = _login(client, name, f"wrong{i}")

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(out)) <= [401, 429], out
    assert out.count(401) <= 3, out  # at most LOGIN_MAX_FAILURES passwords were checked


def _count_checks(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = security.check_password_hash

    def counting(stored: str, password: str) -> bool:
        seen.append(stored.split("$", 1)[0])
        return real(stored, password)

    monkeypatch.setattr(security, "check_password_hash", counting)
    return seen


def test_an_unknown_user_costs_one_full_hash_check_like_a_wrong_password__login_timing(client, http, app,
                                                                                       monkeypatch):
    name = _new_user(http)
    with app.app_context():
        inactive = _new_user(http)
        db.session.scalar(select(User).where(User.username == inactive)).active = False
        db.session.commit()
    seen = _count_checks(monkeypatch)
    for username in (name, f"ghost{uuid.uuid4().hex[:8]}", inactive, "x" * 80, "nul\x00name"):
        seen.clear()
        status = _login(client, username, "wrong-password")
        assert status in (400, 401, 422), (username, status)
        if status == 401:
            assert seen == ["pbkdf2:sha256:200000"], (username, seen)


@pytest.mark.parametrize("username", ["nul\x00admin", "\ud800admin", "a" * 5000, "admin' OR '1'='1"])
@pytest.mark.parametrize("password", ["wrong", "\ud800", "p\x00w"])
def test_hostile_credentials_get_4xx_never_500__login_input(client, username, password):
    assert _login(client, username, password) in (400, 401, 422)
    web = client.application.test_client()
    token = csrf_of(web)

    def encoded(value: str) -> str:  # lone surrogates go out as the bytes a hostile client would send
        return quote_from_bytes(value.encode("utf-8", "surrogatepass"))

    body = f"username={encoded(username)}&password={encoded(password)}&csrf_token={token}"
    resp = web.post("/login", data=body, content_type="application/x-www-form-urlencoded",
                    environ_base={"REMOTE_ADDR": _addr()})
    assert resp.status_code in (400, 401)
