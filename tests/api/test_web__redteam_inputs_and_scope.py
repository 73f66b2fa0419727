"""Red team findings on the new pages, each a rule:

* the inbox search of the masked view (the publicity officer) runs over what it shows, so it is no oracle for a
  hidden ID number digit by digit;
* odd input on pages (superscript digits, a year-1 date, 5,000 digits) is a refusal, never a 500;
* another bureau's process is not offered in the inbox's process filter;
* the case page shows the masked view where the case is now, not the path it took."""
from __future__ import annotations

import json
import re

from tests import cases as c
from tests.api.helpers import csrf_of, web_login
from tests.api.walk import Acts

ID = c.REGISTER["party_id_number"]


def _case_at_publicity(http) -> int:
    acts = Acts(http)
    iid = http.start("enforcement_case")["id"]
    acts.complete(iid, "task_register", {**c.REGISTER, "case_title": f"搜索测试案（当事人身份证{ID}）"})
    acts.complete(iid, "task_recusal", c.RECUSAL_NONE)
    acts.complete(iid, "task_record_start", c.RECORD_START)
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    from tests.api.walk import decision_number

    acts.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)}, "head1")
    acts.complete(iid, "task_service", c.SERVICE)
    return iid


def test_the_masked_inbox_search_is_no_oracle_for_an_id_number(app, http):
    _case_at_publicity(http)
    client = app.test_client()
    web_login(client, "publicity1")
    shown = client.get("/inbox?tab=claimable").get_data(as_text=True)
    assert "/tasks/" in shown and ID not in shown
    for tab in ("claimable", "cases"):
        right = client.get(f"/inbox?tab={tab}&q={ID[:8]}").get_data(as_text=True)
        assert "搜索测试案" not in right, tab  # the hidden digits match nothing
    found = client.get("/inbox?tab=claimable&q=搜索测试案").get_data(as_text=True)
    assert "搜索测试案" in found  # what the officer sees is still searchable
    officer = app.test_client()
    web_login(officer, "officer1")
    assert "搜索测试案" in officer.get(f"/inbox?tab=cases&q={ID[:8]}").get_data(as_text=True)  # full view: raw


def test_odd_input_on_pages_is_refused_never_a_500(app):
    client = app.test_client()
    web_login(client, "admin")
    for url in ("/inbox?q=²", "/inbox?q=%E2%91%A0", "/inbox?tab=cases&q=%23²", "/inbox?q=" + "9" * 5000,
                "/audit?date_from=0001-01-01", "/audit?date_from=1899-01-01", "/audit?date_to=9999-12-31",
                "/dashboard?year=²", "/dashboard?year=" + "9" * 5000, "/public/statistics?year=²"):
        assert client.get(url).status_code < 500, url
    token = csrf_of(client, "/admin/settings")
    for value in ("²", "①", "--1", "9" * 5000):
        resp = client.post("/admin/settings/warning_days", data={"value": value, "csrf_token": token})
        assert resp.status_code < 500, value
        resp = client.post("/admin/calendar/years", data={"year": value, "csrf_token": token})
        assert resp.status_code < 500, value


def test_another_bureaus_process_is_not_offered_in_the_inbox_filter(app, http):
    from tests.api.helpers import upload

    assert http.call("POST", "/api/v1/users", "admin", json={
        "username": "owner_mzj_filter", "display_name": "民宗局流程管理员", "password": "owner-password-1",
        "roles": ["process_owner"], "org": "nj-mzj"}).status_code == 201
    token = http.client.post("/api/v1/auth/token", json={"username": "owner_mzj_filter",
                                                         "password": "owner-password-1"}).get_json()["token"]
    from pathlib import Path

    shipped = (Path(__file__).resolve().parents[2] / "processes" / "recording.bpmn").read_text()
    bpmn = shipped.replace('id="recording"', 'id="mzj_only_filter"').replace('processRef="recording"',
                                                                              'processRef="mzj_only_filter"')
    http._tokens["owner_mzj_filter"] = token
    assert upload(http, "/api/v1/definitions", {"mzj_only_filter.bpmn": bpmn.encode()},
                  as_user="owner_mzj_filter").status_code == 201
    own, other = app.test_client(), app.test_client()
    web_login(own, "officer1")
    web_login(other, "officer4")
    assert 'value="mzj_only_filter"' in own.get("/inbox").get_data(as_text=True)
    assert 'value="mzj_only_filter"' not in other.get("/inbox").get_data(as_text=True)
    assert 'value="mzj_only_filter"' not in other.get("/inbox?process=mzj_only_filter").get_data(as_text=True)


def test_the_masked_case_page_shows_where_the_case_is_not_its_path(app, http):
    iid = _case_at_publicity(http)
    pages = {}
    for user in ("publicity1", "officer1"):
        client = app.test_client()
        web_login(client, user)
        html = client.get(f"/cases/{iid}").get_data(as_text=True)
        data = json.loads(re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html,
                                    re.S).group(1))
        pages[user] = set(data["markers"].values())
    assert "done" in pages["officer1"] and "done" not in pages["publicity1"]
    assert "active" in pages["publicity1"] or "waiting" in pages["publicity1"]
