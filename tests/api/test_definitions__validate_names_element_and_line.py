"""POST /definitions/validate (the modeler's validate button) names the element to fix and its line."""
from __future__ import annotations

from pathlib import Path

from tests.api.helpers import upload

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_validate_names_the_broken_flow_and_its_line(http):
    text = (PROCESSES / "recording.bpmn").read_text().replace('targetRef="end_recording"', 'targetRef="end_gone"')
    resp = upload(http, "/api/v1/definitions/validate", {"recording.bpmn": text.encode()})
    assert resp.status_code == 400
    (problem,) = resp.get_json()["errors"]["problems"]
    assert problem["element_id"] == "flow_investigation_to_end"
    assert problem["line"] == _line(text, 'id="flow_investigation_to_end"')
    assert "end_gone" in problem["message"]


def test_validate_names_a_process_id_taken_by_a_deployed_file(http):
    text = (PROCESSES / "recording.bpmn").read_text()
    resp = upload(http, "/api/v1/definitions/validate", {"recording_copy.bpmn": text.encode()})
    assert resp.status_code == 400
    (problem,) = resp.get_json()["errors"]["problems"]
    assert (problem["file"], problem["element_id"]) == ("recording_copy.bpmn", "recording")
    assert problem["line"] == _line(text, '<bpmn:process id="recording"')
    assert "recording.bpmn" in problem["message"]


def test_validate_refuses_a_form_field_named_like_a_script_helper(http):
    """A field named ``var`` (or ``pick``, ``today`` …) would hide the helper from every script of the case."""
    forms = Path(__file__).resolve().parents[2] / "forms"
    text = (forms / "review_fix.form").read_text().replace('"key": "fix_description"', '"key": "var"')
    assert '"key": "var"' in text
    resp = upload(http, "/api/v1/definitions/validate", {"review_fix.form": text.encode()})
    assert resp.status_code == 400
    problems = resp.get_json()["errors"]["problems"]
    assert any(p["file"] == "review_fix.form" and "'var'" in p["message"] and "script helper" in p["message"]
               for p in problems), problems
