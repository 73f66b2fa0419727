"""disclosure_correction walked on the engine: a request to take a published decision down is withdrawn within
three working days (APL 48) with the basis chosen and the reason published, and the requester gets a reply."""
from __future__ import annotations

from datetime import date

import pytest

from engine import clock, runtime
from engine.calendar import WorkingCalendar
from engine.scripting import make_script_engine

REQUEST = {"disclosure_id": 7, "request_contact": "138****0000", "request_reason": "该处罚决定已被复议机关撤销。",
           "request_date": "2026-11-20", "disclosure_title": "某宗教活动场所未经批准举办大型宗教活动案",
           "disclosure_text": "行政执法决定公示\n当事人：张*\n决定书文号：宁民宗罚〔2026〕1号"}
WITHDRAW = {"correction_outcome": "withdraw", "correction_reason": "原处罚决定已被复议机关依法撤销。", "withdraw_basis": "revoked"}
REPLY = {"reply_text": "经审核，原公示已撤回，撤回理由已公开。", "reply_method": "phone"}


@pytest.fixture(scope="module")
def correction_bundle(bundle_for):
    return bundle_for("disclosure_correction")


def test_withdrawing_a_disclosure_needs_a_basis_then_publishes_the_reason(correction_bundle, run_case):
    no_basis = {k: v for k, v in WITHDRAW.items() if k != "withdraw_basis"}
    answers = {"task_correction_review": [no_basis, WITHDRAW], "task_correction_reply": [REPLY]}
    run = run_case(correction_bundle, answers, start_data=REQUEST)
    assert run.workflow.is_completed()
    assert run.steps == [
        ("disclosure_correction", "task_correction_review"),
        ("disclosure_correction", "task_correction_review"),  # sent back: no basis for the withdrawal
        ("disclosure_correction", "task_correction_reply"),
    ]
    assert [r.detail["taken"] for r in run.records if r.element_id == "gw_correction_outcome"] == [
        ["task_correction_review"], ["task_withdraw"]]

    (intake,) = [r for r in run.records if r.element_id == "task_correction_intake"]
    assert intake.properties.get("kind") == "correction_intake"  # the service checks where the case came from
    # a public request runs from the server's day, not from the request_date given (2026-11-20)
    (end,) = [t for t in run.workflow.get_tasks() if t.task_spec.name == "end_correction"]
    received = str(end.data["request_date"])[:10]
    assert received == clock.today().isoformat() != REQUEST["request_date"]
    withdraw_due = WorkingCalendar().add_working_days(date.fromisoformat(received), 3).isoformat()
    assert intake.detail["outputs"]["withdraw_due"] == withdraw_due

    (withdraw,) = [r for r in run.records if r.element_id == "task_withdraw"]
    assert withdraw.type == "script" and withdraw.properties.get("kind") == "withdraw"
    assert withdraw.detail["outputs"] == {"disclosure_withdrawn": True, "withdraw_reason": WITHDRAW["correction_reason"]}
    # neither a corrected version nor a publication
    assert not [r for r in run.records if r.properties.get("kind") in ("correct", "publish")]

    (end,) = [t for t in run.workflow.get_tasks() if t.task_spec.name == "end_correction"]
    data = end.data
    assert data["disclosure_id"] == 7
    assert data["withdraw_basis"] == "revoked" and data["correction_error"] is None
    assert data["disclosure_withdrawn"] is True and "disclosure_corrected" not in data
    assert data["corrected_text"] == REQUEST["disclosure_text"]  # unchanged: nothing was corrected
    assert data["reply_text"] == REPLY["reply_text"]


def test_the_review_without_a_basis_shows_why_it_came_back(correction_bundle):
    workflow, _ = runtime.start(correction_bundle, dict(REQUEST), make_script_engine())
    (review,) = runtime.ready_tasks(correction_bundle, workflow)
    assert review.meta.properties["dueDate"] == "withdraw_due"
    runtime.complete(workflow, review.id, {**WITHDRAW, "withdraw_basis": None})
    (again,) = runtime.ready_tasks(correction_bundle, workflow)
    assert again.meta.element_id == "task_correction_review"
    assert "撤回依据" in again.data["correction_error"]
    assert "disclosure_withdrawn" not in again.data


def test_a_withdrawal_the_bureau_starts_is_due_three_working_days_after_the_event__APL_48(correction_bundle):
    event = {"origin": "bureau", "event_kind": "reconsideration", "event_date": "2026-11-16",
             "withdraw_basis": "revoked", "correction_outcome": "withdraw", "correction_reason": "复议撤销。"}
    workflow, _ = runtime.start(correction_bundle, {**REQUEST, **event}, make_script_engine())
    (review,) = runtime.ready_tasks(correction_bundle, workflow)
    expected = WorkingCalendar().add_working_days(date(2026, 11, 16), 3)
    assert str(review.data["withdraw_due"])[:10] == expected.isoformat()
    assert review.data["withdraw_basis"] == "revoked" and review.data["correction_outcome"] == "withdraw"
