"""engine/version_diff.py on the shipped diagrams: every kind of change is found, named and given before/after."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.content_diff import decision_tables
from engine.errors import DefinitionInvalid
from engine.version_diff import DecisionRef, FormRef, Side, compare, referenced

ROOT = Path(__file__).resolve().parents[2]
CASE = (ROOT / "processes/enforcement_case.bpmn").read_bytes()
REVIEW = (ROOT / "processes/legal_review.bpmn").read_bytes()
DMN = (ROOT / "processes/major_decision.dmn").read_bytes()
RECUSAL_FORM = json.loads((ROOT / "forms/case_recusal.form").read_text(encoding="utf-8"))


def _edit(content: bytes, *pairs: tuple[str, str]) -> bytes:
    text = content.decode("utf-8")
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text.encode("utf-8")


def _changed(diff: dict, element_id: str) -> dict[str, dict]:
    found = [c for c in diff["changed"] if c["id"] == element_id]
    assert len(found) == 1, diff["changed"]
    return {change["what"]: change for change in found[0]["changes"]}


def test_the_same_file_has_no_changes():
    assert compare(Side(CASE), Side(CASE)) == {"added": [], "removed": [], "changed": [], "layout": []}


def test_name_script_condition_lane_and_added_and_removed_elements():
    note = ('<bpmn:textAnnotation id="note_new"><bpmn:text>新增说明</bpmn:text></bpmn:textAnnotation>'
            "</bpmn:process>")
    new = _edit(CASE,
                ('name="回避声明"', 'name="回避声明（修订）"'),
                ("decision_due = add_days(filing_date, 90)", "decision_due = add_days(filing_date, 60)"),
                ("<bpmn:conditionExpression xsi:type=\"bpmn:tFormalExpression\">is_major == True",
                 "<bpmn:conditionExpression xsi:type=\"bpmn:tFormalExpression\">is_major == True and True"),
                ("        <bpmn:flowNodeRef>task_major_check</bpmn:flowNodeRef>\n", ""),
                ('<bpmn:lane id="lane_case_head" name="负责人">',
                 '<bpmn:lane id="lane_case_head" name="负责人"><bpmn:flowNodeRef>task_major_check</bpmn:flowNodeRef>'),
                ("</bpmn:process>", note))
    diff = compare(Side(CASE), Side(new))
    assert diff["added"] == [{"id": "note_new", "type": "textAnnotation", "name": None, "process": "enforcement_case"}]
    assert diff["removed"] == []
    assert _changed(diff, "task_recusal") == {"name": {"what": "name", "before": "回避声明", "after": "回避声明（修订）"}}
    script = _changed(diff, "task_file_case")["script"]
    assert "add_days(filing_date, 90)" in script["before"] and "add_days(filing_date, 60)" in script["after"]
    assert _changed(diff, "flow_major")["condition"] == {"what": "condition", "before": "is_major == True",
                                                         "after": "is_major == True and True"}
    assert _changed(diff, "task_major_check") == {"lane": {"what": "lane", "before": "lane_case_officer",
                                                           "after": "lane_case_head"}}
    head = _changed(diff, "lane_case_head")["members"]
    assert "task_major_check" not in head["before"] and "task_major_check" in head["after"]
    assert "task_major_check" not in _changed(diff, "lane_case_officer")["members"]["after"]
    # the other way round the annotation was removed
    back = compare(Side(new), Side(CASE))
    assert [e["id"] for e in back["removed"]] == ["note_new"] and back["added"] == []


def test_timer_type_property_and_attribute_changes():
    new = _edit(REVIEW,
                ('review_due + "T23:59:59+08:00"</bpmn:timeDate>', 'review_due + "T18:00:00+08:00"</bpmn:timeDate>'),
                ('cancelActivity="false" attachedToRef="task_legal_review"',
                 'cancelActivity="true" attachedToRef="task_legal_review"'))
    diff = compare(Side(REVIEW), Side(new))
    changes = _changed(diff, "timer_review_overdue")
    assert changes["timer"]["before"] == 'timeDate: review_due + "T23:59:59+08:00"'
    assert changes["timer"]["after"] == 'timeDate: review_due + "T18:00:00+08:00"'
    assert changes["cancelActivity"] == {"what": "cancelActivity", "before": "false", "after": "true"}
    assert [c["id"] for c in diff["changed"]] == ["timer_review_overdue"]

    retyped = _edit(CASE, ('<bpmn:userTask id="task_recusal" name="回避声明">',
                           '<bpmn:manualTask id="task_recusal" name="回避声明">'),
                    ("<bpmn:outgoing>flow_recusal_to_gw</bpmn:outgoing>\n    </bpmn:userTask>",
                     "<bpmn:outgoing>flow_recusal_to_gw</bpmn:outgoing>\n    </bpmn:manualTask>"),
                    ('<spiffworkflow:property name="formKey" value="case_recusal"/>',
                     '<spiffworkflow:property name="formKey" value="case_recusal_v2"/>'))
    changes = _changed(compare(Side(CASE), Side(retyped)), "task_recusal")
    assert changes["type"] == {"what": "type", "before": "userTask", "after": "manualTask"}
    assert changes["property:formKey"] == {"what": "property:formKey", "before": "case_recusal",
                                           "after": "case_recusal_v2"}


def test_layout_only_moves_are_listed_apart():
    moved = _edit(CASE, ('<di:waypoint x="3970" y="605"/>', '<di:waypoint x="3971" y="605"/>'))
    diff = compare(Side(CASE), Side(moved))
    assert diff["changed"] == [] and [e["id"] for e in diff["layout"]] == ["flow_major"]


def test_a_changed_form_marks_the_user_tasks_that_use_it():
    new_form = json.loads(json.dumps(RECUSAL_FORM))
    new_form["components"].append({"type": "textfield", "key": "recusal_witness", "label": "见证人"})
    first = next(c for c in new_form["components"] if c.get("key"))
    first["label"] = "改过的标签"
    old = Side(CASE, forms={"case_recusal": FormRef(1, RECUSAL_FORM)})
    new = Side(CASE, forms={"case_recusal": FormRef(2, new_form)})
    diff = compare(old, new)
    assert [c["id"] for c in diff["changed"]] == ["task_recusal"]
    form = _changed(diff, "task_recusal")["form"]
    assert form["before"] == {"key": "case_recusal", "version": 1} and form["after"] == {"key": "case_recusal",
                                                                                          "version": 2}
    assert form["detail"]["added"] == ["recusal_witness"]
    assert [c["key"] for c in form["detail"]["changed"]] == [first["key"]]
    assert form["detail"]["changed"][0]["after"]["label"] == "改过的标签"
    # the same form content under a new version number is no change
    assert compare(old, Side(CASE, forms={"case_recusal": FormRef(2, RECUSAL_FORM)}))["changed"] == []


def test_a_changed_decision_table_marks_the_business_rule_task():
    new_dmn = _edit(DMN, ("<description>涉嫌犯罪，需移送司法机关</description>",
                          "<description>涉嫌犯罪，移送司法机关</description>"))
    old = Side(CASE, decisions={"major_decision": DecisionRef(1, decision_tables(DMN)["major_decision"])})
    new = Side(CASE, decisions={"major_decision": DecisionRef(2, decision_tables(new_dmn)["major_decision"])})
    diff = compare(old, new)
    assert [c["id"] for c in diff["changed"]] == ["task_major_check"]
    decision = _changed(diff, "task_major_check")["decision"]
    assert decision["before"] == {"id": "major_decision", "version": 1}
    rules = decision["detail"]["rules"]
    assert [r["id"] for r in rules["changed"]] == ["rule_criminal_referral"]
    assert rules["changed"][0]["before"]["description"] == "涉嫌犯罪，需移送司法机关"
    assert rules["changed"][0]["after"]["description"] == "涉嫌犯罪，移送司法机关"


def test_referenced_forms_and_decisions():
    forms, decisions = referenced(CASE)
    assert decisions == {"major_decision"} and {"case_recusal", "case_register"} <= forms


@pytest.mark.parametrize("content", [b"<bpmn:definitions", b'<!DOCTYPE x [<!ENTITY a "b">]><x/>'])
def test_hostile_or_broken_xml_is_refused(content):
    with pytest.raises(DefinitionInvalid):
        compare(Side(CASE), Side(content))
