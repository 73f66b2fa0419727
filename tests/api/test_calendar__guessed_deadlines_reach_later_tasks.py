"""A deadline computed while its year was unknown stays flagged wherever it appears (legal time limits, ALL 42,
APL 60): a guessed date the case carries in its data reaches tasks opened after the year is loaded, and
deadlines derived from it (an extension added to it) are as wrong as the guess; each is flagged on the task,
the inbox and the case until a person confirms the case's deadlines against the loaded calendar.

Every test pins the engine clock: nothing depends on today's date."""
from __future__ import annotations

import re
import uuid

from tests.api.helpers import beijing, one_lane_bpmn, upload, web_login
from tests.api.test_calendar__settings_history_and_guessed_deadlines import calendar_settings  # noqa: F401
from tests.api.test_calendar__unknown_years_flagged_and_loaded import FLAG_2027, SCHEDULE_2027
from tests.api.test_process__permit_application import ACCEPT, APPLY
from tests.api.test_registry__permit_limits_per_item import REVIEW_APPROVE
from tests.api.walk import instance_data

RECHECK_2027 = "deadline computed before the 2027 calendar was loaded — check it"


def _case(http, iid: int) -> dict:
    return http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()


def _open(http, iid: int, element_id: str) -> dict:
    return next(t for t in _case(http, iid)["tasks"] if t["element_id"] == element_id and t["state"] == "ready")


def _inbox_flag(http, user: str, task_id: str) -> str | None:
    inbox = http.call("GET", "/api/v1/tasks?per_page=200", user).get_json()
    rows = inbox["items"] if isinstance(inbox, dict) else inbox
    return next(t for t in rows if t["id"] == task_id)["calendar_warning"]


def _web_flag(app, user: str, task_id: str) -> str | None:
    """The calendar flag the web inbox (claimable tab) shows on the task's row, None when the row has none."""
    client = app.test_client()
    assert web_login(client, user).status_code == 302
    page = client.get("/inbox?tab=claimable").get_data(as_text=True)
    row = re.search(r'<tr[^>]*data-task="' + re.escape(task_id) + r'".*?</tr>', page, re.S)
    assert row is not None, "the task is not in the web inbox"
    flag = re.search(r'<em class="calendar-warning">(.*?)</em>', row.group(0), re.S)
    return flag.group(1) if flag else None


def _load_2027(http) -> None:
    resp = http.call("PUT", "/api/v1/calendar/years/2027", "admin", json=SCHEDULE_2027)
    assert resp.status_code == 200, resp.get_json()


def _accepted_permit(http, pin) -> int:
    """A venue_construction permit accepted on 2026-12-15: 20 working days, 2027 unknown."""
    pin(beijing(2026, 12, 15, 10))
    iid = http.start("permit_application")["id"]
    http.complete(iid, "task_permit_apply", {**APPLY, "permit_item": "venue_construction"}, "officer1")
    http.complete(iid, "task_permit_accept", ACCEPT, "officer1")
    # Monday–Friday guess: 2027-01-12; on the official calendar (元旦 1–3 January) it is 2027-01-13
    assert instance_data(http, iid)["decision_due"] == "2027-01-12"
    assert _case(http, iid)["calendar_warning"] == FLAG_2027
    return iid


def test_a_guessed_deadline_reaches_a_task_opened_after_the_load__calendar_load_year(
        app, http, pin, calendar_settings):  # noqa: F811
    iid = _accepted_permit(http, pin)
    _load_2027(http)
    http.complete(iid, "task_permit_review", REVIEW_APPROVE, "officer1")
    task = _open(http, iid, "task_permit_decision")
    assert task["due_at"].startswith("2027-01-12")  # the guess, carried in the case's data
    assert task["calendar_warning"] == RECHECK_2027
    assert _inbox_flag(http, "head1", task["id"]) == RECHECK_2027
    assert "2027" in (_web_flag(app, "head1", task["id"]) or "")  # the web inbox flags the guess as well
    assert _case(http, iid)["calendar_warning"] == RECHECK_2027
    done = http.call("POST", "/api/v1/calendar/confirmations", "officer1",
                     json={"instance_id": iid, "note": "决定期限已按2027年节假日安排核对"})
    assert done.status_code == 201, done.get_json()
    assert _open(http, iid, "task_permit_decision")["calendar_warning"] is None
    assert _inbox_flag(http, "head1", task["id"]) is None
    assert _web_flag(app, "head1", task["id"]) is None
    assert _case(http, iid)["calendar_warning"] is None


def test_a_deadline_derived_from_a_guess_stays_flagged__calendar_load_year(http, pin, calendar_settings):  # noqa: F811
    iid = _accepted_permit(http, pin)
    _load_2027(http)
    http.complete(iid, "task_permit_review", {**REVIEW_APPROVE, "request_decision_extension": True,
                                              "decision_extension_reason": "需征求乡镇人民政府意见。"}, "officer1")
    http.complete(iid, "task_permit_extension", {"extension_approved": True, "extension_note": "同意延长"}, "head1")
    extended = instance_data(http, iid)["decision_due"]
    assert extended > "2027-01-12"  # ten working days added to the guess, on the loaded calendar
    task = _open(http, iid, "task_permit_decision")
    assert task["due_at"].startswith(extended)
    assert task["calendar_warning"] == RECHECK_2027
    assert _inbox_flag(http, "head1", task["id"]) == RECHECK_2027
    assert _case(http, iid)["calendar_warning"] == RECHECK_2027


def _two_step_probe(http) -> str:
    """A diagram that computes a deadline at the start but uses it only on its second task (no case deadline)."""
    pid = f"later_due_probe_{uuid.uuid4().hex[:8]}"
    bpmn = one_lane_bpmn(pid, "后续期限探针", ["start", "task_compute", "task_first", "task_reply", "end"], """\
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="task_compute" name="起算期限"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>reply_due = add_working_days(today(), 1)</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="task_first" name="登记">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="case_archive" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="task_reply" name="答复">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="case_archive" />
        <spiffworkflow:property name="dueDate" value="reply_due" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task_compute" />
    <bpmn:sequenceFlow id="f2" sourceRef="task_compute" targetRef="task_first" />
    <bpmn:sequenceFlow id="f3" sourceRef="task_first" targetRef="task_reply" />
    <bpmn:sequenceFlow id="f4" sourceRef="task_reply" targetRef="end" />
""")
    resp = upload(http, "/api/v1/definitions", {f"{pid}.bpmn": bpmn.encode()})
    assert resp.status_code == 201, resp.get_json()
    return pid


def test_a_guess_kept_only_in_case_data_is_flagged_when_a_task_uses_it__calendar_load_year(
        http, pin, calendar_settings):  # noqa: F811
    pid = _two_step_probe(http)
    pin(beijing(2026, 12, 31, 10))
    iid = http.start(pid)["id"]
    assert instance_data(http, iid)["reply_due"] == "2027-01-01"  # a guess: 元旦 is a holiday
    assert _open(http, iid, "task_first")["due_at"] is None  # nothing open carries the guess at load time
    _load_2027(http)
    http.complete(iid, "task_first", {"archive_note": "登记完毕", "retention": "10y"}, "officer1")
    task = _open(http, iid, "task_reply")
    assert task["due_at"].startswith("2027-01-01")
    assert task["calendar_warning"] == RECHECK_2027
    assert _inbox_flag(http, "officer1", task["id"]) == RECHECK_2027
