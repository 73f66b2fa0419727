"""disclosure_correction through HTTP, started by a public correction request (OGI 41): correct (a new
version), withdraw within 3 working days with the reason published (APL 48), or reject; the requester is answered."""
from __future__ import annotations

import uuid
from datetime import timedelta, timezone

from tests.api.walk import due_date, today, working_days
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open
from tests.api.walk import verified as _verified

BEIJING = timezone(timedelta(hours=8))


def published(http) -> dict:
    """A penalty decision published through the disclosure process."""
    number = f"宁民宗罚〔2026〕C{uuid.uuid4().hex[:8]}号"
    data = {"case_title": "某场所违规案", "party_type": "organisation", "party_name": "某宗教活动场所",
            "party_id_number": "52130528MJ0000003X", "act_type": "penalty", "decision": "approve",
            "decision_text": "罚款人民币伍万元。", "decision_number": number, "legal_basis": "《宗教事务条例》第六十五条",
            "decision_date": today()}
    iid = http.start("disclosure", data)["id"]
    masked = _data(http, iid)["masked_text"]
    http.complete(iid, "task_review_masked", {"publish_approved": True, "masked_text": masked}, "publicity1")
    (item,) = http.call("GET", "/api/v1/public/disclosures?q=" + number).get_json()
    return item


def request(http, item: dict, reason: str) -> int:
    resp = http.call("POST", "/api/v1/public/corrections",
                     json={"disclosure_id": item["id"], "contact": "13900000000", "reason": reason})
    assert resp.status_code == 201, resp.get_json()
    case_id = resp.get_json()["case_id"]
    assert case_id is not None
    return case_id


def public(http, disclosure_id: int) -> dict:
    return http.call("GET", f"/api/v1/public/disclosures/{disclosure_id}").get_json()


def test_withdrawal_within_three_working_days_with_the_reason_published(http):
    item = published(http)
    iid = request(http, item, "该处罚决定已被复议机关撤销。")
    review = http.open_task(iid, "task_correction_review")
    assert review["role"] == "publicity_officer"
    assert due_date(review) == _data(http, iid)["withdraw_due"] == working_days(today(), 3)
    no_basis = {"correction_outcome": "withdraw", "correction_reason": "行政复议决定撤销原处罚决定。"}
    assert _open(http.complete(iid, "task_correction_review", no_basis, "publicity1")) == ["task_correction_review"]
    assert "撤回依据" in _data(http, iid)["correction_error"]
    result = http.complete(iid, "task_correction_review", {**no_basis, "withdraw_basis": "revoked"}, "publicity1")
    assert _open(result) == ["task_correction_reply"]
    view = public(http, item["id"])
    assert view["status"] == "withdrawn"
    assert view["withdrawal"]["reason"] == no_basis["correction_reason"] and view["withdrawal"]["basis"] == "revoked"
    result = http.complete(iid, "task_correction_reply", {"reply_text": "已撤回公示。", "reply_method": "phone"},
                           "publicity1")
    assert result["status"] == "completed"
    _verified(http, iid)


def test_a_correction_is_published_as_a_new_masked_version(http):
    item = published(http)
    iid = request(http, item, "决定书文号有误。")
    review = {"correction_outcome": "correct", "correction_reason": "决定书文号录入错误，予以更正。"}
    assert _open(http.complete(iid, "task_correction_review", review, "publicity1")) == ["task_correction_edit"]
    text = _data(http, iid)["corrected_text"]
    assert text == item["masked_text"]  # the editor starts from the published text
    edited = text.replace(item["decision_number"], item["decision_number"] + "（更正）") + "\n联系人身份证号130528198001011234"
    result = http.complete(iid, "task_correction_edit", {"corrected_text": edited}, "publicity1")
    assert _open(result) == ["task_correction_reply"]
    old = public(http, item["id"])
    assert old["status"] == "superseded"
    new = public(http, old["superseded_by"])
    assert "（更正）" in new["masked_text"] and "130528198001011234" not in new["masked_text"]
    assert new["correction_reason"] == review["correction_reason"]
    http.complete(iid, "task_correction_reply", {"reply_text": "已更正。"}, "publicity1")


def test_a_rejected_request_is_answered_and_changes_nothing(http):
    item = published(http)
    iid = request(http, item, "我认为罚款太重。")
    review = {"correction_outcome": "reject", "correction_reason": "公示内容与决定书一致，不属于公示错误。"}
    assert _open(http.complete(iid, "task_correction_review", review, "publicity1")) == ["task_correction_reply"]
    result = http.complete(iid, "task_correction_reply", {"reply_text": "经核查，公示无误；对处罚决定不服的，可申请行政复议。"},
                           "publicity1")
    assert result["status"] == "completed"
    assert public(http, item["id"])["status"] == "published"
