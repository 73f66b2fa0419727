"""Certificates and the people offered for a case belong to the case's bureau: a certificate list shows the
caller's bureau only (the supervising justice bureau: the bureaus it supervises, read-only), an admin registers
certificates for their own bureau's users only, and an officer of another bureau counts for none of a case's
rules (two certified officers, APL 42) and is never offered in its forms."""
from __future__ import annotations

from tests import cases as c
from tests.api.orgs_support import scj_admin


def _holders(http, user: str) -> set[str]:
    resp = http.call("GET", "/api/v1/certificates", user)
    assert resp.status_code == 200, resp.get_json()
    return {row["username"] for row in resp.get_json()}


def test_a_certificate_list_is_the_caller_s_bureau_s(app, http):
    assert "officer4" not in _holders(http, "head1") and "officer1" in _holders(http, "head1")
    assert _holders(http, "head3") == {"officer4"}
    assert {"officer1", "officer4"} <= _holders(http, "supervisor1")
    body = {"username": "officer1", "number": "SCJ-ATTACK-1", "category": "行政执法证", "valid_from": "2025-01-01"}
    refused = http.call("POST", "/api/v1/certificates", scj_admin(app), json=body)
    assert refused.status_code == 422, refused.get_json()
    assert http.call("POST", "/api/v1/certificates", "supervisor1", json=body).status_code == 403
    assert "SCJ-ATTACK-1" not in {r["number"] for r in http.call("GET", "/api/v1/certificates", "head1").get_json()}


def test_an_officer_of_another_bureau_is_not_offered_and_does_not_count(http):
    iid = http.start("enforcement_case", {})["id"]
    task = http.open_task(iid, "task_register")
    offered = http.call("GET", f"/api/v1/tasks/{task['id']}", "officer1").get_json()["data"]
    assert "officer4" not in [o["value"] for o in offered["registry_officers"]]
    assert "officer1" in [o["value"] for o in offered["registry_officers"]]
    refused = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1",
                        json={"data": {**c.REGISTER, "officers": ["officer1", "officer4"]}})
    assert refused.status_code == 422 and "officers" in refused.get_json()["errors"], refused.get_json()


def test_the_public_officer_list_filters_per_bureau(http):
    scj = http.call("GET", "/api/v1/public/officers?org=nj-scj").get_json()
    assert [o["certificate_number"] for o in scj] == ["HB-NJ-2024-0104"]
    mzj = {o["certificate_number"] for o in http.call("GET", "/api/v1/public/officers?org=nj-mzj").get_json()}
    assert "HB-NJ-2024-0104" not in mzj and "HB-NJ-2024-0001" in mzj
