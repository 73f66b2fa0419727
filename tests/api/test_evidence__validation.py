"""Refused uploads: size, media type, metadata (422), references."""
from __future__ import annotations

import json
import os

from tests.api.evidence_support import (
    JPEG,
    MP4,
    PDF,
    PNG,
    av_meta,
    media,
    new_case,
    new_device,
    photo_meta,
    upload,
)


def test_a_file_over_the_limit_is_413_naming_file(http, app, monkeypatch):
    iid = new_case(http)
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 1000)
    resp = upload(http, iid, media(PNG, 1500), "big.png", photo_meta())
    assert resp.status_code == 413 and "file" in resp.get_json()["errors"]
    assert "1000 bytes" in resp.get_json()["message"]
    far_over = upload(http, iid, media(PNG, 3 * 1024 * 1024), "huge.png", photo_meta())
    assert far_over.status_code == 413 and "file" in far_over.get_json()["errors"]
    assert upload(http, iid, media(PNG, 900), "ok.png", photo_meta()).status_code == 201


def test_content_must_match_the_declared_type_and_extension(http):
    iid = new_case(http)
    cases = [
        (media(PNG), "photo.jpg", None),  # PNG bytes, .jpg name
        (media(PNG), "photo.png", "image/jpeg"),  # PNG bytes declared JPEG
        (media(JPEG), "photo.exe", None),  # unknown extension
        (os.urandom(2048), "photo.png", None),  # no known magic
    ]
    for content, name, declared in cases:
        resp = upload(http, iid, content, name, photo_meta(), content_type=declared)
        assert resp.status_code == 400, (name, declared, resp.get_json())
        assert "file" in resp.get_json()["errors"]
    resp = upload(http, iid, media(PDF), "scan.pdf", photo_meta())  # a photo must be an image
    assert resp.status_code == 400 and "file" in resp.get_json()["errors"]
    ok = upload(http, iid, media(JPEG), "photo.JPG", photo_meta(), content_type="image/jpeg")
    assert ok.status_code == 201 and ok.get_json()["media_type"] == "image/jpeg"
    text = upload(http, iid, "询问笔录：……\n".encode() * 50, "note.txt", {"kind": "document", "officers": ["officer1"]})
    assert text.status_code == 201 and text.get_json()["media_type"] == "text/plain"


def test_av_needs_an_opening_statement_and_a_reason_for_every_pause(http):
    iid = new_case(http)
    device = new_device(http)
    resp = upload(http, iid, media(MP4), "rec.mp4", av_meta(device, opening_statement=None))
    assert resp.status_code == 422 and "opening_statement" in resp.get_json()["errors"]
    resp = upload(http, iid, media(MP4), "rec.mp4", av_meta(device, opening_statement="   "))
    assert resp.status_code == 422 and "opening_statement" in resp.get_json()["errors"]
    meta = av_meta(device)
    pauses = [{"at": meta["captured_at"], "reason": "电池更换"}, {"at": meta["captured_at"]}]
    resp = upload(http, iid, media(MP4), "rec.mp4", {**meta, "pauses": json.dumps(pauses)})
    assert resp.status_code == 422 and "pauses" in resp.get_json()["errors"]
    resp = upload(http, iid, media(MP4), "rec.mp4", {**meta, "pauses": json.dumps([{"at": meta["captured_at"],
                                                                                   "reason": ""}])})
    assert resp.status_code == 422 and "pauses" in resp.get_json()["errors"]
    resp = upload(http, iid, media(MP4), "rec.mp4", av_meta(device, device_id=None))
    assert resp.status_code == 422 and "device_id" in resp.get_json()["errors"]


def test_metadata_is_checked(http):
    iid = new_case(http)
    other = new_case(http)
    other_task = http.open_task(other, "task_record_start")["id"]
    bad = [
        ({"captured_at": None}, "captured_at"),
        ({"captured_at": "2999-01-01T00:00:00+08:00"}, "captured_at"),
        ({"kind": "selfie"}, "kind"),
        ({"officers": None}, "officers"),
        ({"officers": ["nobody-here"]}, "officers"),
        ({"task_id": other_task}, "task_id"),
        ({"colour": "red"}, "colour"),
    ]
    for change, field in bad:
        resp = upload(http, iid, media(PNG), "a.png", {**photo_meta(), **change})
        assert resp.status_code == 422, (change, resp.get_json())
        assert field in resp.get_json()["errors"], (change, resp.get_json())
    no_file = http.call("POST", f"/api/v1/instances/{iid}/evidence", "officer1", data=photo_meta(),
                        content_type="multipart/form-data")
    assert no_file.status_code == 422 and "file" in no_file.get_json()["errors"]
    text_file = http.call("POST", f"/api/v1/instances/{iid}/evidence", "officer1",
                          data={**photo_meta(), "file": "not a file"}, content_type="multipart/form-data")
    assert text_file.status_code == 422 and "file" in text_file.get_json()["errors"]
    task = http.open_task(iid, "task_record_start")["id"]
    ok = upload(http, iid, media(PNG), "a.png", photo_meta(task_id=task, officers="officer1,officer2"))
    assert ok.status_code == 201 and ok.get_json()["task_id"] == task
    assert ok.get_json()["officers"] == ["officer1", "officer2"]


def test_naive_capture_time_is_utc(http):
    iid = new_case(http)
    resp = upload(http, iid, media(PNG), "a.png", photo_meta(captured_at="2026-01-05T09:30:00"))
    assert resp.status_code == 201 and resp.get_json()["captured_at"] == "2026-01-05T09:30:00+00:00"
    resp = upload(http, iid, media(PNG), "a.png", photo_meta(captured_at="2026-01-05T09:30:00+08:00"))
    assert resp.get_json()["captured_at"] == "2026-01-05T01:30:00+00:00"
