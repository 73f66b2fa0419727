"""Recusal (APL 43, APL 64(4)) is not only declared at the start: the party may apply at the hearing. The
hearing is suspended, a head decides (rule recusal: a head's recusal the principal head), and the hearing goes
on without the withdrawn officer, who may then take no part in the case."""
from __future__ import annotations

import pytest

from tests import cases as c
from tests.api.evidence_support import MP4, av_meta, media
from tests.api.evidence_support import upload as upload_evidence
from tests.api.test_case_rules__recusal import officer3  # noqa: F401  (fixture)
from tests.api.walk import Acts, instance_data, open_ids, to_proposal, today, working_days

HEARING = {**c.DUTIES, "duty_document_issued": "《听证笔录》", "party_attended": True,
           "hearing_record": "听证笔录：当事人陈述、申辩……", "hearing_opinion": "事实清楚，维持拟处理意见。",
           "record_signed": True}
APPLIED = {**HEARING, "recusal_needed": True, "recused_officer": "officer2",
           "recusal_reason": "当事人称执法人员officer2系其亲属。", "hearing_opinion": "听证中止。"}


def _post(http, iid: int, element_id: str, data: dict, user: str):
    task = http.open_task(iid, element_id)
    return http.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})


def _at_hearing(http, acts: Acts) -> int:
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    acts.complete(iid, "task_hearing_notice_right", c.RIGHT_NOTICE)
    acts.complete(iid, "task_hearing_request", {"hearing_requested": "yes", "request_date": today()})
    notice = {"notice_date": today(), "hearing_date": working_days(today(), 7), "hearing_place": "局听证室",
              "hearing_host": "法制科王某", "hearing_public": True}
    assert open_ids(acts.complete(iid, "task_hearing_notice", notice)) == ["task_hearing"]
    return iid


@pytest.mark.usefixtures("officer3")
def test_the_party_applies_for_recusal_at_the_hearing_APL_43(http):
    acts = Acts(http)
    iid = _at_hearing(http, acts)
    resp = _post(http, iid, "task_hearing", {**APPLIED, "recused_officer": None}, "officer1")
    assert resp.status_code == 422 and "recused_officer" in resp.get_json()["errors"], resp.get_json()
    result = acts.complete(iid, "task_hearing", APPLIED)
    assert open_ids(result) == ["task_hearing_recusal_decision"]
    assert http.open_task(iid, "task_hearing_recusal_decision")["role"] == "head"
    assert instance_data(http, iid)["recused_officer_level"] == "officer"
    decision = {"recusal_outcome": "recuse", "recusal_decision_note": "决定回避。", "officers": ["officer1", "officer3"]}
    result = http.complete(iid, "task_hearing_recusal_decision", decision, "head1")
    assert open_ids(result) == ["task_hearing"]  # the hearing goes on
    assert instance_data(http, iid)["recused_officers"] == ["officer2"]
    # the withdrawn officer takes no part in the resumed hearing, nor in anything after it
    assert _post(http, iid, "task_hearing", HEARING, "officer2").get_json()["errors"]["rule"] == "recusal"
    task = http.open_task(iid, "task_hearing")
    resp = upload_evidence(http, iid, media(MP4), "h2.mp4",
                           av_meta(acts.device, task_id=task["id"], officers=["officer1", "officer3"]))
    assert resp.status_code == 201, resp.get_json()
    result = http.complete(iid, "task_hearing", HEARING, "officer1")
    assert open_ids(result) == ["task_submit_review"]
    assert _post(http, iid, "task_submit_review", c.SUBMIT_REVIEW, "officer2").get_json()["errors"]["rule"] == "recusal"


def test_a_dismissed_application_at_the_hearing_resumes_it_with_the_same_officers_APL_43(http):
    acts = Acts(http)
    iid = _at_hearing(http, acts)
    acts.complete(iid, "task_hearing", APPLIED)
    dismissed = {"recusal_outcome": "dismiss", "recusal_decision_note": "不存在利害关系，驳回申请。",
                 "officers": ["officer1", "officer2"]}
    assert open_ids(http.complete(iid, "task_hearing_recusal_decision", dismissed, "head2")) == ["task_hearing"]
    assert open_ids(acts.complete(iid, "task_hearing", HEARING, "officer2")) == ["task_submit_review"]
    assert not instance_data(http, iid).get("recused_officers")
