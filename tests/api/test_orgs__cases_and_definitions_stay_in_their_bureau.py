"""Many bureaus on one platform: a case and a bureau's own diagrams stay in their bureau; the county justice
bureau supervises read-only (docs/ACCESS.md)."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.extensions import db
from api.models import DefinitionVersion, Event, Instance, User
from api.security import hash_password
from api.services import orgs
from tests import cases as c

from .helpers import fixture, upload

OWN_KEY = "scj_probe"


@pytest.fixture(scope="module")
def bureau_owner(app):
    """A process owner of the other bureau (nj-scj), made the way an admin would."""
    with app.app_context():
        if db.session.scalar(select(User).where(User.username == "owner_scj")) is None:
            db.session.add(User(username="owner_scj", display_name="市场监管局流程管理员", roles=["process_owner"],
                                password_hash=hash_password("demo"), org_id=orgs.by_code("nj-scj").id))
            db.session.commit()
    return "owner_scj"


def _probe(key: str) -> dict[str, bytes]:
    xml = fixture("case_data_probe.bpmn").decode().replace('id="case_data_probe"', f'id="{key}"')
    return {f"{key}.bpmn": xml.replace("defs_case_data_probe", f"defs_{key}").encode(),
            "fixture_note.form": fixture("fixture_note.form")}


def _versions(app, key: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DefinitionVersion)
                                 .where(DefinitionVersion.key == key))


def test_a_case_belongs_to_its_starters_bureau_and_unit(http, app):
    mine = http.start("enforcement_case", as_user="officer1")["id"]
    theirs = http.start("enforcement_case", as_user="officer4")["id"]
    with app.app_context():
        rows = {i: db.session.get(Instance, i) for i in (mine, theirs)}
        assert rows[mine].org_id == orgs.by_code("nj-mzj").id and rows[mine].unit_id == orgs.by_code("nj-mzj-1").id
        assert rows[theirs].org_id == orgs.by_code("nj-scj").id


@pytest.mark.parametrize("path", ["", "/history", "/history/1/state", "/evidence", "/verify", "/archive"])
def test_another_bureaus_case_does_not_exist_for_its_users(http, path):
    theirs = http.start("enforcement_case", as_user="officer4")["id"]
    for user in ("officer1", "head1", "auditor1", "admin"):
        resp = http.call("GET", f"/api/v1/instances/{theirs}{path}", user)
        # scope before role: even an officer, who may not verify or export any case, gets the answer a missing
        # case gets (no oracle of which ids exist)
        assert resp.status_code == 404, (user, path, resp.status_code)
    assert http.call("GET", f"/api/v1/instances/{theirs}{path}", "head3").status_code == 200


def test_another_bureaus_cases_and_tasks_are_not_listed(http):
    theirs = http.start("enforcement_case", as_user="officer4")["id"]
    for user in ("officer1", "head1", "auditor1", "admin"):
        listed = http.call("GET", "/api/v1/instances?per_page=200", user).get_json()
        assert theirs not in {i["id"] for i in listed}, user
        tasks = http.call("GET", f"/api/v1/tasks?scope=all&state=any&instance_id={theirs}", user).get_json()
        assert tasks == [], user
    assert theirs in {i["id"] for i in http.call("GET", "/api/v1/instances?per_page=200", "head3").get_json()}


def test_another_bureaus_task_cannot_be_claimed_or_completed(http, app):
    theirs = http.start("enforcement_case", as_user="officer4")["id"]
    task = [t for t in http.call("GET", f"/api/v1/instances/{theirs}", "head3").get_json()["tasks"]
            if t["element_id"] == "task_register"][0]
    with app.app_context():
        before = db.session.get(Instance, theirs).last_seq
    for user in ("officer1", "officer2", "admin"):
        assert http.call("POST", f"/api/v1/tasks/{task['id']}/claim", user).status_code == 404, user
        resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, json={"data": c.REGISTER})
        assert resp.status_code == 404, user
        assert http.call("GET", f"/api/v1/tasks/{task['id']}", user).status_code == 404, user
    with app.app_context():
        assert db.session.get(Instance, theirs).last_seq == before


def test_the_justice_bureau_reads_the_county_read_only(http, app):
    case = http.start("enforcement_case", as_user="officer4")["id"]
    ours = http.start("enforcement_case", as_user="officer1")["id"]
    for iid in (case, ours):
        assert http.call("GET", f"/api/v1/instances/{iid}", "supervisor1").status_code == 200
        assert http.call("GET", f"/api/v1/instances/{iid}/history", "supervisor1").status_code == 200
        assert http.call("GET", f"/api/v1/instances/{iid}/verify", "supervisor1").status_code == 200
    task = [t for t in http.call("GET", f"/api/v1/instances/{case}", "head3").get_json()["tasks"]][0]
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/claim", "supervisor1")
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] in ("read_only", "role")
    with app.app_context():
        supervisor = db.session.scalar(select(User).where(User.username == "supervisor1"))
        supervisor.roles = ["supervisor", "admin"]  # even an admin role does not let a supervisor change a case
        db.session.commit()
    try:
        resp = http.call("PATCH", f"/api/v1/instances/{case}/data", "supervisor1",
                         json={"changes": {"party_name": "王五"}, "reason": "监督机关更正"})
        assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "read_only"
    finally:
        with app.app_context():
            supervisor = db.session.scalar(select(User).where(User.username == "supervisor1"))
            supervisor.roles = ["supervisor"]
            db.session.commit()


def test_every_read_of_a_case_is_on_its_access_stream(http, app):
    iid = http.start("enforcement_case", as_user="officer1")["id"]

    def reads():
        with app.app_context():
            return [(e.actor, e.data["what"]) for e in db.session.scalars(
                select(Event).where(Event.stream == f"access:{iid}").order_by(Event.seq))]

    before = reads()
    task = http.call("GET", f"/api/v1/instances/{iid}", "officer2").get_json()["tasks"][0]
    http.call("GET", f"/api/v1/instances/{iid}/history", "head1")
    http.call("GET", f"/api/v1/instances/{iid}/history/1/state", "auditor1")
    http.call("GET", f"/api/v1/tasks/{task['id']}", "officer1")
    assert reads()[len(before):] == [("officer2", "instance"), ("head1", "history"), ("auditor1", "state"),
                                     ("officer1", "task")]
    # a refused read records nothing
    assert http.call("GET", f"/api/v1/instances/{iid}", "head3").status_code == 404
    assert http.call("GET", f"/api/v1/instances/{iid}", "owner1").status_code == 403
    assert len(reads()) == len(before) + 4


def test_a_bureaus_own_process_runs_only_in_that_bureau(http, app, bureau_owner):
    resp = upload(http, "/api/v1/definitions", _probe(OWN_KEY), bureau_owner)
    assert resp.status_code == 201, resp.get_json()
    assert http.call("POST", "/api/v1/instances", "officer4",
                     json={"definition_key": OWN_KEY, "data": {}}).status_code == 201
    resp = http.call("POST", "/api/v1/instances", "officer1", json={"definition_key": OWN_KEY, "data": {}})
    assert resp.status_code == 404
    assert OWN_KEY not in {d["key"] for d in http.call("GET", "/api/v1/definitions", "officer1").get_json()}
    assert OWN_KEY in {d["key"] for d in http.call("GET", "/api/v1/definitions", "officer4").get_json()}
    assert http.call("GET", f"/api/v1/definitions/{OWN_KEY}", "officer1").status_code == 404
    assert http.call("GET", f"/api/v1/definitions/{OWN_KEY}/versions/1/bpmn", "head1").status_code == 404


def test_a_bureau_owner_cannot_change_the_platforms_or_another_bureaus_diagrams(http, app, bureau_owner):
    before = _versions(app, "recording")
    shipped = (Path(app.config["PROCESSES_DIR"]) / "recording.bpmn").read_bytes()
    changed = shipped.replace(b'name="', 'name="改'.encode(), 1)
    assert changed != shipped
    resp = upload(http, "/api/v1/definitions", {"recording.bpmn": changed}, bureau_owner)
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "definition_owner"
    assert _versions(app, "recording") == before
    # the platform's owner (at the root) may add a version to a bureau's key: the bureau is in its subtree
    upload(http, "/api/v1/definitions", _probe(OWN_KEY), bureau_owner)
    own_before = _versions(app, OWN_KEY)
    changed_own = _probe(OWN_KEY)
    changed_own[f"{OWN_KEY}.bpmn"] = changed_own[f"{OWN_KEY}.bpmn"].replace("登记".encode(), "登记二".encode())
    resp = upload(http, "/api/v1/definitions", changed_own, "owner1")
    assert resp.status_code == 201, resp.get_json()
    assert _versions(app, OWN_KEY) == own_before + 1
