"""The fast walk (engine/walk.py) against SpiffWorkflow's own searches on small diagrams built to stress it
(tests/engine/walk_shapes/): loops through every kind of gateway, boundary timers, an event-based gateway, a call
activity and an embedded subprocess in a loop, multi-instance tasks, a terminate end event, rewinds into the
settled history, a deep loop, and a hot workflow against its serialized (cold, unmarked) copy.

SANXIANG_CHECK_WALKS=1 (tests/conftest.py) makes every fast search assert itself equal to SpiffWorkflow's; on top
of that each operation is followed by :func:`_check` (the element list and the ready tasks, by a reference walk)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from SpiffWorkflow.task import TaskState

from engine import clock, replay, runtime, serializer, snapshots
from engine.errors import ScriptError
from engine.replay import Recorded, RecordedView
from engine.scripting import make_script_engine
from engine.specs import SpecBundle, build_bundle
from engine.walk import iterator_ready_tasks, ready_user_tasks, tasks_in_order
from tests.engine.test_walk__same_tasks_in_spiffworkflows_order import _check

SHAPES = Path(__file__).parent / "walk_shapes"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _bundle(name: str) -> SpecBundle:
    path = SHAPES / f"{name}.bpmn"
    return build_bundle(name, {path.name: path.read_bytes()})


def _light_check(workflow) -> None:
    """:func:`_check` without its recursive reference walk and its ancestry part (for a tree deeper than Python's
    stack; the element list checks itself against :func:`tasks_in_order` under SANXIANG_CHECK_WALKS)."""
    snapshots.element_states(workflow)
    assert ready_user_tasks(workflow) == workflow.get_tasks(state=TaskState.READY, manual=True)
    for wf in (workflow, *workflow.subprocesses.values()):
        assert wf.get_tasks(state=TaskState.READY) == iterator_ready_tasks(wf)


class Driver:
    """One workflow (and, optionally, its serialized copy driven alongside) moved by named operations, each
    followed by a check; the clock moves one minute per operation."""

    def __init__(self, name: str, twin: bool = False, check=_check) -> None:
        self.bundle = _bundle(name)
        self.now = T0
        self.check = check
        with clock.fixed(self.now):
            self.workflow, _ = runtime.start(self.bundle, {}, make_script_engine())
        self.twin = twin
        self.workflows = [self.workflow]
        self._after()

    def _after(self) -> None:
        self.now += timedelta(minutes=1)
        for wf in self.workflows:
            self.check(wf)
        if len(self.workflows) == 2:
            hot, cold = self.workflows
            assert snapshots.element_states(hot) == snapshots.element_states(cold)
            assert [t.task_spec.name for t in ready_user_tasks(hot)] == [t.task_spec.name for t in ready_user_tasks(cold)]

    def cool(self) -> None:
        """Drive a serialized copy of the (marked) workflow alongside it from now on."""
        list(tasks_in_order(self.workflow))
        text = serializer.dumps_state(self.workflow)
        cold = serializer.load_state(self.bundle, text, make_script_engine())
        self.workflows = [self.workflow, cold]
        self._after()

    def ready(self) -> list[str]:
        return [t.meta.element_id for t in runtime.ready_tasks(self.bundle, self.workflow)]

    def complete(self, element_id: str, **data) -> None:
        index = self.ready().index(element_id)
        with clock.fixed(self.now):
            for wf in self.workflows:
                task = runtime.ready_tasks(self.bundle, wf)[index]
                runtime.complete(wf, task.id, dict(data))
        self._after()

    def rewind(self, element_id: str) -> None:
        with clock.fixed(self.now):
            for wf in self.workflows:
                runtime.rewind(wf, element_id)
        self._after()

    def later(self, hours: float) -> None:
        """Move the clock on and fire what is due."""
        self.now += timedelta(hours=hours)
        with clock.fixed(self.now):
            for wf in self.workflows:
                runtime.fire_timers(wf)
        self._after()

    def edit(self, **changes) -> None:
        for wf in self.workflows:
            runtime.edit_data(wf, changes)
        self._after()


def test_exclusive_loop_with_a_reminder_timer_and_rewinds_into_the_settled_history():
    run = Driver("walk_xor_loop")
    for i in range(24):
        if i % 5 == 2:
            run.later(2)  # the non-interrupting reminder fires: a branch beside the loop
            assert "task_reminded" in run.ready()
            if i % 10 == 2:
                run.complete("task_reminded")
        run.complete("task_a", again=True)
        if i == 12:
            run.rewind("task_reminded")  # back into an old, settled branch beside the loop
            run.complete("task_reminded")
        if i == 18:
            run.edit(note="edited")
    while "task_reminded" in run.ready():
        run.complete("task_reminded")
    run.complete("task_a", again=False)
    assert run.workflow.is_completed()


def test_parallel_and_inclusive_gateways_inside_a_loop():
    run = Driver("walk_parallel_loop")
    for i in range(10):
        order = ["task_c", "task_b"] if i % 2 else ["task_b", "task_c"]
        for element in order:
            run.complete(element, want_d=i % 3 == 0, again=False)
        expected = ["task_d"] if i % 3 == 0 else ["task_e"]  # the default flow only when no condition holds
        assert sorted(run.ready()) == expected
        for element in reversed(expected):
            run.complete(element, again=i < 9)
        if i == 6:
            run.rewind("task_b")
            run.complete("task_b")
            assert sorted(run.ready()) == ["task_e"]
            run.complete("task_e", again=True)
    assert run.workflow.is_completed()


def test_an_event_based_gateway_with_a_timer_and_a_message_inside_a_loop():
    run = Driver("walk_event_gateway")
    for i in range(12):
        run.complete("task_a", again=i < 11)
        run.later(0.5)  # not due yet
        run.later(1)  # the timer wins; the message branch is cancelled
    assert run.workflow.is_completed()


def test_a_call_activity_and_a_subprocess_in_a_loop_with_boundary_timers_and_a_rewind_into_them():
    run = Driver("walk_call_loop")
    for i in range(8):
        if i % 3 == 1:
            run.later(2)  # the interrupting timer cancels the called process
            if i == 4:  # no timer waits now: back into the last round's finished called process
                run.rewind("c_task")
                run.complete("c_task", inner=False)
                run.later(2)  # the reminder beside the embedded subprocess
                run.complete("task_emb_reminded")
                run.complete("e_task", again=True)
                run.later(2)
            run.complete("task_late")
        else:
            run.complete("c_task", inner=i % 2 == 0)
            if i % 2 == 0:
                run.complete("c_again")
        if i % 4 == 0:
            run.later(2)  # the reminder beside the embedded subprocess
            run.complete("task_emb_reminded")
        run.complete("e_task", again=True)
    run.complete("c_task", inner=False)
    run.complete("e_task", again=False)
    assert run.workflow.is_completed()


def test_multi_instance_tasks_in_a_loop():
    run = Driver("walk_multi_instance")
    for i in range(6):
        run.complete("task_par [child]")
        run.complete("task_par [child]")
        run.complete("task_seq [child]")
        run.complete("task_seq [child]", again=i < 5)
        if i == 3:
            run.rewind("task_seq [child]")
            run.complete("task_seq [child]", again=True)
            assert run.ready() == ["task_par [child]", "task_par [child]"]
    assert run.workflow.is_completed()


def test_a_terminate_end_event_cancels_a_long_looping_branch():
    run = Driver("walk_terminate")
    for _ in range(15):
        run.complete("task_loop", again=True)
    run.complete("task_stop")
    assert run.workflow.is_completed()
    assert not run.ready()


@pytest.mark.parametrize("name", ["walk_xor_loop", "walk_call_loop", "walk_parallel_loop"])
def test_a_marked_workflow_and_its_serialized_copy_go_on_alike(name):
    run = Driver(name)
    script = {
        "walk_xor_loop": [("task_a", {"again": True})] * 8,
        "walk_call_loop": [("c_task", {"inner": False}), ("e_task", {"again": True})] * 4,
        "walk_parallel_loop": [("task_b", {"want_d": False}), ("task_c", {"want_d": False}),
                               ("task_e", {"again": True})] * 4,
    }[name]
    for element, data in script:
        run.complete(element, **data)
    run.cool()
    for element, data in script:
        run.complete(element, **data)
    if name == "walk_parallel_loop":  # (the others have a timer waiting, which a rewind does not survive)
        run.rewind("task_b")
        run.complete("task_b")
        run.complete("task_e", again=False)
        assert all(wf.is_completed() for wf in run.workflows)


def test_a_loop_deeper_than_spiffworkflows_iterator_goes_is_refused_in_words():
    """Beyond depth 1000 SpiffWorkflow's iterator stops descending; the fast searches say what it says, and the
    step that would leave a ready task out of reach is refused naming it (the case would otherwise stall silently).

    walk_plain_loop_shifted adds three tasks a round; in round 332 its gateway ``merge`` is at depth 1000 (the
    deepest the iterator still yields and do_engine_steps runs) and makes ``task_a`` READY at depth 1001, where
    SpiffWorkflow's ``get_tasks(state=READY, manual=True)`` no longer looks."""
    run = Driver("walk_plain_loop_shifted", check=_light_check)
    rounds = 0
    with pytest.raises(ScriptError) as info:
        for _ in range(340):
            run.complete("task_a", again=True)
            rounds += 1
    assert 300 < rounds < 340
    assert info.value.element_id == "task_a"
    assert "deeper than the engine follows (1000)" in info.value.message
    assert _deepest(run.workflow) > 1000


