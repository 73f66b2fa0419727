"""The inbox's tabs and filters without a browser: my tasks / claimable / my cases, filters by process, deadline
and text, claim and release with a message, and the process names instead of keys."""
from __future__ import annotations

import re

from tests.api.helpers import csrf_of, web_login


def _client(app, username: str):
    client = app.test_client()
    assert web_login(client, username).status_code == 302
    return client


def _tasks(page: str) -> set[str]:
    return set(re.findall(r'data-task="([^"]+)"', page))


def _cases(page: str) -> set[int]:
    return {int(x) for x in re.findall(r'data-instance="(\d+)"', page)}


def test_my_cases_lists_the_cases_i_started_and_not_a_colleagues(app, http):
    mine = http.start("enforcement_case", as_user="officer3")["id"]
    other = http.start("enforcement_case", as_user="officer1")["id"]
    page = _client(app, "officer3").get("/inbox?tab=cases").get_data(as_text=True)
    assert mine in _cases(page) and other not in _cases(page)
    assert "行政执法案件" in page


def test_claimable_and_mine_tabs_follow_claim_and_release(app, http):
    iid = http.start("enforcement_case", as_user="officer3")["id"]
    task = http.open_task(iid, "task_register")["id"]
    client = _client(app, "officer3")
    assert task in _tasks(client.get("/inbox?tab=claimable").get_data(as_text=True))
    assert task not in _tasks(client.get("/inbox?tab=mine").get_data(as_text=True))
    token = csrf_of(client, "/inbox")
    resp = client.post(f"/tasks/{task}/claim", data={"csrf_token": token, "next": "/inbox?tab=claimable"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/inbox?tab=claimable")
    page = client.get("/inbox?tab=mine").get_data(as_text=True)
    assert task in _tasks(page) and "已认领" in page
    assert task not in _tasks(client.get("/inbox?tab=claimable").get_data(as_text=True))
    resp = client.post(f"/tasks/{task}/unclaim", data={"csrf_token": token, "next": "https://evil.example/"})
    assert resp.headers["Location"].endswith("/inbox")  # never sent to another site
    page = client.get("/inbox?tab=claimable").get_data(as_text=True)
    assert task in _tasks(page) and "已放回" in page


def test_filters_narrow_the_list_by_text_case_number_process_and_deadline(app, http):
    a = http.start("enforcement_case", as_user="officer3")["id"]
    b = http.start("permit_application", as_user="officer3")["id"]
    client = _client(app, "officer3")
    assert {a, b} <= _cases(client.get("/inbox?tab=cases").get_data(as_text=True))
    assert _cases(client.get(f"/inbox?tab=cases&q=%23{a}").get_data(as_text=True)) == {a}
    by_process = _cases(client.get("/inbox?tab=cases&process=permit_application").get_data(as_text=True))
    assert b in by_process and a not in by_process
    assert not _cases(client.get("/inbox?tab=cases&deadline=red&q=%23" + str(a)).get_data(as_text=True))
    page = client.get("/inbox?tab=cases&q=no-such-title-xyz").get_data(as_text=True)
    assert not _cases(page) and 'id="empty"' in page


def test_empty_tabs_say_so(app):
    page = _client(app, "officer4").get("/inbox?tab=mine").get_data(as_text=True)
    assert 'id="empty"' in page and "您手上没有任务" in page


def test_the_deadline_filter_keeps_the_tasks_due_soon_and_labels_them(app, http):
    from tests.api.helpers import fixture
    from tests.api.helpers import upload as upload_files

    files = ("act_case.bpmn", "act_record.form", "act_escalation.form", "act_review.form")
    upload_files(http, "/api/v1/definitions", {name: fixture(name) for name in files})
    iid = http.start("act_case", {"officers": ["officer1", "officer2"]})["id"]
    client = _client(app, "officer1")
    q = f"&q=%23{iid}"
    soon = client.get("/inbox?tab=claimable&deadline=yellow" + q).get_data(as_text=True)
    row = next(part for part in soon.split("<tr") if f"#{iid} " in part)
    assert 'class="warn-yellow"' in row and "即将到期" in row  # the colour and a text label
    for other in ("normal", "red"):
        page = client.get(f"/inbox?tab=claimable&deadline={other}" + q).get_data(as_text=True)
        assert f"#{iid} " not in page, other
