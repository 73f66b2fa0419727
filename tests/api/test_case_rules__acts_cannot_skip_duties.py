"""On-site duties (APL 55) cannot be skipped (rule on_site_duties): a document "issued" as invisible characters
(zero-width, format, control or space characters only) is no document; a deployed user task whose form records
the duties is an enforcement act — the deploy is refused naming the task and its line unless it carries an
actKind, and a task that slipped through without one (deployed before the lint) is treated as an act at run time:
duties, two certified officers (APL 42) and an audio/video record."""
from __future__ import annotations

import pytest

import engine.lint
from tests import cases as c
from tests.api.evidence_support import MP4, av_meta, checkout, media, new_device
from tests.api.evidence_support import upload as upload_evidence
from tests.api.helpers import one_lane_bpmn, upload
from tests.api.walk import Acts, open_ids

#: a template: the tests fill in ``{pid}``
NOACT = one_lane_bpmn("{pid}", "未声明执法行为", ["start", "task_investigation", "end"], """\
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="task_investigation" name="调查取证">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="investigation" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task_investigation" />
    <bpmn:sequenceFlow id="f2" sourceRef="task_investigation" targetRef="end" />
""", properties={"startData": "officers"}, lane_set_id="lanes")
TASK_LINE = NOACT.splitlines().index('    <bpmn:userTask id="task_investigation" name="调查取证">') + 1


def _refused(resp, rule: str) -> str:
    body = resp.get_json()
    assert resp.status_code == 403 and body["errors"]["rule"] == rule, body
    return body["message"]


@pytest.mark.parametrize("invisible", ["\u200b", "\u200b\u200c\u200d\u2060\ufeff", "\u3000\u00a0 \t\n",
                                       "\u200e\u202e\u2028", "\x00\x1f"])
def test_an_invisible_document_is_no_document_APL_55(http, invisible):
    acts = Acts(http)
    iid = http.start("enforcement_case")["id"]
    acts.complete(iid, "task_register", c.REGISTER)
    acts.complete(iid, "task_recusal", c.RECUSAL_NONE)
    task = http.open_task(iid, "task_record_start")
    acts.attach_av(iid, task)
    data = {**c.RECORD_START, "duty_document_issued": invisible}
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": data})
    if resp.status_code in (400, 422):  # refused before the rule (a NUL in any request, a control character in the
        # form): also not recorded
        assert any("duty_document_issued" in key for key in resp.get_json()["errors"]), resp.get_json()
    else:
        assert "duty_document_issued" in _refused(resp, "on_site_duties")
    assert http.open_task(iid, "task_record_start")["state"] == "ready"


def test_a_task_recording_the_duties_without_actkind_is_refused_at_deploy_APL_55(http):
    resp = upload(http, "/api/v1/definitions", {"noact_case.bpmn": NOACT.format(pid="noact_case").encode()})
    assert resp.status_code == 400, resp.get_json()
    problems = [p for p in resp.get_json()["errors"]["problems"] if "actKind" in p["message"]]
    assert [(p["file"], p["element_id"], p["line"]) for p in problems] == [
        ("noact_case.bpmn", "task_investigation", TASK_LINE)]
    assert "duty_" in problems[0]["message"]
    assert http.call("GET", "/api/v1/definitions/noact_case", "owner1").status_code == 404


def test_a_task_recording_the_duties_without_actkind_is_an_act_at_run_time_APL_55(http, monkeypatch):
    """A diagram deployed before the lint: the service treats the task as an act all the same."""
    monkeypatch.setattr(engine.lint, "_lint_act_task", lambda *args: None)
    resp = upload(http, "/api/v1/definitions", {"noact_old.bpmn": NOACT.format(pid="noact_old").encode()})
    assert resp.status_code == 201, resp.get_json()
    iid = http.start("noact_old", {"officers": ["officer1"]})["id"]
    task = http.open_task(iid, "task_investigation")
    url = f"/api/v1/tasks/{task['id']}/complete"
    bare = {"investigation_record": "现场检查笔录一份。", "evidence_list": "照片3张"}
    message = _refused(http.call("POST", url, "officer1", json={"data": bare}), "on_site_duties")
    assert "duty_certificates_shown" in message and "duty_document_issued" in message
    _refused(http.call("POST", url, "officer1", json={"data": c.INVESTIGATION}), "two_officers")  # one officer
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {"officers": ["officer1", "officer2"]}, "reason": "补充执法人员"})
    assert resp.status_code == 200, resp.get_json()
    _refused(http.call("POST", url, "officer1", json={"data": c.INVESTIGATION}), "av_required")
    device = new_device(http)
    checkout(http, device, "officer1")
    resp = upload_evidence(http, iid, media(MP4), "act.mp4", av_meta(device, task_id=task["id"]))
    assert resp.status_code == 201, resp.get_json()
    result = http.call("POST", url, "officer1", json={"data": c.INVESTIGATION})
    assert result.status_code == 200 and open_ids(result.get_json()) == [], result.get_json()
