"""Recordings of several GB arrive in chunks over tus 1.0 and are never held in memory: a file bigger than the
request size limit is uploaded in several PATCH requests, one of them cut off and resumed from the offset the
server reports; the completed upload is recorded exactly as a one-request upload is (the same rules, the same
sha256 in history, the same bytes served). A body of a few hundred MB streams through with a memory peak far below
its size, read in pieces of at most 1 MiB.
"""
from __future__ import annotations

import hashlib
import io
import tracemalloc

from api.services import resumable
from api.services.evidence import CHUNK
from api.services.evidence_store import key_of
from tests.api.evidence_support import (
    MP4,
    PDF,
    av_meta,
    checkout,
    media,
    new_case,
    new_device,
    photo_meta,
    upload,
)
from tests.api.tus_support import Generated, create, head, patch, sha1_of

MiB = 1 << 20


class Cut(io.RawIOBase):
    """A body whose client goes away after ``keep`` bytes (the request declared more)."""

    def __init__(self, data: bytes, keep: int) -> None:
        super().__init__()
        self.inner = io.BytesIO(data[:keep])

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self.inner.readinto(buffer)


def _av_case(http):
    iid = new_case(http)
    device = new_device(http)
    checkout(http, device, "officer1")
    return iid, av_meta(device)


