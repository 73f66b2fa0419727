"""Moving a workflow onto a new version keeps its open tasks as they are: the same task ids, their data (a data
edit made on them included) and their timers' fire times (a 7-day timer does not restart at the move)."""
from __future__ import annotations

import time

from engine import migration, runtime
from engine.calendar import WorkingCalendar
from engine.scripting import make_script_engine
from engine.specs import build_bundle

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="http://x">
  <bpmn:process id="waiting_case" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="task_wait" name="等待答复"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:boundaryEvent id="timer_overdue" name="超期" cancelActivity="false" attachedToRef="task_wait">
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="td"><bpmn:timeDuration>"P7D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:userTask id="task_remind" name="督办"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end_remind"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task_wait"/>
    <bpmn:sequenceFlow id="f3" sourceRef="timer_overdue" targetRef="task_remind"/>
    <bpmn:sequenceFlow id="f4" sourceRef="task_remind" targetRef="end_remind"/>
    {after}
  </bpmn:process>
</bpmn:definitions>"""
V1 = ('<bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>'
      '<bpmn:sequenceFlow id="f2" sourceRef="task_wait" targetRef="end"/>')
V2 = ('<bpmn:userTask id="task_close" name="结案"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>'
      '</bpmn:userTask><bpmn:endEvent id="end"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>'
      '<bpmn:sequenceFlow id="f2" sourceRef="task_wait" targetRef="task_close"/>'
      '<bpmn:sequenceFlow id="f5" sourceRef="task_close" targetRef="end"/>')


def _bundle(after: str):
    return build_bundle("waiting_case", {"waiting_case.bpmn": BPMN.format(after=after).encode()})


def test_open_tasks_keep_their_ids_data_and_timers_and_the_new_task_follows():
    old, new = _bundle(V1), _bundle(V2)
    workflow, _ = runtime.start(old, {"party_name": "张三"}, make_script_engine(WorkingCalendar(), sandboxed=False))
    runtime.edit_data(workflow, {"party_name": "张三（更正）"})
    [ready] = runtime.ready_tasks(old, workflow)
    timers = runtime.waiting_timers(workflow)
    assert len(timers) == 1
    time.sleep(0.01)  # a timer computed again now would fire later than the recorded one

    plan = migration.migrate(workflow, old, new)

    assert plan.added == [("waiting_case", "task_close", "结案")]
    assert runtime.waiting_timers(workflow) == timers
    [moved] = runtime.ready_tasks(new, workflow)
    assert moved.id == ready.id and moved.data["party_name"] == "张三（更正）"
    runtime.complete(workflow, moved.id, {})
    assert [t.meta.element_id for t in runtime.ready_tasks(new, workflow)] == ["task_close"]


def test_a_removed_open_task_refuses_and_leaves_the_workflow_unchanged():
    old = _bundle(V1)
    new = build_bundle("waiting_case", {"waiting_case.bpmn": BPMN.format(after=V1).replace(
        'id="task_wait" name="等待答复"', 'id="task_answer" name="答复"').replace(
        'attachedToRef="task_wait"', 'attachedToRef="task_answer"').replace(
        'targetRef="task_wait"', 'targetRef="task_answer"').replace('sourceRef="task_wait"', 'sourceRef="task_answer"')
        .encode()})
    workflow, _ = runtime.start(old, {}, make_script_engine(WorkingCalendar(), sandboxed=False))
    before = runtime.ready_tasks(old, workflow)
    try:
        migration.migrate(workflow, old, new)
    except migration.MigrationRefused as exc:
        assert [(p.kind, p.element_id) for p in exc.problems][0] == ("removed", "task_wait"), exc.problems
    else:
        raise AssertionError("the move was not refused")
    assert workflow.spec is old.spec and runtime.ready_tasks(old, workflow)[0].id == before[0].id


def test_boundary_events_attached_to_the_open_task_refuse_the_move():
    without = BPMN.format(after=V1)
    for piece in ('<bpmn:boundaryEvent', '<bpmn:userTask id="task_remind"', '<bpmn:endEvent id="end_remind"'):
        start = without.index(piece)
        closing = {"<bpmn:boundaryEvent": "</bpmn:boundaryEvent>", '<bpmn:userTask id="task_remind"': "</bpmn:userTask>",
                   '<bpmn:endEvent id="end_remind"': "</bpmn:endEvent>"}[piece]
        without = without[:start] + without[without.index(closing, start) + len(closing):]
    without = "\n".join(line for line in without.splitlines() if 'id="f3"' not in line and 'id="f4"' not in line)
    old, new = build_bundle("waiting_case", {"waiting_case.bpmn": without.encode()}), _bundle(V1)
    workflow, _ = runtime.start(old, {}, make_script_engine(WorkingCalendar(), sandboxed=False))
    [problem] = migration.plan(workflow, old, new).problems
    assert (problem.kind, problem.element_id, problem.fields) == ("changed", "task_wait", ["boundary events"])
