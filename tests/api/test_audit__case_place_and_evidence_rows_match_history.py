"""Verify compares what decides who reads a case with its history: the instance row's bureau and unit (a case moved
to another bureau in SQL is read there in full) and every evidence item's row (its case, file and capture
metadata, as the ``evidence_uploaded`` event recorded them). A change made behind the application's back is
reported by ``GET /instances/<id>/verify`` and by ``flask --app api audit verify``."""
from __future__ import annotations

import json

from sqlalchemy import select

from api.extensions import db
from api.models import EvidenceItem, Organisation
from tests.api.evidence_support import PNG, media, new_case, photo_meta, upload
from tests.api.tamper import raw


def _org(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Organisation.id).where(Organisation.code == code))


def _verify(http, iid: int, as_user: str = "supervisor1") -> dict:
    """The supervisor reads both bureaus: the verify answers wherever the row now says the case belongs."""
    resp = http.call("GET", f"/api/v1/instances/{iid}/verify", as_user)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _cli(app, iid: int) -> str:
    return app.test_cli_runner().invoke(args=["audit", "verify", str(iid)]).output


def _row_fields(result: dict) -> set[str]:
    return {p.get("field") for p in result["problems"] if p["kind"] == "row"}


def _case_with_photo(http) -> tuple[int, int]:
    iid = new_case(http)
    resp = upload(http, iid, media(PNG), "site.png", photo_meta())
    assert resp.status_code == 201, resp.get_json()
    return iid, resp.get_json()["id"]


def test_a_case_moved_to_another_bureau_in_sql_is_reported(http, app):
    iid = new_case(http)
    assert _verify(http, iid)["ok"]
    other = _org(app, "nj-scj")
    raw(app, "UPDATE instances SET org_id = :o, unit_id = :o WHERE id = :i", o=other, i=iid)
    # the move is real: the other bureau's officer now reads the case, ID number included
    assert http.call("GET", f"/api/v1/instances/{iid}", "officer4").status_code == 200
    result = _verify(http, iid)
    assert not result["ok"] and not result["row_ok"], result
    assert {"org_id", "unit_id"} <= _row_fields(result), result["problems"]
    assert "FAILED" in _cli(app, iid)


def test_a_case_moved_to_another_unit_in_sql_is_reported(http, app):
    iid = new_case(http)  # officer1's, unit nj-mzj-1
    raw(app, "UPDATE instances SET unit_id = :u WHERE id = :i", u=_org(app, "nj-mzj-2"), i=iid)
    result = _verify(http, iid, "auditor1")
    assert _row_fields(result) == {"unit_id"}, result["problems"]


def test_changed_evidence_metadata_is_reported(http, app):
    iid, item = _case_with_photo(http)
    assert _verify(http, iid, "auditor1")["evidence_ok"]
    raw(app, "UPDATE evidence_items SET officers = :o, place = :p WHERE id = :e",
        o=json.dumps(["officer3"]), p="别处", e=item)
    result = _verify(http, iid, "auditor1")
    assert not result["ok"] and not result["evidence_ok"], result
    found = [p for p in result["problems"] if p["kind"] == "evidence" and p.get("evidence_id") == item]
    assert found and "officers" in found[0]["problem"] and "place" in found[0]["problem"], result["problems"]
    assert "FAILED" in _cli(app, iid)


def test_a_changed_evidence_file_reference_is_reported(http, app):
    """The item points at another stored file (e.g. a harmless one uploaded elsewhere)."""
    iid, item = _case_with_photo(http)
    _other_case, other_item = _case_with_photo(http)
    with app.app_context():
        other_sha = db.session.get(EvidenceItem, other_item).sha256
    raw(app, "UPDATE evidence_items SET sha256 = :s WHERE id = :e", s=other_sha, e=item)
    result = _verify(http, iid, "auditor1")
    assert any(p["kind"] == "evidence" and p.get("evidence_id") == item and "sha256" in p["problem"]
               for p in result["problems"]), result["problems"]


def test_an_evidence_item_moved_to_another_case_is_reported_on_both(http, app):
    source, item = _case_with_photo(http)
    target = new_case(http)
    raw(app, "UPDATE evidence_items SET instance_id = :t WHERE id = :e", t=target, e=item)
    for iid in (source, target):
        result = _verify(http, iid, "auditor1")
        assert not result["evidence_ok"], (iid, result)
        assert any(p["kind"] == "evidence" and p.get("evidence_id") == item for p in result["problems"]), \
            result["problems"]


def test_a_removed_or_added_evidence_item_is_reported(http, app):
    iid, item = _case_with_photo(http)
    raw(app, "DELETE FROM evidence_items WHERE id = :e", e=item)
    result = _verify(http, iid, "auditor1")
    assert any(p["kind"] == "evidence" and p.get("evidence_id") == item and "missing" in p["problem"]
               for p in result["problems"]), result["problems"]
