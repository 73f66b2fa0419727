"""Cross-site requests: every state-changing route of the app (read from app.url_map, not listed by hand), called
with only a logged-in victim's session cookie, is refused (403/400, never 2xx) and changes nothing — from a foreign
Origin, from a foreign Referer, and same-site without the CSRF token. Bearer clients need no token; the browser
forms and cookie-API calls work with it."""
from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select, text

from api.extensions import db
from tests.api.helpers import csrf_of, web_login

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
EVIL = "https://evil.example"


def _routes(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(set(rule.methods or ()) & set(UNSAFE)):
            found.append((rule.rule, method))
    return sorted(found)


def _url(rule: str, values: dict[str, object]) -> str:
    """``rule`` with each <converter:name> filled from ``values`` (by name), else a plausible sample."""
    def fill(match: re.Match) -> str:
        converter, name = (match.group(1) or "string"), match.group(2)
        if name in values:
            return str(values[name])
        return "1" if converter == "int" else "x"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule)


def _fingerprint(app) -> dict[str, str]:
    """A digest of every row of every table."""
    out = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table)).all()
            out[table.name] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
        db.session.remove()
    return out


@pytest.fixture
def victim(app, http):
    """A browser logged in as admin (the most powerful victim), with a real case and task to aim at."""
    iid = http.start("enforcement_case")["id"]
    task = http.open_task(iid, "task_register")
    client = app.test_client()
    assert web_login(client, "admin").status_code == 302
    token = csrf_of(client, "/inbox")
    return client, {"instance_id": iid, "task_id": task["id"], "username": "officer2", "action": "claim"}, token


VARIANTS = {
    "foreign_origin": {"Origin": EVIL},
    "foreign_referer": {"Referer": f"{EVIL}/attack.html"},
    "null_origin": {"Origin": "null"},
    "same_site_without_token": {},
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_state_changing_route_refuses_a_cookie_only_cross_site_request__csrf(app, victim, variant):
    client, values, _ = victim
    routes = _routes(app)
    assert len(routes) >= 30  # the table is the app's own routes
    before = _fingerprint(app)
    bad = []
    for rule, method in routes:
        resp = client.open(_url(rule, values), method=method, headers=VARIANTS[variant],
                           json={"data": {}, "definition_key": "enforcement_case", "username": "officer3",
                                 "password": "demo"})
        if resp.status_code not in (400, 403):
            bad.append((method, rule, resp.status_code))
    assert not bad, bad
    assert _fingerprint(app) == before


def test_the_victims_cookie_is_real__the_same_calls_with_the_token_do_act(app, victim, http):
    """Control: the cookie above does authenticate, so the refusals are the guard's and not a missing login."""
    client, values, token = victim
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.get_json()["username"] == "admin"
    api_token = client.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    created = client.post("/api/v1/instances", json={"definition_key": "enforcement_case", "data": {}},
                          headers={"X-CSRF-Token": api_token})
    assert created.status_code in (201, 403), created.get_json()  # admin may be refused by role, not by CSRF
    assert created.get_json().get("errors", {}).get("rule") not in ("csrf_token", "csrf_origin")
    officer = app.test_client()
    web_login(officer, "officer1")
    own = officer.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    refused = officer.post("/api/v1/instances", json={"definition_key": "enforcement_case", "data": {}})
    assert refused.status_code == 400 and refused.get_json()["errors"]["rule"] == "csrf_token"
    stolen = officer.post("/api/v1/instances", json={"definition_key": "enforcement_case", "data": {}},
                          headers={"X-CSRF-Token": token})  # another session's token
    assert stolen.status_code == 400
    done = officer.post("/api/v1/instances", json={"definition_key": "enforcement_case", "data": {}},
                        headers={"X-CSRF-Token": own, "Origin": "http://localhost"})
    assert done.status_code == 201, done.get_json()


def test_a_bearer_client_needs_no_csrf_token_even_from_another_origin__csrf_bearer(http):
    resp = http.call("POST", "/api/v1/instances", "officer1", json={"definition_key": "enforcement_case", "data": {}},
                     headers={"Origin": EVIL})
    assert resp.status_code == 201, resp.get_json()


def test_browser_forms_carry_the_token_and_work_with_it__csrf_forms(app, http):
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    assert 'name="csrf_token"' in login_page
    assert client.post("/login", data={"username": "officer2", "password": "demo"}).status_code == 400
    assert web_login(client, "officer2").status_code == 302
    iid = http.start("enforcement_case")["id"]
    task = http.open_task(iid, "task_register")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert inbox.count('name="csrf_token"') >= 2  # logout + each claim form
    token = csrf_of(client, "/inbox")
    assert client.post(f"/tasks/{task['id']}/claim").status_code == 400
    assert http.open_task(iid, "task_register")["assignee"] is None
    assert client.post(f"/tasks/{task['id']}/claim", data={"csrf_token": token}).status_code == 302
    assert http.open_task(iid, "task_register")["assignee"] == "officer2"
    page = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    assert client.post("/logout").status_code == 400  # even logout needs the token (no forced logout)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_the_session_cookie_is_httponly_and_samesite_lax__cookie_flags(app):
    client = app.test_client()
    resp = web_login(client, "officer1")
    cookie = next(v for k, v in resp.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with app.app_context():
        db.session.execute(text("SELECT 1"))
