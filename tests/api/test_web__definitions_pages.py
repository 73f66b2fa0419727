"""The process owners' pages: the processes list, file view, editors and compare follow the API's rules."""
from __future__ import annotations

import json
import re

from tests.api.helpers import upload, web_login


def _page_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    assert found, "no page data"
    return json.loads(found.group(1))


def _logged_in(app, username: str):
    client = app.test_client()
    assert web_login(client, username).status_code == 302
    return client


def test_processes_page_lists_every_shipped_key_with_its_version_and_files(app):
    page = _logged_in(app, "owner1").get("/processes").get_data(as_text=True)
    for key in ("enforcement_case", "recording", "legal_review", "disclosure", "permit_application",
                "random_inspection", "disclosure_correction"):
        assert f'id="process-{key}"' in page
        assert f"/processes/bpmn/{key}/versions/1/file" in page
        assert f"/processes/{key}/edit?version=1" in page
    assert "/decisions/major_decision/edit?version=1" in page
    assert "/forms/record_start/edit?version=1" in page
    assert 'href="/processes"' in page  # the menu entry
    assert "Processes (BPMN)" in _logged_in(app, "owner1").get("/processes?lang=en").get_data(as_text=True)


def test_menu_entry_is_for_process_owners_and_admins_only(app):
    assert 'href="/processes"' in _logged_in(app, "admin").get("/inbox").get_data(as_text=True)
    assert 'href="/processes"' not in _logged_in(app, "officer1").get("/inbox").get_data(as_text=True)


def test_view_file_serves_the_stored_file_of_that_version(app):
    client = _logged_in(app, "owner1")
    resp = client.get("/processes/bpmn/recording/versions/1/file")
    assert resp.status_code == 200 and b'<bpmn:process id="recording"' in resp.data
    assert resp.mimetype == "text/plain" and resp.headers["Content-Security-Policy"].split(";")[0] == "sandbox"
    assert json.loads(client.get("/processes/form/record_start/versions/1/file").data)["components"]
    assert client.get("/processes/bpmn/recording/versions/99/file").status_code == 404
    assert client.get("/processes/exe/recording/versions/1/file").status_code == 404


def test_editors_are_for_process_owners_only(app):
    admin = _logged_in(app, "admin")
    assert admin.get("/processes/recording/edit").status_code == 403
    assert admin.get("/forms/record_start/edit").status_code == 403
    assert app.test_client().get("/processes/recording/edit").status_code == 302  # to the login page


def test_modeler_page_carries_the_diagram_the_forms_and_the_roles(app):
    html = _logged_in(app, "owner1").get("/processes/recording/edit?version=1").get_data(as_text=True)
    data = _page_data(html)
    assert data["filename"] == "recording.bpmn" and '<bpmn:process id="recording"' in data["content"]
    assert "record_start" in data["forms"] and "investigation" in data["forms"]
    assert {"key": "officer", "zh": "执法人员", "label": "执法人员"} in data["roles"]
    assert data["validate_url"] == "/api/v1/definitions/validate"


def test_dmn_and_form_editors_open_the_stored_file(app):
    owner = _logged_in(app, "owner1")
    assert 'id="major_decision"' in _page_data(owner.get("/decisions/major_decision/edit").get_data(as_text=True))["content"]
    form = _page_data(owner.get("/forms/record_start/edit").get_data(as_text=True))
    assert form["filename"] == "record_start.form" and json.loads(form["content"])["components"]


def test_deployed_message_only_for_a_version_that_exists(app, http):
    xml = _logged_in(app, "owner1").get("/processes/bpmn/recording/versions/1/file").get_data(as_text=True)
    changed = xml.replace('name="调查取证"', 'name="调查取证（改）"', 1)
    resp = upload(http, "/api/v1/definitions", {"recording.bpmn": changed.encode()})
    assert resp.status_code == 201, resp.get_json()
    version = next(v["version"] for v in resp.get_json()["versions"] if v["key"] == "recording")
    owner = _logged_in(app, "owner1")
    page = owner.get(f"/processes?deployed=recording&version={version}").get_data(as_text=True)
    assert f"已部署：recording 第 {version} 版" in page
    row = page.split('id="process-recording"')[1].split(f'data-version="{version}"')[1].split("</tr>")[0]
    assert '<td data-label="部署人">流程管理员</td>' in row  # the deployer's name, not the login
    assert "已部署" not in owner.get("/processes?deployed=recording&version=77").get_data(as_text=True)
    compare = owner.get(f"/processes/recording/compare?a=1&b={version}").get_data(as_text=True)
    data = _page_data(compare)
    assert data["old"]["version"] == 1 and data["new"]["version"] == version
    assert "调查取证（改）" in data["new"]["xml"] and "调查取证（改）" not in data["old"]["xml"]
