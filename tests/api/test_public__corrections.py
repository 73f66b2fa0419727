"""The public's correction channel (OGI 41): a request is kept and starts a correction case."""
from __future__ import annotations

from api.extensions import db
from api.models import CorrectionRequest, DefinitionVersion, Instance
from api.services import disclosures as service
from engine import clock
from tests.api.test_public__disclosures import further, in_app, published

REASON = "公示的决定书文号与送达的决定书不一致。"


def _deployed(app) -> bool:
    with app.app_context():
        return db.session.query(DefinitionVersion).filter_by(key=service.CORRECTION_PROCESS).count() > 0


def test_correction_request_is_kept_and_starts_a_case__OGI_41(app, http):
    item = published(app, http)
    resp = http.call("POST", "/api/v1/public/corrections",
                     json={"disclosure_id": item["id"], "contact": "13900000000", "reason": REASON})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["disclosure_id"] == item["id"] and body["created_at"]
    with app.app_context():
        row = db.session.get(CorrectionRequest, body["id"])
        assert (row.contact, row.reason, row.case_id) == ("13900000000", REASON, body["case_id"])
        if _deployed(app):
            case = db.session.get(Instance, body["case_id"])
            assert case.definition_key == "disclosure_correction" and case.started_by == "public"
            assert {k: case.data[k] for k in ("disclosure_id", "request_contact", "request_reason", "request_date",
                                              "disclosure_title", "disclosure_text", "act_type")} == {
                "disclosure_id": item["id"], "request_contact": "13900000000", "request_reason": REASON,
                "request_date": clock.today().isoformat(), "disclosure_title": item["title"],
                "disclosure_text": item["masked_text"], "act_type": item["category"]}
        else:
            assert body["case_id"] is None


def test_correction_request_kept_without_the_process__OGI_41(app, http, monkeypatch):
    item = published(app, http)
    monkeypatch.setattr(service, "CORRECTION_PROCESS", "no_such_process")
    resp = http.call("POST", "/api/v1/public/corrections",
                     json={"disclosure_id": item["id"], "contact": "someone@example.com", "reason": REASON})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["case_id"] is None


def test_correction_request_is_validated__OGI_41(app, http):
    item = published(app, http)

    def post(**body):
        return http.call("POST", "/api/v1/public/corrections",
                         json={"disclosure_id": item["id"], "contact": "13900000000", "reason": REASON, **body})

    short = post(contact="ab")
    assert short.status_code == 422 and "contact" in short.get_json()["errors"]
    assert post(reason="太短").status_code == 422
    assert post(reason="      ").status_code == 422
    assert post(reason="x" * 5001).status_code == 422
    assert post(disclosure_id=999999999).status_code == 404


def test_no_correction_request_for_withdrawn_or_superseded__OGI_41(app, http):
    withdrawn = published(app, http)
    in_app(app, service.withdraw, withdrawn["id"], "决定已撤销。", "revoked", "publicity1", None)
    resp = http.call("POST", "/api/v1/public/corrections",
                     json={"disclosure_id": withdrawn["id"], "contact": "13900000000", "reason": REASON})
    assert resp.status_code == 409
    old = published(app, http)
    in_app(app, service.correct, old["id"], further(old["masked_text"]), "更正理由。", "publicity1", None)
    resp = http.call("POST", "/api/v1/public/corrections",
                     json={"disclosure_id": old["id"], "contact": "13900000000", "reason": REASON})
    assert resp.status_code == 409


def _request_case(app, http) -> tuple[dict, int]:
    assert _deployed(app), "processes/disclosure_correction.bpmn is shipped and deployed by the app fixture"
    item = published(app, http)
    resp = http.call("POST", "/api/v1/public/corrections",
                     json={"disclosure_id": item["id"], "contact": "13900000000", "reason": REASON})
    assert resp.status_code == 201, resp.get_json()
    return item, resp.get_json()["case_id"]


def test_public_request_ends_in_a_published_withdrawal__APL_48(app, http):
    item, case_id = _request_case(app, http)
    http.complete(case_id, "task_correction_review", {"correction_outcome": "withdraw", "withdraw_basis": "revoked",
                                                      "correction_reason": "该处罚决定已被依法撤销。"}, "publicity1")
    shown = http.call("GET", f"/api/v1/public/disclosures/{item['id']}").get_json()
    assert shown["status"] == "withdrawn"
    assert shown["withdrawal"]["reason"] == "该处罚决定已被依法撤销。" and shown["withdrawal"]["basis"] == "revoked"


def test_public_request_ends_in_a_published_correction__OGI_41(app, http):
    item, case_id = _request_case(app, http)
    http.complete(case_id, "task_correction_review", {"correction_outcome": "correct",
                                                      "correction_reason": "文号有误，予以更正。"}, "publicity1")
    http.complete(case_id, "task_correction_edit", {"corrected_text": further(item["masked_text"])}, "publicity1")
    old = http.call("GET", f"/api/v1/public/disclosures/{item['id']}").get_json()
    assert old["status"] == "superseded"
    new = http.call("GET", f"/api/v1/public/disclosures/{old['superseded_by']}").get_json()
    assert new["status"] == "published" and new["masked_text"] == further(item["masked_text"])
    assert new["correction_reason"] == "文号有误，予以更正。" and new["supersedes"] == item["id"]