def test_a_file_bigger_than_the_request_limit_arrives_in_chunks_with_a_resume(app, http, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", MiB)
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", MiB)
    iid, meta = _av_case(http)
    content = media(MP4, 3 * MiB + 12345)
    assert upload(http, iid, content, "record.mp4", meta).status_code == 413  # too big for one request

    created = create(http, iid, len(content), "record.mp4", meta)
    assert created.status_code == 201, created.get_json()
    assert created.headers["Tus-Resumable"] == "1.0.0" and created.headers["Upload-Offset"] == "0"
    url = created.headers["Location"]

    first = patch(http, url, 0, content[:MiB])
    assert first.status_code == 204 and first.headers["Upload-Offset"] == str(MiB)
    cut = patch(http, url, MiB, Cut(content[MiB:], 600_000), length=MiB + MiB // 2)  # the connection drops
    assert cut.status_code == 400
    resumed_at = int(head(http, url).headers["Upload-Offset"])
    assert resumed_at == MiB + 600_000  # what arrived before the drop is kept
    assert patch(http, url, resumed_at, content[resumed_at:resumed_at + MiB]).status_code == 204
    offset = resumed_at + MiB
    last = patch(http, url, offset, content[offset:])
    assert last.status_code == 204, last.get_json()
    assert last.headers["Upload-Offset"] == str(len(content))

    sha = hashlib.sha256(content).hexdigest()
    assert last.headers["Evidence-Sha256"] == sha
    items = http.call("GET", f"/api/v1/instances/{iid}/evidence", "officer1").get_json()
    item = next(i for i in items if i["id"] == int(last.headers["Evidence-Id"]))
    assert (item["sha256"], item["size"], item["media_type"], item["kind"]) == (sha, len(content), "video/mp4",
                                                                                 "audio_video")
    assert item["device_id"] == meta["device_id"] and item["officers"] == ["officer1", "officer2"]
    events = http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
    recorded = [e for e in events if e["type"] == "evidence_uploaded" and e["data"]["evidence_id"] == item["id"]]
    assert len(recorded) == 1 and recorded[0]["data"]["sha256"] == sha and recorded[0]["actor"] == "officer1"
    assert http.call("GET", item["url"], "officer1").data == content
    state = http.call("GET", url, "officer1").get_json()
    assert state["complete"] and state["recorded"] and state["evidence_id"] == item["id"]
    assert state["offset"] == len(content)
    verify = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()
    assert verify["ok"] and verify["evidence_ok"], verify["problems"]


def test_a_large_body_is_streamed_not_held_in_memory(app, http, evidence_store):
    iid = new_case(http)
    size = 256 * MiB
    body = Generated(size, PDF + b"\n")
    expected = body.sha256()
    created = create(http, iid, size, "minutes.pdf", {**photo_meta(), "kind": "document", "captured_at": None})
    assert created.status_code == 201, created.get_json()
    url = created.headers["Location"]
    tracemalloc.start()
    try:
        resp = patch(http, url, 0, body, length=size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert resp.status_code == 204, resp.get_json()
    assert resp.headers["Evidence-Sha256"] == expected
    assert body.bytes_read == size and body.largest_read <= CHUNK  # read once, in pieces of at most 1 MiB
    print(f"256 MiB streamed through one PATCH: peak traced memory {peak / MiB:.1f} MiB")
    assert peak < 16 * MiB
    (evidence_store / key_of(expected)).unlink()  # do not leave 256 MiB behind


def test_the_upload_rules_are_applied_at_creation(app, http, monkeypatch):
    iid, meta = _av_case(http)
    content = media(MP4, 5000)
    assert create(http, iid, len(content), "a.mp4", meta, "auditor1").status_code == 403
    assert create(http, iid, len(content), "a.mp4", meta, "officer3").status_code == 403  # not on the case
    no_version = http.call("POST", f"/api/v1/instances/{iid}/evidence/uploads", "officer1",
                           headers={"Upload-Length": "10"})
    assert no_version.status_code == 412 and no_version.headers["Tus-Version"] == "1.0.0"
    monkeypatch.setitem(app.config, "EVIDENCE_UPLOAD_MAX_BYTES", 4999)
    assert create(http, iid, len(content), "a.mp4", meta).status_code == 413
    monkeypatch.setitem(app.config, "EVIDENCE_UPLOAD_MAX_BYTES", 1 << 30)
    missing = create(http, iid, len(content), "a.mp4", {**meta, "officers": None})
    assert missing.status_code == 422 and "officers" in missing.get_json()["errors"]
    unknown = create(http, iid, len(content), "a.mp4", {**meta, "colour": "red"})
    assert unknown.status_code == 422 and "colour" in unknown.get_json()["errors"]
    stranger = new_device(http)  # never checked out
    ledger = create(http, iid, len(content), "a.mp4", {**meta, "device_id": stranger})
    assert ledger.status_code == 403 and ledger.get_json()["errors"]["rule"] == "equipment_ledger"
    empty = create(http, iid, 0, "a.mp4", meta)
    assert empty.status_code == 400 and "file" in empty.get_json()["errors"]


def test_only_the_uploader_sees_or_writes_an_upload(app, http):
    iid, meta = _av_case(http)
    content = media(MP4, 5000)
    url = create(http, iid, len(content), "a.mp4", meta).headers["Location"]
    for method in ("HEAD", "GET", "DELETE"):
        assert http.call(method, url, "officer2").status_code == 404
    assert patch(http, url, 0, content, as_user="officer2").status_code == 404
    assert patch(http, url, 0, content, as_user="auditor1").status_code == 403
    assert http.call("GET", url, "officer1").get_json()["offset"] == 0
    assert http.call("DELETE", url, "officer1").status_code == 204
    assert head(http, url).status_code == 404


def test_the_content_is_checked_when_the_upload_completes(app, http):
    iid, meta = _av_case(http)
    content = media(PDF, 5000)  # a PDF sent as a recording
    url = create(http, iid, len(content), "record.mp4", meta).headers["Location"]
    refused = patch(http, url, 0, content)
    assert refused.status_code == 400 and "file" in refused.get_json()["errors"]
    assert head(http, url).headers["Upload-Offset"] == str(len(content))  # the bytes are kept
    again = patch(http, url, len(content), b"")  # a retry of the completion meets the same rule
    assert again.status_code == 400
    state = http.call("GET", url, "officer1").get_json()  # every byte received, nothing recorded
    assert state["complete"] and not state["recorded"] and state["evidence_id"] is None, state
    items = http.call("GET", f"/api/v1/instances/{iid}/evidence", "officer1").get_json()
    assert hashlib.sha256(content).hexdigest() not in {i["sha256"] for i in items}


def test_a_case_closed_meanwhile_refuses_the_completion(app, http):
    iid, meta = _av_case(http)
    content = media(MP4, 5000)
    url = create(http, iid, len(content), "a.mp4", meta).headers["Location"]
    assert patch(http, url, 0, content[:2000]).status_code == 204
    cancel = http.call("POST", f"/api/v1/instances/{iid}/cancel", "admin", json={"reason": "撤销立案"})
    assert cancel.status_code == 200, cancel.get_json()
    closed = patch(http, url, 2000, content[2000:])
    assert closed.status_code == 409 and "closed" in closed.get_json()["message"]
    assert http.call("GET", f"/api/v1/instances/{iid}/evidence", "officer1").get_json() == []


def test_offsets_lengths_checksums_and_content_type_are_held(app, http):
    iid, meta = _av_case(http)
    content = media(MP4, 6000)
    url = create(http, iid, len(content), "a.mp4", meta).headers["Location"]
    assert patch(http, url, 10, content[:100]).status_code == 409  # not where the upload is
    assert patch(http, url, 0, content + b"x").status_code == 413  # past Upload-Length
    assert patch(http, url, 0, content[:100], content_type="application/octet-stream").status_code == 415
    bad = patch(http, url, 0, content[:3000], checksum=sha1_of(b"something else"))
    assert bad.status_code == 460 and bad.get_json()["code"] == 460
    assert head(http, url).headers["Upload-Offset"] == "0"  # nothing of it kept
    good = patch(http, url, 0, content[:3000], checksum=sha1_of(content[:3000]))
    assert good.status_code == 204 and good.headers["Upload-Offset"] == "3000"
    with app.app_context():  # another request holds the upload: a second writer is refused at once
        from api.extensions import db
        from api.models import User

        user = db.session.scalar(db.select(User).where(User.username == "officer1"))
        with resumable.writing(resumable.get(url.rsplit("/", 1)[1], user)):
            assert patch(http, url, 3000, content[3000:]).status_code == 409
    done = patch(http, url, 3000, content[3000:])
    assert done.status_code == 204 and done.headers["Evidence-Sha256"] == hashlib.sha256(content).hexdigest()
    retry = patch(http, url, len(content), b"")  # the last PATCH repeated: the same item, nothing new
    assert retry.status_code == 204 and retry.headers["Evidence-Id"] == done.headers["Evidence-Id"]
    assert len(http.call("GET", f"/api/v1/instances/{iid}/evidence", "officer1").get_json()) == 1


def test_tus_discovery_answers_options(app, client):
    resp = client.options("/api/v1/evidence/uploads/0123456789abcdef0123456789abcdef")
    assert resp.headers["Tus-Version"] == "1.0.0"
    assert {"creation", "checksum", "termination", "expiration"} <= set(resp.headers["Tus-Extension"].split(","))
    assert int(resp.headers["Tus-Max-Size"]) == app.config["EVIDENCE_UPLOAD_MAX_BYTES"]
