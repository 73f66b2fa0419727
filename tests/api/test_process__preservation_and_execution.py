"""The stages the seed asks for beyond the decision: evidence preservation (先行登记保存, APL 56: head approval,
an act with A/V, a decision within 7 working days), execution (performance by the deadline, or an application to
the court after the reminder period, ACL 53-55), and full-process A/V when major property rights are touched."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from engine import clock
from tests import cases as c
from tests.api.walk import Acts, due_date, today, waive_hearing, working_days
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open
from tests.api.walk import verified as _verified

PRESERVATION = {**c.DUTIES, "duty_document_issued": "《先行登记保存通知书》宁民宗保〔2026〕1号",
                "preservation_date": None, "preservation_notice_number": "宁民宗保〔2026〕1号",
                "preserved_items": "非法宗教宣传品200册。", "preservation_place": "本局证物室"}


def _started(http, acts: Acts, register: dict | None = None) -> int:
    iid = http.start("enforcement_case")["id"]
    acts.complete(iid, "task_register", register or c.REGISTER)
    acts.complete(iid, "task_recusal", c.RECUSAL_NONE)
    acts.complete(iid, "task_record_start", c.RECORD_START)
    return iid


def test_evidence_preservation_needs_the_heads_approval_av_and_a_decision_in_7_working_days_APL_56(http):
    acts = Acts(http)
    iid = _started(http, acts)
    result = acts.complete(iid, "task_investigation", {**c.INVESTIGATION, "preservation_needed": True}, "officer2")
    assert _open(result) == ["task_preservation_approval"]
    assert http.open_task(iid, "task_preservation_approval")["role"] == "head"
    http.complete(iid, "task_preservation_approval", {"preservation_approval": "approved",
                                                      "preservation_approval_note": "证据可能灭失，同意。"}, "head1")
    act = http.open_task(iid, "task_evidence_preservation")
    data = {**PRESERVATION, "preservation_date": today()}
    # an enforcement act: A/V attached first (seed 四(二)2), and the on-site duties (APL 55)
    resp = http.call("POST", f"/api/v1/tasks/{act['id']}/complete", "officer1", json={"data": data})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "av_required"
    acts.attach_av(iid, act)
    resp = http.call("POST", f"/api/v1/tasks/{act['id']}/complete", "officer1",
                     json={"data": {**data, "duty_informed_remedies": False}})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "on_site_duties"
    result = http.complete(iid, "task_evidence_preservation", data, "officer1")
    assert _open(result) == ["task_preservation_decision"]
    decision = http.open_task(iid, "task_preservation_decision")
    assert decision["role"] == "head"
    assert due_date(decision) == _data(http, iid)["preservation_decision_due"] == working_days(today(), 7)
    result = http.complete(iid, "task_preservation_decision", {"preservation_outcome": "release",
                                                               "preservation_decision_number": "宁民宗保决〔2026〕1号"},
                           "head1")
    assert _open(result) == ["task_proposal"]


def test_a_refused_preservation_goes_on_to_the_proposal(http):
    acts = Acts(http)
    iid = _started(http, acts)
    acts.complete(iid, "task_investigation", {**c.INVESTIGATION, "preservation_needed": True}, "officer2")
    result = http.complete(iid, "task_preservation_approval", {"preservation_approval": "refused",
                                                               "preservation_approval_note": "不符合条件。"}, "head1")
    assert _open(result) == ["task_proposal"]


def _to_execution(http, acts: Acts, iid: int) -> None:
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    acts.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")
    acts.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": f"宁民宗罚〔2026〕{iid}号"}, "head1")
    acts.complete(iid, "task_service", c.SERVICE)
    masked = _data(http, iid)["masked_text"]
    acts.complete(iid, "task_review_masked", {**c.DISCLOSURE_OK, "masked_text": masked}, "publicity1")


def test_an_unpaid_fine_goes_to_the_court_after_the_reminder_period_ACL_54(http, monkeypatch):
    """The whole execution stage on the service's clock: default after the deadline, reminder served as an act,
    application once the reminder period and the period to sue are over, approved by the head (ACL 53-55)."""
    acts = Acts(http)
    iid = _started(http, acts)
    _to_execution(http, acts, iid)
    execution = http.open_task(iid, "task_execution")
    served = date.fromisoformat(c.SERVICE["service_date"])
    paid_by = served + timedelta(days=15)
    assert due_date(execution) == paid_by.isoformat()  # APL 67: 15 days from service

    real_now = clock.now

    def on(day: date) -> None:
        instant = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)
        monkeypatch.setattr(clock, "now", lambda: instant)

    on(paid_by + timedelta(days=1))
    result = http.complete(iid, "task_execution", {"execution_outcome": "not_performed"}, "officer1")
    assert _open(result) == ["task_execution_reminder"]
    reminder = {**c.DUTIES, "duty_document_issued": "《催告书》及《送达回证》", "reminder_number": "宁民宗催〔2026〕1号",
                "reminder_content": "限期缴纳罚款。", "reminder_service_method": "direct", "reminder_recipient": "张三"}
    assert _open(acts.complete(iid, "task_execution_reminder", reminder)) == ["task_compulsory_execution"]
    application = {"court_name": "宁晋县人民法院", "court_application_number": "宁民宗强申〔2026〕1号",
                   "court_application_materials": "决定书、催告书、送达回证。"}
    on(served + timedelta(days=200))  # the period to sue (6 months) is over, the 3 months to apply are running
    assert _open(http.complete(iid, "task_compulsory_execution", application, "officer1")) == ["task_compulsory_approval"]
    returned = http.complete(iid, "task_compulsory_approval", {"compulsory_application_approved": "returned",
                                                               "compulsory_approval_note": "补充当事人陈述。"}, "head1")
    assert _open(returned) == ["task_compulsory_execution"]
    http.complete(iid, "task_compulsory_execution", application, "officer1")
    result = http.complete(iid, "task_compulsory_approval", {"compulsory_application_approved": "approved"}, "head1")
    assert _open(result) == ["task_archive"]
    assert _data(http, iid)["court_application_date"] == (served + timedelta(days=200)).isoformat()
    assert http.complete(iid, "task_archive", c.ARCHIVE, "officer1")["status"] == "completed"
    monkeypatch.setattr(clock, "now", real_now)  # the replay sets the clock to each event's time
    _verified(http, iid)


def test_major_property_rights_make_every_act_need_av(http):
    """The registration field feeds the recording setting's full_process_flag: even the hearing-right notice
    (an 'other_act', text only by default) needs an A/V record."""
    acts = Acts(http)
    iid = _started(http, acts, {**c.REGISTER, "major_property_rights": True})
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    notice = http.open_task(iid, "task_hearing_notice_right")
    resp = http.call("POST", f"/api/v1/tasks/{notice['id']}/complete", "officer1", json={"data": c.RIGHT_NOTICE})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "av_required"
    acts.attach_av(iid, notice)
    assert _open(http.complete(iid, "task_hearing_notice_right", c.RIGHT_NOTICE, "officer1")) == ["task_hearing_request"]
