"""dumps_state -> load_state mid-run (also inside the called processes) changes nothing about the run."""
from __future__ import annotations

import pytest

from engine import runtime, serializer
from engine.clock import BEIJING
from engine.scripting import make_script_engine

EXPECTED_STEPS_MAJOR = [
    ("enforcement_case", "task_register"),
    ("enforcement_case", "task_recusal"),
    ("recording", "task_record_start"),
    ("recording", "task_investigation"),
    ("enforcement_case", "task_proposal"),
    ("enforcement_case", "task_hearing_notice_right"),
    ("enforcement_case", "task_hearing_request"),
    ("legal_review", "task_submit_review"),
    ("legal_review", "task_legal_review"),
    ("legal_review", "task_fix_resubmit"),
    ("legal_review", "task_legal_review"),
    ("enforcement_case", "task_head_decision"),
    ("enforcement_case", "task_service"),
    ("disclosure", "task_review_masked"),
    ("enforcement_case", "task_execution"),
    ("enforcement_case", "task_archive"),
]


def final_data(workflow) -> dict:
    (end,) = [t for t in workflow.get_tasks() if t.task_spec.name == "end_case"]
    return dict(end.data)


def record_view(records) -> list[tuple]:
    return [(r.type, r.process_id, r.element_id, r.detail) for r in records]


@pytest.fixture(scope="module")
def baseline(case_bundle, run_case, answers):
    return run_case(case_bundle, answers(major=True))


def test_uninterrupted_run_completes(baseline):
    assert baseline.workflow.is_completed()
    assert baseline.restores == 0
    assert baseline.steps == EXPECTED_STEPS_MAJOR
    data = final_data(baseline.workflow)
    assert data["recusal_needed"] is False
    assert data["hearing_requested"] == "no"
    assert data["hearing_held"] is False
    assert data["is_major"] is True
    assert data["review_outcome"] == "agree"
    assert data["published"] is True
    assert data["retention"] == "30y"


@pytest.mark.parametrize("element_id", sorted({element for _, element in EXPECTED_STEPS_MAJOR}))
def test_restore_before_a_task_gives_the_same_run(case_bundle, run_case, answers, baseline, element_id):
    run = run_case(case_bundle, answers(major=True), restore_before={element_id})
    assert run.restores == sum(1 for _, e in EXPECTED_STEPS_MAJOR if e == element_id)
    assert run.workflow.is_completed()
    assert run.steps == baseline.steps
    assert final_data(run.workflow) == final_data(baseline.workflow)
    assert record_view(run.records) == record_view(baseline.records)


def test_restore_before_every_task_gives_the_same_run(case_bundle, run_case, answers, baseline):
    run = run_case(case_bundle, answers(major=True), restore_before=lambda task: True)
    assert run.restores == len(EXPECTED_STEPS_MAJOR)
    assert run.workflow.is_completed()
    assert final_data(run.workflow) == final_data(baseline.workflow)
    assert record_view(run.records) == record_view(baseline.records)


def test_restore_on_the_minor_path(case_bundle, run_case, answers):
    plain = run_case(case_bundle, answers(major=False))
    restored = run_case(case_bundle, answers(major=False), restore_before=lambda task: True)
    assert restored.workflow.is_completed()
    assert ("legal_review", "task_submit_review") not in restored.steps
    assert ("enforcement_case", "task_hearing_notice_right") not in restored.steps  # a warning: no hearing right
    assert restored.steps == plain.steps
    assert final_data(restored.workflow) == final_data(plain.workflow)
    assert final_data(restored.workflow)["is_major"] is False


def _advance(bundle, workflow, answers_by_element, until_element):
    """Complete ready tasks with the first answer until ``until_element`` is ready."""
    for _ in range(20):
        (task,) = runtime.ready_tasks(bundle, workflow)
        if task.meta.element_id == until_element:
            return task
        runtime.complete(workflow, task.id, answers_by_element[task.meta.element_id][0])
    raise AssertionError(f"{until_element} never became ready")


@pytest.mark.parametrize(("element_id", "process_id"), [("task_investigation", "recording"),
                                                        ("task_legal_review", "legal_review")])
def test_state_inside_a_call_activity_restores_into_the_subprocess(case_bundle, answers, element_id, process_id):
    data = answers(major=True)
    workflow, _ = runtime.start(case_bundle, {}, make_script_engine())
    task = _advance(case_bundle, workflow, data, element_id)
    assert task.meta.process_id == process_id
    text = serializer.dumps_state(workflow)
    del workflow

    restored = serializer.load_state(case_bundle, text, make_script_engine())
    (again,) = runtime.ready_tasks(case_bundle, restored)
    assert (again.id, again.meta.process_id, again.meta.element_id) == (task.id, process_id, element_id)
    assert again.data == task.data
    assert again.role == task.role
    # the restored state serializes to the very same text
    assert serializer.dumps_state(restored) == text
    # and the restored workflow goes on from there
    runtime.complete(restored, again.id, data[element_id][-1])
    assert all(t.id != again.id for t in runtime.ready_tasks(case_bundle, restored))


def test_restored_workflow_uses_the_given_script_engine(case_bundle, answers):
    workflow, _ = runtime.start(case_bundle, {}, make_script_engine())
    engine = make_script_engine()
    restored = serializer.load_state(case_bundle, serializer.dumps_state(workflow), engine)
    assert restored.script_engine is engine


def test_load_state_accepts_a_dict_and_leaves_it_alone(case_bundle, answers):
    workflow, _ = runtime.start(case_bundle, {}, make_script_engine())
    _advance(case_bundle, workflow, answers(), "task_proposal")
    state = serializer.dump_state(workflow)
    snapshot = serializer.dumps_state(workflow)
    restored = serializer.load_state(case_bundle, state, make_script_engine())
    assert serializer.dumps_state(restored) == snapshot
    restored_again = serializer.load_state(case_bundle, state, make_script_engine())
    assert serializer.dumps_state(restored_again) == snapshot
    handed_over = serializer.load_state(case_bundle, serializer.dump_state(workflow), make_script_engine(),
                                        consume=True)
    assert serializer.dumps_state(handed_over) == snapshot


def test_the_review_overdue_timer_survives_a_restore(case_bundle, answers):
    data = answers(major=True)
    workflow, _ = runtime.start(case_bundle, {}, make_script_engine())
    review = _advance(case_bundle, workflow, data, "task_legal_review")
    timers = runtime.waiting_timers(workflow)
    assert len(timers) == 1
    assert timers[0].astimezone(BEIJING).date().isoformat() == review.data["review_due"]
    restored = serializer.load_state(case_bundle, serializer.dumps_state(workflow), make_script_engine())
    assert runtime.waiting_timers(restored) == timers
