"""A hostile diagram script fails its task with 422 naming the element and line; the server answers others
meanwhile; the instance stays where it was, its history is untouched and its audit verify still passes."""
from __future__ import annotations

import threading
import time
from xml.sax.saxutils import escape

import pytest

from engine import sandbox
from tests.api.helpers import fixture, one_lane_bpmn, upload

#: a template: ``deploy`` fills in ``{key}`` and ``{script}``
DIAGRAM = one_lane_bpmn("{key}", "恶意脚本（测试）", ["start", "task_note", "task_hostile", "task_after", "end"], """\
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="task_note" name="登记">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="fixture_note" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:scriptTask id="task_hostile" name="脚本">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="task_after" name="之后">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="fixture_note" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task_note" />
    <bpmn:sequenceFlow id="f2" sourceRef="task_note" targetRef="task_hostile" />
    <bpmn:sequenceFlow id="f3" sourceRef="task_hostile" targetRef="task_after" />
    <bpmn:sequenceFlow id="f4" sourceRef="task_after" targetRef="end" />
""")

#: key -> (script, what the error says, the script line it names)
HOSTILE = {
    "hostile_loop": ("n = 0\nwhile True:\n    n = n + 1", "time limit", {2, 3}),
    "hostile_power": ("x = 10 ** 10 ** 10", "time limit", {1}),
    "hostile_string": ('note_copy = note\ns = "x" * (2 * 1024 ** 3)', "memory limit", {2}),
    "hostile_ljust": ('s = "a".ljust(2 ** 31)', "memory limit", {1}),
    "hostile_width": ("s = f\"{'a':>2000000000}\"", "memory limit", {1}),
    "hostile_percent": ('s = "%2000000000d" % 1', "memory limit", {1}),
}
_deployed: set[str] = set()


def deploy(http, key: str, script: str) -> None:
    if key in _deployed:
        return
    files = {f"{key}.bpmn": DIAGRAM.format(key=key, script=escape(script)).encode(),
             "fixture_note.form": fixture("fixture_note.form")}
    resp = upload(http, "/api/v1/definitions", files)
    assert resp.status_code == 201, resp.get_json()
    _deployed.add(key)


def snapshot(http, iid: int) -> tuple:
    body = http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()
    history = http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
    events = [(e["seq"], e["type"], e["hash"]) for e in (history if isinstance(history, list) else history["events"])]
    return [t["element_id"] for t in body["tasks"]], body["data"], events


def check_untouched(http, iid: int, before: tuple) -> None:
    tasks, data, events = snapshot(http, iid)
    assert tasks == before[0] == ["task_note"]
    assert data == before[1]
    assert events[: len(before[2])] == before[2]  # nothing recorded is lost or changed
    assert not [e for e in events[len(before[2]):] if e[1].startswith(("task_completed", "engine_"))]
    verify = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()
    assert verify["ok"] is True, verify


@pytest.mark.parametrize("key", sorted(HOSTILE))
def test_a_hostile_script_fails_the_task_with_its_element_and_line(http, key):
    script, says, lines = HOSTILE[key]
    deploy(http, key, script)
    iid = http.start(key)["id"]
    before = snapshot(http, iid)
    task = http.open_task(iid, "task_note")
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": {"note": "记录"}})
    body = resp.get_json()
    assert resp.status_code == 422, body
    assert body["code"] == 422 and says in body["message"], body
    assert body["errors"]["element_id"] == "task_hostile"
    assert body["errors"]["line"] in lines, body
    check_untouched(http, iid, before)


def test_others_are_answered_while_a_hostile_script_runs(http, app, monkeypatch):
    monkeypatch.setattr(sandbox, "LIMITS", sandbox.Limits(time_seconds=3.0))
    key = "hostile_power"
    deploy(http, key, HOSTILE[key][0])
    iid = http.start(key)["id"]
    before = snapshot(http, iid)
    task = http.open_task(iid, "task_note")
    headers = {"Authorization": f"Bearer {http.token('officer1')}"}
    auditor = {"Authorization": f"Bearer {http.token('auditor1')}"}
    answers: dict = {}

    def hostile() -> None:
        resp = app.test_client().post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"note": "x"}},
                                      headers=headers)
        answers["hostile"] = (resp.status_code, resp.get_json())

    busy = sandbox.pool().busy
    thread = threading.Thread(target=hostile, daemon=True)
    thread.start()
    for _ in range(2000):  # until the hostile script is running in a sandbox worker
        if sandbox.pool().busy > busy or not thread.is_alive():
            break
        time.sleep(0.005)
    me = app.test_client().get("/api/v1/me", headers=auditor)
    still_running = thread.is_alive() and sandbox.pool().busy > busy
    thread.join(60)
    assert me.status_code == 200 and me.get_json()["username"] == "auditor1"
    assert still_running, "the hostile script had already finished: nothing shows the server answered meanwhile"
    status, body = answers["hostile"]
    assert status == 422 and "time limit" in body["message"], body
    check_untouched(http, iid, before)


#: scripts that write SpiffWorkflow's serializer marker into case data, by a name, a built key, a nested value
MARKER = {
    "marker_built_key": 'd = {}\nd["type" + "name"] = "BpmnWorkflow"\nreport = d',
    "marker_nested": 'inner = {}\ninner["typename".lower()] = "x"\nreport = {"a": 1}\nreport["a"] = inner',
}


@pytest.mark.parametrize("key", sorted(MARKER))
def test_a_script_writing_the_serializer_marker_is_refused_and_stores_nothing(http, key):
    deploy(http, key, MARKER[key])
    iid = http.start(key)["id"]
    before = snapshot(http, iid)
    task = http.open_task(iid, "task_note")
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": {"note": "记录"}})
    body = resp.get_json()
    assert resp.status_code == 422, body
    assert "typename" in body["message"] and "reserved" in body["message"], body
    check_untouched(http, iid, before)
    # the case still loads and its first task can still be worked (the saved state was never touched)
    assert http.open_task(iid, "task_note")["id"] == task["id"]
