"""Admins manage users through the API — only admins, only inside their own organisation's subtree — and every
change is an attributed event on the hash-chained 'users' stream that never holds a password or its hash."""
from __future__ import annotations

import json
import re
import uuid

import pytest
from sqlalchemy import select

from api.extensions import db
from api.models import Event, User
from engine.history import GENESIS, event_hash

PASSWORD = "correct-horse-battery"


def _new(http, **over) -> dict:
    body = {"username": f"n{uuid.uuid4().hex[:10]}", "display_name": "新用户", "password": PASSWORD,
            "roles": ["officer"], "org": "nj-mzj", **over}
    return http.call("POST", "/api/v1/users", "admin", json=body)


def _user_routes(app) -> list[tuple[str, str]]:
    return sorted((rule.rule, m) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/users")
                  for m in (rule.methods or ()) - {"HEAD", "OPTIONS"})


@pytest.mark.parametrize("as_user", [None, "officer1", "head1", "auditor1", "owner1"])
def test_only_admins_reach_any_user_route__users_admin_only(app, http, as_user):
    routes = _user_routes(app)
    assert len(routes) >= 7
    bodies = {  # a valid body for each route, so only the role can refuse it
        ("/api/v1/users", "POST"): {"username": "evil1", "display_name": "x", "password": "evil-password-123",
                                    "roles": ["admin"], "org": "nj-mzj"},
        ("/api/v1/users/<username>", "PATCH"): {"active": False, "roles": ["admin"]},
        ("/api/v1/users/<username>/password", "PUT"): {"password": "evil-password-123"},
        ("/api/v1/users/<username>/certificates", "POST"): {"number": "EVIL-1", "category": "c",
                                                            "valid_from": "2024-01-01"},
    }
    for rule, method in routes:
        url = re.sub(r"<[^>]+>", "officer2", rule)
        resp = http.call(method, url, as_user, json=bodies.get((rule, method)))
        assert resp.status_code == (401 if as_user is None else 403), (method, rule, resp.get_json())
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "evil1")) is None
        assert db.session.scalar(select(User).where(User.username == "officer2")).active is True


def test_create_change_reset_and_certify_a_user__users_admin(app, http, client):
    created = _new(http, roles=["officer", "legal_reviewer"], legal_qualified=True)
    assert created.status_code == 201, created.get_json()
    user = created.get_json()
    name = user["username"]
    assert user["org"] == "nj-mzj" and user["roles"] == ["officer", "legal_reviewer"] and "password" not in user
    assert client.post("/api/v1/auth/token", json={"username": name, "password": PASSWORD}).status_code == 200
    assert name in {u["username"] for u in http.call("GET", "/api/v1/users", "admin").get_json()}
    changed = http.call("PATCH", f"/api/v1/users/{name}", "admin",
                        json={"roles": ["officer"], "legal_qualified": False, "reason": "转岗"})
    assert changed.status_code == 200 and changed.get_json()["roles"] == ["officer"]
    cert = http.call("POST", f"/api/v1/users/{name}/certificates", "admin", json={
        "number": f"HB-T-{uuid.uuid4().hex[:6]}", "category": "宗教事务行政执法", "area": "宁晋县",
        "valid_from": "2024-01-01", "valid_to": "2030-12-31"})
    assert cert.status_code == 201 and len(cert.get_json()["certificates"]) == 1
    new_password = "another-long-password"
    assert http.call("PUT", f"/api/v1/users/{name}/password", "admin", json={"password": new_password}).status_code == 200
    with app.app_context():
        events = list(db.session.scalars(select(Event).where(Event.stream == "users").order_by(Event.seq)))
        mine = [e for e in events if e.data.get("username") == name]
        assert [e.type for e in mine] == ["user_created", "user_changed", "user_password_reset"]
        assert all(e.actor == "admin" and e.role == "admin" for e in mine)
        assert mine[1].data["changes"]["roles"] == {"before": ["officer", "legal_reviewer"], "after": ["officer"]}
        assert mine[1].data["reason"] == "转岗"
        text = json.dumps([e.data for e in events], ensure_ascii=False)
        assert PASSWORD not in text and new_password not in text and "pbkdf2" not in text
        prev = GENESIS  # the stream is one unbroken chain
        for seq, ev in enumerate(events, start=1):
            assert ev.seq == seq and ev.prev_hash == prev and event_hash(ev.hashed_fields(), prev) == ev.hash
            prev = ev.hash


@pytest.mark.parametrize(("body", "field", "status"), [
    ({"password": "short"}, "password", 422),
    ({"password": "demo" * 4}, None, 201),
    ({"password": "aaaaaaaaaaaaaaaa"}, "password", 422),
    ({"roles": ["officer", "emperor"]}, "roles", 422),
    ({"username": "bad name!"}, "username", 422),
    ({"username": "nul\u0000x"}, None, 400),
    ({"display_name": "x\u0000y"}, None, 400),
    ({"display_name": "   "}, "display_name", 422),
    ({"org": "no-such-org"}, "org", 422),
    ({"org_id": 2**40}, "org_id", 422),
    ({"org": None}, "org", 422),
    ({"unexpected": 1}, "unexpected", 422),
])
def test_bad_user_input_names_the_field__users_input(http, body, field, status):
    resp = _new(http, **body)
    assert resp.status_code in ((status,) if status != 400 else (400, 422)), resp.get_json()
    if field is not None:
        assert field in json.dumps(resp.get_json()["errors"]), resp.get_json()


def test_a_taken_username_is_409__users_conflict(http):
    name = _new(http).get_json()["username"]
    assert _new(http, username=name).status_code == 409


def test_an_admin_manages_only_their_own_subtree__users_org_scope(app, http):
    outside = _new(http, org="nj-scj")
    assert outside.status_code == 403 and outside.get_json()["errors"]["rule"] == "org_scope"
    names = {u["username"] for u in http.call("GET", "/api/v1/users", "admin").get_json()}
    assert "officer1" in names and "officer4" not in names and "head3" not in names
    assert http.call("GET", "/api/v1/users/officer4", "admin").status_code == 404
    assert http.call("PATCH", "/api/v1/users/officer4", "admin", json={"active": False}).status_code == 404
    assert http.call("PUT", "/api/v1/users/head3/password", "admin", json={"password": "x" * 20}).status_code == 404
    moved = _new(http).get_json()["username"]
    assert http.call("PATCH", f"/api/v1/users/{moved}", "admin", json={"org": "nj-scj"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "officer4")).active is True


def test_a_reset_password_clears_the_demo_mark__users_demo_flag(app, http):
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "counsel1")).demo is True
    assert http.call("PUT", "/api/v1/users/counsel1/password", "admin",
                     json={"password": "demo"}).status_code == 422  # the published password cannot be set again
    assert http.call("GET", "/api/v1/users/counsel1", "admin").get_json()["demo"] is True


def test_a_username_differing_only_by_case_is_taken__no_lookalike_users(http):
    before = http.call("GET", "/api/v1/users", "admin").get_json()
    for name in ("OFFICER1", "Admin", "Officer2"):
        resp = http.call("POST", "/api/v1/users", "admin", json={
            "username": name, "display_name": "冒名者", "password": "a-long-enough-password-1", "roles": ["officer"],
            "org": "nj-mzj"})
        assert resp.status_code == 409, (name, resp.get_json())
    assert http.call("GET", "/api/v1/users", "admin").get_json() == before
