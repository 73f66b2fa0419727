"""Logging out ends the credential on the server: a revoked Bearer token, or a copy of a logged-out session
cookie, logs nobody in; a password reset or a deactivation ends every token and session of the user."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from api.extensions import db
from api.models import ApiToken
from tests.api.helpers import csrf_of, web_login

PASSWORD = "first-password-123"


def _user(http) -> str:
    name = f"t{uuid.uuid4().hex[:10]}"
    assert http.call("POST", "/api/v1/users", "admin", json={
        "username": name, "display_name": "令牌测试", "password": PASSWORD, "roles": ["officer"],
        "org": "nj-mzj"}).status_code == 201
    return name


def _token(client, name: str, password: str = PASSWORD) -> str:
    resp = client.post("/api/v1/auth/token", json={"username": name, "password": password})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["token"]


def _me(client, token: str) -> int:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_logout_revokes_the_presented_token_only__token_revoked(client, http, app):
    name = _user(http)
    first, second = _token(client, name), _token(client, name)
    out = client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {first}"})
    assert out.status_code == 204
    assert _me(client, first) == 401 and _me(client, second) == 200
    assert client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    with app.app_context():  # revoked once, kept as a record
        rows = db.session.scalars(select(ApiToken).join(ApiToken.user).where(ApiToken.revoked_at.is_not(None)))
        assert any(r.user.username == name for r in rows)


def test_a_copied_session_cookie_is_dead_after_web_logout__session_ends(app, http):
    name = _user(http)
    browser = app.test_client()
    assert web_login(browser, name, PASSWORD).status_code == 302
    assert browser.get("/api/v1/me").status_code == 200
    stolen = browser.get_cookie("session").value
    token = csrf_of(browser, "/inbox")
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/api/v1/me").status_code == 401
    assert "/login" in thief.get("/inbox").headers["Location"]


def test_api_logout_with_the_cookie_ends_the_web_session__session_ends(app, http):
    name = _user(http)
    browser = app.test_client()
    web_login(browser, name, PASSWORD)
    stolen = browser.get_cookie("session").value
    csrf = browser.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    assert browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/api/v1/me").status_code == 401


def test_a_web_session_token_is_not_a_bearer_token__token_kinds(app, http):
    name = _user(http)
    browser = app.test_client()
    web_login(browser, name, PASSWORD)
    with browser.session_transaction() as sess:
        web_token = sess["tok"]
    assert _me(app.test_client(), web_token) == 401


def test_password_reset_and_deactivation_end_every_token_and_session__token_revoked(app, http, client):
    name = _user(http)
    token = _token(client, name)
    browser = app.test_client()
    web_login(browser, name, PASSWORD)
    reset = http.call("PUT", f"/api/v1/users/{name}/password", "admin", json={"password": "second-password-456"})
    assert reset.status_code == 200, reset.get_json()
    assert _me(client, token) == 401 and browser.get("/api/v1/me").status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": name, "password": PASSWORD}).status_code == 401
    fresh = _token(client, name, "second-password-456")
    assert http.call("PATCH", f"/api/v1/users/{name}", "admin", json={"active": False}).status_code == 200
    assert _me(client, fresh) == 401
    assert http.call("PATCH", f"/api/v1/users/{name}", "admin", json={"active": True}).status_code == 200
    assert _me(client, fresh) == 401  # reactivation does not bring old tokens back
