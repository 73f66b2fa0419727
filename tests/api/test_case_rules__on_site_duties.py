"""On-site duties (APL 55): every task with an actKind records that certificates were shown, the document
issued, and that the party was told the reasons, basis, rights and remedies — the service refuses completion
without them, naming what is missing, in the shipped diagrams and in a deployed one whose form forgets them."""
from __future__ import annotations

import pytest

from tests import cases as c
from tests.api.helpers import fixture, upload
from tests.api.walk import Acts

FORGETFUL = ("forgetful_act.bpmn", "forgetful_act_record.form")


@pytest.fixture
def forgetful_act(http) -> str:
    resp = upload(http, "/api/v1/definitions", {name: fixture(name) for name in FORGETFUL})
    assert resp.status_code == 201, resp.get_json()
    return "forgetful_act"


def _refused(resp, *keys: str) -> str:
    body = resp.get_json()
    assert resp.status_code == 403 and body["errors"]["rule"] == "on_site_duties", body
    for key in keys:
        assert key in body["message"]
    return body["message"]


def test_a_site_inspection_without_the_duties_is_refused_naming_them_APL_55(http):
    acts = Acts(http)
    iid = http.start("enforcement_case")["id"]
    acts.complete(iid, "task_register", c.REGISTER)
    acts.complete(iid, "task_recusal", c.RECUSAL_NONE)
    task = http.open_task(iid, "task_record_start")
    acts.attach_av(iid, task)
    partial = {**c.RECORD_START, "duty_informed_remedies": False, "duty_document_issued": "  "}
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": partial})
    message = _refused(resp, "duty_informed_remedies", "告知救济途径", "remedies told", "duty_document_issued")
    assert "duty_certificates_shown" not in message  # only what is missing
    assert http.open_task(iid, "task_record_start")["state"] == "ready"  # nothing changed
    http.complete(iid, "task_record_start", c.RECORD_START, "officer1")


def test_every_act_of_the_case_records_the_duties_APL_55(http):
    """Investigation, the hearing-right notice and service are acts too."""
    acts = Acts(http)
    iid = http.start("enforcement_case")["id"]
    acts.complete(iid, "task_register", c.REGISTER)
    acts.complete(iid, "task_recusal", c.RECUSAL_NONE)
    acts.complete(iid, "task_record_start", c.RECORD_START)
    no_duties = {k: v for k, v in c.INVESTIGATION.items() if not k.startswith("duty_")}
    task = http.open_task(iid, "task_investigation")
    acts.attach_av(iid, task)
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer2", json={"data": no_duties})
    _refused(resp, "duty_certificates_shown", "出示执法证件")
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    notice = {k: v for k, v in c.RIGHT_NOTICE.items() if k != "duty_informed_rights"}
    task = http.open_task(iid, "task_hearing_notice_right")
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": notice})
    _refused(resp, "duty_informed_rights", "rights told")


def test_a_deployed_act_whose_form_forgets_the_duties_is_refused_APL_55(http, forgetful_act):
    iid = http.start(forgetful_act, {"officers": ["officer1", "officer2"]})["id"]
    task = http.open_task(iid, "task_act")
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": {"act_note": "已告知。"}})
    _refused(resp, *(key for key in c.DUTIES))
    # the keys cannot be smuggled past a form that does not have them either
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1",
                     json={"data": {"act_note": "已告知。", **c.DUTIES}})
    assert resp.status_code == 422
