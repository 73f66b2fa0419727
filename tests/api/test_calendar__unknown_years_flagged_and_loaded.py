"""The calendar knows what it does not know (legal time limits, APL 60, ALL 42, OGI 33): a deadline in a year
whose holidays neither the holiday package (2004-2026) nor a loaded schedule knows is computed but flagged on
the task, the case and the inbox; admins see the years; an admin loads a year's official schedule in one
request (validated, versioned), after which new deadlines use it and deadlines computed before stay flagged
until checked.

Every test pins the engine clock: nothing depends on today's date."""
from __future__ import annotations

import uuid

import pytest

from tests import cases as c
from tests.api.helpers import beijing, one_lane_bpmn, upload, web_login

FLAG_2027 = "calendar for 2027 not loaded"
FLAG_2027_ZH = "2027年节假日安排未载入"
SCHEDULE_2027 = {
    "source": "国务院办公厅关于2027年部分节假日安排的通知（测试数据）",
    "holidays": [{"from": "2027-01-01", "to": "2027-01-03", "name": "元旦"},
                 {"from": "2027-02-06", "to": "2027-02-14", "name": "春节"},
                 {"date": "2027-04-05", "name": "清明节"},
                 {"from": "2027-05-01", "to": "2027-05-05", "name": "劳动节"},
                 {"date": "2027-06-09", "name": "端午节"},
                 {"date": "2027-09-15", "name": "中秋节"},
                 {"from": "2027-10-01", "to": "2027-10-07", "name": "国庆节"}],
    "workdays": [{"date": "2027-02-20", "name": "春节调休"}],
}


@pytest.fixture
def calendar_settings(http):
    """Restore the calendar settings afterwards (as new versions: settings are never edited)."""
    # the platform's (owner1, at the root) and the bureau's (admin) values: settings belong to organisations
    saved = {(user, key): http.call("GET", f"/api/v1/settings/{key}", user).get_json()["value"]
             for user in ("owner1", "admin") for key in ("calendar_years", "calendar_unknown_year")}
    yield
    for (user, key), value in saved.items():
        resp = http.call("PUT", f"/api/v1/settings/{key}", user, json={"value": value})
        assert resp.status_code == 200, resp.get_json()


def _probe(http, working_days: int) -> str:
    """A deployed diagram whose task and case deadline is ``working_days`` working days from today."""
    pid = f"deadline_probe_{uuid.uuid4().hex[:8]}"
    bpmn = one_lane_bpmn(pid, "期限探针", ["start", "task_compute", "task_reply", "end"], f"""\
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="task_compute" name="起算期限"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>reply_due = add_working_days(today(), {working_days})</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="task_reply" name="答复">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="case_archive" />
        <spiffworkflow:property name="dueDate" value="reply_due" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task_compute" />
    <bpmn:sequenceFlow id="f2" sourceRef="task_compute" targetRef="task_reply" />
    <bpmn:sequenceFlow id="f3" sourceRef="task_reply" targetRef="end" />
""", properties={"dueDate": "reply_due"})
    resp = upload(http, "/api/v1/definitions", {f"{pid}.bpmn": bpmn.encode()})
    assert resp.status_code == 201, resp.get_json()
    return pid


def _task(http, iid: int) -> dict:
    return http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()["tasks"][0]


