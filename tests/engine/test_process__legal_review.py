"""legal_review on its own, on the engine: seven working days to review, one extension of three working days
approved by the head, an overdue timer that escalates to the head without stopping the review, and the
handler's dispute kept for the collective discussion."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engine import clock, runtime, sandbox
from engine.calendar import WorkingCalendar
from engine.scripting import make_script_engine

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # a Friday, 10:00 in Beijing
TODAY = "2026-11-20"
BEIJING_END_OF_DAY = timedelta(hours=15, minutes=59, seconds=59)  # 23:59:59+08:00 in UTC


def working_days(start: str, n: int) -> str:
    return WorkingCalendar().add_working_days(date.fromisoformat(start), n).isoformat()


def end_of(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + BEIJING_END_OF_DAY


@pytest.fixture(scope="module")
def review_bundle(bundle_for):
    return bundle_for("legal_review")


@pytest.fixture
def at_review(review_bundle, answers):
    """A legal_review started on TODAY, waiting for the reviewer; the clock stays at TODAY for the test (a step
    taken after the review's due date would fire its overdue timer: the answer must not depend on the day the
    suite runs)."""
    with clock.fixed(AT):
        workflow, _ = runtime.start(review_bundle, {}, make_script_engine())
        (submit,) = runtime.ready_tasks(review_bundle, workflow)
        runtime.complete(workflow, submit.id, answers()["task_submit_review"][0])
        (review,) = runtime.ready_tasks(review_bundle, workflow)
        assert (review.meta.element_id, review.role) == ("task_legal_review", "legal_reviewer")
        yield workflow, review


def only_ready(bundle, workflow):
    (task,) = runtime.ready_tasks(bundle, workflow)
    return task


def extension_request(answers) -> dict:
    """Asking for more time: the outcome and the opinion are hidden, the reason is required by the check script."""
    agree = answers()["task_legal_review"][-1]
    return {**agree, "review_outcome": None, "review_opinion": None, "request_extension": True,
            "extension_reason": "需向公安机关调取证据。"}


def test_the_review_is_due_in_seven_working_days_and_its_timer_follows(review_bundle, at_review):
    workflow, review = at_review
    assert review.data["review_due"] == working_days(TODAY, 7)
    assert review.meta.properties["dueDate"] == "review_due"
    assert runtime.waiting_timers(workflow) == [end_of(review.data["review_due"])]


def test_one_extension_of_three_working_days_then_no_more(review_bundle, answers, at_review):
    workflow, review = at_review
    due = review.data["review_due"]
    with clock.fixed(AT):
        runtime.complete(workflow, review.id, extension_request(answers))
        head = only_ready(review_bundle, workflow)
        assert (head.meta.element_id, head.role) == ("task_review_extension", "head")
        runtime.complete(workflow, head.id, {"extension_approved": True, "extension_note": "同意延长。"})
        review = only_ready(review_bundle, workflow)
        assert review.meta.element_id == "task_legal_review"
        assert review.data["review_due"] == working_days(due, 3)
        assert review.data["review_extended"] is True and review.data["request_extension"] is False
        assert runtime.waiting_timers(workflow) == [end_of(working_days(due, 3))]

        records = runtime.complete(workflow, review.id, extension_request(answers))
        assert not [r for r in records if r.element_id == "task_review_extension"]
        review = only_ready(review_bundle, workflow)
        assert review.meta.element_id == "task_legal_review"
        assert "已经延长过一次" in review.data["review_error"]
        assert review.data["review_due"] == working_days(due, 3)


def test_a_refused_extension_keeps_the_due_date(review_bundle, answers, at_review):
    workflow, review = at_review
    due = review.data["review_due"]
    with clock.fixed(AT):
        runtime.complete(workflow, review.id, extension_request(answers))
        head = only_ready(review_bundle, workflow)
        runtime.complete(workflow, head.id, {"extension_approved": False, "extension_note": "不同意。"})
    review = only_ready(review_bundle, workflow)
    assert review.data["review_due"] == due and review.data["review_extended"] is False


def test_an_overdue_review_is_escalated_and_goes_on(review_bundle, answers, at_review):
    workflow, review = at_review
    fire_at = end_of(review.data["review_due"])
    with clock.fixed(fire_at - timedelta(seconds=1)):
        assert runtime.fire_timers(workflow) == []
    assert [t.meta.element_id for t in runtime.ready_tasks(review_bundle, workflow)] == ["task_legal_review"]

    with clock.fixed(fire_at + timedelta(seconds=1)):
        records = runtime.fire_timers(workflow)
    assert [(r.type, r.element_id) for r in records] == [("timer_fired", "timer_review_overdue")]
    ready = {t.meta.element_id: t for t in runtime.ready_tasks(review_bundle, workflow)}
    assert set(ready) == {"task_legal_review", "task_review_escalation"}
    assert ready["task_review_escalation"].role == "head"
    assert ready["task_legal_review"].id == review.id  # the review task itself was not interrupted

    records = runtime.complete(workflow, ready["task_review_escalation"].id, {"escalation_note": "请于两日内完成审核。"})
    assert [(r.type, r.element_id) for r in records] == [("end", "end_review_escalated")]
    assert not workflow.is_completed()
    runtime.complete(workflow, review.id, answers()["task_legal_review"][-1])
    assert workflow.is_completed()


def test_a_dispute_ends_the_review_in_the_collective_discussion_APL_57(review_bundle, answers, at_review):
    workflow, review = at_review
    data = answers(review_rounds=2)
    runtime.complete(workflow, review.id, data["task_legal_review"][0])
    fix = only_ready(review_bundle, workflow)
    assert fix.meta.element_id == "task_fix_resubmit"
    reason = "询问笔录已足以证明违法事实，无需补充。"
    runtime.complete(workflow, fix.id, {**data["task_fix_resubmit"][0], "handler_disputes": True,
                                        "dispute_reason": reason})
    collective = only_ready(review_bundle, workflow)  # not back to the reviewer
    assert (collective.meta.element_id, collective.role, collective.meta.kind) == (
        "task_review_collective", "head", "collective_discussion")
    assert collective.data["review_disputed"] is True and collective.data["review_dispute_reason"] == reason
    assert collective.data["review_opinion"] == data["task_legal_review"][0]["review_opinion"]  # shown to the heads
    runtime.complete(workflow, collective.id, {"attendees": ["head1", "head2"], "discussion_date": TODAY,
                                               "discussion_record": "纪要。", "conclusion": "同意拟处理意见。",
                                               "collective_decision": "approve_proposal"})
    assert workflow.is_completed()
    assert workflow.last_task.data["collective_held"] is True


def test_a_second_round_starts_blank_and_shows_the_fix_and_the_changes(review_bundle, answers, at_review):
    workflow, review = at_review
    proposal = {"facts": "事实。", "legal_basis": "《宗教事务条例》第六十四条", "penalty_kind": "fine", "fine_amount": 20000,
                "proposal_text": "罚款贰万元。"}
    review.data.update(proposal)  # the case's proposal, as the calling process hands it over
    data = answers(review_rounds=2)
    calls = sandbox.pool().calls
    runtime.complete(workflow, review.id, data["task_legal_review"][0])
    fix = only_ready(review_bundle, workflow)
    runtime.complete(workflow, fix.id, {**data["task_fix_resubmit"][0], "fine_amount": 15000,
                                        "proposal_text": "罚款壹万伍仟元。", "facts": ""})  # blank keeps the facts
    again = only_ready(review_bundle, workflow)
    assert sandbox.pool().calls == calls  # a round's scripts are cheap: a looping review costs no sandbox call
    assert again.meta.element_id == "task_legal_review"
    assert again.data["review_round"] == 2
    assert again.data["review_outcome"] is None and again.data["problem_code"] is None
    assert again.data["review_opinion"] is None and again.data["evidence_sufficient"] is False
    assert again.data["previous_review_opinion"] == data["task_legal_review"][0]["review_opinion"]
    assert again.data["fix_description"] == data["task_fix_resubmit"][0]["fix_description"]
    assert again.data["facts"] == "事实。"
    assert again.data["proposal_changes"] == [
        {"field": "fine_amount", "before": 20000, "after": 15000},
        {"field": "proposal_text", "before": "罚款贰万元。", "after": "罚款壹万伍仟元。"}]
    assert again.data["proposal_changes_text"] == "罚款金额（元）：20000 → 15000；拟处理意见：罚款贰万元。 → 罚款壹万伍仟元。"


def test_a_round_that_changes_nothing_says_so(review_bundle, answers, at_review):
    workflow, review = at_review
    review.data.update({"facts": "事实。", "fine_amount": 20000})
    data = answers(review_rounds=2)
    runtime.complete(workflow, review.id, data["task_legal_review"][0])
    fix = only_ready(review_bundle, workflow)
    runtime.complete(workflow, fix.id, {**data["task_fix_resubmit"][0], "facts": "", "fine_amount": None})
    again = only_ready(review_bundle, workflow)
    assert again.data["facts"] == "事实。" and again.data["fine_amount"] == 20000  # blanks keep the values
    assert again.data["proposal_changes"] == []
    assert again.data["proposal_changes_text"] == "拟处理意见未变更"


def test_the_reviewer_asks_the_legal_counsel_and_sees_the_opinion(review_bundle, answers, at_review):
    workflow, review = at_review
    ask = {**answers()["task_legal_review"][-1], "review_outcome": None, "review_opinion": None,
           "request_counsel_opinion": True, "counsel_question": "本案是否属于宗教事务条例第六十四条的情形？"}
    runtime.complete(workflow, review.id, ask)
    counsel = only_ready(review_bundle, workflow)
    assert (counsel.meta.element_id, counsel.role) == ("task_counsel_opinion", "legal_counsel")
    runtime.complete(workflow, counsel.id, {"counsel_opinion": "属于，适用第六十四条。"})
    review = only_ready(review_bundle, workflow)
    assert review.meta.element_id == "task_legal_review"
    assert review.data["counsel_opinion"] == "属于，适用第六十四条。"
    assert review.data["request_counsel_opinion"] is False
    runtime.complete(workflow, review.id, answers()["task_legal_review"][-1])
    assert workflow.is_completed()
