"""Diagrams from other modelers (Camunda 7, Camunda 8, plain bpmn.io): the import proposes how lanes and candidate
groups map to roles, which forms the user tasks get (linked Camunda forms, camunda:formData, generated ones) and
how due dates become deadlines; accepting deploys, and a case runs through the result over HTTP. What cannot be
mapped is a problem with its element and line, and nothing is deployed."""
from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from api.extensions import db
from api.models import User
from api.security import hash_password
from api.services import orgs
from tests.api.helpers import fixture, upload
from tests.api.walk import due_date, today


def _files(*names: str) -> dict[str, bytes]:
    return {name: fixture(f"camunda/{name}") for name in names}


def _renamed(files: dict[str, bytes], *pairs: tuple[str, str]) -> dict[str, bytes]:
    """The files with ids replaced (tests share one database: a test that checks nothing was deployed uses its own)."""
    out = {}
    for name, content in files.items():
        for old, new in pairs:
            content = content.replace(old.encode(), new.encode())
            name = name.replace(old, new)
        out[name] = content
    return out


def _post(http, url: str, files: dict[str, bytes], mapping=None, as_user: str = "owner1"):
    data: dict = {"files": [(io.BytesIO(content), name) for name, content in files.items()]}
    if mapping is not None:
        data["mapping"] = mapping if isinstance(mapping, str) else json.dumps(mapping)
    return http.call("POST", url, as_user, data=data, content_type="multipart/form-data")


def _line(name: str, needle: str) -> int:
    text = fixture(f"camunda/{name}").decode()
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def _add_days(n: int) -> str:
    return (date.fromisoformat(today()) + timedelta(days=n)).isoformat()


C7 = ("c7_complaint.bpmn", "complaint_accept.form")
C8 = ("c8_inspection.bpmn", "inspection_plan.form")


def test_camunda7_proposal_maps_groups_forms_and_due_dates_and_changes_nothing(http):
    resp = _post(http, "/api/v1/definitions/import", _files(*C7))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["acceptable"] and body["problems"] == [] and body["validation"] == []
    roles = {r["name"]: (r["source"], r["role"], r["reason"], r["tasks"]) for r in body["roles"]}
    assert roles == {"officers": ("candidateGroups", "officer", "name", ["task_accept"]),
                     "managers": ("candidateGroups", "head", "name", ["task_decide"])}
    forms = {f["task_id"]: (f["form_key"], f["source"], f["fields"]) for f in body["forms"]}
    assert forms["task_accept"] == ("complaint_accept", "camunda:formRef", ["subject", "valid", "severity", "decide_due"])
    assert forms["task_decide"] == ("c7_complaint__task_decide", "formData", ["approved", "opinion", "measure", "reply_by"])
    deadlines = {d["task_id"]: (d["data_key"], d["script"]) for d in body["deadlines"]}
    assert deadlines == {"task_accept": ("due_task_accept", "due_task_accept = add_days(today(), 7)"),
                         "task_decide": ("decide_due", None)}
    ignored = {(p["element_id"], p["line"]) for p in body["ignored"]}
    assert ("task_decide", _line(C7[0], 'camunda:asyncBefore')) in ignored  # camunda:asyncBefore is named, not hidden
    assert http.call("GET", "/api/v1/definitions/c7_complaint", "owner1").status_code == 404


def test_camunda7_diagram_deployed_directly_names_each_extension_it_would_drop(http):
    resp = upload(http, "/api/v1/definitions/validate", _files(*C7))
    assert resp.status_code == 400
    problems = resp.get_json()["errors"]["problems"]
    groups = [p for p in problems if p["message"].startswith("camunda:candidateGroups")]
    assert {(p["element_id"], p["line"]) for p in groups} == {
        ("task_accept", _line(C7[0], 'camunda:candidateGroups="officers"')),
        ("task_decide", _line(C7[0], 'camunda:candidateGroups="managers"'))}
    assert all(p["element_id"] and p["line"] for p in problems)


