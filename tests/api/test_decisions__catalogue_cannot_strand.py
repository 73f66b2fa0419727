"""The review catalogue cannot strand a case (APL 58): a UNIQUE table whose rows overlap, or that leaves a
gap in a numeric range, is refused at validate/deploy naming the rows and lines; a business-rule task
whose catalogue has no matching row routes the case to legal review instead of failing at the gateway."""
from __future__ import annotations

import uuid
from pathlib import Path

from tests.api.helpers import upload

SHIPPED = (Path(__file__).resolve().parents[2] / "processes" / "major_decision.dmn").read_text(encoding="utf-8")


def _line_of(text: str, element_id: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if f'id="{element_id}"' in line)


def _renamed(text: str, suffix: str) -> str:
    """The shipped catalogue under another decision id, so a test never replaces the real one."""
    return text.replace('id="major_decision"', f'id="major_decision_{suffix}"')


def _problems(resp) -> list[dict]:
    assert resp.status_code == 400, resp.get_json()
    return resp.get_json()["errors"]["problems"]


def test_shipped_catalogue_passes_the_table_check__APL_58(http):
    resp = upload(http, "/api/v1/definitions/validate", {"major_decision.dmn": SHIPPED.encode()})
    assert resp.status_code == 200, resp.get_json()


def test_overlapping_rows_under_unique_are_refused_naming_rows_and_lines__APL_58(http):
    # the person threshold is lowered in one row only: 5000..9999 now hits two rows
    text = SHIPPED.replace("<text>&gt;= 10000</text>", "<text>&gt;= 5000</text>")
    suffix = uuid.uuid4().hex[:8]
    text = _renamed(text, suffix)
    for url in ("/api/v1/definitions/validate", "/api/v1/definitions"):
        problems = _problems(upload(http, url, {f"overlap_{suffix}.dmn": text.encode()}))
        overlaps = [p for p in problems if "overlap" in p["message"]]
        assert len(overlaps) == 1, problems
        problem = overlaps[0]
        assert problem["file"] == f"overlap_{suffix}.dmn"
        assert "rule_fine_person" in problem["message"] and "rule_not_major_person" in problem["message"]
        assert problem["element_id"] in ("rule_fine_person", "rule_not_major_person")
        assert problem["line"] == _line_of(text, problem["element_id"])
        assert str(_line_of(text, "rule_fine_person")) in problem["message"]
        assert str(_line_of(text, "rule_not_major_person")) in problem["message"]
        assert "5000" in problem["message"]
    listed = http.call("GET", "/api/v1/definitions", "owner1").get_json()
    assert not any(suffix in str(d) for d in listed)


def test_gap_in_a_numeric_range_is_refused_naming_the_bordering_rows__APL_58(http):
    # 0..9999 is not major, 10001+ is major: a fine of 10000 (or 9999.5) would match no row
    text = SHIPPED.replace("<text>&gt;= 10000</text>", "<text>&gt;= 10001</text>").replace(
        "<text>&lt; 10000</text>", "<text>0 &lt;= ? &lt;= 9999</text>")
    suffix = uuid.uuid4().hex[:8]
    text = _renamed(text, suffix)
    problems = _problems(upload(http, "/api/v1/definitions", {f"gap_{suffix}.dmn": text.encode()}))
    gaps = [p for p in problems if "no row" in p["message"]]
    assert gaps and not [p for p in problems if "overlap" in p["message"]], problems
    gap = gaps[0]
    assert "9999" in gap["message"] and "10001" in gap["message"]
    assert "rule_fine_person" in gap["message"] and "rule_not_major_person" in gap["message"]
    assert gap["element_id"] in ("rule_fine_person", "rule_not_major_person")
    assert gap["line"] == _line_of(text, gap["element_id"])
    assert '"person"' in gap["message"]  # the combination of the other inputs where the gap lies