def test_shipped_case_with_90_day_limit_into_2027_is_flagged__APL_60_calendar_unknown_year(http, pin):
    pin(beijing(2026, 11, 30, 10))  # 立案 today: 90 days (APL 60) run to 2027-02-28
    iid = http.start("enforcement_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    case = http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()
    assert case["data"]["decision_due"] == "2027-02-28"
    assert case["calendar_warning"] == FLAG_2027
    listed = http.call("GET", "/api/v1/instances?definition_key=enforcement_case&per_page=200", "auditor1")
    items = listed.get_json()
    items = items["items"] if isinstance(items, dict) else items
    assert next(i for i in items if i["id"] == iid)["calendar_warning"] == FLAG_2027
    # the same case filed in mid-2025 ends within known years: no flag
    pin(beijing(2025, 6, 2, 10))
    iid = http.start("enforcement_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    assert http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()["calendar_warning"] is None


def test_task_inbox_and_pages_show_the_flag__calendar_unknown_year(http, client, pin):
    pid = _probe(http, 20)
    pin(beijing(2026, 12, 15, 10))  # 20 working days on: January 2027
    iid = http.start(pid)["id"]
    task = _task(http, iid)
    assert task["due_at"].startswith("2027-01") and task["calendar_warning"] == FLAG_2027
    detail = http.call("GET", f"/api/v1/tasks/{task['id']}", "officer1").get_json()
    assert detail["calendar_warning"] == FLAG_2027
    inbox = http.call("GET", "/api/v1/tasks?per_page=200", "officer1").get_json()
    rows = inbox["items"] if isinstance(inbox, dict) else inbox
    assert next(t for t in rows if t["id"] == task["id"])["calendar_warning"] == FLAG_2027
    web_login(client, "officer1")
    assert FLAG_2027_ZH in client.get("/inbox").get_data(as_text=True)
    assert FLAG_2027_ZH in client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert FLAG_2027 in client.get(f"/tasks/{task['id']}?lang=en").get_data(as_text=True)
    pin(beijing(2026, 6, 1, 10))  # within 2026: no flag
    quiet = _task(http, http.start(pid)["id"])
    assert quiet["due_at"].startswith("2026-06") and quiet["calendar_warning"] is None


def test_admins_are_told_which_unknown_years_deadlines_reach__calendar_unknown_year(http, client, pin):
    pid = _probe(http, 30)
    pin(beijing(2026, 12, 10, 10))
    http.start(pid)
    status = http.call("GET", "/api/v1/calendar/status", "admin").get_json()
    assert status["next_year_known"] is False and status["unknown_year_policy"] == "weekends"
    assert status["package_years"] == {"from": 2004, "to": 2026}
    entry = next(e for e in status["unknown_years_in_use"] if e["year"] == 2027)
    assert entry["tasks"] >= 1 and entry["instances"] >= 1 and entry["message"] == FLAG_2027
    web_login(client, "admin")
    page = client.get("/inbox").get_data(as_text=True)
    assert FLAG_2027_ZH in page and "/api/v1/calendar/years/2027" in page


def test_loading_2027_in_one_request_clears_the_flag_and_deadlines_use_it__calendar_load_year(
        http, pin, calendar_settings):
    pid = _probe(http, 1)
    pin(beijing(2026, 12, 31, 10))
    before = _task(http, http.start(pid)["id"])
    assert before["due_at"].startswith("2027-01-01") and before["calendar_warning"] == FLAG_2027  # a guess
    version = http.call("GET", "/api/v1/settings/calendar_years", "admin").get_json()["version"]
    resp = http.call("PUT", "/api/v1/calendar/years/2027", "admin", json=SCHEDULE_2027)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["year"] == 2027 and body["version"] == version + 1
    assert body["holidays"][2] == {"from": "2027-04-05", "to": "2027-04-05", "name": "清明节"}
    assert http.call("GET", "/api/v1/calendar/years/2027", "auditor1").get_json()["workdays"] == [
        {"date": "2027-02-20", "name": "春节调休"}]
    # the guess is not "not loaded" any more, but it was computed on a guess: it stays flagged until checked
    assert _task(http, before["instance_id"])["calendar_warning"] == (
        "deadline computed before the 2027 calendar was loaded — check it")
    pin(beijing(2026, 12, 31, 11))  # a later step: a change counts from after its own instant (settings.at)
    after = _task(http, http.start(pid)["id"])
    assert after["due_at"].startswith("2027-01-04") and after["calendar_warning"] is None  # 元旦 1-3 January
    status = http.call("GET", "/api/v1/calendar/status", "admin").get_json()
    assert 2027 in status["loaded_years"] and all(e["year"] != 2027 for e in status["unknown_years_in_use"])
    # loading again is a new version, never an overwrite of the old one
    again = http.call("PUT", "/api/v1/calendar/years/2027", "admin", json=SCHEDULE_2027)
    assert again.status_code == 200 and again.get_json()["version"] == version + 2


def test_loading_a_year_is_validated_naming_the_field__calendar_load_year(http, calendar_settings):
    version = http.call("GET", "/api/v1/settings/calendar_years", "admin").get_json()["version"]
    cases = [
        ({**SCHEDULE_2027, "holidays": ["2027-01-01", {"from": "2027-02-06", "to": "2027-02-30"}]},
         "holidays[1].to", "not a date"),
        ({**SCHEDULE_2027, "holidays": [{"date": "2028-01-01", "name": "元旦"}]}, "holidays[0].date", "outside 2027"),
        ({**SCHEDULE_2027, "workdays": ["2027-02-07"]}, "workdays[0]", "also a holiday"),
        ({**SCHEDULE_2027, "workdays": ["2027-02-08"]}, "workdays[0]", "weekday"),
        ({**SCHEDULE_2027, "holidays": [{"from": "2027-02-14", "to": "2027-02-06"}]}, "holidays[0]", "after"),
        ({"workdays": []}, "holidays", "required"),
        ({**SCHEDULE_2027, "holiday": []}, "holiday", "unknown field"),
    ]
    for body, field, words in cases:
        resp = http.call("PUT", "/api/v1/calendar/years/2027", "admin", json=body)
        assert resp.status_code == 422, (field, resp.get_json())
        errors = resp.get_json()["errors"]
        assert field in errors and words in " ".join(errors[field]), (field, errors)
    assert http.call("GET", "/api/v1/settings/calendar_years", "admin").get_json()["version"] == version
    assert http.call("PUT", "/api/v1/calendar/years/2026", "admin", json=SCHEDULE_2027).status_code == 409
    assert http.call("PUT", "/api/v1/calendar/years/1999", "admin", json=SCHEDULE_2027).status_code == 422
    denied = http.call("PUT", "/api/v1/calendar/years/2027", "officer1", json=SCHEDULE_2027)
    assert denied.status_code == 403
    assert http.call("GET", "/api/v1/settings/calendar_years", "admin").get_json()["version"] == version


def test_unknown_year_policy_is_a_setting__calendar_unknown_year(http, pin, calendar_settings):
    pid = _probe(http, 1)
    pin(beijing(2026, 12, 31, 10))
    flagged = _task(http, http.start(pid)["id"])
    bad = http.call("PUT", "/api/v1/settings/calendar_unknown_year", "admin", json={"value": "guess"})
    assert bad.status_code == 422
    resp = http.call("PUT", "/api/v1/settings/calendar_unknown_year", "admin", json={"value": "strict"})
    assert resp.status_code == 200, resp.get_json()
    assert http.call("GET", "/api/v1/calendar/status", "admin").get_json()["unknown_year_policy"] == "strict"
    pin(beijing(2026, 12, 31, 11))  # a later step: a change counts from after its own instant (settings.at)
    refused = http.call("POST", "/api/v1/instances", "officer1", json={"definition_key": pid, "data": {}})
    assert refused.status_code == 422 and "2027" in refused.get_json()["message"]
    # the inbox never fails on a deadline already in an unknown year: it stays flagged
    assert _task(http, flagged["instance_id"])["calendar_warning"] == FLAG_2027
    assert http.call("GET", "/api/v1/tasks?per_page=200", "officer1").status_code == 200


def test_a_change_at_the_steps_own_instant_is_not_in_force_for_it__calendar_unknown_year(http, pin, calendar_settings):
    """settings.at counts changes strictly before a step; the engine cache must agree at the exact instant."""
    pid = _probe(http, 1)
    pin(beijing(2026, 12, 31, 10))
    resp = http.call("PUT", "/api/v1/settings/calendar_unknown_year", "admin", json={"value": "strict"})
    assert resp.status_code == 200, resp.get_json()
    same = http.call("POST", "/api/v1/instances", "officer1", json={"definition_key": pid, "data": {}})
    assert same.status_code == 201, same.get_json()  # the change came after this step: still "weekends"
    assert _task(http, same.get_json()["id"])["calendar_warning"] == FLAG_2027
    pin(beijing(2026, 12, 31, 10, 0, 1))
    later = http.call("POST", "/api/v1/instances", "officer1", json={"definition_key": pid, "data": {}})
    assert later.status_code == 422 and "2027" in later.get_json()["message"]