def _deepest(workflow) -> int:
    stack, deepest = [(workflow.task_tree, 0)], 0
    while stack:
        task, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((c, depth + 1) for c in task.children)
    return deepest


def _recorded_history(name: str, moves: list[tuple[str, str, dict]]) -> tuple[SpecBundle, list[Recorded]]:
    """The events (with their views by content address) of a run of ``moves``: ("complete", element, data) or
    ("rewind", element, {})."""
    bundle = _bundle(name)
    events: list[Recorded] = []

    def add(kind: str, element: str | None, data: dict, records) -> None:
        for i, rec in enumerate(records):
            etype = kind if i == 0 else f"engine_{rec.type}"
            view = rec.view
            ref = RecordedView(snapshots.blob_ref(view["elements"])[0], snapshots.blob_ref(view["data"])[0],
                               lambda view=view: view)
            events.append(Recorded(len(events) + 1, etype, element if i == 0 else rec.element_id, None,
                                   data if i == 0 else {}, ref))

    workflow, records = runtime.start(bundle, {}, make_script_engine(), views=True)
    add("instance_started", None, {"data": {}}, records)
    for move, element, data in moves:
        if move == "complete":
            task = next(t for t in runtime.ready_tasks(bundle, workflow) if t.meta.element_id == element)
            add("task_completed", element, {"submitted": data}, runtime.complete(workflow, task.id, data, views=True))
        else:
            add("rewound", element, {}, runtime.rewind(workflow, element, views=True))
    return bundle, events


