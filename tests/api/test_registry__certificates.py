"""Certificates (执法证) and the public list of officers (docs/DOMAIN.md §1.1 Before: name, certificate no., category, area)."""
from __future__ import annotations

import uuid
from datetime import timedelta

from api.extensions import db
from api.models import Certificate, User
from api.security import hash_password
from engine import clock


def _cert(username: str, number: str, days_from: int, days_to: int | None, **extra) -> dict:
    today = clock.today()
    return {"username": username, "number": number, "category": "宗教事务行政执法", "area": "宁晋县",
            "valid_from": (today + timedelta(days=days_from)).isoformat(),
            "valid_to": None if days_to is None else (today + timedelta(days=days_to)).isoformat(), **extra}


def _user(app, roles: list[str]) -> str:
    name = f"u{uuid.uuid4().hex[:8]}"
    with app.app_context():
        db.session.add(User(username=name, display_name=f"测试{name}", roles=roles, password_hash=hash_password("x")))
        db.session.commit()
    return name


def _officers(http) -> dict[str, dict]:
    resp = http.call("GET", "/api/v1/public/officers")
    assert resp.status_code == 200
    return {o["certificate_number"]: o for o in resp.get_json()}


def test_public_officers_only_with_a_certificate_valid_today__DOMAIN_1_before(app, http):
    token = uuid.uuid4().hex[:6].upper()
    officer = _user(app, ["officer"])
    reviewer = _user(app, ["legal_reviewer"])
    for body in (_cert(officer, f"EXP-{token}", -400, -1), _cert(officer, f"FUT-{token}", 1, 400),
                 _cert(officer, f"NOW-{token}", 0, 0), _cert(reviewer, f"REV-{token}", -10, 10)):
        resp = http.call("POST", "/api/v1/certificates", "admin", json=body)
        assert resp.status_code == 201, resp.get_json()
    listed = _officers(http)
    assert f"NOW-{token}" in listed  # valid on its last day
    assert f"EXP-{token}" not in listed and f"FUT-{token}" not in listed
    assert f"REV-{token}" not in listed  # not an officer
    shown = listed[f"NOW-{token}"]
    assert shown == {"display_name": f"测试{officer}", "certificate_number": f"NOW-{token}",
                     "category": "宗教事务行政执法", "area": "宁晋县", "valid_to": clock.today().isoformat()}
    assert "HB-NJ-2024-0001" in listed  # the demo officer
    assert not any("password" in key for o in listed.values() for key in o)


def test_an_officer_without_a_valid_certificate_is_not_listed__APL_42(app, http):
    officer = _user(app, ["officer"])
    assert f"测试{officer}" not in {o["display_name"] for o in _officers(http).values()}


def test_admin_registers_certificates_and_head_reads_them(app, http):
    number = f"HB-T-{uuid.uuid4().hex[:8]}"
    created = http.call("POST", "/api/v1/certificates", "admin", json=_cert("officer2", number, -1, 365))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["valid_today"] is True and created.get_json()["username"] == "officer2"
    listed = http.call("GET", "/api/v1/certificates", "head1")
    assert listed.status_code == 200 and number in {c["number"] for c in listed.get_json()}
    with app.app_context():
        assert db.session.query(Certificate).filter_by(number=number).one().user.username == "officer2"


def test_certificate_rules(http):
    number = f"HB-T-{uuid.uuid4().hex[:8]}"
    assert http.call("POST", "/api/v1/certificates", "admin", json=_cert("officer1", number, 0, 10)).status_code == 201
    duplicate = http.call("POST", "/api/v1/certificates", "admin", json=_cert("officer2", number, 0, 10))
    assert duplicate.status_code == 409
    unknown = http.call("POST", "/api/v1/certificates", "admin", json=_cert("nobody-here", number + "x", 0, 10))
    assert unknown.status_code == 422 and "username" in unknown.get_json()["errors"]
    backwards = http.call("POST", "/api/v1/certificates", "admin", json=_cert("officer1", number + "y", 0, -1))
    assert backwards.status_code == 422 and "valid_to" in backwards.get_json()["errors"]
    assert http.call("POST", "/api/v1/certificates", "head1", json=_cert("officer1", number + "z", 0, 1)).status_code == 403
    assert http.call("GET", "/api/v1/certificates", "officer1").status_code == 403
    assert http.call("GET", "/api/v1/certificates").status_code == 401
