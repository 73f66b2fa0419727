"""disclosure_correction walked on the engine for a withdrawal the bureau started (APL 48): a changed, revoked or
illegal decision is withdrawn (a changed one may be corrected instead); the diagram's own check sends "reject"
back to the review (the service refuses it too, rule APL_48)."""
from __future__ import annotations

import pytest

from tests.engine.test_process__disclosure_correction import REPLY, REQUEST, WITHDRAW

BUREAU = {**REQUEST, "origin": "bureau", "withdraw_basis": "revoked", "event_kind": "reconsideration",
          "event_date": "2026-11-20", "correction_reason": "行政复议机关撤销了该处罚决定。"}
REJECT = {"correction_outcome": "reject", "correction_reason": "不予撤回。"}


@pytest.fixture(scope="module")
def correction_bundle(bundle_for):
    return bundle_for("disclosure_correction")


def test_a_bureau_withdrawal_of_a_revoked_decision_sends_reject_back__APL_48(correction_bundle, run_case):
    answers = {"task_correction_review": [REJECT, WITHDRAW], "task_correction_reply": [REPLY]}
    run = run_case(correction_bundle, answers, start_data=BUREAU)
    assert run.workflow.is_completed()
    assert [r.detail["taken"] for r in run.records if r.element_id == "gw_correction_outcome"] == [
        ["task_correction_review"], ["task_withdraw"]]
    assert [r for r in run.records if r.element_id == "task_withdraw"]


def test_a_public_request_may_still_be_rejected(correction_bundle, run_case):
    answers = {"task_correction_review": [REJECT], "task_correction_reply": [REPLY]}
    run = run_case(correction_bundle, answers, start_data=REQUEST)
    assert run.workflow.is_completed()
    assert [r.detail["taken"] for r in run.records if r.element_id == "gw_correction_outcome"] == [
        ["task_correction_reply"]]