def test_verify_by_hashes_passes_an_untampered_looping_history_and_fails_a_changed_state():
    moves = [("complete", "task_b", {"want_d": False}), ("complete", "task_c", {"want_d": False}),
             ("complete", "task_e", {"again": True})] * 5
    moves += [("rewind", "task_b", {}), ("complete", "task_b", {"want_d": True}), ("complete", "task_d", {"again": False})]
    bundle, events = _recorded_history("walk_parallel_loop", moves)
    assert replay.replay(bundle, events, make_script_engine()).ok

    target = next(ev for ev in reversed(events) if ev.type == "engine_gateway")
    view = target.view.load()
    elements = [list(e) for e in view["elements"]]
    first_done = next(i for i, e in enumerate(elements) if e[2] == "COMPLETED" and e[1] == "task_b")
    elements[first_done][2] = "CANCELLED"  # a change deep in the settled history
    tampered = {"elements": elements, "data": view["data"]}
    target.view = RecordedView(snapshots.blob_ref(elements)[0], snapshots.blob_ref(view["data"])[0],
                               lambda: tampered)
    result = replay.replay(bundle, events, make_script_engine())
    assert not result.ok
    assert result.problem["seq"] == target.seq
    assert f"element #{first_done}" in result.problem["problem"]


def test_a_rewind_past_a_waiting_timer_leaves_no_orphan_timer_behind():
    """Rewinding task_a while its boundary timer waits removes the timer's task from the tree; the engine must
    forget it too (SpiffWorkflow's event manager kept it, and the next timer refresh failed on the orphan)."""
    run = Driver("walk_xor_loop")
    run.complete("task_a", again=True)
    run.complete("task_a", again=True)  # the boundary timer of the open task_a waits now
    waiting = list(run.workflow.event_manager.tasks.values())
    assert waiting, "the reminder timer should be waiting"
    run.rewind("task_a")
    for task in run.workflow.event_manager.tasks.values():
        assert task.workflow.tasks.get(task.id) is task, "an orphan timer stayed in the event manager"
    run.later(2)  # refreshes the timers: must not fail
    run.complete("task_a", again=False)
    while "task_reminded" in run.ready():
        run.complete("task_reminded")
    assert "task_a" not in run.ready()
