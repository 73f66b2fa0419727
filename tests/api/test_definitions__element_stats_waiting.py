"""Per-element figures: a case the engine holds at an intermediate catch event (here a seven-day timer) has no
task row, yet it is *at* that element — counted active there, and passed once the event fires; a case still at
the task before it is counted there, not at the timer."""
from __future__ import annotations

from datetime import timedelta

from tests.api.helpers import beijing, fixture, one_lane_bpmn, upload

KEY = "stats_waiting_timer"
DIAGRAM = one_lane_bpmn(KEY, "等待期限（测试）", ["start", "task_note", "wait_week", "task_after", "end"], """\
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="task_note" name="登记">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="fixture_note" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:intermediateCatchEvent id="wait_week" name="等待七日">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_week_timer">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P7D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="task_after" name="期满处理">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="fixture_note" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task_note" />
    <bpmn:sequenceFlow id="f2" sourceRef="task_note" targetRef="wait_week" />
    <bpmn:sequenceFlow id="f3" sourceRef="wait_week" targetRef="task_after" />
    <bpmn:sequenceFlow id="f4" sourceRef="task_after" targetRef="end" />
""", xsi=True)


def _figures(http) -> dict[str, tuple[int, int]]:
    version = http.call("GET", f"/api/v1/definitions/{KEY}", "owner1").get_json()[0]["version"]
    resp = http.call("GET", f"/api/v1/definitions/{KEY}/versions/{version}/stats", "owner1")
    assert resp.status_code == 200, resp.get_json()
    return {e["element_id"]: (e["active"], e["passed"]) for e in resp.get_json()["elements"]}


def test_a_case_waiting_at_a_timer_is_at_the_timer_until_it_fires(http, app, pin):
    from api.services.timers import fire

    resp = upload(http, "/api/v1/definitions", {f"{KEY}.bpmn": DIAGRAM.encode(),
                                                "fixture_note.form": fixture("fixture_note.form")})
    assert resp.status_code == 201, resp.get_json()
    start = beijing(2026, 11, 2, 9)
    pin(start)
    waiting, before = http.start(KEY)["id"], http.start(KEY)["id"]
    task = http.open_task(waiting, "task_note")
    done = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": {"note": "记录"}})
    assert done.status_code == 200, done.get_json()
    figures = _figures(http)
    assert figures["wait_week"] == (1, 0), figures  # the waiting case, and only it
    assert figures["task_note"] == (1, 1), figures  # the other case is still at the task
    assert before != waiting
    later = start + timedelta(days=8)
    pin(later)
    with app.app_context():
        assert fire(waiting, later) >= 1  # this case's timer only: other tests' cases stay as they are
    figures = _figures(http)
    assert figures["wait_week"] == (0, 1), figures
    assert figures["task_after"][0] == 1, figures
