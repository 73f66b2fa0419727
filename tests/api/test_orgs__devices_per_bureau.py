"""Recording devices belong to the bureau that equipped them: the other bureau does not see, check out, return
or read the ledger of nj-mzj's devices (404); a device goes only to an officer of its own bureau (422); the
supervising justice bureau sees the devices and ledgers but records nothing (403)."""
from __future__ import annotations

from tests.api.evidence_support import checkout, new_device


def test_the_other_bureau_cannot_see_or_move_nj_mzj_devices(http):
    code = new_device(http)  # nj-mzj's admin
    assert code in [d["code"] for d in http.call("GET", "/api/v1/devices", "head1").get_json()]
    assert code not in [d["code"] for d in http.call("GET", "/api/v1/devices", "head3").get_json()]
    assert http.call("GET", f"/api/v1/devices/{code}/ledger", "head3").status_code == 404
    assert http.call("POST", f"/api/v1/devices/{code}/checkout", "head3", json={"officer": "officer4"}).status_code == 404
    assert http.call("POST", f"/api/v1/devices/{code}/checkout", "officer4",
                     json={"officer": "officer4"}).status_code == 404
    checkout(http, code, "officer1")
    assert http.call("POST", f"/api/v1/devices/{code}/return", "head3", json={}).status_code == 404
    assert [m["action"] for m in http.call("GET", f"/api/v1/devices/{code}/ledger", "head1").get_json()] == ["checkout"]


def test_a_device_goes_only_to_an_officer_of_its_bureau(http):
    code = new_device(http)
    refused = http.call("POST", f"/api/v1/devices/{code}/checkout", "admin", json={"officer": "officer4"})
    assert refused.status_code == 422 and "officer" in refused.get_json()["errors"]
    theirs = new_device(http, as_user="head3")
    assert theirs in [d["code"] for d in http.call("GET", "/api/v1/devices", "head3").get_json()]
    assert theirs not in [d["code"] for d in http.call("GET", "/api/v1/devices", "admin").get_json()]
    refused = http.call("POST", f"/api/v1/devices/{theirs}/checkout", "head3", json={"officer": "officer1"})
    assert refused.status_code == 422
    checkout(http, theirs, "officer4", as_user="head3")


def test_the_supervisor_reads_devices_but_records_nothing(http):
    code = new_device(http)
    assert code in [d["code"] for d in http.call("GET", "/api/v1/devices", "supervisor1").get_json()]
    assert http.call("GET", f"/api/v1/devices/{code}/ledger", "supervisor1").status_code == 200
    assert http.call("POST", f"/api/v1/devices/{code}/checkout", "supervisor1",
                     json={"officer": "officer1"}).status_code == 403
    assert http.call("POST", "/api/v1/devices", "supervisor1",
                     json={"code": f"{code}-s", "name": "x", "kind": "camera"}).status_code == 403
