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


def test_an_archive_with_a_large_recording_is_streamed_not_held_in_memory(app, http, evidence_store, tmp_path):
    """Found from outside: the archive was built in memory, so exporting a case with a multi-GB recording held the
    whole zip (and the recording) in a server worker. The zip is made on disk and streamed; the recording is stored
    in it as is (media does not deflate)."""
    import hashlib
    import random
    import tracemalloc

    from api.services.evidence_store import key_of
    from tests.api.evidence_support import PDF, new_case
    from tests.api.tus_support import Generated, create, patch

    mib = 1 << 20

    class Noise(Generated):
        """Bytes that do not compress (a recording's), made a MiB at a time."""

        def _at(self, pos: int, n: int) -> bytes:
            if pos < len(self.head):
                return self.head[pos:pos + n]
            block, start = divmod(pos - len(self.head), mib)
            return random.Random(block).randbytes(mib)[start:start + n]

    iid = new_case(http)
    size = 96 * mib
    body = Noise(size, PDF + b"\n")
    created = create(http, iid, size, "minutes.pdf", {**photo_meta(), "kind": "document", "captured_at": None})
    assert created.status_code == 201, created.get_json()
    done = patch(http, created.headers["Location"], 0, body, length=size)
    assert done.status_code == 204, done.get_json()
    sha = done.headers["Evidence-Sha256"]
    out = tmp_path / "case.zip"
    tracemalloc.start()
    try:
        resp = http.call("GET", f"/api/v1/instances/{iid}/archive", "auditor1", buffered=False)
        assert resp.status_code == 200 and resp.mimetype == "application/zip"
        with out.open("wb") as target:
            for chunk in resp.response:
                target.write(chunk)
        resp.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"archive of a 96 MiB recording: {out.stat().st_size / mib:.1f} MiB, peak traced memory {peak / mib:.1f} MiB")
    assert peak < 16 * mib
    assert int(resp.headers["Content-Length"]) == out.stat().st_size
    with zipfile.ZipFile(out) as zf:
        info = next(i for i in zf.infolist() if i.filename.startswith(f"evidence/{sha}"))
        assert info.compress_type == zipfile.ZIP_STORED and info.file_size == size
        digest = hashlib.sha256()
        with zf.open(info) as packed:
            for piece in iter(lambda: packed.read(mib), b""):
                digest.update(piece)
        assert digest.hexdigest() == sha
    assert verify_archive([str(out)]) == 0
    (evidence_store / key_of(sha)).unlink()
