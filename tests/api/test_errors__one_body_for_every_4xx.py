"""Every 4xx of the API has the one error body ``{code, status, message, errors}``, every resource package uses the
one Blueprint class, and a concurrent duplicate is a 409 with that body through the one IntegrityError mapping
(issue 10 item 2)."""
from __future__ import annotations

import re
import uuid

import flask_smorest
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from api.blueprint import Blueprint
from api.extensions import db
from api.models import Device
from api.models.types import utcnow

BODY_KEYS = {"code", "status", "message", "errors"}


def _api_routes(app) -> list[tuple[str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.endswith("openapi.json"):
            continue
        path = re.sub(r"<(?:int:)?[^>]+>", lambda m: "999999" if m.group(0).startswith("<int:") else "no-such", rule.rule)
        out.extend((method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    return out


def _check(resp, where: str) -> None:
    assert resp.status_code < 500, (where, resp.status_code, resp.get_data(as_text=True)[:300])
    if 400 <= resp.status_code < 500:
        body = resp.get_json(silent=True)
        assert isinstance(body, dict) and set(body) == BODY_KEYS, (where, resp.status_code, body)
        assert body["code"] == resp.status_code and isinstance(body["errors"], dict) and body["message"], (where, body)


def _own_token(client, username: str) -> dict[str, str]:
    """A token of this test's own (a logout route called below revokes it, not the shared ones)."""
    resp = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}


def test_every_api_route_answers_4xx_with_the_one_error_body(client, app):
    routes = _api_routes(app)
    assert len(routes) > 50
    officer, admin = _own_token(client, "officer1"), _own_token(client, "admin")
    for method, path in sorted(routes, key=lambda r: r[1].endswith("/logout")):  # logouts last
        _check(client.open(path, method=method, json={"unexpected": ["x"]}), f"anonymous {method} {path}")
        _check(client.open(path, method=method, json={"unexpected": ["x"]}, headers=officer), f"officer1 {method} {path}")
        _check(client.open(path + "?page=-1&per_page=x&year=x", method=method, data="not json",
                           content_type="application/json", headers=admin), f"admin {method} {path}")


def test_every_resource_package_uses_the_one_blueprint_class(app):
    registered = [bp for bp in app.blueprints.values() if isinstance(bp, flask_smorest.Blueprint)]
    assert len(registered) >= 15
    assert {type(bp) for bp in registered} == {Blueprint}


def test_a_concurrent_duplicate_is_409_with_the_error_body(http, app):
    """Another request registers the same device code between this one's check and its insert: the unique key
    clashes, and the one IntegrityError mapping answers 409 with the error body; nothing of this request is kept."""
    code = f"DEV-{uuid.uuid4().hex[:10]}"
    with app.app_context():
        engine = db.engine
    sneaked: list[bool] = []

    def other_request_first(session, flush_context, instances):  # noqa: ARG001
        if sneaked or not any(isinstance(o, Device) and o.code == code for o in session.new):
            return
        sneaked.append(True)
        with engine.begin() as conn:
            conn.execute(insert(Device.__table__).values(code=code, name="另一请求", kind="camera",
                                                         registered_by="head1", registered_at=utcnow()))

    event.listen(Session, "before_flush", other_request_first)
    try:
        resp = http.call("POST", "/api/v1/devices", "admin", json={"code": code, "name": "执法记录仪", "kind": "body_cam"})
    finally:
        event.remove(Session, "before_flush", other_request_first)
    assert sneaked
    assert resp.status_code == 409, resp.get_json()
    body = resp.get_json()
    assert set(body) == BODY_KEYS and body["code"] == 409 and body["status"] == "Conflict", body
    with app.app_context():
        rows = db.session.execute(db.select(Device.name).where(Device.code == code)).scalars().all()
    assert rows == ["另一请求"]
