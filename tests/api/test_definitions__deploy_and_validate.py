"""Deploying definitions: versions, validation errors with element id and line, roles."""
from __future__ import annotations

from tests.api.helpers import fixture, upload


def test_shipped_definitions_are_listed_with_versions(http):
    listed = http.call("GET", "/api/v1/definitions", "officer1").get_json()
    keys = {d["key"] for d in listed}
    assert {"enforcement_case", "recording", "legal_review", "disclosure"} <= keys
    xml = http.call("GET", "/api/v1/definitions/enforcement_case/versions/1/bpmn", "owner1")
    assert xml.status_code == 200 and b"task_head_decision" in xml.data


def test_malformed_bpmn_is_refused_with_element_id_and_line(http):
    before = http.call("GET", "/api/v1/definitions/broken_case", "owner1")
    assert before.status_code == 404
    resp = upload(http, "/api/v1/definitions", {"broken_case.bpmn": fixture("broken_case.bpmn")})
    assert resp.status_code == 400, resp.get_json()
    problems = resp.get_json()["errors"]["problems"]
    assert problems, resp.get_json()
    where = {(p["file"], p["element_id"], p["line"]) for p in problems}
    lines = fixture("broken_case.bpmn").decode().splitlines()
    flagged = [p for p in problems if p["element_id"] in ("f3", "task_proposal")]
    assert flagged, where
    assert all(p["line"] and p["element_id"] in lines[p["line"] - 1] for p in flagged)
    assert http.call("GET", "/api/v1/definitions/broken_case", "owner1").status_code == 404


def test_xml_syntax_error_reports_its_line(http):
    text = fixture("forgetful_case.bpmn").decode().replace('<bpmn:endEvent id="end" name="结束">', "<bpmn:endEvent")
    resp = upload(http, "/api/v1/definitions/validate", {"syntax.bpmn": text.encode()})
    assert resp.status_code == 400
    problem = resp.get_json()["errors"]["problems"][0]
    assert problem["file"] == "syntax.bpmn"
    broken = next(i for i, line in enumerate(text.splitlines(), 1) if "<bpmn:endEvent" in line)
    # the unterminated tag runs on to the next line, where the parser notices it
    assert problem["line"] in (broken, broken + 1)


def test_lint_refuses_a_script_with_import(http):
    text = fixture("forgetful_case.bpmn").decode().replace("forgetful_case", "importing_case").replace(
        '<bpmn:sequenceFlow id="f4" sourceRef="task_head_decision" targetRef="end" />',
        '<bpmn:sequenceFlow id="f4" sourceRef="task_head_decision" targetRef="end">\n'
        "      <bpmn:conditionExpression>__import__('os')</bpmn:conditionExpression>\n"
        "    </bpmn:sequenceFlow>")
    resp = upload(http, "/api/v1/definitions/validate", {"importing_case.bpmn": text.encode()})
    assert resp.status_code == 400
    problem = resp.get_json()["errors"]["problems"][0]
    assert problem["element_id"] == "f4"
    assert "__import__" in text.splitlines()[problem["line"] - 1]


def test_validate_is_a_dry_run_and_deploy_versions_only_changes(http):
    files = {"forgetful_case.bpmn": fixture("forgetful_case.bpmn").replace(b"forgetful_case", b"dry_case")}
    resp = upload(http, "/api/v1/definitions/validate", files)
    assert resp.status_code == 200 and resp.get_json()["processes"]
    assert http.call("GET", "/api/v1/definitions/dry_case", "owner1").status_code == 404
    first = upload(http, "/api/v1/definitions", files)
    assert first.status_code == 201
    assert [(v["key"], v["version"]) for v in first.get_json()["versions"]] == [("dry_case", 1)]
    again = upload(http, "/api/v1/definitions", files)
    assert again.status_code == 201 and again.get_json()["versions"] == []
    changed = {"forgetful_case.bpmn": files["forgetful_case.bpmn"].replace("开始".encode(), "案件开始".encode())}
    third = upload(http, "/api/v1/definitions", changed)
    assert [(v["key"], v["version"]) for v in third.get_json()["versions"]] == [("dry_case", 2)]
    versions = http.call("GET", "/api/v1/definitions/dry_case", "owner1").get_json()
    assert [v["version"] for v in versions] == [2, 1]


def test_only_process_owners_deploy(http):
    resp = upload(http, "/api/v1/definitions", {"x.bpmn": fixture("forgetful_case.bpmn")}, as_user="officer1")
    assert resp.status_code == 403
    assert resp.get_json()["errors"]["rule"] == "role"


def test_not_logged_in_is_401(client):
    resp = client.get("/api/v1/tasks")
    assert resp.status_code == 401
    assert set(resp.get_json()) >= {"code", "status", "message", "errors"}


def test_a_form_field_named_after_the_serializer_marker_is_refused(http):
    """A field keyed ``typename`` would put SpiffWorkflow's serializer marker into the task data; the saved
    workflow could not be read back. Refused at validate and deploy, at any depth, naming the component."""
    import json

    form = json.loads(fixture("fixture_note.form"))
    form["id"] = "marker_form"
    form["components"].append({"type": "group", "key": "details", "path": "details", "id": "grp_details",
                               "components": [{"type": "textfield", "key": "typename", "id": "fld_marker",
                                               "label": "类型"}]})
    files = {"marker_form.form": json.dumps(form, ensure_ascii=False).encode()}
    for url in ("/api/v1/definitions/validate", "/api/v1/definitions"):
        resp = upload(http, url, files)
        assert resp.status_code == 400, resp.get_json()
        problems = resp.get_json()["errors"]["problems"]
        assert any("typename" in p["message"] and p["element_id"] == "fld_marker" for p in problems), problems
    assert http.call("GET", "/api/v1/definitions/marker_form", "owner1").status_code == 404
