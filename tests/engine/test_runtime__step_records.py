"""runtime.start / ready_tasks / complete and the StepRecords the engine returns for the history."""
from __future__ import annotations

import uuid

import pytest

from engine import runtime
from engine.errors import NotFound, ScriptError, StateConflict
from engine.scripting import make_script_engine


def by_element(records, element_id):
    found = [r for r in records if r.element_id == element_id]
    assert found, [r.element_id for r in records]
    return found


@pytest.fixture
def at_proposal(case_bundle, answers):
    """A workflow whose only ready task is task_proposal."""
    data = answers()
    workflow, records = runtime.start(case_bundle, {}, make_script_engine())
    assert [(r.type, r.element_id) for r in records] == [("start", "start_case")]
    for expected in ("task_register", "task_record_start", "task_investigation"):
        (task,) = runtime.ready_tasks(case_bundle, workflow)
        assert task.meta.element_id == expected
        runtime.complete(workflow, task.id, data[expected][0])
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


def test_finishing_recording_records_its_end_and_the_call_activity(case_bundle, answers):
    data = answers()
    workflow, _ = runtime.start(case_bundle, {}, make_script_engine())
    records = []
    for _ in range(3):
        (task,) = runtime.ready_tasks(case_bundle, workflow)
        records = runtime.complete(workflow, task.id, data[task.meta.element_id][0])
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
    (next_task,) = runtime.ready_tasks(case_bundle, workflow)
    assert next_task.meta.element_id == "task_head_decision"
    assert next_task.role == "head"


def test_major_proposal_records_the_rule_and_enters_legal_review(case_bundle, answers, at_proposal):
    workflow, task = at_proposal
    records = runtime.complete(workflow, task.id, answers(major=True)["task_proposal"][0])
    (decision,) = by_element(records, "task_major_check")
    assert decision.detail["outputs"]["is_major"] is True
    assert decision.detail["outputs"]["major_rule"] == "fine_person_ge_10000"
    assert decision.element_name == "重大执法决定目录判定"
    (gateway,) = by_element(records, "gw_is_major")
    assert gateway.detail["taken"] == ["call_legal_review"]
    (next_task,) = runtime.ready_tasks(case_bundle, workflow)
    assert (next_task.meta.process_id, next_task.meta.element_id) == ("legal_review", "task_submit_review")


@pytest.mark.parametrize(("outcome", "taken"), [("problems", "task_fix_resubmit"), ("agree", "end_legal_review")])
def test_review_gateway_records_the_branch_taken(case_bundle, answers, at_proposal, outcome, taken):
    data = answers(major=True)
    workflow, task = at_proposal
    runtime.complete(workflow, task.id, data["task_proposal"][0])
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


def test_missing_decision_input_fails_as_a_script_error(case_bundle, answers, at_proposal):
    workflow, task = at_proposal
    data = {k: v for k, v in answers(major=False)["task_proposal"][0].items() if k != "complex_case"}
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
