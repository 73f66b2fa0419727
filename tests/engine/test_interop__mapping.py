"""engine/interop/ on its own: the pieces of the mapping the HTTP tests do not walk through, and hostile uploads
that must come back as problems with element and line, never as an exception."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine import interop
from engine.definitions import load_catalog
from tools.import_corpus import shipped_files

FIXTURES = Path(__file__).resolve().parents[1] / "api" / "fixtures" / "camunda"


def _diagram(task: str, flows: str = "", process_attrs: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    id="d" targetNamespace="http://x">
  <bpmn:process id="probe" isExecutable="true"{process_attrs}>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    {task}
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e">{flows}</bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>""".encode()


def _line(content: bytes, needle: str) -> int:
    return next(n for n, line in enumerate(content.decode().splitlines(), 1) if needle in line)


def test_a_camunda_multi_instance_collection_becomes_the_loop_data_reference():
    content = _diagram("""<bpmn:userTask id="t" name="会签" camunda:candidateGroups="head">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="${signers}" camunda:elementVariable="signer" />
    </bpmn:userTask>""")
    proposal = interop.propose({"probe.bpmn": content})
    assert proposal.problems == []
    out = proposal.files["probe.bpmn"].decode()
    assert "<bpmn:loopDataInputRef>signers</bpmn:loopDataInputRef>" in out and 'name="signer"' in out
    load_catalog({**shipped_files(), **proposal.files}, lint=set(proposal.files))  # the engine parses it


@pytest.mark.parametrize("written, python", [
    ("${amount &gt; 1000 &amp;&amp; !waived}", "amount > 1000 and not waived"),
    ("${kind eq 'fine' || kind == \"warning\"}", "kind == 'fine' or kind == \"warning\""),
    ("=amount &gt;= 500 and kind = \"fine\"", "amount >= 500 and kind == \"fine\""),
])
def test_simple_juel_and_feel_conditions_become_python(written, python):
    task = '<bpmn:userTask id="t"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>'
    proposal = interop.propose({"probe.bpmn": _diagram(task, f"<bpmn:conditionExpression>{written}"
                                                             "</bpmn:conditionExpression>")})
    assert proposal.problems == []
    assert f"<bpmn:conditionExpression>{python.replace('>', '&gt;')}</bpmn:conditionExpression>" in \
        proposal.files["probe.bpmn"].decode()


@pytest.mark.parametrize("task, needle, words", [
    ('<bpmn:userTask id="t" camunda:candidateGroups="managers, officers">', 'camunda:candidateGroups', "different roles"),
    ('<bpmn:userTask id="t" camunda:formKey="embedded:app:forms/x.html">', 'camunda:formKey', "HTML"),
    ('<bpmn:userTask id="t" camunda:dueDate="${dateTime().plusWeeks(2)}">', 'camunda:dueDate', "cannot run"),
    ('<bpmn:userTask id="t" camunda:candidateGroups="${groupsOf(x)}">', 'camunda:candidateGroups', "expression"),
    ('<bpmn:scriptTask id="t" scriptFormat="javascript">', 'scriptFormat', "javascript"),
])
def test_what_cannot_be_mapped_names_the_element_and_its_line(task, needle, words):
    tag = task.split()[0][1:]
    content = _diagram(f"{task}<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></{tag}>")
    proposal = interop.propose({"probe.bpmn": content})
    (problem,) = proposal.problems
    assert (problem.file, problem.element_id, problem.line) == ("probe.bpmn", "t", _line(content, needle))
    assert words in problem.message


@pytest.mark.parametrize("uploads", [
    {"probe.bpmn": b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<bpmn:definitions/>'},
    {"probe.bpmn": b"<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'>\n<bpmn:process id='p' <"},
    {"probe.bpmn": (FIXTURES / "c7_complaint.bpmn").read_bytes(), "complaint_accept.form": b"\xff\xfe{"},
    {"probe.bpmn": (FIXTURES / "c7_complaint.bpmn").read_bytes(), "complaint_accept.form": b"[1, 2]"},
])
def test_hostile_uploads_are_problems_with_element_and_line(uploads):
    proposal = interop.propose(uploads)
    assert proposal.problems
    assert all(p.element_id and p.line for p in proposal.problems), proposal.problems


def test_a_direct_deploy_names_what_it_would_drop():
    content = (FIXTURES / "c8_inspection.bpmn").read_bytes()
    from engine import xml

    found = interop.foreign_problems("c8.bpmn", xml.parse(content), content)
    assert {(p.element_id, p.message.split(" ")[0]) for p in found} >= {
        ("task_plan", "zeebe:formDefinition"), ("task_plan", "zeebe:assignmentDefinition"),
        ("task_review", "zeebe:taskSchedule"), ("UserTaskForm_review", "zeebe:userTaskForm")}
    assert all(p.line for p in found)


def test_a_form_nothing_links_and_a_form_replacing_a_deployed_one_are_told():
    uploads = {"c7.bpmn": (FIXTURES / "c7_complaint.bpmn").read_bytes(),
               "complaint_accept.form": (FIXTURES / "complaint_accept.form").read_bytes(),
               "spare.form": b'{"type": "default", "id": "spare", "components": []}'}
    quiet = interop.propose(uploads)
    assert [(n.file, n.element_id, n.line) for n in quiet.notes] == [("spare.form", "form", 1)]
    assert "spare.form" not in quiet.files
    told = interop.propose(uploads, {"complaint_accept"})
    (replacing,) = [n for n in told.notes if n.file == "c7.bpmn"]
    assert replacing.element_id == "task_accept" and "new version" in replacing.message