def _probe_dmn(decision_id: str) -> str:
    """A catalogue without overlaps or numeric gaps that knows only two party types."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs_{decision_id}" name="探针目录"
             namespace="http://sanxiang.example/dmn">
  <decision id="{decision_id}" name="探针目录">
    <decisionTable id="table_{decision_id}" hitPolicy="UNIQUE">
      <input id="in_party" label="当事人类型">
        <inputExpression id="in_party_expr" typeRef="string"><text>party_type</text></inputExpression>
      </input>
      <output id="out_major" label="是否重大" name="is_major" typeRef="boolean"/>
      <output id="out_rule" label="目录条目" name="major_rule" typeRef="string"/>
      <rule id="rule_person">
        <inputEntry id="rule_person_in"><text>"person"</text></inputEntry>
        <outputEntry id="rule_person_o1"><text>False</text></outputEntry>
        <outputEntry id="rule_person_o2"><text>"not_major"</text></outputEntry>
      </rule>
      <rule id="rule_organisation">
        <inputEntry id="rule_organisation_in"><text>"organisation"</text></inputEntry>
        <outputEntry id="rule_organisation_o1"><text>False</text></outputEntry>
        <outputEntry id="rule_organisation_o2"><text>"not_major"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""


def _probe_bpmn(process_id: str, decision_id: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="defs_{process_id}" targetNamespace="http://sanxiang.local/bpmn">
  <bpmn:process id="{process_id}" name="目录探针案件" isExecutable="true">
    <bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="startData" value="party_type,fine_amount" />
    </spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:laneSet id="lanes_{process_id}">
      <bpmn:lane id="lane_officer" name="执法人员">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>task_catalogue</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gw_major</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>task_minor</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_reviewer" name="法制审核人员">
        <bpmn:flowNodeRef>task_review</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="task_catalogue" name="查询审核目录">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>{decision_id}</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:exclusiveGateway id="gw_major" name="是否重大"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f_major</bpmn:outgoing><bpmn:outgoing>f_minor</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="task_review" name="法制审核">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="case_register" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f_major</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="task_minor" name="一般程序">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="case_register" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f_minor</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>f3</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task_catalogue" />
    <bpmn:sequenceFlow id="f2" sourceRef="task_catalogue" targetRef="gw_major" />
    <bpmn:sequenceFlow id="f_major" sourceRef="gw_major" targetRef="task_review">
      <bpmn:conditionExpression>is_major == True</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_minor" sourceRef="gw_major" targetRef="task_minor">
      <bpmn:conditionExpression>is_major == False</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="task_review" targetRef="end" />
    <bpmn:sequenceFlow id="f4" sourceRef="task_minor" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_no_matching_row_routes_the_case_to_legal_review_not_a_500__APL_58(http):
    suffix = uuid.uuid4().hex[:8]
    process_id, decision_id = f"catalogue_probe_{suffix}", f"probe_catalogue_{suffix}"
    files = {f"{process_id}.bpmn": _probe_bpmn(process_id, decision_id).encode(),
             f"{decision_id}.dmn": _probe_dmn(decision_id).encode()}
    deployed = upload(http, "/api/v1/definitions", files)
    assert deployed.status_code == 201, deployed.get_json()
    known = http.start(process_id, {"party_type": "person"})
    assert [t["element_id"] for t in known["tasks"]] == ["task_minor"]
    # a party type the table has no row for: the safe default is "major", so the case goes to review
    resp = http.call("POST", "/api/v1/instances", "officer1",
                     json={"definition_key": process_id, "data": {"party_type": "religious_venue"}})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert [t["element_id"] for t in body["tasks"]] == ["task_review"]
    detail = http.call("GET", f"/api/v1/instances/{body['id']}", "auditor1").get_json()
    assert detail["data"]["is_major"] is True
    assert detail["data"]["major_rule"] == "no_catalogue_row_matched"
    history = http.call("GET", f"/api/v1/instances/{body['id']}/history", "auditor1").get_json()
    events = history["events"] if isinstance(history, dict) else history
    decision = next(e for e in events if e.get("element_id") == "task_catalogue")
    assert decision["data"]["matched_rules"] == []
    assert decision["data"]["outputs"]["is_major"] is True
    assert decision["data"]["outputs"]["major_rule"] == "no_catalogue_row_matched"
