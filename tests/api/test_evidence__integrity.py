"""check_evidence finds missing and altered files; a bad file is logged and refused; rows are append-only."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select, text

from api.extensions import db
from api.models import Event, EvidenceItem
from api.services.evidence import check_evidence
from engine.errors import RuleViolation
from tests.api.evidence_support import PDF, PNG, media, new_case, photo_meta, upload


def _stored(app, sha: str) -> Path:
    return Path(app.config["EVIDENCE_DIR"]) / sha[:2] / sha[2:4] / sha


def _flip_a_byte(path: Path) -> None:
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))


def test_check_evidence_reports_missing_and_altered_files(http, app):
    iid = new_case(http)
    keep = upload(http, iid, media(PNG), "keep.png", photo_meta()).get_json()
    gone = upload(http, iid, media(PNG), "gone.png", photo_meta()).get_json()
    bent = upload(http, iid, media(PDF), "bent.pdf", {"kind": "document", "officers": ["officer1"]}).get_json()
    with app.app_context():
        assert check_evidence(iid) == []
    _stored(app, gone["sha256"]).unlink()
    _flip_a_byte(_stored(app, bent["sha256"]))
    with app.app_context():
        problems = check_evidence(iid)
    assert problems == [
        {"kind": "evidence", "sha256": gone["sha256"], "problem": "missing", "evidence_id": gone["id"]},
        {"kind": "evidence", "sha256": bent["sha256"], "problem": "altered", "evidence_id": bent["id"]},
    ]
    assert keep["id"] not in {p["evidence_id"] for p in problems}


def test_a_bad_file_is_refused_but_the_attempt_is_logged(http, app):
    iid = new_case(http)
    bent = upload(http, iid, media(PNG), "a.png", photo_meta()).get_json()["sha256"]
    gone = upload(http, iid, media(PNG), "b.png", photo_meta()).get_json()["sha256"]
    _flip_a_byte(_stored(app, bent))
    _stored(app, gone).unlink()
    resp = http.call("GET", f"/api/v1/evidence/{bent}", "auditor1")
    assert resp.status_code == 409 and "no longer matches" in resp.get_json()["message"]
    resp = http.call("GET", f"/api/v1/evidence/{gone}", "auditor1")
    assert resp.status_code == 409 and "missing" in resp.get_json()["message"]
    with app.app_context():
        logged = [e.data for e in db.session.scalars(select(Event).where(Event.stream == f"access:{iid}",
                                                                        Event.type == "evidence_read")
                                                     .order_by(Event.seq))]
    assert [(d["sha256"], d["problem"]) for d in logged] == [(bent, "altered"), (gone, "missing")]


def test_a_second_upload_does_not_overwrite_a_stored_file(http, app):
    iid = new_case(http)
    content = media(PNG)
    sha = upload(http, iid, content, "a.png", photo_meta()).get_json()["sha256"]
    _flip_a_byte(_stored(app, sha))
    resp = upload(http, iid, content, "a.png", photo_meta(title="再次上传"))
    assert resp.status_code == 409
    assert _stored(app, sha).read_bytes() != content  # kept as found, for investigation


def test_evidence_rows_refuse_update_and_delete(http, app):
    iid = new_case(http)
    item_id = upload(http, iid, media(PNG), "a.png", photo_meta()).get_json()["id"]
    with app.app_context():
        item = db.session.get(EvidenceItem, item_id)
        item.title = "改过的标题"
        with pytest.raises(RuleViolation):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(EvidenceItem, item_id))
        with pytest.raises(RuleViolation):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("UPDATE evidence_items SET title = 'x' WHERE id = :id"), {"id": item_id})
        db.session.rollback()
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("DELETE FROM evidence_items WHERE id = :id"), {"id": item_id})
        db.session.rollback()
        assert db.session.get(EvidenceItem, item_id).title == "现场照片"
