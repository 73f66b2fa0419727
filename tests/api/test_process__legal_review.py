"""legal_review through HTTP: 7 working days, finer problem codes, one 3-day extension approved by the head,
and the non-interrupting overdue timer that opens a supervision task for the head."""
from __future__ import annotations

from datetime import UTC, timedelta, timezone

from api.extensions import db
from api.models import Instance
from api.worker import tick
from tests import cases as c
from tests.api.walk import due_date, today, working_days
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open
from tests.api.walk import verified as _verified

BEIJING = timezone(timedelta(hours=8))
START = {"case_title": "法制审核测试案", "officers": ["officer1", "officer2"]}


def test_problem_code_is_required_and_the_extension_is_granted_once(http):
    iid = http.start("legal_review", START)["id"]
    http.complete(iid, "task_submit_review", c.SUBMIT_REVIEW, "officer1")
    review = http.open_task(iid, "task_legal_review")
    assert _data(http, iid)["review_due"] == working_days(today(), 7) == due_date(review)

    # "problems" without a problem code goes back to the reviewer with the reason
    no_code = {k: v for k, v in c.REVIEW_PROBLEMS.items() if k != "problem_code"}
    assert _open(http.complete(iid, "task_legal_review", no_code, "reviewer1")) == ["task_legal_review"]
    assert "问题类别" in _data(http, iid)["review_error"]

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
    iid = http.start("legal_review", START)["id"]
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
