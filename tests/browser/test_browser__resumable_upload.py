"""A recording larger than one chunk goes from the task page as a resumable tus upload: in chunks, resumed from the
server's offset after a dropped connection, recorded as evidence of the task with the same sha256 as the file; a
file the completion's checks refuse is answered in Chinese on the page."""
from __future__ import annotations

import hashlib

import pytest

from tests.api.evidence_support import MP4, media
from tests.browser.test_browser__task import LiveApi, record_start_page

CHUNK = 16 * 1024


@pytest.fixture
def live_http(live_app) -> LiveApi:
    return LiveApi(live_app.test_client())


@pytest.fixture
def small_chunks(live_app, monkeypatch):
    monkeypatch.setitem(live_app.config, "EVIDENCE_CHUNK_BYTES", CHUNK)


def _record_start_page(visit, live_http):
    iid, task, tab, device = record_start_page(visit, live_http)
    tab.page.select_option("#ev-device", device)
    tab.page.fill("#ev-opening", "现在是9时30分，地点宁晋县某村，执法人员officer1、officer2，依法进行现场检查。")
    return iid, task, tab


def _watch(page, drop_patch: int | None = None) -> list[str]:
    """The methods sent to the upload address and to the one-request address, in order; ``drop_patch``: the
    n-th PATCH (1-based) is cut off as a dropped connection would be."""
    seen: list[str] = []

    def handle(route):
        req = route.request
        if req.url.endswith("/evidence") and req.method != "POST":
            route.continue_()  # the evidence list
            return
        kind = "one-request" if req.url.endswith("/evidence") else req.method
        seen.append(kind)
        if kind == "PATCH" and drop_patch is not None and seen.count("PATCH") == drop_patch:
            route.abort("connectionreset")
            return
        route.continue_()

    page.route("**/api/v1/evidence/uploads/*", handle)
    page.route("**/api/v1/instances/*/evidence", handle)
    page.route("**/api/v1/instances/*/evidence/uploads", handle)
    return seen


def test_a_large_recording_goes_in_chunks_and_resumes_after_a_dropped_connection(visit, live_http, small_chunks):
    iid, task, tab = _record_start_page(visit, live_http)
    page = tab.page
    body = media(MP4, 7 * CHUNK + 1000)  # eight chunks
    seen = _watch(page, drop_patch=3)
    page.set_input_files("#ev-file", files=[{"name": "现场检查.mp4", "mimeType": "video/mp4", "buffer": body}])
    page.click("#ev-upload")
    page.locator("#ev-message.ok").wait_for(timeout=30_000)
    assert page.locator("#ev-percent").inner_text() == "100%"
    assert "one-request" not in seen and seen[0] == "POST", seen
    assert "HEAD" in seen[seen.index("PATCH") + 2:], seen  # after the cut: the offset asked, then on from there
    assert seen.count("PATCH") >= 9, seen  # eight chunks and the one cut off
    item = page.locator("#evidence-list .evidence-item").first
    item.wait_for()
    assert item.get_attribute("data-task-id") == task["id"]
    listed = live_http.call("GET", f"/api/v1/instances/{iid}/evidence", "auditor1").get_json()
    assert [e["sha256"] for e in listed] == [hashlib.sha256(body).hexdigest()]
    assert listed[0]["task_id"] == task["id"] and listed[0]["size"] == len(body)
    tab.check("resumable-upload-done")


def test_a_chunked_file_the_checks_refuse_is_answered_on_the_page(visit, live_http, small_chunks):
    iid, _, tab = _record_start_page(visit, live_http)
    page = tab.page
    seen = _watch(page)
    not_a_video = b"%PDF-1.7\n" + bytes(3 * CHUNK)  # named .mp4: its content says otherwise
    page.set_input_files("#ev-file", files=[{"name": "现场检查.mp4", "mimeType": "video/mp4", "buffer": not_a_video}])
    page.click("#ev-upload")
    message = page.locator("#ev-message.bad")
    message.wait_for(timeout=30_000)
    assert message.inner_text().startswith("上传失败"), message.inner_text()
    assert "PATCH" in seen and "one-request" not in seen, seen
    assert live_http.call("GET", f"/api/v1/instances/{iid}/evidence", "auditor1").get_json() == []
    tab.check("resumable-upload-refused")
