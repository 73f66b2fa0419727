"""enforcement_case through HTTP: filing limit (APL 60), recusal (APL 43), the hearing branch (APL 63-64),
legal review with a dispute ending in the heads' collective discussion (APL 57), decision, service (APL 61),
publication, execution."""
from __future__ import annotations

from datetime import date, timedelta, timezone

from tests import cases as c
from tests.api.walk import Acts, due_date, today, working_days
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open
from tests.api.walk import verified as _verified

BEIJING = timezone(timedelta(hours=8))
RECUSAL_NONE = {"recusal_needed": False}
RECUSAL_ASKED = {"recusal_needed": True, "recusal_source": "party", "recusal_reason": "当事人称执法人员与其有利害关系",
                 "recused_officer": "officer2"}
RECUSAL_DISMISSED = {"recusal_outcome": "dismiss", "officers": ["officer1", "officer2"],
                     "recusal_decision_note": "经核实不存在利害关系，不予回避。"}
RIGHT_NOTICE = c.RIGHT_NOTICE
HEARING = {**c.DUTIES, "duty_document_issued": "《听证笔录》", "party_attended": True, "hearing_record": "听证笔录：当事人陈述、申辩……", "hearing_opinion": "事实清楚，维持拟处理意见。",
           "record_signed": True}
COLLECTIVE = {"attendees": ["head1", "head2"], "other_attendees": "法制科负责人", "discussion_record": "经讨论，事实清楚，证据充分。",
              "conclusion": "事实清楚，证据充分，同意拟处理意见。", "votes_for": 2, "collective_decision": "approve_proposal"}


