"""The process owner's import page: upload a Camunda diagram and its form, see the proposed roles, forms and
deadlines, change a role, accept — the process is deployed with the chosen role; unmappable parts are listed with
element and line and cannot be accepted; only process owners reach the page."""
from __future__ import annotations

import base64
import hashlib
import io
import re

from sqlalchemy import select

from api.extensions import db
from api.models import Event
from tests.api.helpers import csrf_of, fixture, web_login


def _logged_in(app, username: str):
    client = app.test_client()
    assert web_login(client, username).status_code == 302
    return client


def _renamed(name: str, old: str, new: str) -> tuple[str, bytes]:
    return name.replace(old, new), fixture(f"camunda/{name}").replace(old.encode(), new.encode())


def test_upload_propose_choose_and_accept(app, http):
    client = _logged_in(app, "owner1")
    page = client.get("/processes/import")
    assert page.status_code == 200 and 'type="file"' in page.get_data(as_text=True)
    token = csrf_of(client, "/processes/import")
    bpmn = _renamed("c7_complaint.bpmn", "c7_complaint", "c7_web")
    bpmn = (bpmn[0], bpmn[1].replace(b"complaint_accept", b"web_accept"))
    form = _renamed("complaint_accept.form", "complaint_accept", "web_accept")
    resp = client.post("/processes/import", data={
        "csrf_token": token, "action": "propose",
        "files": [(io.BytesIO(bpmn[1]), bpmn[0]), (io.BytesIO(form[1]), form[0])]},
        content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html
    assert 'id="import-problems"' not in html and 'data-name="managers"' in html and "due_task_accept" in html and "c7_web__task_decide" in html
    names = re.findall(r'name="carried_name" value="([^"]+)"', html)
    contents = re.findall(r'name="carried_content" value="([^"]+)"', html)
    assert sorted(names) == sorted([bpmn[0], form[0]])
    assert base64.b64decode(contents[names.index(bpmn[0])]) == bpmn[1]
    assert http.call("GET", "/api/v1/definitions/c7_web", "owner1").status_code == 404  # proposing changed nothing
    accepted = client.post("/processes/import", data={
        "csrf_token": token, "action": "accept", "carried_name": names, "carried_content": contents,
        "role_name": ["officers", "managers"], "role_value": ["officer", "chief"]})
    assert accepted.status_code == 302 and "deployed=c7_web" in accepted.headers["Location"], re.findall(r"<td[^>]*>([^<]*)</td>", accepted.get_data(as_text=True))[:12]
    xml = http.call("GET", "/api/v1/definitions/c7_web/versions/1/bpmn", "owner1").get_data(as_text=True)
    assert 'name="主要负责人"' in xml and "camunda:" not in xml  # the owner's choice: managers -> chief
    with app.app_context():  # the deploy event records what was uploaded and the mapping accepted
        event = db.session.scalars(select(Event).where(Event.stream == "definitions", Event.type == "deploy")
                                   .order_by(Event.seq.desc()).limit(1)).one()
        imported = event.data["import"]
    assert {"filename": bpmn[0], "sha256": hashlib.sha256(bpmn[1]).hexdigest()} in imported["sources"]
    assert {"source": "candidateGroups", "name": "managers", "role": "chief", "reason": "chosen"} in imported["roles"]


def test_unmappable_parts_are_listed_and_accepting_is_refused(app, http):
    client = _logged_in(app, "owner1")
    token = csrf_of(client, "/processes/import")
    content = fixture("camunda/c7_unmappable.bpmn")
    resp = client.post("/processes/import", data={"csrf_token": token, "files": [(io.BytesIO(content), "u.bpmn")]},
                       content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert 'id="import-problems"' in html and "camunda:executionListener" in html and "<code>task_notify</code>" in html
    refused = client.post("/processes/import", data={
        "csrf_token": token, "action": "accept", "carried_name": ["u.bpmn"],
        "carried_content": [base64.b64encode(content).decode()]})
    assert refused.status_code == 400 and 'id="refused-problems"' in refused.get_data(as_text=True)
    assert http.call("GET", "/api/v1/definitions/c7_unmappable", "owner1").status_code == 404


def test_a_forged_role_or_carried_file_is_400_and_officers_are_turned_away(app, http):
    client = _logged_in(app, "owner1")
    token = csrf_of(client, "/processes/import")
    name, content = _renamed("bpmnio_leave.bpmn", "bpmnio_rectify", "bpmnio_web_forged")
    carried = {"carried_name": [name], "carried_content": [base64.b64encode(content).decode()]}
    forged = client.post("/processes/import", data={"csrf_token": token, "action": "accept", **carried,
                                                    "role_name": ["Clerk"], "role_value": ["emperor"]})
    assert forged.status_code == 400
    garbled = client.post("/processes/import", data={"csrf_token": token, "action": "accept",
                                                     "carried_name": [name], "carried_content": ["%%%"]})
    assert garbled.status_code == 400
    assert http.call("GET", "/api/v1/definitions/bpmnio_web_forged", "owner1").status_code == 404
    officer = _logged_in(app, "officer1")
    assert officer.get("/processes/import").status_code == 403
    assert officer.post("/processes/import", data={"csrf_token": csrf_of(officer), **carried}).status_code == 403
    assert http.call("GET", "/api/v1/definitions/bpmnio_web_forged", "owner1").status_code == 404
