"""A diagram whose scripts and gateways loop among themselves without ever waiting fails its task with 422 naming
the element, instead of spinning in the server (each step is cheap; the engine's step budget stops the loop)."""
from __future__ import annotations

from tests.api.helpers import fixture, one_lane_bpmn, upload

KEY = "endless_loop_probe"
DIAGRAM = one_lane_bpmn(KEY, "无限循环（测试）", ["start", "task_note", "task_count", "gw_again", "end"], """\
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="task_note" name="登记">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="fixture_note" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:scriptTask id="task_count" name="计数">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:incoming>f_again</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>rounds = 1</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw_again" name="再来一次？" default="f_end">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f_again</bpmn:outgoing><bpmn:outgoing>f_end</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:endEvent id="end"><bpmn:incoming>f_end</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task_note" />
    <bpmn:sequenceFlow id="f2" sourceRef="task_note" targetRef="task_count" />
    <bpmn:sequenceFlow id="f3" sourceRef="task_count" targetRef="gw_again" />
    <bpmn:sequenceFlow id="f_again" sourceRef="gw_again" targetRef="task_count">
      <bpmn:conditionExpression>rounds == 1</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_end" sourceRef="gw_again" targetRef="end" />
""")


def test_a_loop_without_a_wait_state_fails_its_task_and_changes_nothing(http):
    resp = upload(http, "/api/v1/definitions", {f"{KEY}.bpmn": DIAGRAM.encode(),
                                                "fixture_note.form": fixture("fixture_note.form")})
    assert resp.status_code == 201, resp.get_json()
    iid = http.start(KEY)["id"]
    before = http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json()
    task = http.open_task(iid, "task_note")
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": {"note": "x"}})
    assert resp.status_code == 422, resp.get_json()
    body = resp.get_json()
    assert body["errors"]["element_id"] in ("task_count", "gw_again") and "engine steps" in body["message"]
    assert http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json() == before
    assert [t["element_id"] for t in http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()["tasks"]] \
        == ["task_note"]
