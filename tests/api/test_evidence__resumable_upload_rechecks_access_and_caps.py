"""An upload is no key to a case: every HEAD, GET and PATCH of a tus upload re-applies the checks of its
creation (organisation scope, role, case membership, the case still taking evidence), so an uploader whose access
ended after creating it is refused and its bytes are neither extended nor recorded as evidence; only DELETE is left
to its uploader whatever became of the case (its bytes were never recorded). And no uploader reserves unbounded disk: open (unfinished, unexpired) uploads are capped per user, in number and in declared bytes.
"""
from __future__ import annotations

import os
import time

from sqlalchemy import select, text

from api.extensions import db
from api.models import Organisation
from api.services.evidence_store import staging_dir
from tests.api.evidence_support import MP4, av_meta, checkout, media, new_case, new_device
from tests.api.tamper import raw
from tests.api.tus_support import create, head, patch


def _av_case(http):
    iid = new_case(http)
    device = new_device(http)
    checkout(http, device, "officer1")
    return iid, av_meta(device)


def _part_size(app, url: str) -> int:
    with app.app_context():
        return (staging_dir("uploads") / f"{url.rsplit('/', 1)[1]}.part").stat().st_size


def _part_exists(app, url: str) -> bool:
    with app.app_context():
        return (staging_dir("uploads") / f"{url.rsplit('/', 1)[1]}.part").exists()


def _events(app, iid: int) -> list[dict]:
    with app.app_context():
        rows = db.session.execute(text("SELECT type FROM events WHERE stream = :s ORDER BY seq"),
                                  {"s": f"instance:{iid}"})
        return [{"type": t} for (t,) in rows]


def _items(http, iid: int, as_user: str = "auditor1") -> list:
    return http.call("GET", f"/api/v1/instances/{iid}/evidence", as_user).get_json()


def _assert_refused(resp, statuses: tuple[int, ...]) -> None:
    assert resp.status_code in statuses, (resp.status_code, resp.get_data(as_text=True))
    if resp.request.method != "HEAD":
        body = resp.get_json()
        assert set(body) == {"code", "status", "message", "errors"} and body["code"] == resp.status_code


def test_an_uploader_moved_out_of_the_case_bureau_can_no_longer_touch_the_upload(app, http):
    iid, meta = _av_case(http)
    content = media(MP4, 6000)
    url = create(http, iid, len(content), "a.mp4", meta).headers["Location"]
    assert patch(http, url, 0, content[:3000]).status_code == 204
    with app.app_context():
        other = db.session.scalar(select(Organisation.id).where(Organisation.code == "nj-scj"))
    raw(app, "UPDATE instances SET org_id = :o, unit_id = :o WHERE id = :i", o=other, i=iid)
    for method in ("HEAD", "GET"):
        _assert_refused(http.call(method, url, "officer1", headers={"Tus-Resumable": "1.0.0"}), (403, 404))
    _assert_refused(patch(http, url, 3000, content[3000:]), (403, 404))
    assert _part_size(app, url) == 3000  # not extended
    assert _items(http, iid, "officer4") == []  # nothing recorded
    # its uploader may still end it (the bytes were never recorded; it would hold one of their open uploads)
    assert http.call("DELETE", url, "officer2", headers={"Tus-Resumable": "1.0.0"}).status_code == 404  # not theirs
    assert http.call("DELETE", url, "officer1", headers={"Tus-Resumable": "1.0.0"}).status_code == 204
    assert not _part_exists(app, url)
    assert _items(http, iid, "officer4") == []


def test_an_ended_case_refuses_every_request_on_its_open_upload(app, http):
    iid, meta = _av_case(http)
    content = media(MP4, 6000)
    url = create(http, iid, len(content), "a.mp4", meta).headers["Location"]
    assert patch(http, url, 0, content[:3000]).status_code == 204
    cancel = http.call("POST", f"/api/v1/instances/{iid}/cancel", "admin", json={"reason": "撤销立案"})
    assert cancel.status_code == 200, cancel.get_json()
    for method in ("HEAD", "GET"):
        _assert_refused(http.call(method, url, "officer1", headers={"Tus-Resumable": "1.0.0"}), (403, 404, 409))
    _assert_refused(patch(http, url, 3000, content[3000:]), (403, 404, 409))
    assert _part_size(app, url) == 3000  # the bytes were not extended
    assert _items(http, iid) == []
    # found from outside: the uploader could not end it, and it held one of their open uploads for 72 hours
    assert http.call("DELETE", url, "officer1", headers={"Tus-Resumable": "1.0.0"}).status_code == 204
    assert not _part_exists(app, url)
    assert _items(http, iid) == []
    assert [e["type"] for e in _events(app, iid)][-1] == "instance_cancelled"  # the record gained nothing


