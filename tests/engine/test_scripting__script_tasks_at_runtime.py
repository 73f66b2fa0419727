"""Script tasks run through make_script_engine(): the sandbox holds at run time, not only at lint."""
from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from engine import runtime
from engine.definitions import load_catalog
from engine.errors import DefinitionInvalid, ScriptError
from engine.scripting import make_script_engine
from engine.specs import build_bundle

TINY = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_tiny"
    targetNamespace="http://sanxiang.example/bpmn">
  <bpmn:process id="tiny" name="小流程" isExecutable="true">
    <bpmn:startEvent id="start_tiny">
      <bpmn:outgoing>flow_start_to_script</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:scriptTask id="task_script" name="脚本">
      <bpmn:incoming>flow_start_to_script</bpmn:incoming>
      <bpmn:outgoing>flow_script_to_end</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end_tiny">
      <bpmn:incoming>flow_script_to_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="flow_start_to_script" sourceRef="start_tiny" targetRef="task_script"/>
    <bpmn:sequenceFlow id="flow_script_to_end" sourceRef="task_script" targetRef="end_tiny"/>
  </bpmn:process>
</bpmn:definitions>
"""


def tiny_files(script: str) -> dict[str, bytes]:
    return {"tiny.bpmn": TINY.format(script=escape(script)).encode("utf-8")}


def run_tiny(script: str, data: dict | None = None):
    bundle = build_bundle("tiny", tiny_files(script))  # build_bundle does not lint
    return runtime.start(bundle, data or {}, make_script_engine())


def test_ordinary_script_runs_with_helpers():
    script = ('deadline = add_working_days(start_date, 7)\n'
              'doubled = [v * 2 for v in values]\n'
              'label = f"{len(doubled)} 项"\n'
              'public = mask_text(text)')
    workflow, records = run_tiny(script, {"start_date": "2024-09-27", "values": [1, 2],
                                          "text": "身份证号130528198001011234"})
    assert workflow.is_completed()
    data = workflow.last_task.data
    assert data["deadline"] == "2024-10-12"
    assert data["doubled"] == [2, 4]
    assert data["label"] == "2 项"
    assert "130528198001011234" not in data["public"]
    assert "add_working_days" not in data and "mask_text" not in data
    (script_record,) = [r for r in records if r.type == "script"]
    assert script_record.element_id == "task_script"
    assert script_record.process_id == "tiny"
    assert script_record.detail["outputs"]["deadline"] == "2024-10-12"


def test_tiny_diagram_with_import_does_not_pass_lint():
    with pytest.raises(DefinitionInvalid) as info:
        load_catalog(tiny_files("x = 1\nimport os"))
    (problem,) = info.value.problems
    assert problem.element_id == "task_script"
    text = tiny_files("x = 1\nimport os")["tiny.bpmn"].decode()
    assert problem.line == next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("import os"))


@pytest.mark.parametrize(
    "script",
    [
        "import os\nresult = os.getcwd()",
        "from os import getcwd\nresult = getcwd()",
        "result = ().__class__.__base__.__subclasses__()",
        "result = open('/etc/hostname').read()",
        "result = __import__('os').getcwd()",
    ],
)
def test_forbidden_script_fails_at_run_time(script):
    with pytest.raises(ScriptError) as info:
        run_tiny(script)
    assert info.value.element_id == "task_script"


def test_the_same_script_runs_under_spiffworkflows_default_engine():
    """The contrast that makes the sandbox matter: SpiffWorkflow's default engine imports os happily."""
    from SpiffWorkflow.bpmn import BpmnWorkflow

    bundle = build_bundle("tiny", tiny_files("import os\nsep = os.sep"))
    workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=PythonScriptEngine())
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert workflow.last_task.data["sep"] == "/"
