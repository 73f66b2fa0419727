"""Recusal (APL 43) stands whatever the case data says: the withdrawn officers are read from the case's history
(the recusal decisions), so an admin data edit or a rewind cannot bring the officer back (rule recusal); he is not
named present at an act (officers present come from the registry, and any field naming the case's people is
checked), and a recording made on a device checked out to him is not a recording of the case's officers
(rule equipment_ledger)."""
from __future__ import annotations

import pytest

from tests import cases as c
from tests.api.evidence_support import MP4, av_meta, checkout, media, new_device, upload
from tests.api.test_case_rules__recusal import ASK, officer3  # noqa: F401  (fixture)
from tests.api.walk import instance_data

DECIDED = {"recusal_outcome": "recuse", "recusal_decision_note": "决定回避。"}


def _post(http, iid: int, element_id: str, data: dict, user: str):
    task = http.open_task(iid, element_id)
    return http.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})


def _rule(resp) -> str:
    assert resp.status_code == 403, resp.get_json()
    return resp.get_json()["errors"]["rule"]


def _recused(http) -> int:
    """officer1 withdrew on the party's application; officer2 and "officer3" carry the case on."""
    iid = http.start("enforcement_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    http.complete(iid, "task_recusal", {**ASK, "recused_officer": "officer1"}, "officer2")
    http.complete(iid, "task_recusal_decision", {**DECIDED, "officers": ["officer2", "officer3"]}, "head1")
    assert instance_data(http, iid)["recused_officers"] == ["officer1"]
    return iid


def _patch(http, iid: int, changes: dict):
    return http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin", json={"changes": changes, "reason": "更正"})


@pytest.mark.usefixtures("officer3")
def test_an_admin_data_edit_cannot_lift_a_recusal_APL_43(http):
    iid = _recused(http)
    before = http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json()
    assert _rule(_patch(http, iid, {"recused_officers": []})) == "recusal"
    assert _rule(_patch(http, iid, {"officers": ["officer1", "officer2"]})) == "recusal"
    assert _rule(_patch(http, iid, {"officers_present": "officer1、officer2"})) == "recusal"
    assert http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json() == before  # nothing recorded
    assert instance_data(http, iid)["recused_officers"] == ["officer1"]
    # an edit that keeps the recusal is a correction like any other
    assert _patch(http, iid, {"summary": "更正摘要。", "recused_officers": ["officer1"]}).status_code == 200
    assert _rule(_post(http, iid, "task_recusal", c.RECUSAL_NONE, "officer1")) == "recusal"


@pytest.mark.usefixtures("officer3")
def test_a_rewind_does_not_lift_a_recusal_APL_43(http):
    iid = _recused(http)
    resp = http.call("POST", f"/api/v1/instances/{iid}/rewind", "admin",
                     json={"element_id": "task_register", "reason": "立案信息更正"})
    assert resp.status_code == 200, resp.get_json()
    assert not instance_data(http, iid).get("recused_officers")  # the data forgot it; the history did not
    assert _rule(_post(http, iid, "task_register", c.REGISTER, "officer1")) == "recusal"
    # nor may another officer register the case naming him again
    assert _rule(_post(http, iid, "task_register", c.REGISTER, "officer2")) == "recusal"
    http.complete(iid, "task_register", {**c.REGISTER, "officers": ["officer2", "officer3"]}, "officer2")
    assert _rule(_post(http, iid, "task_recusal", c.RECUSAL_NONE, "officer1")) == "recusal"


def _at_record_start(http, holder: str) -> tuple[int, str, dict]:
    iid = _recused(http)
    http.complete(iid, "task_recusal", c.RECUSAL_NONE, "officer2")
    device = new_device(http)
    checkout(http, device, holder)
    return iid, device, http.open_task(iid, "task_record_start")


@pytest.mark.usefixtures("officer3")
def test_a_withdrawn_officer_is_not_present_at_an_act_APL_43(http):
    iid, device, start = _at_record_start(http, "officer2")
    resp = upload(http, iid, media(MP4), "c.mp4", av_meta(device, task_id=start["id"], officers=["officer2", "officer3"]),
                  as_user="officer2")
    assert resp.status_code == 201, resp.get_json()
    typed = _post(http, iid, "task_record_start", {**c.RECORD_START, "officers_present": "officer1, officer2"},
                  "officer2")
    assert typed.status_code == 422 and "officers_present" in typed.get_json()["errors"]  # chosen, not typed
    listed = _post(http, iid, "task_record_start", {**c.RECORD_START, "officers_present": ["officer1", "officer2"]},
                   "officer2")
    assert _rule(listed) == "recusal" and "officers_present" in listed.get_json()["message"]
    result = http.complete(iid, "task_record_start", {**c.RECORD_START, "officers_present": ["officer2", "officer3"]},
                           "officer2")
    assert [t["element_id"] for t in result["tasks"]] == ["task_investigation"]


@pytest.mark.usefixtures("officer3")
def test_a_device_held_by_a_withdrawn_officer_does_not_record_the_case_APL_43(http):
    iid, device, start = _at_record_start(http, "officer1")  # he worked the case before withdrawing
    resp = upload(http, iid, media(MP4), "d.mp4", av_meta(device, task_id=start["id"], officers=["officer2", "officer3"]),
                  as_user="officer2")
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "equipment_ledger", resp.get_json()
