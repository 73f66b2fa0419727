"""The legal review checklist binds (APL 58, 118 号文): "agree" only with every item ticked and no suspected
crime; a suspected crime takes the case to referral (APL 27); "problems" names a problem code; a second round
starts blank and shows the handler's fix note and what changed in the proposal."""
from __future__ import annotations

import pytest

from tests import cases as c
from tests.api.helpers import fixture, upload
from tests.api.walk import Acts, to_proposal, today, waive_hearing
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open
from tests.api.walk import verified as _verified

FORGETFUL = ("forgetful_review_case.bpmn", "forgetful_review.form")


def _at_review(http) -> tuple[int, Acts]:
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    return iid, acts


def _post(http, iid: int, element_id: str, data: dict, user: str):
    task = http.open_task(iid, element_id)
    return http.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})


def test_agree_with_an_unticked_item_is_refused_naming_it_APL_58(http):
    iid, _ = _at_review(http)
    resp = _post(http, iid, "task_legal_review", {**c.REVIEW_AGREE, "evidence_sufficient": False,
                                                  "discretion_proper": False}, "reviewer1")
    body = resp.get_json()
    assert resp.status_code == 403 and body["errors"]["rule"] == "review_checklist", body
    assert "evidence_sufficient" in body["message"] and "证据合法充分" in body["message"]
    assert "discretion_proper" in body["message"] and "body_lawful" not in body["message"]
    assert http.open_task(iid, "task_legal_review")["state"] == "ready"


def test_problems_without_a_problem_code_is_422(http):
    iid, _ = _at_review(http)
    no_code = {k: v for k, v in c.REVIEW_PROBLEMS.items() if k != "problem_code"}
    resp = _post(http, iid, "task_legal_review", no_code, "reviewer1")
    assert resp.status_code == 422 and "problem_code" in resp.get_json()["errors"]


def test_a_suspected_crime_cannot_be_agreed_and_goes_to_referral_APL_27(http):
    iid, acts = _at_review(http)
    crime = {**c.REVIEW_AGREE, "criminal_referral_needed": True}
    resp = _post(http, iid, "task_legal_review", crime, "reviewer1")
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "review_checklist"
    assert "criminal_referral_needed" in resp.get_json()["message"]
    # ticked, but another problem code: still refused
    resp = _post(http, iid, "task_legal_review", {**c.REVIEW_PROBLEMS, "criminal_referral_needed": True}, "reviewer1")
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "review_checklist"
    refer = {**c.REVIEW_PROBLEMS, "criminal_referral_needed": True, "problem_code": "refer",
             "review_opinion": "涉嫌犯罪，应移送公安机关。"}
    result = http.complete(iid, "task_legal_review", refer, "reviewer1")
    assert _open(result) == ["task_referral_approval"]
    # no penalty decision of our own on a referred case
    http.complete(iid, "task_referral_approval", {"referral_approved": "yes", "referral_approval_note": "同意移送。"},
                  "head1")
    referral = {"referral_authority": "宁晋县公安局", "referral_date": today(), "referral_number": "宁民宗移〔2026〕1号",
                "referral_materials": "涉嫌犯罪案件移送书、调查终结报告、证据材料。", "referral_copied_to_procuratorate": True}
    assert _open(http.complete(iid, "task_criminal_referral", referral, "officer1")) == ["task_archive"]
    result = http.complete(iid, "task_archive", c.ARCHIVE, "officer1")
    assert result["status"] == "completed"
    _verified(http, iid)


def test_a_refused_referral_returns_the_case_to_a_new_proposal(http):
    iid, _ = _at_review(http)
    refer = {**c.REVIEW_PROBLEMS, "criminal_referral_needed": True, "problem_code": "refer"}
    http.complete(iid, "task_legal_review", refer, "reviewer1")
    result = http.complete(iid, "task_referral_approval",
                           {"referral_approved": "no", "referral_approval_note": "未达到追诉标准。"}, "head1")
    assert _open(result) == ["task_proposal"]
    assert _data(http, iid)["referral_needed"] is False


def test_the_second_round_starts_blank_and_shows_the_fix_and_the_changes(http):
    iid, acts = _at_review(http)
    http.complete(iid, "task_legal_review", c.REVIEW_PROBLEMS, "reviewer1")
    fix = {**c.FIX, "fine_amount": 15000, "proposal_text": "罚款人民币壹万伍仟元。", "facts": "",
           "fix_description": "补充了询问笔录，并按裁量基准降低罚款。"}
    http.complete(iid, "task_fix_resubmit", fix, "officer1")
    task = http.open_task(iid, "task_legal_review")
    shown = http.call("GET", f"/api/v1/tasks/{task['id']}", "reviewer1").get_json()["data"]
    assert shown["review_outcome"] is None and shown["problem_code"] is None and shown["review_opinion"] is None
    assert not any(shown[key] for key in c.CHECKLIST)  # nothing pre-ticked
    assert shown["review_round"] == 2
    assert shown["fix_description"] == fix["fix_description"]
    assert shown["facts"] == c.SUBMIT_REVIEW["facts"]  # a blank field keeps its value
    changes = {ch["field"]: (ch["before"], ch["after"]) for ch in shown["proposal_changes"]}
    assert set(changes) == {"fine_amount", "proposal_text"}
    assert changes["fine_amount"][1] == 15000
    assert "15000" in shown["proposal_changes_text"]
    # the reviewer's second round is judged on its own submission, not the first one's ticks
    resp = _post(http, iid, "task_legal_review", {"review_outcome": "agree", "review_opinion": "同意。"}, "reviewer1")
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "review_checklist"
    http.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")
    assert _data(http, iid)["fine_amount"] == 15000


@pytest.fixture
def forgetful_review(http) -> str:
    resp = upload(http, "/api/v1/definitions", {name: fixture(name) for name in FORGETFUL})
    assert resp.status_code == 201, resp.get_json()
    return "forgetful_review_case"


def test_a_deployed_review_form_without_the_checklist_cannot_agree(http, forgetful_review):
    iid = http.start(forgetful_review, {"officers": ["officer1", "officer2"]})["id"]
    resp = _post(http, iid, "task_review", {"review_outcome": "agree", "review_opinion": "同意。"}, "reviewer1")
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "review_checklist"
    resp = _post(http, iid, "task_review", {"review_outcome": "problems", "review_opinion": "问题。"}, "reviewer1")
    assert resp.status_code == 422 and "problem_code" in resp.get_json()["errors"]