def test_camunda7_accepted_import_runs_with_roles_and_deadlines(http):
    resp = _post(http, "/api/v1/definitions/import/accept", _files(*C7))
    assert resp.status_code == 201, resp.get_json()
    keys = {(v["key"], v["kind"]) for v in resp.get_json()["versions"]}
    assert {("c7_complaint", "bpmn"), ("complaint_accept", "form"), ("c7_complaint__task_decide", "form")} <= keys
    iid = http.start("c7_complaint", {})["id"]
    accept = http.open_task(iid, "task_accept")
    assert accept["role"] == "officer"
    assert due_date(accept) == _add_days(7)  # ${dateTime().plusDays(7)} became the task's deadline
    decide_by = _add_days(3)
    http.complete(iid, "task_accept", {"subject": "噪声扰民", "valid": True, "severity": "minor",
                                       "decide_due": decide_by}, "officer1")
    decide = http.open_task(iid, "task_decide")
    assert decide["role"] == "head" and due_date(decide) == decide_by  # ${decide_due} names the deadline's key
    refused = http.call("POST", f"/api/v1/tasks/{decide['id']}/complete", "officer1",
                        json={"data": {"opinion": "同意"}})
    assert refused.status_code == 403  # the 'managers' group became the head's role
    bad = http.call("POST", f"/api/v1/tasks/{decide['id']}/complete", "head1",
                    json={"data": {"opinion": "x" * 201, "measure": "jail"}})
    assert bad.status_code in (400, 422) and {"opinion", "measure"} <= set(json.dumps(bad.get_json()).split('"'))
    # (the generated form holds the camunda:formData constraints: maxlength 200, the enum's values)
    done = http.complete(iid, "task_decide", {"approved": True, "opinion": "同意", "measure": "warn"}, "head1")
    assert done["status"] == "completed"


def test_camunda7_condition_sends_an_invalid_complaint_to_its_end(http):
    assert _post(http, "/api/v1/definitions/import/accept", _files(*C7)).status_code == 201
    iid = http.start("c7_complaint", {})["id"]
    done = http.complete(iid, "task_accept", {"subject": "不属管辖", "valid": False, "severity": "none"}, "officer1")
    assert done["status"] == "completed"  # ${!valid || severity eq 'none'} ran as Python


def test_camunda8_linked_and_embedded_forms_groups_and_feel_due_dates_run(http):
    resp = _post(http, "/api/v1/definitions/import/accept", _files(*C8))
    assert resp.status_code == 201, resp.get_json()
    iid = http.start("c8_inspection", {})["id"]
    plan = http.open_task(iid, "task_plan")
    assert plan["role"] == "officer" and due_date(plan) == _add_days(2)  # P2D
    review_by = _add_days(4)
    http.complete(iid, "task_plan", {"target": "某超市", "inspect_on": today(), "review_due": review_by}, "officer1")
    review = http.open_task(iid, "task_review")
    assert review["role"] == "head" and due_date(review) == review_by  # =review_due
    missing = http.call("POST", f"/api/v1/tasks/{review['id']}/complete", "head1", json={"data": {"passed": True}})
    assert missing.status_code in (400, 422)  # the embedded form's required 'findings'
    assert http.complete(iid, "task_review", {"passed": True, "findings": "无问题"}, "head1")["status"] == "completed"


def test_bpmnio_lanes_take_the_owners_choice_and_tasks_get_generated_forms(http):
    files = _files("bpmnio_leave.bpmn")
    proposed = _post(http, "/api/v1/definitions/import", files).get_json()
    lanes = {r["name"]: (r["role"], r["reason"], r["element_id"], r["line"]) for r in proposed["roles"]}
    assert lanes["Clerk"][:2] == ("officer", "name")
    assert lanes["Approvals"] == ("officer", "default", "Lane_boss", _line("bpmnio_leave.bpmn", 'id="Lane_boss"'))
    assert {f["source"] for f in proposed["forms"]} == {"generated"}
    (note,) = proposed["notes"]  # bpmn.io saves a new diagram as not executable; the import says it changes that
    assert (note["element_id"], note["line"]) == ("bpmnio_rectify", _line("bpmnio_leave.bpmn", 'id="bpmnio_rectify"'))
    resp = _post(http, "/api/v1/definitions/import/accept", files, {"Approvals": "head"})
    assert resp.status_code == 201, resp.get_json()
    iid = http.start("bpmnio_rectify", {})["id"]
    http.complete(iid, "Task_draft", {"note": "拟发整改通知"}, "officer1")
    sign = http.open_task(iid, "Task_sign")
    assert sign["role"] == "head"
    assert http.call("POST", f"/api/v1/tasks/{sign['id']}/complete", "officer1",
                     json={"data": {"note": "签发"}}).status_code == 403
    assert http.complete(iid, "Task_sign", {"note": "签发"}, "head1")["status"] == "completed"


def test_unmappable_extensions_are_named_with_element_and_line_and_nothing_deploys(http):
    name = "c7_unmappable.bpmn"
    files = _files(name)
    proposed = _post(http, "/api/v1/definitions/import", files)
    assert proposed.status_code == 200
    body = proposed.get_json()
    assert not body["acceptable"]
    found = {(p["element_id"], p["line"], p["message"].split(" ")[0]) for p in body["problems"]}
    assert found == {
        ("task_notify", _line(name, 'camunda:class='), "camunda:class"),
        ("task_notify", _line(name, "<camunda:executionListener"), "camunda:executionListener"),
        ("task_notify", _line(name, '<camunda:inputParameter name="recipient"'), "camunda:inputParameter"),
        ("task_check", _line(name, 'camunda:assignee="demo"'), "camunda:assignee"),
        ("flow_u3", _line(name, "execution.getVariable('ok')"), "expression"),
    }
    assert any("groovy" in p["message"] for p in body["problems"])
    refused = _post(http, "/api/v1/definitions/import/accept", files)
    assert refused.status_code == 400
    assert {(p["element_id"], p["line"]) for p in refused.get_json()["errors"]["problems"]} == {
        (e, ln) for e, ln, _ in found}
    assert http.call("GET", "/api/v1/definitions/c7_unmappable", "owner1").status_code == 404
    assert http.call("GET", "/api/v1/definitions/c7_unmappable__task_check", "owner1").status_code == 404


