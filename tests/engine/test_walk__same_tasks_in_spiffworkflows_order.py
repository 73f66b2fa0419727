"""The fast tree walk finds the same tasks in the same order as SpiffWorkflow's own iterator (the views and the
ready-task queries of every step use it; a replay must see what the live step saw)."""
from __future__ import annotations

from SpiffWorkflow.task import Task, TaskState

from engine import runtime, snapshots, walk
from engine.scripting import make_script_engine
from engine.walk import definite_tasks, iterator_ready_tasks, ready_user_tasks, tasks_in_order
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
    for task in every:  # the joins' ancestry question, against SpiffWorkflow's recursive answer
        for other in {id(t): t for t in (workflow.task_tree, task.parent, every[len(every) // 2], every[-1])
                      if t is not None}.values():
            assert task.is_descendant_of(other) == walk._original_is_descendant_of(task, other)
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


def _searched_at_review(case_bundle, answers, rounds: int) -> tuple[int, int]:
    """(tasks the definite search looks at, tasks in the tree) when the legal review is ready for the last time."""
    plan = answers(review_rounds=rounds)
    workflow, _ = runtime.start(case_bundle, {}, make_script_engine())
    visits: dict[str, int] = {}
    reviews = 0
    while True:
        ready = runtime.ready_tasks(case_bundle, workflow)
        task = ready[0]
        if task.meta.element_id == "task_legal_review":
            reviews += 1
            if reviews == rounds:
                searched = len(list(definite_tasks(workflow)))
                total = len(list(tasks_in_order(workflow)))
                return searched, total
        runtime.complete(workflow, task.id, _data_for(task, plan, visits, case_bundle))


def test_the_search_for_ready_tasks_does_not_grow_with_a_looping_history(case_bundle, answers):
    """Counted, not timed: what the engine's searches after every step look at is the same after 2 and after 12
    review rounds, while the tree grows with every round (the settled history is skipped)."""
    short_searched, short_total = _searched_at_review(case_bundle, answers, 2)
    long_searched, long_total = _searched_at_review(case_bundle, answers, 12)
    assert long_total > short_total + 50
    assert long_searched == short_searched, (short_searched, long_searched)
    assert long_searched < short_total


def test_a_rewind_into_the_settled_history_is_seen_by_the_next_search(case_bundle, answers):
    """The marks of what was settled are forgotten when a rewind reopens it: the rewound task is found ready."""
    plan = answers(review_rounds=3)
    workflow, _ = runtime.start(case_bundle, {}, make_script_engine())
    visits: dict[str, int] = {}
    for _ in range(12):
        task = runtime.ready_tasks(case_bundle, workflow)[0]
        runtime.complete(workflow, task.id, _data_for(task, plan, visits, case_bundle))
    list(definite_tasks(workflow))  # marks the settled history
    runtime.rewind(workflow, "task_recusal")
    assert [t.task_spec.name for t in ready_user_tasks(workflow)] == ["task_recusal"]
    assert ready_user_tasks(workflow) == workflow.get_tasks(state=TaskState.READY, manual=True)
    _check(workflow)


def _iterated_at_last_review(case_bundle, answers, monkeypatch, rounds: int) -> tuple[int, int]:
    """(tasks SpiffWorkflow's own iterator visits while the last legal review is completed, tasks in the tree)."""
    from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
    from SpiffWorkflow.util.task import TaskIterator

    plan = answers(review_rounds=rounds)
    workflow, _ = runtime.start(case_bundle, {}, make_script_engine())
    visits: dict[str, int] = {}
    reviews = 0
    while True:
        task = runtime.ready_tasks(case_bundle, workflow)[0]
        if task.meta.element_id == "task_legal_review":
            reviews += 1
            if reviews == rounds:
                break
        runtime.complete(workflow, task.id, _data_for(task, plan, visits, case_bundle))
    seen = [0]
    for iterator in (TaskIterator, BpmnTaskIterator):  # a task visited: each has its own _next
        def counting(self, original=iterator._next):  # noqa: ANN001, ANN202
            seen[0] += 1
            return original(self)

        monkeypatch.setattr(iterator, "_next", counting)
    monkeypatch.setattr(walk, "_CHECK_WALKS", [False])  # the suite's cross-checks run SpiffWorkflow's iterator
    runtime.complete(workflow, task.id, _data_for(task, plan, visits, case_bundle))
    monkeypatch.undo()
    return seen[0], len(list(tasks_in_order(workflow)))


def test_a_step_that_ends_a_subprocess_does_not_walk_the_whole_history(case_bundle, answers, monkeypatch):
    """Counted, not timed: the review that passes ends subprocesses, and on each end SpiffWorkflow (1) asks whether
    any other task of the process is unfinished by walking its whole tree and (2) builds a log record's extras with
    every task id of the tree when its logger's level is unset (below INFO), a record then dropped. The tasks its
    own iterator visits during the step must be the same after 2 and after 12 rounds."""
    short_seen, short_total = _iterated_at_last_review(case_bundle, answers, monkeypatch, 2)
    long_seen, long_total = _iterated_at_last_review(case_bundle, answers, monkeypatch, 12)
    assert long_total > short_total + 50
    assert long_seen == short_seen, (short_seen, long_seen, short_total, long_total)
