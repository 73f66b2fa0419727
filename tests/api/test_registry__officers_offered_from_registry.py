"""No hard-coded officers: forms offer the officers of the registry with a certificate valid today (APL 42), through
form-js's valuesKey, and the server accepts only what the registry offers."""
from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

import pytest

from api.extensions import db
from api.models import User
from api.security import hash_password
from engine import clock
from engine.form_options import REGISTRY_VALUES_KEYS
from tests import cases as c
from tests.api.helpers import web_login

FORMS = Path(__file__).resolve().parents[2] / "forms"
AFTER_DEMO_CERTIFICATES = date(2030, 1, 2)  # the demo officers' certificates run to 2029-12-31


def _new_officer(app, http, valid_to: str | None = None) -> str:
    """A user registered as an officer, with a certificate registered through the API."""
    username = f"officer_{uuid.uuid4().hex[:6]}"
    with app.app_context():
        db.session.add(User(username=username, display_name=f"新执法人员{username[-3:]}", roles=["officer"],
                            password_hash=hash_password("demo")))
        db.session.commit()
    cert = {"username": username, "number": f"HB-NJ-T-{uuid.uuid4().hex[:8]}", "category": "宗教事务行政执法",
            "area": "宁晋县", "valid_from": "2024-01-01", "valid_to": valid_to}
    resp = http.call("POST", "/api/v1/certificates", "admin", json=cert)
    assert resp.status_code == 201, resp.get_json()
    return username


def _register_task(http) -> tuple[int, dict]:
    iid = http.start("enforcement_case")["id"]
    task = http.open_task(iid, "task_register")
    return iid, http.call("GET", f"/api/v1/tasks/{task['id']}", "officer1").get_json()


def _offered(detail: dict, key: str = "registry_officers") -> list[str]:
    return [o["value"] for o in detail["data"][key]]


def test_a_newly_registered_certified_officer_is_offered_and_accepted__APL_42(app, http):
    newcomer = _new_officer(app, http)
    iid, detail = _register_task(http)
    (officers,) = [f for f in detail["form"]["components"] if f.get("key") == "officers"]
    assert officers["valuesKey"] == "registry_officers" and "values" not in officers
    assert {"officer1", "officer2", newcomer} <= set(_offered(detail))
    assert "reviewer1" not in _offered(detail) and "head1" not in _offered(detail)
    label = next(o["label"] for o in detail["data"]["registry_officers"] if o["value"] == newcomer)
    assert "执法证号 HB-NJ-T-" in label
    http.complete(iid, "task_register", {**c.REGISTER, "officers": [newcomer, "officer2"]}, "officer1")
    assert http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()["data"]["officers"] == [newcomer,
                                                                                                      "officer2"]


def test_an_expired_or_unknown_officer_is_neither_offered_nor_accepted__APL_42(app, http, monkeypatch):
    lapsed = _new_officer(app, http, valid_to="2025-01-01")
    newcomer = _new_officer(app, http)
    iid, detail = _register_task(http)
    assert lapsed not in _offered(detail)
    refused = http.complete(iid, "task_register", {**c.REGISTER, "officers": [lapsed, "officer2"]}, "officer1",
                            expect=422)
    assert lapsed in refused["errors"]["officers"][0]
    ghost = http.complete(iid, "task_register", {**c.REGISTER, "officers": ["nobody", "officer2"]}, "officer1",
                          expect=422)
    assert "nobody" in ghost["errors"]["officers"][0]

    monkeypatch.setattr(clock, "today", lambda: AFTER_DEMO_CERTIFICATES)  # officer1's certificate has expired
    offered = _offered(http.call("GET", f"/api/v1/tasks/{detail['id']}", "officer1").get_json())
    assert "officer1" not in offered and newcomer in offered
    refused = http.complete(iid, "task_register", {**c.REGISTER, "officers": ["officer1", newcomer]}, "officer1",
                            expect=422)
    assert list(refused["errors"]) == ["officers"] and "officer1" in refused["errors"]["officers"][0]
    monkeypatch.undo()
    assert http.open_task(iid, "task_register")  # nothing was recorded


def test_the_web_task_page_offers_the_registry_officers(app, client, http):
    newcomer = _new_officer(app, http)
    _, detail = _register_task(http)
    assert web_login(client, "officer1").status_code == 302
    page = client.get(f"/tasks/{detail['id']}").get_data(as_text=True)
    assert f'name="officers" value="{newcomer}"' in page and 'name="officers" value="officer2"' in page


def test_no_form_hard_codes_officers():
    for path in sorted(FORMS.glob("*.form")):
        text = path.read_text(encoding="utf-8")
        assert "officer1" not in text and "officer2" not in text, path.name
        for component in json.loads(text)["components"]:
            if component.get("valuesKey"):
                assert component["valuesKey"] in REGISTRY_VALUES_KEYS, path.name


@pytest.mark.parametrize("key", sorted(REGISTRY_VALUES_KEYS))
def test_every_registry_list_the_engine_names_is_built_by_the_server(app, key):
    from api.registry.service import registry_values

    with app.test_request_context():
        (options,) = registry_values([key]).values()
    assert all(set(o) == {"label", "value"} for o in options)
