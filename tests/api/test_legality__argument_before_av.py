"""The legality argument (合法性论证, seed 四(二)2) before audio/video of an act the recording list does not ask
it for: the shipped ``legality_argument`` diagram (an officer's request, a legal reviewer's argument, the head's
decision), and the service refusing A/V of such an act until an approved argument exists for that case and act."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api.extensions import db
from api.models import EvidenceItem, User
from tests import cases as c
from tests.api.evidence_support import MP4, av_meta, checkout, media, new_device, upload
from tests.api.orgs_support import make_user
from tests.api.recording_support import complete_act, to_right_notice
from tests.api.walk import Acts, open_ids

REQUEST = {"act_name": "告知听证权利", "necessity": "当事人情绪激动，曾多次否认收到告知，需同步记录告知过程。",
           "recording_scope": "告知全过程；执法记录仪；在场人员为当事人及两名执法人员。"}
LAWFUL = {"argument_outcome": "lawful", "argument_basis": "《行政处罚法》第四十七条",
          "argument_opinion": "记录告知过程有法定依据且必要，未涉及无关人员。"}


def _try_av(http, acts: Acts, iid: int, task: dict):
    if acts.device is None:
        acts.device = new_device(http)
        checkout(http, acts.device, "officer1")
    return upload(http, iid, media(MP4), "notice.mp4", av_meta(acts.device, task_id=task["id"]))


def _av_count(app, iid: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(EvidenceItem).where(
            EvidenceItem.instance_id == iid, EvidenceItem.kind == "audio_video"))


def _argue(http, iid: int, task_id: str, outcome: dict = LAWFUL, decision: str | None = "approve") -> int:
    arg = http.start("legality_argument")["id"]
    http.complete(arg, "task_la_request", {**REQUEST, "case_id": iid, "act_task_id": task_id}, "officer1")
    result = http.complete(arg, "task_la_argument", outcome, "reviewer1")
    if decision is not None:
        result = http.complete(arg, "task_la_decision", {"legality_decision": decision,
                                                          "decision_note": "同意。" if decision == "approve" else "不同意。"},
                               "head1")
    assert result["status"] == "completed", result
    return arg


def test_av_of_an_act_off_the_list_is_refused_before_an_approved_argument_and_accepted_after(app, http):
    acts = Acts(http)
    iid, task = to_right_notice(http, acts)
    before = _av_count(app, iid)
    refused = _try_av(http, acts, iid, task)
    assert refused.status_code == 403, refused.get_json()
    assert refused.get_json()["errors"]["rule"] == "legality_argument"
    assert _av_count(app, iid) == before  # nothing recorded
    _argue(http, iid, task["id"])
    assert _try_av(http, acts, iid, task).status_code == 201
    assert complete_act(http, task).status_code == 200


@pytest.mark.parametrize("outcome, decision", [
    ({**LAWFUL, "argument_outcome": "unlawful", "argument_opinion": "无法定依据。"}, None),  # ends at the argument
    (LAWFUL, "refuse"),
])
def test_an_argument_not_approved_keeps_the_av_refused(http, outcome, decision):
    acts = Acts(http)
    iid, task = to_right_notice(http, acts)
    _argue(http, iid, task["id"], outcome, decision)
    resp = _try_av(http, acts, iid, task)
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "legality_argument"


def test_an_approved_argument_covers_only_its_own_case_and_act(http):
    acts = Acts(http)
    iid, task = to_right_notice(http, acts)
    other_iid, other_task = to_right_notice(http, acts)
    _argue(http, other_iid, other_task["id"])
    resp = _try_av(http, acts, iid, task)
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "legality_argument"


def test_the_request_names_a_case_and_open_act_of_its_own_bureau(app, http):
    acts = Acts(http)
    iid, task = to_right_notice(http, acts)
    arg = http.start("legality_argument")["id"]
    request = http.open_task(arg, "task_la_request")
    url = f"/api/v1/tasks/{request['id']}/complete"
    for bad, field in (({"case_id": 999999}, "case_id"), ({"act_task_id": "no-such-task"}, "act_task_id"),
                       ({"case_id": arg}, "case_id")):  # an argument case itself is no case to record
        body = {**REQUEST, "case_id": iid, "act_task_id": task["id"], **bad}
        resp = http.call("POST", url, "officer1", json={"data": body})
        assert resp.status_code == 422 and field in resp.get_json()["errors"], (bad, resp.get_json())
    # an act the list asks A/V for needs no argument
    iid2 = http.start("enforcement_case")["id"]
    acts.complete(iid2, "task_register", c.REGISTER)
    acts.complete(iid2, "task_recusal", c.RECUSAL_NONE)
    site = http.open_task(iid2, "task_record_start")
    resp = http.call("POST", url, "officer1", json={"data": {**REQUEST, "case_id": iid2, "act_task_id": site["id"]}})
    assert resp.status_code == 422 and "act_task_id" in resp.get_json()["errors"]
    # another bureau's officer cannot aim an argument of theirs at nj-mzj's case: it is no case of their bureau
    officer_scj = make_user(app, "officer-scj-la", ["officer"], "nj-scj")  # no certificate: the lists stay as they are
    theirs = http.start("legality_argument", as_user=officer_scj)["id"]
    body = http.call("GET", f"/api/v1/instances/{theirs}", officer_scj).get_json()
    their_task = next(t for t in body["tasks"] if t["element_id"] == "task_la_request")
    resp = http.call("POST", f"/api/v1/tasks/{their_task['id']}/complete", officer_scj,
                     json={"data": {**REQUEST, "case_id": iid, "act_task_id": task["id"]}})
    assert resp.status_code == 422 and "case_id" in resp.get_json()["errors"]
    assert open_ids(http.call("GET", f"/api/v1/instances/{theirs}", officer_scj).get_json()) == ["task_la_request"]


def test_only_an_officer_of_the_case_asks_and_none_of_them_argues(app, http):
    acts = Acts(http)
    iid, task = to_right_notice(http, acts)
    arg = http.start("legality_argument", as_user="officer3")["id"]
    request = http.open_task(arg, "task_la_request")
    resp = http.call("POST", f"/api/v1/tasks/{request['id']}/complete", "officer3",
                     json={"data": {**REQUEST, "case_id": iid, "act_task_id": task["id"]}})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "legality_argument"
    # a legal reviewer who is an officer of the case (he worked one of its officer tasks) may not argue its recording
    # (APL 58, as in the legal review); no certificate, so the bureau's officer lists stay as they are
    both = make_user(app, "officer-reviewer-la", ["officer", "legal_reviewer"], "nj-mzj")
    with app.app_context():
        db.session.scalar(select(User).where(User.username == both)).legal_qualified = True
        db.session.commit()
    iid2 = http.start("enforcement_case")["id"]
    acts.complete(iid2, "task_register", c.REGISTER)
    acts.complete(iid2, "task_recusal", c.RECUSAL_NONE, both)
    acts.complete(iid2, "task_record_start", c.RECORD_START)
    acts.complete(iid2, "task_investigation", c.INVESTIGATION, "officer2")
    acts.complete(iid2, "task_proposal", c.PROPOSAL_MAJOR)
    task2 = http.open_task(iid2, "task_hearing_notice_right")
    arg2 = http.start("legality_argument")["id"]
    http.complete(arg2, "task_la_request", {**REQUEST, "case_id": iid2, "act_task_id": task2["id"]}, "officer1")
    argument = http.open_task(arg2, "task_la_argument")
    resp = http.call("POST", f"/api/v1/tasks/{argument['id']}/complete", both, json={"data": LAWFUL})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "separation_of_duties"
    http.complete(arg2, "task_la_argument", LAWFUL, "reviewer1")
