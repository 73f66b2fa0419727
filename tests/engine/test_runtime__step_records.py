"""runtime.start / ready_tasks / complete and the StepRecords the engine returns for the history."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from engine import runtime
from engine.calendar import WorkingCalendar
from engine.errors import NotFound, ScriptError, StateConflict
from engine.scripting import make_script_engine


def add_working_days(start: str, n: int) -> str:
    return WorkingCalendar().add_working_days(date.fromisoformat(start), n).isoformat()


def by_element(records, element_id):
    found = [r for r in records if r.element_id == element_id]
    assert found, [r.element_id for r in records]
    return found


def complete_in_order(bundle, workflow, data, elements):
    """Complete the only ready task, which must be each of ``elements`` in turn; the records of the last one."""
    records = []
    for expected in elements:
        (task,) = runtime.ready_tasks(bundle, workflow)
        assert task.meta.element_id == expected
        records = runtime.complete(workflow, task.id, data[expected][0])
    return records


HEARING_RIGHT = ("task_hearing_notice_right", "task_hearing_request")


@pytest.fixture
def at_proposal(case_bundle, answers):
    """A workflow whose only ready task is task_proposal."""
    data = answers()
    workflow, records = runtime.start(case_bundle, {}, make_script_engine())
    assert [(r.type, r.element_id) for r in records] == [("start", "start_case")]
    complete_in_order(case_bundle, workflow, data,
                      ("task_register", "task_recusal", "task_record_start", "task_investigation"))
    (task,) = runtime.ready_tasks(case_bundle, workflow)
    assert task.meta.element_id == "task_proposal"
    return workflow, task


def test_start_waits_at_register_for_an_officer(case_bundle):
    workflow, _ = runtime.start(case_bundle, {"source": "举报"}, make_script_engine())
    (task,) = runtime.ready_tasks(case_bundle, workflow)
    assert (task.meta.process_id, task.meta.element_id) == ("enforcement_case", "task_register")
    assert task.role == "officer"
    assert task.meta.form_key == "case_register"
    assert task.data["source"] == "举报"


def test_registering_files_the_case_and_asks_for_the_recusal_statement(case_bundle, answers):
    workflow, _ = runtime.start(case_bundle, {}, make_script_engine())
    records = complete_in_order(case_bundle, workflow, answers(), ("task_register",))
    (filing,) = by_element(records, "task_file_case")
    assert filing.type == "script"
    outputs = filing.detail["outputs"]
    assert outputs["decision_due"] == (date.fromisoformat(outputs["filing_date"]) + timedelta(days=90)).isoformat()
    (task,) = runtime.ready_tasks(case_bundle, workflow)
    assert (task.meta.element_id, task.meta.form_key, task.role) == ("task_recusal", "case_recusal", "officer")
    assert not [r for r in records if r.element_id == "call_recording"]  # no recording before the statement


def test_a_recusal_goes_to_the_head_and_back_to_a_new_statement(case_bundle, answers):
    data = {**answers(), "task_recusal": [{"recusal_needed": True, "recusal_source": "party",
                                           "recusal_reason": "当事人申请：承办人与当事人有利害关系。"}]}
    workflow, _ = runtime.start(case_bundle, {}, make_script_engine())
    records = complete_in_order(case_bundle, workflow, data, ("task_register", "task_recusal"))
    (gateway,) = by_element(records, "gw_recusal")
    assert gateway.detail["taken"] == ["task_recusal_decision"]
    (decision,) = runtime.ready_tasks(case_bundle, workflow)
    assert (decision.meta.element_id, decision.role) == ("task_recusal_decision", "head")
    runtime.complete(workflow, decision.id, {"recusal_outcome": "recuse", "officers": ["officer2"],
                                             "recusal_decision_note": "更换承办人。"})
    (again,) = runtime.ready_tasks(case_bundle, workflow)
    assert again.meta.element_id == "task_recusal"
    records = runtime.complete(workflow, again.id, answers()["task_recusal"][0])
    (gateway,) = by_element(records, "gw_recusal")
    assert gateway.detail["taken"] == ["call_recording"]
    (task,) = runtime.ready_tasks(case_bundle, workflow)
    assert (task.meta.process_id, task.meta.element_id) == ("recording", "task_record_start")


def test_finishing_recording_records_its_end_and_the_call_activity(case_bundle, answers):
    workflow, _ = runtime.start(case_bundle, {}, make_script_engine())
    records = complete_in_order(case_bundle, workflow, answers(),
                                ("task_register", "task_recusal", "task_record_start", "task_investigation"))
    (end,) = by_element(records, "end_recording")
    assert (end.type, end.process_id) == ("end", "recording")
    calls = by_element(records, "call_recording")
    assert all(r.type.startswith("call_activity") and r.process_id == "enforcement_case" for r in calls)
    assert records.index(end) < records.index(calls[-1])


def test_minor_proposal_records_the_decision_and_the_branch_taken(case_bundle, answers, at_proposal):
    workflow, task = at_proposal
    records = runtime.complete(workflow, task.id, answers(major=False)["task_proposal"][0])
    (decision,) = by_element(records, "task_major_check")
    assert decision.type == "decision"
    assert decision.detail["outputs"]["is_major"] is False
    assert decision.detail["outputs"]["major_rule"] == "not_major"
    (gateway,) = by_element(records, "gw_is_major")
    assert gateway.type == "gateway"
    assert gateway.element_name == "是否重大"
    assert gateway.detail["taken"] == ["gw_major_join"]
    # a warning carries no right to a hearing; no dispute and no complex case: no collective discussion
    (hearing_right,) = by_element(records, "gw_hearing_right")
    assert hearing_right.detail["taken"] == ["gw_hearing_join"]
    (collective,) = by_element(records, "gw_collective")
    assert collective.detail["taken"] == ["gw_referral"]  # no referral either: then the head decides
    (next_task,) = runtime.ready_tasks(case_bundle, workflow)
    assert next_task.meta.element_id == "task_head_decision"
    assert next_task.role == "head"


def test_a_fine_is_first_notified_with_the_right_to_a_hearing(case_bundle, answers, at_proposal):
    workflow, task = at_proposal
    records = runtime.complete(workflow, task.id, answers(major=True)["task_proposal"][0])
    (gateway,) = by_element(records, "gw_hearing_right")
    assert gateway.detail["taken"] == ["task_hearing_notice_right"]
    assert not [r for r in records if r.element_id == "task_major_check"]  # not before the hearing question
    records = complete_in_order(case_bundle, workflow, answers(major=True), ("task_hearing_notice_right",))
    (window,) = by_element(records, "task_hearing_window")
    outputs = window.detail["outputs"]
    assert outputs["hearing_request_due"] == add_working_days(outputs["hearing_right_notice_date"], 5)
    (request,) = runtime.ready_tasks(case_bundle, workflow)
    assert request.meta.element_id == "task_hearing_request"
    assert request.meta.properties["dueDate"] == "hearing_request_due"


def test_major_proposal_records_the_rule_and_enters_legal_review(case_bundle, answers, at_proposal):
    workflow, task = at_proposal
    data = answers(major=True)
    runtime.complete(workflow, task.id, data["task_proposal"][0])
    records = complete_in_order(case_bundle, workflow, data, HEARING_RIGHT)
    (requested,) = by_element(records, "gw_hearing_requested")
    assert requested.detail["taken"] == ["gw_hearing_join"]
    (decision,) = by_element(records, "task_major_check")
    assert decision.detail["outputs"]["is_major"] is True
    assert decision.detail["outputs"]["major_rule"] == "fine_person_ge_10000"
    assert decision.element_name == "重大执法决定目录判定"
    (gateway,) = by_element(records, "gw_is_major")
    assert gateway.detail["taken"] == ["call_legal_review"]
    (next_task,) = runtime.ready_tasks(case_bundle, workflow)
    assert (next_task.meta.process_id, next_task.meta.element_id) == ("legal_review", "task_submit_review")


@pytest.mark.parametrize(("outcome", "taken"), [("problems", "task_snapshot_proposal"), ("agree", "end_legal_review")])
def test_review_gateway_records_the_branch_taken(case_bundle, answers, at_proposal, outcome, taken):
    data = answers(major=True)
    workflow, task = at_proposal
    runtime.complete(workflow, task.id, data["task_proposal"][0])
    complete_in_order(case_bundle, workflow, data, HEARING_RIGHT)
    (submit,) = runtime.ready_tasks(case_bundle, workflow)
    runtime.complete(workflow, submit.id, data["task_submit_review"][0])
    (review,) = runtime.ready_tasks(case_bundle, workflow)
    assert review.role == "legal_reviewer"
    review_data = data["task_legal_review"][0 if outcome == "problems" else -1]
    assert review_data["review_outcome"] == outcome
    records = runtime.complete(workflow, review.id, review_data)
    (gateway,) = by_element(records, "gw_review_outcome")
    assert gateway.process_id == "legal_review"
    assert gateway.detail["taken"] == [taken]


@pytest.mark.parametrize(("change", "message"), [
    ({"problem_code": None}, "问题类别"),  # "problems" without a problem code
    ({"review_outcome": None}, "审核结论"),  # hidden-when-extending, so not required by the form
    ({"review_opinion": "  "}, "审核意见"),
    ({"request_extension": True, "extension_reason": ""}, "理由"),
])
def test_incomplete_review_goes_back_to_the_reviewer_with_the_reason(case_bundle, answers, at_proposal, change,
                                                                     message):
    data = answers(major=True)
    workflow, task = at_proposal
    runtime.complete(workflow, task.id, data["task_proposal"][0])
    complete_in_order(case_bundle, workflow, data, (*HEARING_RIGHT, "task_submit_review"))
    (review,) = runtime.ready_tasks(case_bundle, workflow)
    records = runtime.complete(workflow, review.id, {**data["task_legal_review"][0], **change})
    assert by_element(records, "gw_review_check")
    assert not [r for r in records if r.element_id in ("gw_review_outcome", "task_review_extension")]
    (again,) = runtime.ready_tasks(case_bundle, workflow)
    assert again.meta.element_id == "task_legal_review" and again.id != review.id
    assert message in again.data["review_error"]


def test_a_gateway_back_to_a_task_with_a_boundary_timer_records_the_tasks_element_id(case_bundle, answers,
                                                                                       at_proposal):
    """``taken`` names BPMN elements; task_legal_review carries the overdue timer (a boundary event)."""
    data = answers(major=True)
    workflow, task = at_proposal
    runtime.complete(workflow, task.id, data["task_proposal"][0])
    complete_in_order(case_bundle, workflow, data, (*HEARING_RIGHT, "task_submit_review"))
    (review,) = runtime.ready_tasks(case_bundle, workflow)
    records = runtime.complete(workflow, review.id, {**data["task_legal_review"][0], "problem_code": None})
    (gateway,) = by_element(records, "gw_review_check")
    assert gateway.detail["taken"] == ["task_legal_review"]


def test_missing_decision_input_fails_as_a_script_error(case_bundle, answers, at_proposal):
    workflow, task = at_proposal
    # the filing script sets the flags (complex_case, hearing_held, ...); the fine amount comes from the proposal
    data = {k: v for k, v in answers(major=False)["task_proposal"][0].items() if k != "fine_amount"}
    assert "fine_amount" not in task.data
    with pytest.raises(ScriptError) as info:
        runtime.complete(workflow, task.id, data)
    assert info.value.element_id == "task_major_check"


def test_completing_a_task_that_is_not_ready(case_bundle, answers, at_proposal):
    workflow, task = at_proposal
    (register,) = [t for t in workflow.get_tasks() if t.task_spec.name == "task_register"]
    with pytest.raises(StateConflict):
        runtime.complete(workflow, str(register.id), answers()["task_register"][0])
    (start,) = [t for t in workflow.get_tasks() if t.task_spec.name == "start_case"]
    with pytest.raises(StateConflict):
        runtime.complete(workflow, str(start.id), {})


@pytest.mark.parametrize("task_id", [str(uuid.uuid4()), "not-a-uuid", ""])
def test_completing_an_unknown_task(case_bundle, at_proposal, task_id):
    workflow, _ = at_proposal
    with pytest.raises(NotFound):
        runtime.complete(workflow, task_id, {})


def test_instance_data_is_the_ready_tasks_data(case_bundle, at_proposal):
    workflow, _ = at_proposal
    data = runtime.instance_data(workflow)
    assert data["party_name"] == "张三"
    assert data["site_inspection"] is True
    assert "is_major" not in data
