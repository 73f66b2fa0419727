"""A workflow saved as a header plus the task entries that changed rebuilds to exactly the same workflow, and a
step writes as many entries however long the history (the legal review sent back many times)."""
from __future__ import annotations

from uuid import UUID

from engine import runtime, serializer
from engine.scripting import make_script_engine
from engine.tracker import ChangeTracker, tracker_of
from tests.engine.conftest import _data_for


class Store:
    """What the database keeps: the header and one entry per task (with its ordinal)."""

    def __init__(self) -> None:
        self.head: dict = {}
        self.rows: dict[UUID, tuple[str, int, dict]] = {}

    def save(self, workflow) -> int:
        tracker = tracker_of(workflow) or ChangeTracker(workflow, None, 0)
        before = serializer.COUNTER.entries
        changes = tracker.changes()
        if changes.full:
            self.rows.clear()
        for task_id in changes.delete:
            self.rows.pop(task_id, None)
        for key, task, ordinal in changes.write:
            self.rows[task.id] = (key, ordinal, serializer.dump_task(task))
        self.head = {**serializer.dump_header(workflow), "next_ordinal": tracker.next_ordinal}
        tracker.saved(changes)
        return serializer.COUNTER.entries - before

    def load(self, bundle):
        tasks: dict[str, list] = {}
        for task_id, (key, _, entry) in sorted(self.rows.items(), key=lambda item: item[1][1]):
            tasks.setdefault(key, []).append((str(task_id), entry))
        workflow = serializer.load_state(bundle, serializer.assemble(self.head, tasks), make_script_engine())
        ChangeTracker(workflow, {task_id: row[1] for task_id, row in self.rows.items()}, self.head["next_ordinal"])
        return workflow


def test_cold_load_equals_hot_and_entries_per_step_stay_flat(case_bundle, answers):
    rounds = 12
    plan = answers(review_rounds=rounds)
    workflow, _ = runtime.start(case_bundle, {}, make_script_engine())
    store = Store()
    store.save(workflow)
    visits: dict[str, int] = {}
    written: dict[str, list[int]] = {}
    for step in range(200):
        ready = runtime.ready_tasks(case_bundle, workflow)
        if not ready:
            break
        task = ready[0]
        runtime.complete(workflow, task.id, _data_for(task, plan, visits, case_bundle))
        count = store.save(workflow)
        written.setdefault(task.meta.element_id, []).append(count)
        if step % 5 == 4:  # now and then another process loads it cold
            cold = store.load(case_bundle)
            assert serializer.dumps_state(cold) == serializer.dumps_state(workflow)
            workflow = cold
    assert workflow.is_completed()
    assert serializer.dumps_state(store.load(case_bundle)) == serializer.dumps_state(workflow)
    reviews, fixes = written["task_legal_review"], written["task_fix_resubmit"]
    assert len(reviews) == rounds and len(fixes) == rounds - 1
    # every round of the loop writes as many entries as the second one (the first may differ: the loop's
    # first pass also creates what later rounds reuse); the last review (agreed) leaves the loop
    assert set(reviews[1:-1]) == {reviews[1]}, reviews
    assert set(fixes[1:]) == {fixes[1]}, fixes


def test_a_rewind_and_a_data_edit_are_saved_too(case_bundle, answers):
    plan = answers(review_rounds=3)
    workflow, _ = runtime.start(case_bundle, {}, make_script_engine())
    store = Store()
    store.save(workflow)
    visits: dict[str, int] = {}
    for _ in range(9):
        task = runtime.ready_tasks(case_bundle, workflow)[0]
        runtime.complete(workflow, task.id, _data_for(task, plan, visits, case_bundle))
        store.save(workflow)
    runtime.edit_data(workflow, {"case_title": "改正后的案件名称"})
    store.save(workflow)
    assert serializer.dumps_state(store.load(case_bundle)) == serializer.dumps_state(workflow)
    runtime.rewind(workflow, "task_investigation")
    store.save(workflow)
    cold = store.load(case_bundle)
    # after a reset SpiffWorkflow keeps a subprocess's last_task pointing at a removed task, which no load
    # restores: the reference is the whole state dumped and loaded the way it always was
    whole = serializer.load_state(case_bundle, serializer.dumps_state(workflow), make_script_engine())
    assert serializer.dumps_state(cold) == serializer.dumps_state(whole)
    assert [t.meta.element_id for t in runtime.ready_tasks(case_bundle, cold)] == ["task_investigation"]
