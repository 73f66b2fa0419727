"""The case archive: contents, the Chinese case file, offline verification, corrections kept as events."""
from __future__ import annotations

import io
import json
import zipfile

from tests.api.evidence_support import PNG, media, photo_meta, upload
from tests.api.test_audit__verify_and_tampering import run_major_case
from tools.verify_archive import main as verify_archive


def _archive(http, iid: int) -> zipfile.ZipFile:
    resp = http.call("GET", f"/api/v1/instances/{iid}/archive", "auditor1")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(resp.data))


def test_archive_holds_manifest_bpmn_evidence_and_case_file_and_verifies_offline(http, tmp_path):
    iid = run_major_case(http)
    photo = media(PNG)
    assert upload(http, iid, photo, "site.png", photo_meta()).status_code in (201, 409)
    zf = _archive(http, iid)
    names = set(zf.namelist())
    assert {"manifest.json", "案卷.html", "definitions/enforcement_case.bpmn", "definitions/legal_review.bpmn"} <= names
    manifest = json.loads(zf.read("manifest.json"))
    assert len([e for e in manifest["events"] if e["stream"] == f"instance:{iid}"]) > 20
    case_file = zf.read("案卷.html").decode()
    assert "卷内目录" in case_file and "法制审核" in case_file and "立案登记" in case_file
    path = tmp_path / "case.zip"
    path.write_bytes(http.call("GET", f"/api/v1/instances/{iid}/archive", "auditor1").data)
    assert verify_archive([str(path)]) == 0


def test_offline_verifier_finds_a_changed_event_and_a_changed_file(http, tmp_path):
    iid = run_major_case(http)
    original = http.call("GET", f"/api/v1/instances/{iid}/archive", "auditor1").data
    src = zipfile.ZipFile(io.BytesIO(original))

    def rewrite(change) -> str:
        out = tmp_path / f"{change.__name__}.zip"
        with zipfile.ZipFile(out, "w") as dst:
            for name in src.namelist():
                dst.writestr(name, change(name, src.read(name)))
        return str(out)

    def event_changed(name: str, content: bytes) -> bytes:
        if name != "manifest.json":
            return content
        manifest = json.loads(content)
        manifest["events"][3]["actor"] = "someone_else"
        return json.dumps(manifest).encode()

    def bpmn_changed(name: str, content: bytes) -> bytes:
        return content.replace("法制审核".encode(), "法制审查".encode()) if name.endswith("legal_review.bpmn") else content

    assert verify_archive([rewrite(event_changed)]) == 1
    assert verify_archive([rewrite(bpmn_changed)]) == 1


def test_archive_export_is_logged_and_needs_an_audit_role(http):
    iid = http.start("enforcement_case")["id"]
    assert http.call("GET", f"/api/v1/instances/{iid}/archive", "officer1").status_code == 403
    _archive(http, iid)
    events = http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
    assert any(e["type"] == "archive_exported" and e["actor"] == "auditor1" for e in events)


def test_an_altered_or_missing_evidence_file_is_refused_by_name_not_packed(http, app, evidence_store):
    """Found from outside: the archive packed the store's altered bytes under the recorded sha256 (only the offline
    verifier noticed), and left a missing file out without a word."""
    from api.services.evidence_store import FileStore
    from tests.api.evidence_support import new_case

    iid = new_case(http)  # running: it takes evidence
    photo = media(PNG, 1500)
    resp = upload(http, iid, photo, "site.png", photo_meta())
    assert resp.status_code == 201, resp.get_json()
    sha = resp.get_json()["sha256"]
    with app.app_context():
        path = FileStore(evidence_store).path(sha)
    path.chmod(0o644)
    path.write_bytes(photo[:-1] + b"\x00")  # altered behind the app's back
    refused = http.call("GET", f"/api/v1/instances/{iid}/archive", "auditor1")
    assert refused.status_code == 409 and sha in refused.get_json()["message"], refused.get_json()
    path.unlink()  # removed
    refused = http.call("GET", f"/api/v1/instances/{iid}/archive", "auditor1")
    assert refused.status_code == 409 and "missing" in refused.get_json()["message"], refused.get_json()
