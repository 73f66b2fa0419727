"""The officers an evidence item names (who recorded it) are officers of the case's own bureau. Found from
outside: any username was accepted — another bureau's officer, an auditor, the justice bureau's supervisor — and
was recorded on the item, while a name that does not exist got "unknown users": an oracle telling which
usernames exist in other bureaus. Both now get the same 422, on the one-request and the resumable route."""
from __future__ import annotations

import pytest

from tests.api.evidence_support import PNG, media, new_case, photo_meta, upload
from tests.api.tus_support import create


def _items(http, iid: int) -> list:
    return http.call("GET", f"/api/v1/instances/{iid}/evidence", "auditor1").get_json()


@pytest.mark.parametrize("stranger", ["officer4", "auditor1", "supervisor1", "reviewer1", "nobody"])
def test_a_name_that_is_not_an_officer_of_the_bureau_is_refused_alike(http, stranger):
    iid = new_case(http)
    resp = upload(http, iid, media(PNG), "p.png", photo_meta(officers=["officer1", stranger]))
    assert resp.status_code == 422, resp.get_json()
    [message] = resp.get_json()["errors"]["officers"]
    assert message == f"not officers of this case's bureau: {stranger}"
    tus = create(http, iid, 4096, "p.png", photo_meta(officers=["officer1", stranger]))
    assert tus.status_code == 422 and tus.get_json()["errors"]["officers"] == [message]
    assert _items(http, iid) == []


def test_the_case_bureaus_officers_are_accepted(http):
    iid = new_case(http)
    resp = upload(http, iid, media(PNG), "p.png", photo_meta(officers=["officer1", "officer2"]))
    assert resp.status_code == 201, resp.get_json()
    assert [item["officers"] for item in _items(http, iid)] == [["officer1", "officer2"]]