def test_hearing_dispute_and_collective_discussion_before_the_decision(http):
    acts = Acts(http)
    iid = http.start("enforcement_case")["id"]
    assert _open(http.complete(iid, "task_register", c.REGISTER, "officer1")) == ["task_recusal"]
    data = _data(http, iid)
    assert data["filing_date"] == today()
    assert data["decision_due"] == (date.fromisoformat(today()) + timedelta(days=90)).isoformat()  # APL 60: 90 days
    instance = http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()
    assert instance["due_at"] is not None  # the process carries dueDate=decision_due

    # recusal asked for, dismissed by the head, then declared again
    assert _open(http.complete(iid, "task_recusal", RECUSAL_ASKED, "officer1")) == ["task_recusal_decision"]
    assert http.open_task(iid, "task_recusal_decision")["role"] == "head"
    assert _open(http.complete(iid, "task_recusal_decision", RECUSAL_DISMISSED, "head1")) == ["task_recusal"]
    assert _open(http.complete(iid, "task_recusal", RECUSAL_NONE, "officer1")) == ["task_record_start"]

    acts.complete(iid, "task_record_start", c.RECORD_START)
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    # a fine: the party is told of the right to a hearing (APL 63)
    assert _open(http.complete(iid, "task_proposal", c.PROPOSAL_MAJOR, "officer1")) == ["task_hearing_notice_right"]
    http.complete(iid, "task_hearing_notice_right", RIGHT_NOTICE, "officer1")
    request = http.open_task(iid, "task_hearing_request")
    assert due_date(request) == _data(http, iid)["hearing_request_due"] == working_days(today(), 5)
    http.complete(iid, "task_hearing_request", {"hearing_requested": "yes", "request_date": today()}, "officer1")

    # a hearing fewer than 7 working days after the notice is refused (APL 64, 85)
    notice = {"notice_date": today(), "hearing_date": working_days(today(), 6), "hearing_place": "局听证室",
              "hearing_host": "法制科王某", "hearing_public": True}
    assert _open(http.complete(iid, "task_hearing_notice", notice, "officer1")) == ["task_hearing_notice"]
    assert "七个工作日" in _data(http, iid)["hearing_notice_error"]
    result = http.complete(iid, "task_hearing_notice", {**notice, "hearing_date": working_days(today(), 7)}, "officer1")
    assert _open(result) == ["task_hearing"]
    assert _data(http, iid)["hearing_notice_error"] is None
    result = acts.complete(iid, "task_hearing", HEARING)
    assert _open(result) == ["task_submit_review"]
    data = _data(http, iid)
    assert data["hearing_held"] is True and data["is_major"] is True

    # legal review: problems -> the handler disputes -> the heads' collective discussion, not back to the reviewer
    http.complete(iid, "task_submit_review", c.SUBMIT_REVIEW, "officer1")
    http.complete(iid, "task_legal_review", {**c.REVIEW_PROBLEMS, "problem_code": "investigate"}, "reviewer1")
    result = http.complete(iid, "task_fix_resubmit", {**c.FIX, "handler_disputes": True,
                                                      "dispute_reason": "证据已经充分。"}, "officer1")
    assert _open(result) == ["task_review_collective"]
    assert _data(http, iid)["review_disputed"] is True
    missing = http.open_task(iid, "task_review_collective")
    resp = http.call("POST", f"/api/v1/tasks/{missing['id']}/complete", "head1",
                     json={"data": {**COLLECTIVE, "attendees": []}})
    assert resp.status_code == 422 and "attendees" in resp.get_json()["errors"]
    result = http.complete(iid, "task_review_collective", {**COLLECTIVE, "discussion_date": today()}, "head1")
    assert _open(result) == ["task_head_decision"]

    decision = http.open_task(iid, "task_head_decision")
    assert due_date(decision) == _data(http, iid)["decision_due"]
    http.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": f"宁民宗罚〔2026〕{iid}号"}, "head1")
    data = _data(http, iid)
    assert data["decision_date"] == today()
    assert data["service_due"] == working_days(today(), 7)  # APL 61 + 85
    assert due_date(http.open_task(iid, "task_service")) == data["service_due"]
    acts.complete(iid, "task_service", c.SERVICE)

    review = http.open_task(iid, "task_review_masked")
    assert due_date(review) == _data(http, iid)["disclosure_due"] == working_days(today(), 7)
    masked = _data(http, iid)["masked_text"]
    result = http.complete(iid, "task_review_masked", {**c.DISCLOSURE_OK, "masked_text": masked}, "publicity1")
    assert _open(result) == ["task_execution"]  # a fine: its payment is recorded (APL 67)
    execution = http.open_task(iid, "task_execution")
    assert due_date(execution) == (date.fromisoformat(c.SERVICE["service_date"]) + timedelta(days=15)).isoformat()
    http.complete(iid, "task_execution", c.EXECUTION, "officer1")
    result = http.complete(iid, "task_archive", c.ARCHIVE, "officer1")
    assert result["status"] == "completed"
    published = http.call("GET", f"/api/v1/public/disclosures?q=宁民宗罚〔2026〕{iid}号").get_json()
    assert len(published) == 1 and c.REGISTER["party_id_number"] not in published[0]["masked_text"]
    _verified(http, iid)


def test_a_warning_has_no_hearing_no_review_and_no_collective_discussion(http):
    acts = Acts(http)
    iid = http.start("enforcement_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    http.complete(iid, "task_recusal", RECUSAL_NONE, "officer1")
    acts.complete(iid, "task_record_start", c.RECORD_START)
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    result = http.complete(iid, "task_proposal", c.PROPOSAL_MINOR, "officer1")
    assert _open(result) == ["task_head_decision"]


def test_a_hearing_requested_too_late_is_not_held(http):
    acts = Acts(http)
    iid = http.start("enforcement_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    http.complete(iid, "task_recusal", RECUSAL_NONE, "officer1")
    acts.complete(iid, "task_record_start", c.RECORD_START)
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    revoke = {**c.PROPOSAL_MINOR, "penalty_kind": "revoke_licence", "proposal_text": "撤销宗教活动场所登记。"}
    http.complete(iid, "task_proposal", revoke, "officer1")
    http.complete(iid, "task_hearing_notice_right", RIGHT_NOTICE, "officer1")
    late = working_days(_data(http, iid)["hearing_request_due"], 1)
    result = http.complete(iid, "task_hearing_request", {"hearing_requested": "yes", "request_date": late}, "officer1")
    assert _open(result) == ["task_submit_review"]  # revoking a registration is major: legal review next
    data = _data(http, iid)
    assert data["hearing_held"] is False and data["major_rule"] == "revoke_licence"
