"""The web side of items 7b and 7f: the task page shows the party's shared records (a recorded read) and, on a legal
review, the reviewers' training; the admin records, corrects and lists a reviewer's training on the user page."""
from __future__ import annotations

import re

from tests.api.helpers import csrf_of, web_login
from tests.api.test_sharing__party_records_across_cases import (
    _approved_permit,
    _open_task,
    _reads,
    _registered_case,
)
from tests.api.test_training__reviewers_records import _reviewer, _to_legal_review, _train


def _browser(app, username: str):
    client = app.test_client()
    assert web_login(client, username).status_code == 302
    return client, csrf_of(client, "/inbox")


def _section(page: str, css: str) -> str:
    found = re.search(rf'<section class="card {css}".*?</section>', page, re.S)
    assert found, f"no {css} section"
    return found.group(0)


def test_the_task_page_shows_the_partys_permit_and_records_the_read(app, http):
    permit = _approved_permit(http, {"party_id_number": "52130528mj0000001x"})
    case = _registered_case(http, {"party_type": "organisation", "party_name": "宁晋县某寺",
                                   "party_id_number": "52130528MJ0000001X"})
    client, _ = _browser(app, "officer1")
    before = len(_reads(http, permit))
    page = client.get(f"/tasks/{_open_task(http, case, 'task_recusal', 'officer1')}").get_data(as_text=True)
    section = _section(page, "party-history")
    assert "52130528********1X" in section and f"宁民宗许〔2026〕{permit}号" in section and "2029-12-31" in section
    assert "52130528MJ0000001X" not in section
    assert len(_reads(http, permit)) == before + 1


def test_the_review_task_page_shows_the_reviewers_training(app, http):
    who = _reviewer(http)
    _train(http, who, hours=5, topic="重大执法决定法制审核")
    iid = _to_legal_review(http)
    client, _ = _browser(app, "reviewer1")
    page = client.get(f"/tasks/{_open_task(http, iid, 'task_legal_review', 'auditor1')}?lang=zh").get_data(as_text=True)
    section = _section(page, "reviewer-training")
    assert "法制审核人员培训情况" in section
    row = re.search(rf"<tr><td[^>]*>审核员{who}</td>.*?</tr>", section, re.S)
    assert row and "5.0" in row.group(0) and "badge bad" not in row.group(0)
    untrained = _reviewer(http)
    page = client.get(f"/tasks/{_open_task(http, iid, 'task_legal_review', 'auditor1')}").get_data(as_text=True)
    row = re.search(rf"<tr><td[^>]*>审核员{untrained}</td>.*?</tr>", _section(page, "reviewer-training"), re.S)
    assert row and "未记录培训" in row.group(0)


def test_the_admin_records_and_corrects_training_on_the_user_page(app, http):
    who = _reviewer(http)
    client, token = _browser(app, "admin")
    page = client.post(f"/admin/users/{who}/training", data={
        "csrf_token": token, "trained_on": "2026-01-05", "topic": "行政复议法", "hours": "3", "organiser": "县司法局"},
        follow_redirects=True).get_data(as_text=True)
    assert f"已登记 {who} 的培训记录" in page
    assert "行政复议法" in re.search(r'<section class="card" aria-labelledby="training-h">.*?</section>', page, re.S).group(0)
    (entry,) = http.call("GET", f"/api/v1/training/{who}", "admin").get_json()["records"]
    # a correction without a reason is refused in the page, and nothing is recorded
    page = client.post(f"/admin/users/{who}/training", data={
        "csrf_token": token, "trained_on": "2026-01-05", "topic": "行政复议法", "hours": "6", "organiser": "县司法局",
        "corrects": str(entry["id"])}, follow_redirects=True).get_data(as_text=True)
    assert 'class="flash bad"' in page
    assert len(http.call("GET", f"/api/v1/training/{who}", "admin").get_json()["history"]) == 1
    client.post(f"/admin/users/{who}/training", data={
        "csrf_token": token, "trained_on": "2026-01-05", "topic": "行政复议法", "hours": "6", "organiser": "县司法局",
        "corrects": str(entry["id"]), "reason": "学时应为6"}, follow_redirects=True)
    body = http.call("GET", f"/api/v1/training/{who}", "admin").get_json()
    assert [r["hours"] for r in body["records"]] == [6] and len(body["history"]) == 2
    assert client.post(f"/admin/users/{who}/training", data={"trained_on": "2026-01-05"}).status_code == 400  # CSRF
