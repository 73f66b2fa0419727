"""Execution (执行) by the service's clock, whatever the form says or the diagram routes: a default is recorded only
after the performance deadline (APL 67, rule execution_deadline); the reminder (催告书) is served after the default as
its own act (ACL 54: duties, A/V); the court application waits 10 working days after the reminder (ACL 54, 69) and
the end of the party's period to sue (6 months, 行政诉讼法 46; ACL 53, 行诉解释 156), and is approved by the head in
the head's lane (ACL 55, rule execution_approval); dates ahead or before what they follow are 422 naming the field."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from engine import clock
from engine.calendar import WorkingCalendar
from tests import cases as c
from tests.api.helpers import upload
from tests.api.walk import Acts, decision_number, instance_data, open_ids, today, waive_hearing

SHIPPED = Path(__file__).resolve().parents[2] / "processes" / "enforcement_case.bpmn"
REMINDER = {**c.DUTIES, "duty_document_issued": "《催告书》宁民宗催〔2026〕1号及《送达回证》",
            "reminder_number": "宁民宗催〔2026〕1号", "reminder_content": "限十日内缴纳罚款贰万元；可陈述、申辩。",
            "reminder_service_method": "direct", "reminder_recipient": "张三"}
APPLICATION = {"court_name": "宁晋县人民法院", "court_application_number": "宁民宗强申〔2026〕1号",
               "court_application_materials": "决定书、催告书、送达回证。"}


def _post(http, iid: int, element_id: str, data: dict, user: str = "officer1"):
    task = http.open_task(iid, element_id)
    return http.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})


def _refused(resp, rule: str) -> str:
    body = resp.get_json()
    assert resp.status_code == 403 and body["errors"]["rule"] == rule, (resp.status_code, body)
    return body["message"]


def _invalid(resp, field: str) -> None:
    body = resp.get_json()
    assert resp.status_code == 422 and field in body["errors"], (resp.status_code, body)


def _at(monkeypatch, day: date) -> None:
    """The service's clock on ``day``, 10:00 in Beijing."""
    instant = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: instant)


def _served(http, key: str = "enforcement_case") -> int:
    """A ¥20,000 fine decided, served today and published: the execution task is open."""
    acts = Acts(http)
    iid = http.start(key)["id"]
    acts.complete(iid, "task_register", c.REGISTER)
    acts.complete(iid, "task_recusal", c.RECUSAL_NONE)
    acts.complete(iid, "task_record_start", c.RECORD_START)
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    acts.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")
    acts.complete(iid, "task_head_decision", {**c.DECISION, "decision_text": "决定罚款人民币贰万元。",
                                              "decision_number": decision_number(iid)}, "head1")
    acts.complete(iid, "task_service", {**c.SERVICE, "service_date": today()})
    acts.complete(iid, "task_review_masked", {**c.DISCLOSURE_OK, "masked_text": instance_data(http, iid)["masked_text"]},
                  "publicity1")
    assert "task_execution" in open_ids(http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json())
    return iid


def _reminded(http, monkeypatch, iid: int) -> date:
    """Default recorded the day after the deadline, the reminder served that day; returns that day."""
    after = date.fromisoformat(instance_data(http, iid)["performance_due"]) + timedelta(days=1)
    _at(monkeypatch, after)
    assert open_ids(http.complete(iid, "task_execution", {"execution_outcome": "not_performed"}, "officer1")) == \
        ["task_execution_reminder"]
    Acts(http).complete(iid, "task_execution_reminder", REMINDER)
    return after


def test_a_default_before_the_performance_deadline_is_refused__APL_67_execution_deadline(http, monkeypatch):
    iid = _served(http)
    due = instance_data(http, iid)["performance_due"]
    assert due == (date.fromisoformat(today()) + timedelta(days=15)).isoformat()
    message = _refused(_post(http, iid, "task_execution", {"execution_outcome": "not_performed"}), "execution_deadline")
    assert due in message
    _at(monkeypatch, date.fromisoformat(due))  # the last day to pay is still the party's
    _refused(_post(http, iid, "task_execution", {"execution_outcome": "not_performed"}), "execution_deadline")
    assert http.open_task(iid, "task_execution")["state"] == "ready"
    _at(monkeypatch, date.fromisoformat(due) + timedelta(days=1))
    assert open_ids(http.complete(iid, "task_execution", {"execution_outcome": "not_performed"}, "officer1")) == \
        ["task_execution_reminder"]


def test_a_service_or_performance_dated_ahead_or_before_the_decision_is_422__APL_61_67(http):
    tomorrow = (date.fromisoformat(today()) + timedelta(days=1)).isoformat()
    decided = _decided_not_served(http)
    _invalid(_post(http, decided, "task_service", {**c.SERVICE, "service_date": tomorrow}), "service_date")
    _invalid(_post(http, decided, "task_service", {**c.SERVICE, "service_date": "2020-01-01"}), "service_date")
    assert http.open_task(decided, "task_service")["state"] == "ready"
    iid = _served(http)
    _invalid(_post(http, iid, "task_execution", {**c.EXECUTION, "performance_date": tomorrow}), "performance_date")
    _invalid(_post(http, iid, "task_execution", {**c.EXECUTION, "performance_date": "2020-01-01"}), "performance_date")
    assert open_ids(http.complete(iid, "task_execution", c.EXECUTION, "officer1")) == ["task_archive"]


def _decided_not_served(http) -> int:
    acts = Acts(http)
    iid = http.start("enforcement_case")["id"]
    acts.complete(iid, "task_register", c.REGISTER)
    acts.complete(iid, "task_recusal", c.RECUSAL_NONE)
    acts.complete(iid, "task_record_start", c.RECORD_START)
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    acts.complete(iid, "task_head_decision", {**c.DECISION, "decision_text": "决定给予警告。",
                                              "decision_number": decision_number(iid)}, "head1")
    acts.attach_av(iid, http.open_task(iid, "task_service"))
    return iid


