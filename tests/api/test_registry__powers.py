"""The list of powers and duties (权责清单, docs/DOMAIN.md §1.1 Before): versioned, public, seeded with the bureau's items."""
from __future__ import annotations

import uuid

from api.extensions import db
from api.models import PowerItem
from api.registry.seed import BUREAU_ITEMS, seed_powers


def _item(code: str, **changes) -> dict:
    return {"code": code, "name": "对擅自举办大型宗教活动的处罚", "category": "penalty",
            "legal_basis": "《宗教事务条例》第六十四条", "procedure": "立案 → 调查 → 决定", "time_limit": "90日",
            "time_limit_days": 90, **changes}


def _public(http) -> dict[str, dict]:
    resp = http.call("GET", "/api/v1/public/powers")
    assert resp.status_code == 200
    return {p["code"]: p for p in resp.get_json()}


def test_bureau_items_are_seeded_once__DOMAIN_5(app, http):
    with app.app_context():
        seed_powers()
        assert seed_powers() == 0
    listed = _public(http)
    for item in BUREAU_ITEMS:
        assert item["code"] in listed
    assert listed["permit-rra22"]["time_limit_days"] == 30 and listed["permit-rra22"]["working_days"] is False
    assert listed["permit-rra33"]["time_limit_days"] == 20 and listed["permit-rra33"]["working_days"] is True
    assert "第六十四条" in listed["penalty-rra64"]["legal_basis"]
    assert {p["category"] for c, p in listed.items() if c.startswith("permit-rra")} == {"permit"}
    assert len([c for c in listed if c.startswith(("permit-rra", "penalty-rra"))]) == 12


def test_a_change_is_a_new_version_and_the_latest_is_public__DOMAIN_1_before(app, http):
    code = f"t-{uuid.uuid4().hex[:8]}"
    first = http.call("POST", "/api/v1/powers", "owner1", json=_item(code))
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["version"] == 1 and first.get_json()["changed_by"] == "owner1"
    assert "60日" in first.get_json()["remedies"] and "6个月" in first.get_json()["remedies"]  # default remedies
    second = http.call("POST", "/api/v1/powers", "admin", json=_item(code, time_limit="60日", time_limit_days=60))
    assert second.status_code == 201 and second.get_json()["version"] == 2
    assert _public(http)[code]["time_limit"] == "60日"
    versions = http.call("GET", f"/api/v1/powers/{code}", "officer1").get_json()
    assert [(v["version"], v["time_limit"]) for v in versions] == [(1, "90日"), (2, "60日")]
    with app.app_context():
        assert db.session.query(PowerItem).filter_by(code=code).count() == 2  # the old version is kept


def test_a_retired_item_leaves_the_public_list__DOMAIN_1_before(http):
    code = f"t-{uuid.uuid4().hex[:8]}"
    assert http.call("POST", "/api/v1/powers", "owner1", json=_item(code)).status_code == 201
    assert code in _public(http)
    assert http.call("POST", "/api/v1/powers", "owner1", json=_item(code, retired=True)).status_code == 201
    assert code not in _public(http)
    staff = {p["code"]: p for p in http.call("GET", "/api/v1/powers", "officer1").get_json()}
    assert staff[code]["retired"] is True and staff[code]["version"] == 2


def test_only_admin_or_process_owner_change_the_list(http):
    code = f"t-{uuid.uuid4().hex[:8]}"
    refused = http.call("POST", "/api/v1/powers", "officer1", json=_item(code))
    assert refused.status_code == 403 and refused.get_json()["errors"]["rule"] == "role"
    assert http.call("POST", "/api/v1/powers", json=_item(code)).status_code == 401
    assert http.call("GET", "/api/v1/powers").status_code == 401
    assert http.call("GET", "/api/v1/powers/no-such-code", "officer1").status_code == 404


def test_invalid_item_is_422(http):
    code = f"t-{uuid.uuid4().hex[:8]}"
    for bad in (_item(code, category="tax"), _item(code, legal_basis="  "), _item("bad code!"),
                _item(code, time_limit_days=0), {k: v for k, v in _item(code).items() if k != "name"},
                _item(code, surprise=1)):
        resp = http.call("POST", "/api/v1/powers", "owner1", json=bad)
        assert resp.status_code == 422, (bad, resp.get_json())
    assert "category" in http.call("POST", "/api/v1/powers", "owner1",
                                   json=_item(code, category="tax")).get_json()["errors"]
