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
from sqlalchemy import select

from api.extensions import db
from api.models import Event
from tests.api.helpers import upload

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


def _insert_after(tree, process, task_id: str, flow_id: str, next_id: str, new_id: str, name: str,
                  form_key: str) -> None:
    """A user task ``new_id`` on the flow ``flow_id`` from ``task_id`` to ``next_id`` (lane and shape too)."""
    task = etree.fromstring(
        f'<bpmn:userTask xmlns:bpmn="{BPMN}" xmlns:spiffworkflow="{SPIFF}" id="{new_id}" name="{name}">'
        f'<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formKey" '
        f'value="{form_key}"/></spiffworkflow:properties></bpmn:extensionElements>'
        f'<bpmn:incoming>{flow_id}</bpmn:incoming><bpmn:outgoing>{flow_id}_next</bpmn:outgoing></bpmn:userTask>')
    _one(process, "*[@id=$t]", t=task_id).addnext(task)
    _one(process, "bpmn:sequenceFlow[@id=$f]", f=flow_id).set("targetRef", new_id)
    etree.SubElement(process, f"{{{BPMN}}}sequenceFlow", id=f"{flow_id}_next", sourceRef=new_id, targetRef=next_id)
    _one(process, "*[@id=$n]/bpmn:incoming[text()=$f]", n=next_id, f=flow_id).text = f"{flow_id}_next"
    ref = _one(process, ".//bpmn:flowNodeRef[text()=$t]", t=task_id)
    new_ref = etree.Element(f"{{{BPMN}}}flowNodeRef")
    new_ref.text = new_id
    ref.addnext(new_ref)
    shape = _one(tree, "//bpmndi:BPMNShape[@bpmnElement=$t]", t=task_id)
    copy = etree.fromstring(etree.tostring(shape))
    copy.set("id", f"{new_id}_di")
    copy.set("bpmnElement", new_id)
    shape.addnext(copy)


def _remove_task(tree, process, task_id: str, in_flow: str, out_flow: str, next_id: str) -> None:
    """Take ``task_id`` out: its incoming flow ``in_flow`` leads to ``next_id`` instead."""
    _remove(_one(process, "*[@id=$t]", t=task_id))
    _remove(_one(process, ".//bpmn:flowNodeRef[text()=$t]", t=task_id))
    _remove(_one(process, "bpmn:sequenceFlow[@id=$f]", f=out_flow))
    _one(process, "bpmn:sequenceFlow[@id=$f]", f=in_flow).set("targetRef", next_id)
    _one(process, "*[@id=$n]/bpmn:incoming[text()=$f]", n=next_id, f=out_flow).text = in_flow
    for el in tree.xpath("//bpmndi:*[@bpmnElement=$t or @bpmnElement=$f]", namespaces=NS, t=task_id, f=out_flow):
        _remove(el)


def _recording(pid: str, *, check_task: bool, without_record_start: bool) -> bytes:
    """A copy of the shipped recording subprocess as the case's own called process ``<pid>_rec``."""
    text = (ROOT / "processes" / "recording.bpmn").read_text(encoding="utf-8").replace('"recording"', f'"{pid}_rec"')
    tree = etree.ElementTree(etree.fromstring(text.encode("utf-8")))
    process = _one(tree, "//bpmn:process[@id=$pid]", pid=f"{pid}_rec")
    if check_task:  # 记录复核 after the record start
        _insert_after(tree, process, "task_record_start", "flow_record_to_investigation", "task_investigation",
                      "task_record_check", "记录复核", f"{pid}_check")
    if without_record_start:
        _remove_task(tree, process, "task_record_start", "flow_recording_start_to_record",
                     "flow_record_to_investigation", "task_investigation")
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def case_files(pid: str, *, extra_field: bool = False, check_task: bool = False, without_register: bool = False,
               own_recording: bool = False, recording_check_task: bool = False,
               without_record_start: bool = False, filing_script: str | None = None) -> dict[str, bytes]:
    """The files of one version of the case ``pid``: its process file and register form, plus the check form.

    ``own_recording``: the case calls a copy of the recording subprocess of its own (``<pid>_rec``), changed by
    ``recording_check_task`` (a task after the record start) or ``without_record_start``. ``filing_script``: a
    line appended to the filing script (a change of a task the case may have completed).
    """
    form_key = f"{pid}_register"
    tree = _tree(pid, form_key)
    files = {f"{form_key}.form": register_form(form_key, extra_field), f"{pid}_check.form": check_form(f"{pid}_check")}
    process = _one(tree, "//bpmn:process[@id=$pid]", pid=pid)
    if check_task:  # 立案复核 between the register and the filing script
        _insert_after(tree, process, "task_register", "flow_register_to_filing", "task_file_case",
                      "task_register_check", "立案复核", f"{pid}_check")
    if without_register:  # the start leads straight to the filing script
        _remove_task(tree, process, "task_register", "flow_case_start_to_register", "flow_register_to_filing",
                     "task_file_case")
    if filing_script:
        script = _one(process, "bpmn:scriptTask[@id='task_file_case']/bpmn:script")
        script.text = f"{script.text}\n{filing_script}"
    if own_recording:
        _one(process, "bpmn:callActivity[@id='call_recording']").set("calledElement", f"{pid}_rec")
        files[f"{pid}_rec.bpmn"] = _recording(pid, check_task=recording_check_task,
                                              without_record_start=without_record_start)
    files[f"{pid}.bpmn"] = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    return files


PREVIEW = "/api/v1/definitions/{key}/migrations/preview"
MIGRATE = "/api/v1/definitions/{key}/migrations"


def deploy(http, files: dict[str, bytes], as_user: str = "owner1") -> dict[str, int]:
    resp = upload(http, "/api/v1/definitions", files, as_user)
    assert resp.status_code == 201, resp.get_json()
    return {v["key"]: v["version"] for v in resp.get_json()["versions"]}


def case(http) -> tuple[str, int]:
    """A new process of its own (version 1) and a case of it waiting at 立案登记."""
    key = new_key()
    assert deploy(http, case_files(key))[key] == 1
    iid = http.start(key)["id"]
    http.open_task(iid, "task_register")
    return key, iid


def post(http, url: str, body: dict, user: str = "owner1", expect: int = 200) -> dict:
    resp = http.call("POST", url, user, json=body)
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()


def instance(http, iid: int) -> dict:
    return http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()


def events(app, iid: int) -> list[Event]:
    with app.app_context():
        rows = list(db.session.scalars(select(Event).where(Event.stream == f"instance:{iid}").order_by(Event.seq)))
        db.session.expunge_all()
        return rows
