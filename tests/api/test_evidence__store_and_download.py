"""Upload, download by sha256 with Range, every read logged off the instance stream."""
from __future__ import annotations

import hashlib
import stat
from pathlib import Path

from sqlalchemy import select

from api.extensions import db
from api.models import Event, Instance
from tests.api.evidence_support import (
    PDF,
    PNG,
    media,
    new_case,
    photo_meta,
    upload,
)


def test_upload_then_download_round_trip(http, app):
    iid = new_case(http)
    content = media(PNG, 10_000)
    resp = upload(http, iid, content, "现场.png", photo_meta())
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    sha = hashlib.sha256(content).hexdigest()
    assert (body["sha256"], body["size"], body["media_type"]) == (sha, len(content), "image/png")
    assert body["officers"] == ["officer1", "officer2"] and body["kind"] == "photo"
    stored = Path(app.config["EVIDENCE_DIR"]) / sha[:2] / sha[2:4] / sha
    assert stored.read_bytes() == content and not stored.stat().st_mode & stat.S_IWUSR
    got = http.call("GET", f"/api/v1/evidence/{sha}", "auditor1")
    assert got.status_code == 200 and got.data == content
    assert got.mimetype == "image/png" and got.headers["Accept-Ranges"] == "bytes"
    listed = http.call("GET", f"/api/v1/instances/{iid}/evidence", "head1").get_json()
    assert [i["sha256"] for i in listed] == [sha]
    with app.app_context():
        types = [e.type for e in db.session.scalars(select(Event).where(Event.stream == f"instance:{iid}"))]
    assert "evidence_uploaded" in types


def test_range_requests(http):
    iid = new_case(http)
    content = media(PDF, 1000)
    sha = upload(http, iid, content, "笔录.pdf", {"kind": "document", "officers": ["officer1"]}).get_json()["sha256"]
    url = f"/api/v1/evidence/{sha}"
    for header, start, end in (("bytes=10-19", 10, 19), ("bytes=990-", 990, 999), ("bytes=-5", 995, 999)):
        resp = http.call("GET", url, "head1", headers={"Range": header})
        assert resp.status_code == 206, header
        assert resp.data == content[start:end + 1]
        assert resp.headers["Content-Range"] == f"bytes {start}-{end}/1000"
    resp = http.call("GET", url, "head1", headers={"Range": "bytes=2000-3000"})
    assert resp.status_code == 416
    assert resp.headers["Content-Range"] == "bytes */1000"


def test_every_read_is_an_event_on_the_access_stream(http, app):
    iid = new_case(http)
    sha = upload(http, iid, media(PNG), "a.png", photo_meta()).get_json()["sha256"]
    with app.app_context():
        before = db.session.get(Instance, iid).last_seq
    http.call("GET", f"/api/v1/evidence/{sha}", "officer2")
    http.call("GET", f"/api/v1/evidence/{sha}", "auditor1", headers={"Range": "bytes=0-9"})
    with app.app_context():
        assert db.session.get(Instance, iid).last_seq == before  # reads never touch the instance stream
        reads = list(db.session.scalars(select(Event).where(Event.stream == f"access:{iid}",
                                                            Event.type == "evidence_read").order_by(Event.seq)))
    assert [(e.type, e.actor, e.instance_id) for e in reads] == [("evidence_read", "officer2", iid),
                                                                 ("evidence_read", "auditor1", iid)]
    assert reads[1].data["range"] == "bytes=0-9" and reads[1].data["sha256"] == sha
    assert reads[1].prev_hash == reads[0].hash
    history = http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
    assert [e["actor"] for e in history if e["type"] == "evidence_read"] == ["officer2", "auditor1"]


def test_same_file_again(http):
    iid = new_case(http)
    content, meta = media(PNG), photo_meta()
    first = upload(http, iid, content, "a.png", meta).get_json()
    retry = upload(http, iid, content, "a.png", meta)
    assert retry.status_code == 200 and retry.get_json()["id"] == first["id"]
    other = upload(http, iid, content, "a.png", {**meta, "title": "另一份记录"})
    assert other.status_code == 201 and other.get_json()["id"] != first["id"]
    assert other.get_json()["sha256"] == first["sha256"]


def test_who_may_upload_and_read(http, client):
    iid = new_case(http)
    sha = upload(http, iid, media(PNG), "a.png", photo_meta()).get_json()["sha256"]
    assert upload(http, iid, media(PNG), "b.png", photo_meta(), as_user="head1").status_code == 403
    assert upload(http, iid, media(PNG), "b.png", photo_meta(), as_user="admin").status_code == 201
    assert client.get(f"/api/v1/evidence/{sha}").status_code == 401
    assert http.call("GET", f"/api/v1/evidence/{sha}", "publicity1").status_code == 403
    assert http.call("GET", f"/api/v1/evidence/{'0' * 64}", "auditor1").status_code == 404
    assert http.call("GET", f"/api/v1/evidence/{sha}?instance_id={iid + 1000}", "auditor1").status_code == 404
