"""The plain pages: login, inbox, task form, public list, API docs."""
from __future__ import annotations

from tests import cases as c
from tests.api.helpers import csrf_of, web_login


def _login(client, username: str) -> None:
    assert web_login(client, username).status_code == 302


def test_login_page_is_chinese_by_default_and_switches_to_english(client):
    assert "登录" in client.get("/login").get_data(as_text=True)
    assert "Log in" in client.get("/login?lang=en").get_data(as_text=True)
    assert web_login(client, "officer1", "nope").status_code == 401


def test_inbox_claim_and_complete_through_the_pages(http, app):
    # officer3's unit (nj-mzj-2) has few cases, so the new task is on the first page of the inbox
    iid = http.start("enforcement_case", as_user="officer3")["id"]
    task = http.open_task(iid, "task_register")
    client = app.test_client()
    _login(client, "officer3")
    assert task["id"] in client.get("/inbox").get_data(as_text=True)
    token = csrf_of(client, "/inbox")
    assert client.post(f"/tasks/{task['id']}/claim", data={"csrf_token": token}).status_code == 302
    page = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert 'name="party_name"' in page
    bad = client.post(f"/tasks/{task['id']}", data={"case_title": "x", "csrf_token": token})
    assert bad.status_code == 422
    form = {k: v for k, v in c.REGISTER.items() if k != "officers"}
    resp = client.post(f"/tasks/{task['id']}", data={**form, "officers": c.REGISTER["officers"], "csrf_token": token})
    assert resp.status_code == 302
    assert http.open_task(iid, "task_recusal")


def test_api_docs_and_openapi_are_served_without_a_cdn(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and "/api/v1/tasks/{task_id}/complete" in spec.get_json()["paths"]
    docs = client.get("/api/docs").get_data(as_text=True)
    assert "/api/docs/assets/swagger-ui-bundle.js" in docs
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_public_page_needs_no_login(client):
    assert client.get("/public").status_code == 200


def test_inbox_marks_tasks_due_soon(http, app):
    from tests.api.helpers import fixture
    from tests.api.helpers import upload as upload_files

    files = ("act_case.bpmn", "act_record.form", "act_escalation.form", "act_review.form")
    upload_files(http, "/api/v1/definitions", {name: fixture(name) for name in files})
    iid = http.start("act_case", {"officers": ["officer1", "officer2"]})["id"]
    client = app.test_client()
    _login(client, "officer1")
    page = client.get("/inbox?tab=claimable").get_data(as_text=True)  # a new task of its lane: claimable
    row = next(line for line in page.split("<tr") if f"#{iid} " in line)
    assert 'class="warn-yellow"' in row and "即将到期" in row
