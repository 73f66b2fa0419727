"""Every read of a case's personal data appends exactly one event to ``access:<id>``, naming who read what; a
refused read records nothing; a file shared by cases of two bureaus is logged only on the reader's case."""
from __future__ import annotations

import pytest

from tests.api.access_support import access_events
from tests.api.evidence_support import JPEG, PNG, media, new_case, photo_meta, upload
from tests.api.helpers import web_login


@pytest.fixture
def case(http) -> dict:
    iid = new_case(http)
    resp = upload(http, iid, media(PNG), "photo.png", photo_meta())
    assert resp.status_code == 201, resp.get_json()
    task = http.open_task(iid, "task_record_start")
    return {"id": iid, "sha": resp.get_json()["sha256"], "task": task["id"]}


READS = [  # (what is recorded, how the URL is made)
    ("instance", "/api/v1/instances/{id}"),
    ("history", "/api/v1/instances/{id}/history"),
    ("state", "/api/v1/instances/{id}/history/1/state"),
    ("evidence_list", "/api/v1/instances/{id}/evidence"),
    ("evidence", "/api/v1/evidence/{sha}"),
    ("evidence", "/api/v1/evidence/{sha}?instance_id={id}"),
    ("task", "/api/v1/tasks/{task}"),
]


@pytest.mark.parametrize(("what", "url"), READS)
@pytest.mark.parametrize("user", ["officer2", "auditor1", "supervisor1"])
def test_a_read_appends_one_event_with_actor_and_what(app, http, case, what, url, user):
    before = access_events(app, case["id"])
    resp = http.call("GET", url.format(**case), user)
    assert resp.status_code == 200, resp.get_json(silent=True)
    after = access_events(app, case["id"])
    assert len(after) == len(before) + 1, after[len(before):]
    event = after[-1]
    assert event["actor"] == user and event["data"]["what"] == what and event["type"] == f"{what}_read"


def test_the_web_task_page_is_a_recorded_read(app, http, case):
    client = app.test_client()
    assert web_login(client, "officer2").status_code == 302
    before = access_events(app, case["id"])
    assert client.get(f"/tasks/{case['task']}").status_code == 200
    after = access_events(app, case["id"])
    assert len(after) == len(before) + 1
    assert after[-1]["actor"] == "officer2" and after[-1]["data"] == {**after[-1]["data"], "what": "task",
                                                                      "task_id": case["task"]}


REFUSED = [  # (user, url): not on the case, another bureau, no role, no login
    ("officer4", "/api/v1/instances/{id}"),
    ("head3", "/api/v1/instances/{id}/history"),
    ("officer4", "/api/v1/evidence/{sha}"),
    ("officer4", "/api/v1/evidence/{sha}?instance_id={id}"),
    ("counsel1", "/api/v1/instances/{id}"),
    ("counsel1", "/api/v1/instances/{id}/evidence"),
    ("publicity1", "/api/v1/instances/{id}/history"),
    ("publicity1", "/api/v1/instances/{id}/history/1/state"),
    ("owner1", "/api/v1/tasks/{task}"),
    ("officer3", "/api/v1/instances/{id}"),
    ("officer3", "/api/v1/evidence/{sha}"),
    ("officer3", "/api/v1/tasks/{task}"),
    (None, "/api/v1/instances/{id}"),
    (None, "/api/v1/evidence/{sha}"),
]


@pytest.mark.parametrize(("user", "url"), REFUSED)
def test_a_refused_read_records_nothing(app, http, case, user, url):
    before = access_events(app, case["id"])
    resp = http.call("GET", url.format(**case), user)
    assert resp.status_code in (401, 403, 404), (resp.status_code, resp.get_json(silent=True))
    assert access_events(app, case["id"]) == before


def test_a_file_shared_with_another_bureau_is_logged_on_the_readers_case_only(app, http, case):
    """The same bytes as evidence in nj-mzj (officer1's case) and in nj-scj (officer4's): each bureau's read is
    served from, and logged on, its own case; neither learns that the other holds the file."""
    other = http.start("enforcement_case", {}, as_user="officer4")["id"]
    shared = media(JPEG)
    mine = upload(http, case["id"], shared, "a.jpg", photo_meta())
    theirs = upload(http, other, shared, "b.jpg", photo_meta(officers=["officer4"]), as_user="officer4")
    assert mine.status_code == theirs.status_code == 201
    sha = mine.get_json()["sha256"]
    before_mine, before_theirs = access_events(app, case["id"]), access_events(app, other)

    resp = http.call("GET", f"/api/v1/evidence/{sha}", "officer4")
    assert resp.status_code == 200 and resp.data == shared
    assert access_events(app, case["id"]) == before_mine  # nothing on the other bureau's case
    assert [e["actor"] for e in access_events(app, other)[len(before_theirs):]] == ["officer4"]

    assert http.call("GET", f"/api/v1/evidence/{sha}?instance_id={case['id']}", "officer4").status_code == 404
    assert http.call("GET", f"/api/v1/instances/{case['id']}/evidence", "officer4").status_code == 404
    assert access_events(app, case["id"]) == before_mine
    listed = http.call("GET", f"/api/v1/instances/{other}/evidence", "officer4").get_json()
    assert {i["instance_id"] for i in listed} == {other}  # the other bureau's item is not listed