def test_a_finished_upload_still_answers_its_uploader(app, http):
    iid, meta = _av_case(http)
    content = media(MP4, 5000)
    url = create(http, iid, len(content), "a.mp4", meta).headers["Location"]
    done = patch(http, url, 0, content)
    assert done.status_code == 204 and "Evidence-Id" in done.headers
    assert head(http, url).headers["Evidence-Id"] == done.headers["Evidence-Id"]
    assert http.call("GET", url, "officer1").get_json()["complete"]


def _age(app, url: str, hours: int) -> None:
    """Make an upload look untouched for ``hours``."""
    with app.app_context():
        upload_id = url.rsplit("/", 1)[1]
        then = time.time() - hours * 3600
        for suffix in (".json", ".part"):
            os.utime(staging_dir("uploads") / f"{upload_id}{suffix}", (then, then))


def test_open_uploads_are_capped_per_user_in_number(app, http, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_UPLOAD_MAX_OPEN", 2)
    iid, meta = _av_case(http)
    content = media(MP4, 5000)
    first = create(http, iid, len(content), "a.mp4", meta).headers["Location"]
    second = create(http, iid, len(content), "b.mp4", meta).headers["Location"]
    third = create(http, iid, len(content), "c.mp4", meta)
    assert third.status_code == 429, third.get_json()
    body = third.get_json()
    assert body["code"] == 429 and "2" in body["message"] and "uploads" in body["errors"]
    assert sorted(body["errors"]["open"]) == sorted([first, second])  # theirs, to end them if they lost them
    assert third.headers["Tus-Resumable"] == "1.0.0"
    # another user is not held by officer1's uploads
    assert create(http, iid, len(content), "c.mp4", meta, "officer2").status_code == 201
    # a finished upload, a terminated one and an expired one no longer count
    assert patch(http, first, 0, content).status_code == 204
    assert create(http, iid, len(content), "c.mp4", meta).status_code == 201
    assert create(http, iid, len(content), "d.mp4", meta).status_code == 429
    assert http.call("DELETE", second, "officer1").status_code == 204
    fourth = create(http, iid, len(content), "d.mp4", meta).headers["Location"]
    assert create(http, iid, len(content), "e.mp4", meta).status_code == 429
    _age(app, fourth, app.config["EVIDENCE_UPLOAD_EXPIRY_HOURS"] + 1)
    assert create(http, iid, len(content), "e.mp4", meta).status_code == 201


def test_open_uploads_are_capped_per_user_in_declared_bytes(app, http, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_UPLOAD_MAX_OPEN_BYTES", 10_000)
    iid, meta = _av_case(http)
    assert create(http, iid, 6000, "a.mp4", meta).status_code == 201
    over = create(http, iid, 6000, "b.mp4", meta)
    assert over.status_code == 413, over.get_json()
    assert "10000" in over.get_json()["message"] and "Upload-Length" in over.get_json()["errors"]
    assert create(http, iid, 4000, "b.mp4", meta).status_code == 201  # exactly up to the cap
    assert create(http, iid, 1, "c.mp4", meta).status_code == 413


def test_an_uploader_who_lost_the_officer_role_may_still_end_their_upload(app, http):
    """Found from outside: DELETE needed the uploader's role, so one moved to another post kept the upload (and a
    place of their cap) until it expired."""
    iid, meta = _av_case(http)
    content = media(MP4, 6000)
    url = create(http, iid, len(content), "a.mp4", meta, "officer2").headers["Location"]
    assert patch(http, url, 0, content[:3000], as_user="officer2").status_code == 204
    roles = http.call("GET", "/api/v1/users/officer2", "admin").get_json()["roles"]
    moved = http.call("PATCH", "/api/v1/users/officer2", "admin", json={"roles": ["auditor"], "reason": "调岗"})
    assert moved.status_code == 200, moved.get_json()
    try:
        _assert_refused(patch(http, url, 3000, content[3000:], as_user="officer2"), (403,))
        assert http.call("DELETE", url, "auditor1", headers={"Tus-Resumable": "1.0.0"}).status_code == 404
        assert http.call("DELETE", url, "officer2", headers={"Tus-Resumable": "1.0.0"}).status_code == 204
        assert not _part_exists(app, url)
    finally:
        back = http.call("PATCH", "/api/v1/users/officer2", "admin", json={"roles": roles, "reason": "复岗"})
        assert back.status_code == 200, back.get_json()
