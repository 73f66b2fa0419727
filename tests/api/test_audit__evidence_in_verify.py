"""Verify reports an evidence file that was altered or removed on disk."""
from __future__ import annotations

from pathlib import Path

from api.services.evidence import evidence_path
from tests.api.evidence_support import PNG, media, new_case, photo_meta, upload
from tests.api.test_audit__verify_and_tampering import verify


def test_verify_reports_altered_and_missing_evidence(http, app):
    iid = new_case(http)
    first = upload(http, iid, media(PNG), "a.png", photo_meta())
    second = upload(http, iid, media(PNG), "b.png", photo_meta())
    assert first.status_code == 201 and second.status_code == 201
    assert verify(http, iid)["ok"]
    with app.app_context():
        altered: Path = evidence_path(first.get_json()["sha256"])
        missing: Path = evidence_path(second.get_json()["sha256"])
    altered.chmod(0o600)
    content = bytearray(altered.read_bytes())
    content[-1] ^= 0xFF
    altered.write_bytes(bytes(content))
    missing.unlink()
    result = verify(http, iid)
    assert not result["evidence_ok"] and not result["ok"]
    found = {(p["sha256"], p["problem"]) for p in result["problems"] if p["kind"] == "evidence"}
    assert found == {(first.get_json()["sha256"], "altered"), (second.get_json()["sha256"], "missing")}
    assert result["chain_ok"] and result["replay_ok"]
