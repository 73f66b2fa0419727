"""Versions of the shipped enforcement case for the instance migration tests.

Each test deploys the shipped ``enforcement_case.bpmn`` and its register form ``case_register.form`` under a
process id and form key of its own (so no other test's cases move to them), then changes them as a process owner
would: a field added to the register form, a task added after the register, the register removed.
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "spiffworkflow": SPIFF}


def new_key() -> str:
    return f"mig_{uuid.uuid4().hex[:10]}"


def _tree(pid: str, form_key: str) -> etree._ElementTree:
    text = (ROOT / "processes" / "enforcement_case.bpmn").read_text(encoding="utf-8")
    text = text.replace('"enforcement_case"', f'"{pid}"').replace('value="case_register"', f'value="{form_key}"')
    return etree.ElementTree(etree.fromstring(text.encode("utf-8")))


def _one(tree, path: str, **kw):
    found = tree.xpath(path, namespaces=NS, **kw)
    assert found, path
    return found[0]


def _remove(el) -> None:
    el.getparent().remove(el)


def register_form(form_key: str, extra_field: bool = False) -> bytes:
    form = json.loads((ROOT / "forms" / "case_register.form").read_text(encoding="utf-8"))
    form["id"] = form_key
    if extra_field:  # the law now asks for the source of the case (a required field)
        form["components"].append({"type": "textfield", "key": "case_source", "label": "案件来源",
                                   "id": f"{form_key}_case_source", "validate": {"required": True}})
    return json.dumps(form, ensure_ascii=False).encode("utf-8")


CHECK_FORM = {"type": "default", "id": "", "schemaVersion": 16, "components": [
    {"type": "textarea", "key": "check_note", "label": "复核意见", "id": "", "validate": {"required": True}}]}


def check_form(form_key: str) -> bytes:
    form = json.loads(json.dumps(CHECK_FORM))
    form["id"] = form_key
    form["components"][0]["id"] = f"{form_key}_check_note"
    return json.dumps(form, ensure_ascii=False).encode("utf-8")


def case_files(pid: str, *, extra_field: bool = False, check_task: bool = False,
               without_register: bool = False) -> dict[str, bytes]:
    """The files of one version of the case ``pid`` (process file and register form, plus the check form)."""
    form_key = f"{pid}_register"
    tree = _tree(pid, form_key)
    files = {f"{form_key}.form": register_form(form_key, extra_field)}
    process = _one(tree, "//bpmn:process[@id=$pid]", pid=pid)
    if check_task:  # 立案复核 between the register and the filing script
        register = _one(process, "bpmn:userTask[@id='task_register']")
        task = etree.fromstring(
            f'<bpmn:userTask xmlns:bpmn="{BPMN}" xmlns:spiffworkflow="{SPIFF}" id="task_register_check" name="立案复核">'
            f'<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formKey" '
            f'value="{pid}_check"/></spiffworkflow:properties></bpmn:extensionElements>'
            f'<bpmn:incoming>flow_register_to_filing</bpmn:incoming><bpmn:outgoing>flow_check_to_filing</bpmn:outgoing>'
            f'</bpmn:userTask>')
        register.addnext(task)
        _one(process, "bpmn:sequenceFlow[@id='flow_register_to_filing']").set("targetRef", "task_register_check")
        flow = etree.SubElement(process, f"{{{BPMN}}}sequenceFlow", id="flow_check_to_filing",
                                sourceRef="task_register_check", targetRef="task_file_case")
        assert flow is not None
        _one(process, "bpmn:scriptTask[@id='task_file_case']/bpmn:incoming").text = "flow_check_to_filing"
        ref = _one(process, ".//bpmn:flowNodeRef[text()='task_register']")
        new_ref = etree.Element(f"{{{BPMN}}}flowNodeRef")
        new_ref.text = "task_register_check"
        ref.addnext(new_ref)
        shape = _one(tree, "//bpmndi:BPMNShape[@bpmnElement='task_register']")
        copy = etree.fromstring(etree.tostring(shape))
        copy.set("id", "task_register_check_di")
        copy.set("bpmnElement", "task_register_check")
        shape.addnext(copy)
        files[f"{pid}_check.form"] = check_form(f"{pid}_check")
    if without_register:  # the start leads straight to the filing script
        _remove(_one(process, "bpmn:userTask[@id='task_register']"))
        _remove(_one(process, ".//bpmn:flowNodeRef[text()='task_register']"))
        _remove(_one(process, "bpmn:sequenceFlow[@id='flow_register_to_filing']"))
        _one(process, "bpmn:sequenceFlow[@id='flow_case_start_to_register']").set("targetRef", "task_file_case")
        _one(process, "bpmn:scriptTask[@id='task_file_case']/bpmn:incoming").text = "flow_case_start_to_register"
        for el in tree.xpath("//bpmndi:*[@bpmnElement='task_register' or @bpmnElement='flow_register_to_filing']",
                             namespaces=NS):
            _remove(el)
        del files[f"{form_key}.form"]
    files[f"{pid}.bpmn"] = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    return files
