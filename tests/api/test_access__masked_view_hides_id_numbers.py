"""The publicity officer's masked view never carries a raw ID number the officer typed into the case.

Case A has two real-looking ID numbers (valid check characters) in its title, party fields and summary. Everything
the publicity officer is shown of it — the case, its list entry, its tasks (API and web page), the task lists —
must carry neither number, while the page still works (200) and the officer still reads what they review.
"""
from __future__ import annotations

import pytest

from tests.api.access_support import ID_DIGITS, ID_X, walk_a


@pytest.fixture
def case_a(http) -> tuple[int, dict]:
    iid = walk_a(http)
    return iid, http.open_task(iid, "task_review_masked")


def _clean(text: str, where: str) -> None:
    for number in (ID_X, ID_DIGITS, ID_X.lower()):
        assert number not in text, f"{where} shows the raw ID number {number}"


def test_the_full_view_has_the_numbers(http, case_a):
    """The fixture is not vacuous: the officer's own view carries the numbers that the masked view must not."""
    iid, _ = case_a
    body = http.call("GET", f"/api/v1/instances/{iid}", "officer1").get_data(as_text=True)
    assert ID_X in body and ID_DIGITS in body


def test_instance_detail_masked(http, case_a):
    iid, _ = case_a
    resp = http.call("GET", f"/api/v1/instances/{iid}", "publicity1")
    assert resp.status_code == 200
    _clean(resp.get_data(as_text=True), "GET /api/v1/instances/<id>")
    assert resp.get_json()["data"]["party_name"]  # the case is still readable, masked


def test_task_api_masked(http, case_a):
    _, task = case_a
    resp = http.call("GET", f"/api/v1/tasks/{task['id']}", "publicity1")
    assert resp.status_code == 200
    _clean(resp.get_data(as_text=True), "GET /api/v1/tasks/<id>")


def test_web_task_page_masked(app, case_a):
    from tests.api.helpers import web_login

    _, task = case_a
    client = app.test_client()
    assert web_login(client, "publicity1").status_code == 302
    resp = client.get(f"/tasks/{task['id']}")
    assert resp.status_code == 200
    _clean(resp.get_data(as_text=True), "the web page /tasks/<id>")


@pytest.mark.parametrize("url", ["/api/v1/instances", "/api/v1/tasks?scope=candidate",
                                 "/api/v1/tasks?scope=all&state=any&instance_id={iid}",
                                 "/api/v1/tasks?scope=mine&state=any"])
def test_lists_masked(http, case_a, url):
    iid, _ = case_a
    resp = http.call("GET", url.format(iid=iid), "publicity1")
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert url.startswith("/api/v1/tasks?scope=mine") or str(iid) in body  # the case is listed ...
    _clean(body, f"GET {url}")  # ... without its numbers


def test_web_inbox_masked(app, case_a):
    from tests.api.helpers import web_login

    client = app.test_client()
    assert web_login(client, "publicity1").status_code == 302
    resp = client.get("/inbox")
    assert resp.status_code == 200
    _clean(resp.get_data(as_text=True), "the web inbox")
