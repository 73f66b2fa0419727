"""The web task page shows the case when it is posted back too (a refused submission re-renders the form with the case's
title and values): that is a read of the case's personal data like the GET, and it is recorded on ``access:<id>``
(docs/ACCESS.md), so the page cannot be read through its POST without a record."""
from __future__ import annotations

from tests import cases as c
from tests.api.access_support import access_events
from tests.api.helpers import csrf_of, web_login


def _register_again(http) -> tuple[int, str]:
    """A case whose registration (with the party's ID number) was rewound: the form is open, prefilled."""
    iid = http.start("enforcement_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    resp = http.call("POST", f"/api/v1/instances/{iid}/rewind", "admin",
                     json={"element_id": "task_register", "reason": "登记信息有误，重新登记"})
    assert resp.status_code == 200, resp.get_json()
    return iid, http.open_task(iid, "task_register")["id"]


def test_a_refused_web_submission_that_shows_the_case_is_recorded(app, http):
    iid, task = _register_again(http)
    client = app.test_client()
    assert web_login(client, "officer2").status_code == 302
    token = csrf_of(client, "/inbox")  # not the task page: its GET is a recorded read of its own
    before = access_events(app, iid)
    resp = client.post(f"/tasks/{task}", data={"csrf_token": token})  # nothing filled in: refused, re-rendered
    assert resp.status_code == 422
    assert c.REGISTER["case_title"] in resp.get_data(as_text=True)  # the page shows the case, as its GET does
    after = access_events(app, iid)
    assert len(after) == len(before) + 1, after[len(before):]
    assert after[-1]["actor"] == "officer2" and after[-1]["data"]["what"] == "task"
    assert after[-1]["data"]["task_id"] == task


def test_a_completed_web_submission_records_no_read(app, http):
    """A submission that completes the task redirects to the inbox and shows nothing: no read is recorded."""
    iid, task = _register_again(http)
    client = app.test_client()
    assert web_login(client, "officer1").status_code == 302
    token = csrf_of(client, "/inbox")
    before = access_events(app, iid)
    form = {**{k: v for k, v in c.REGISTER.items() if not isinstance(v, list)}, "officers": c.REGISTER["officers"]}
    resp = client.post(f"/tasks/{task}", data={**form, "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    assert access_events(app, iid) == before