def test_the_reminder_is_an_act_served_after_the_default__ACL_54(http, monkeypatch):
    iid = _served(http)
    after = date.fromisoformat(instance_data(http, iid)["performance_due"]) + timedelta(days=1)
    _at(monkeypatch, after + timedelta(days=2))
    http.complete(iid, "task_execution", {"execution_outcome": "not_performed"}, "officer1")
    reminder = http.open_task(iid, "task_execution_reminder")
    # an act: A/V first, then the on-site duties (APL 55)
    _refused(_post(http, iid, "task_execution_reminder", REMINDER), "av_required")
    Acts(http).attach_av(iid, reminder)
    _refused(_post(http, iid, "task_execution_reminder", {**REMINDER, "duty_informed_rights": False}), "on_site_duties")
    ahead = (after + timedelta(days=3)).isoformat()
    _invalid(_post(http, iid, "task_execution_reminder", {**REMINDER, "reminder_served_date": ahead}),
             "reminder_served_date")
    _invalid(_post(http, iid, "task_execution_reminder", {**REMINDER, "reminder_served_date": "2020-01-01"}),
             "reminder_served_date")
    assert open_ids(http.complete(iid, "task_execution_reminder", REMINDER, "officer1")) == ["task_compulsory_execution"]
    assert instance_data(http, iid)["reminder_served_date"] == (after + timedelta(days=2)).isoformat()


def test_the_application_waits_for_the_reminder_period_and_the_period_to_sue__ACL_53_54(http, monkeypatch):
    iid = _served(http)
    served = date.fromisoformat(today())
    reminded = _reminded(http, monkeypatch, iid)
    by_reminder = WorkingCalendar().add_working_days(reminded, 10) + timedelta(days=1)
    _at(monkeypatch, by_reminder)  # the reminder period is over, but the party may still sue (6 months)
    message = _refused(_post(http, iid, "task_compulsory_execution", APPLICATION), "execution_deadline")
    assert "行政诉讼法 46" in message
    month, year = (served.month + 6 - 1) % 12 + 1, served.year + (served.month + 6 - 1) // 12
    period_end = date(year, month, min(served.day, 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31))
    _at(monkeypatch, period_end)  # the last day to sue
    _refused(_post(http, iid, "task_compulsory_execution", APPLICATION), "execution_deadline")
    day = period_end + timedelta(days=1)
    _at(monkeypatch, day)
    result = http.complete(iid, "task_compulsory_execution", APPLICATION, "officer1")
    assert open_ids(result) == ["task_compulsory_approval"]
    assert http.open_task(iid, "task_compulsory_approval")["role"] == "head"
    # the application's date is the day the head signs it, not a typed one
    _invalid(_post(http, iid, "task_compulsory_approval", {"compulsory_application_approved": "approved",
                                                           "court_application_date": "2020-01-11"}, "head1"),
             "court_application_date")  # not a field of the head's form
    result = http.complete(iid, "task_compulsory_approval", {"compulsory_application_approved": "approved",
                                                             "compulsory_approval_note": "同意申请。"}, "head1")
    assert open_ids(result) == ["task_archive"]
    data = instance_data(http, iid)
    assert data["court_application_date"] == day.isoformat()


def test_the_reminder_period_alone_is_ten_working_days__ACL_54_69(http, monkeypatch):
    iid = _served(http)
    reminded = _reminded(http, monkeypatch, iid)
    ten = WorkingCalendar().add_working_days(reminded, 10)
    _at(monkeypatch, ten)  # within the 10 working days (and the period to sue)
    message = _refused(_post(http, iid, "task_compulsory_execution", APPLICATION), "execution_deadline")
    assert (ten + timedelta(days=1)).isoformat() in message


def _officer_signs(pid: str) -> bytes:
    """The shipped diagram with the head's approval drawn in the officers' lane (a careless process owner)."""
    xml = SHIPPED.read_text(encoding="utf-8")
    ref = "        <bpmn:flowNodeRef>task_compulsory_approval</bpmn:flowNodeRef>\n"
    assert ref in xml
    xml = xml.replace(ref, "").replace("        <bpmn:flowNodeRef>task_compulsory_execution</bpmn:flowNodeRef>\n",
                                       "        <bpmn:flowNodeRef>task_compulsory_execution</bpmn:flowNodeRef>\n" + ref)
    return xml.replace('id="enforcement_case"', f'id="{pid}"').replace('processRef="enforcement_case"',
                                                                        f'processRef="{pid}"').encode()


@pytest.mark.parametrize("signing", [{"compulsory_application_approved": "approved"},
                                     {"compulsory_application_approved": "returned"}])
def test_an_officer_cannot_approve_the_application_for_the_head__ACL_55_execution_approval(http, monkeypatch, signing):
    pid = "officer_signs_case"
    resp = upload(http, "/api/v1/definitions", {f"{pid}.bpmn": _officer_signs(pid)})
    assert resp.status_code == 201, resp.get_json()
    iid = _served(http, pid)
    served = date.fromisoformat(today())
    _reminded(http, monkeypatch, iid)
    _at(monkeypatch, served + timedelta(days=200))
    http.complete(iid, "task_compulsory_execution", APPLICATION, "officer1")
    assert http.open_task(iid, "task_compulsory_approval")["role"] == "officer"
    _refused(_post(http, iid, "task_compulsory_approval", signing, "officer2"), "execution_approval")
    assert http.open_task(iid, "task_compulsory_approval")["state"] == "ready"

