"""legal_review through HTTP: 7 working days, finer problem codes, one 3-day extension approved by the head,
and the non-interrupting overdue timer that opens a supervision task for the head."""
from __future__ import annotations

from datetime import UTC, timedelta, timezone

from api.extensions import db
from api.models import Instance
from api.worker import tick
from tests import cases as c
from tests.api.helpers import fixture, upload
from tests.api.walk import due_date, today, working_days
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open
from tests.api.walk import verified as _verified

BEIJING = timezone(timedelta(hours=8))
START = {"case_title": "法制审核测试案", "officers": ["officer1", "officer2"]}


def _start(http) -> dict:
    """legal_review with START (a client starts a process only with the data it declares: a test wrapper does)."""
    deployed = upload(http, "/api/v1/definitions", {"legal_review_case.bpmn": fixture("legal_review_case.bpmn")})
    assert deployed.status_code in (200, 201), deployed.get_json()
    return http.start("legal_review_case", START)


def test_problem_code_is_required_and_the_extension_is_granted_once(http):
    iid = _start(http)["id"]
    http.complete(iid, "task_submit_review", c.SUBMIT_REVIEW, "officer1")
    review = http.open_task(iid, "task_legal_review")
    assert _data(http, iid)["review_due"] == working_days(today(), 7) == due_date(review)

    # "problems" without a problem code is refused by the service (422 naming problem_code), nothing recorded
    no_code = {k: v for k, v in c.REVIEW_PROBLEMS.items() if k != "problem_code"}
    assert "problem_code" in http.complete(iid, "task_legal_review", no_code, "reviewer1", expect=422)["errors"]
    assert _data(http, iid)["review_error"] is None

    # the reviewer asks for more time instead of deciding; the head approves 3 working days
    asked = {"request_extension": True, "extension_reason": "案情复杂，需要征求法律顾问意见。"}
    assert _open(http.complete(iid, "task_legal_review", asked, "reviewer1")) == ["task_review_extension"]
    assert http.open_task(iid, "task_review_extension")["role"] == "head"
    http.complete(iid, "task_review_extension", {"extension_approved": True, "extension_note": "同意"}, "head1")
    data = _data(http, iid)
    assert data["review_extended"] is True and data["request_extension"] is False
    assert data["review_due"] == working_days(working_days(today(), 7), 3)
    assert due_date(http.open_task(iid, "task_legal_review")) == data["review_due"]

    # a second request is not granted: straight back to the reviewer, the limit unchanged
    assert _open(http.complete(iid, "task_legal_review", asked, "reviewer1")) == ["task_legal_review"]
    assert "延长过一次" in _data(http, iid)["review_error"]
    assert _data(http, iid)["review_due"] == data["review_due"]

    problems = {**c.REVIEW_PROBLEMS, "problem_code": "revise"}
    assert _open(http.complete(iid, "task_legal_review", problems, "reviewer1")) == ["task_fix_resubmit"]
    http.complete(iid, "task_fix_resubmit", c.FIX, "officer1")
    assert _data(http, iid)["review_disputed"] is False
    result = http.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")
    assert result["status"] == "completed"
    _verified(http, iid)


def test_an_overdue_review_is_escalated_to_the_head_without_interrupting_it(http, app):
    iid = _start(http)["id"]
    http.complete(iid, "task_submit_review", c.SUBMIT_REVIEW, "officer1")
    with app.app_context():
        due = db.session.get(Instance, iid).next_due
    due = due if due.tzinfo else due.replace(tzinfo=UTC)
    assert due.astimezone(BEIJING).date().isoformat() == _data(http, iid)["review_due"]
    tick(app, due - timedelta(minutes=1))
    before = http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()
    assert [t["element_id"] for t in before["tasks"]] == ["task_legal_review"]
    tick(app, due + timedelta(minutes=1))
    escalation = http.open_task(iid, "task_review_escalation")
    assert escalation["role"] == "head"
    assert http.open_task(iid, "task_legal_review")["state"] == "ready"  # non-interrupting
    http.complete(iid, "task_review_escalation", {"escalation_note": "请于两日内完成审核。"}, "head1")
    result = http.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")
    assert result["status"] == "completed"
    _verified(http, iid)


def test_the_reviewer_asks_the_legal_counsel_and_the_opinion_is_attached(http):
    iid = _start(http)["id"]
    http.complete(iid, "task_submit_review", c.SUBMIT_REVIEW, "officer1")
    ask = {"request_counsel_opinion": True, "counsel_question": "当事人的行为是否构成“大型宗教活动”？"}
    assert _open(http.complete(iid, "task_legal_review", ask, "reviewer1")) == ["task_counsel_opinion"]
    counsel = http.open_task(iid, "task_counsel_opinion")
    assert counsel["role"] == "legal_counsel"
    opinion = {"counsel_opinion": "参加人数逾千人，构成大型宗教活动。", "counsel_basis": "《宗教事务条例》第四十二条"}
    http.complete(iid, "task_counsel_opinion", opinion, "reviewer1", expect=403)  # not the counsel's role
    assert _open(http.complete(iid, "task_counsel_opinion", opinion, "counsel1")) == ["task_legal_review"]
    review = http.open_task(iid, "task_legal_review")
    shown = http.call("GET", f"/api/v1/tasks/{review['id']}", "reviewer1").get_json()
    assert shown["data"]["counsel_opinion"] == opinion["counsel_opinion"]  # the reviewer sees it
    assert shown["data"]["request_counsel_opinion"] is False
    assert "{{counsel_opinion}}" in str(shown["form"])
    assert http.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")["status"] == "completed"
    _verified(http, iid)
