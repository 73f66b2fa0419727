"""An A/V item is accepted only from a device the ledger shows checked out to an officer of the case."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from api.extensions import db
from api.models import User
from api.security import hash_password
from tests.api.evidence_support import (
    MP4,
    av_meta,
    checkout,
    give_back,
    media,
    new_case,
    new_device,
    upload,
)


def _refused(resp) -> bool:
    return resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "equipment_ledger"


def test_device_held_by_an_officer_of_the_case(http):
    iid = new_case(http)
    device = new_device(http)
    checkout(http, device, "officer1")
    resp = upload(http, iid, media(MP4), "rec.mp4", av_meta(device))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["media_type"] == "video/mp4" and body["device_id"] == device
    assert body["opening_statement"].startswith("现在是")


def test_device_never_checked_out_or_unknown(http):
    iid = new_case(http)
    assert _refused(upload(http, iid, media(MP4), "rec.mp4", av_meta(new_device(http))))
    assert _refused(upload(http, iid, media(MP4), "rec.mp4", av_meta("NO-SUCH-DEVICE")))


def test_device_held_by_someone_else(http, app):
    name = f"officer-{uuid.uuid4().hex[:6]}"
    with app.app_context():
        db.session.add(User(username=name, display_name="外单位执法人员", password_hash=hash_password("demo"),
                            roles=["officer"]))
        db.session.commit()
    iid = new_case(http)
    device = new_device(http)
    checkout(http, device, name)
    assert _refused(upload(http, iid, media(MP4), "rec.mp4", av_meta(device)))


def test_returned_before_capture_or_captured_before_checkout(http):
    iid = new_case(http)
    device = new_device(http)
    before = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    checkout(http, device, "officer2")
    assert _refused(upload(http, iid, media(MP4), "rec.mp4", av_meta(device, captured_at=before)))
    during = datetime.now(UTC).isoformat()
    give_back(http, device)
    after = datetime.now(UTC).isoformat()
    assert _refused(upload(http, iid, media(MP4), "rec.mp4", av_meta(device, captured_at=after)))
    ok = upload(http, iid, media(MP4), "rec.mp4", av_meta(device, captured_at=during))
    assert ok.status_code == 201, ok.get_json()