@pytest.mark.parametrize("mapping, field", [("{not json", "mapping"), ('["officer"]', "mapping"),
                                            ('{"Approvals": "emperor"}', "mapping")])
def test_a_hostile_mapping_is_400_on_its_field_and_deploys_nothing(http, mapping, field):
    files = _renamed(_files("bpmnio_leave.bpmn"), ("bpmnio_rectify", "bpmnio_hostile"))
    resp = _post(http, "/api/v1/definitions/import/accept", files, mapping)
    assert resp.status_code == 400 and field in resp.get_json()["errors"], resp.get_json()
    assert http.call("GET", "/api/v1/definitions/bpmnio_hostile", "owner1").status_code == 404


def test_only_a_process_owner_imports(http):
    files = _renamed(_files(*C7), ("c7_complaint", "c7_owners_only"))
    for url in ("/api/v1/definitions/import", "/api/v1/definitions/import/accept"):
        assert _post(http, url, files, as_user="officer1").status_code == 403
        assert _post(http, url, files, as_user="auditor1").status_code == 403
    assert http.call("GET", "/api/v1/definitions/c7_owners_only", "owner1").status_code == 404


def _bureau_owner(app, username: str, org_code: str) -> str:
    """A process owner of one bureau, made the way an admin would."""
    with app.app_context():
        if db.session.scalar(select(User).where(User.username == username)) is None:
            db.session.add(User(username=username, display_name="流程管理员", roles=["process_owner"],
                                password_hash=hash_password("demo"), org_id=orgs.by_code(org_code).id))
            db.session.commit()
    return username


def test_an_imported_process_stays_in_its_bureau(http, app):
    scj, mzj = _bureau_owner(app, "owner_scj", "nj-scj"), _bureau_owner(app, "owner_mzj_import", "nj-mzj")
    files = _renamed(_files(*C7), ("c7_complaint", "c7_scj"), ("complaint_accept", "scj_accept"))
    assert _post(http, "/api/v1/definitions/import/accept", files, as_user=scj).status_code == 201
    # another bureau neither starts it nor overwrites it (or its linked form) by importing the same ids
    resp = http.call("POST", "/api/v1/instances", "officer1", json={"definition_key": "c7_scj", "data": {}})
    assert resp.status_code == 404
    for changed in (files, {"scj_accept.form": files["scj_accept.form"].replace("投诉".encode(), "举报".encode()),
                            "c7_scj.bpmn": files["c7_scj.bpmn"].replace(b"c7_scj", b"c7_mzj_own")}):
        again = _post(http, "/api/v1/definitions/import/accept", changed, {"managers": "chief"}, as_user=mzj)
        assert again.status_code == 403 and again.get_json()["errors"]["rule"] == "definition_owner", again.get_json()
    assert http.call("GET", "/api/v1/definitions/c7_mzj_own", "owner1").status_code == 404
    assert http.start("c7_scj", {}, as_user="officer4")["id"]


def test_a_data_store_without_implementation_is_named_with_its_element_and_line(http):
    text = fixture("camunda/bpmnio_leave.bpmn").decode().replace(
        '<bpmn:process id="bpmnio_rectify"',
        '<bpmn:dataStore id="DataStore_ledger" name="LedgerStore" />\n  <bpmn:process id="bpmnio_rectify"')
    resp = upload(http, "/api/v1/definitions/validate", {"store.bpmn": text.encode()})
    assert resp.status_code == 400
    store = [p for p in resp.get_json()["errors"]["problems"] if "data store" in p["message"]]
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if "DataStore_ledger" in ln)
    assert [(p["element_id"], p["line"]) for p in store] == [("DataStore_ledger", line)]



@pytest.mark.parametrize("mapping", ["[" * 60_000, "[" * 100_000, '{"a": "officer", ' + '"b": "head", ' * 9000 + "}"])
def test_a_deeply_nested_or_huge_mapping_is_400_not_a_crash(http, mapping):
    resp = _post(http, "/api/v1/definitions/import", _files("bpmnio_leave.bpmn"), mapping)
    assert resp.status_code == 400 and "mapping" in resp.get_json()["errors"]
