"""The fast tree walk finds the same tasks in the same order as SpiffWorkflow's own iterator (the views and the
ready-task queries of every step use it; a replay must see what the live step saw)."""
from __future__ import annotations

from SpiffWorkflow.task import Task, TaskState

from engine import runtime, snapshots
from engine.scripting import make_script_engine
from engine.walk import iterator_ready_tasks, ready_user_tasks, tasks_in_order
from tests.engine.conftest import _data_for


def _reference_elements(workflow) -> list[list[str]]:
    """The element walk as it was written before the fast walk (recursive, through ``task.children``)."""
    out: list[list[str]] = []

    def walk(task: Task) -> None:
        if not snapshots._is_internal(task.task_spec.name):
            out.append([task.workflow.spec.name, task.task_spec.name, TaskState.get_name(task.state)])
        sub = workflow.subprocesses.get(task.id)
        if sub is not None:
            walk(sub.task_tree)
        for child in task.children:
            walk(child)

    walk(workflow.task_tree)
    return out


def _check(workflow) -> None:
    assert snapshots.element_states(workflow) == _reference_elements(workflow)
    assert ready_user_tasks(workflow) == workflow.get_tasks(state=TaskState.READY, manual=True)
    for wf in (workflow, *workflow.subprocesses.values()):  # what do_engine_steps asks after every step
        assert wf.get_tasks(state=TaskState.READY) == iterator_ready_tasks(wf)
    every = list(tasks_in_order(workflow))
    assert len(every) == len(workflow.tasks) + sum(len(s.tasks) for s in workflow.subprocesses.values())


def test_walk_matches_spiffworkflow_through_loops_and_a_rewind(case_bundle, answers):
    plan = answers(review_rounds=4)
    workflow, _ = runtime.start(case_bundle, {}, make_script_engine())
    visits: dict[str, int] = {}
    _check(workflow)
    for step in range(60):
        ready = runtime.ready_tasks(case_bundle, workflow)
        if not ready:
            break
        task = ready[0]
        runtime.complete(workflow, task.id, _data_for(task, plan, visits, case_bundle))
        _check(workflow)
        if step == 14:
            runtime.rewind(workflow, "task_investigation")
            _check(workflow)
    assert workflow.is_completed()
