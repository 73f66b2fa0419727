"""disclosure_correction through HTTP, started by a public correction request (OGI 41): correct (a new
version), withdraw within 3 working days with the reason published (APL 48), or reject; the requester is answered."""
from __future__ import annotations

from datetime import date, timedelta, timezone

import pytest

from tests.api.disclosure_support import published as _published
from tests.api.walk import due_date, today, working_days
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open
from tests.api.walk import verified as _verified

BEIJING = timezone(timedelta(hours=8))


def published(http) -> dict:
    """A penalty decision (made ten days ago) published through the disclosure process of a decided case."""
    return _published(http, party_type="organisation", party_name="某宗教活动场所",
                      party_id_number="52130528MJ0000003X", decision_text="罚款人民币伍万元。",
                      legal_basis="《宗教事务条例》第六十五条", decision_date=days_ago(10))


def days_ago(n: int) -> str:
    return (date.fromisoformat(today()) - timedelta(days=n)).isoformat()


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
    iid = request(http, item, "案件名称中的场所信息不应公开。")
    review = {"correction_outcome": "correct", "correction_reason": "案件名称中的场所名称予以遮蔽。"}
    assert _open(http.complete(iid, "task_correction_review", review, "publicity1")) == ["task_correction_edit"]
    text = _data(http, iid)["corrected_text"]
    assert text == item["masked_text"]  # the editor starts from the published text
    edited = text.replace("某场所", "***", 1)  # masks further
    assert edited != text
    result = http.complete(iid, "task_correction_edit", {"corrected_text": edited}, "publicity1")
    assert _open(result) == ["task_correction_reply"]
    old = public(http, item["id"])
    assert old["status"] == "superseded"
    new = public(http, old["superseded_by"])
    assert new["masked_text"] == edited and "某场所未经批准" not in new["masked_text"]
    assert new["correction_reason"] == review["correction_reason"]
    http.complete(iid, "task_correction_reply", {"reply_text": "已更正。"}, "publicity1")


def test_a_correction_may_only_mask_or_restore_the_decided_text__OGI_41(http):
    """A correction of the publication is not a new decision: text the head never decided (a large fine, a
    revocation, an added line) is refused with 422 naming corrected_text and nothing is published; a changed
    decision is withdrawn (APL 48) and decided anew."""
    item = published(http)
    iid = request(http, item, "文号有误请更正")
    http.complete(iid, "task_correction_review", {"correction_outcome": "correct", "correction_reason": "文号录入错误。"},
                  "publicity1")
    text = _data(http, iid)["corrected_text"]
    for made_up in ("行政执法决定公示\n处理结果：吊销宗教活动场所登记证书，并处罚款人民币伍拾万元",
                    text.replace("伍万元", "伍拾万元"),
                    text.replace(item["decision_number"], item["decision_number"] + "（更正）"),
                    text + "\n并吊销登记证书。",
                    text.replace("罚款", "某款")):  # 某 reads as a word: a hand mask uses *, ＊, ×, ■ or ●
        resp = http.call("POST", f"/api/v1/tasks/{http.open_task(iid, 'task_correction_edit')['id']}/complete",
                         "publicity1", json={"data": {"corrected_text": made_up}})
        assert resp.status_code == 422 and "corrected_text" in resp.get_json()["errors"], (made_up, resp.get_json())
        assert public(http, item["id"])["status"] == "published"
    # restoring what the original says (the party, masked at the release) is a correction of the publication
    restored = text.replace("伍万元", "伍万元")
    result = http.complete(iid, "task_correction_edit", {"corrected_text": restored}, "publicity1")
    assert _open(result) == ["task_correction_reply"]
    assert public(http, public(http, item["id"])["superseded_by"])["penalty"] == item["penalty"]


def test_a_rejected_request_is_answered_and_changes_nothing(http):
    item = published(http)
    iid = request(http, item, "我认为罚款太重。")
    review = {"correction_outcome": "reject", "correction_reason": "公示内容与决定书一致，不属于公示错误。"}
    assert _open(http.complete(iid, "task_correction_review", review, "publicity1")) == ["task_correction_reply"]
    result = http.complete(iid, "task_correction_reply", {"reply_text": "经核查，公示无误；对处罚决定不服的，可申请行政复议。"},
                           "publicity1")
    assert result["status"] == "completed"
    assert public(http, item["id"])["status"] == "published"


# --- the bureau starts the withdrawal (APL 48) -------------------------------------------------------

def _withdrawal(http, item: dict, user: str = "publicity1", **changes):
    body = {"withdraw_basis": "revoked", "event_kind": "reconsideration",
            "event_date": (date.fromisoformat(today()) - timedelta(days=2)).isoformat(),
            "reason": "行政复议机关撤销了该处罚决定。", **changes}
    return http.call("POST", f"/api/v1/disclosures/{item['id']}/withdrawals", user, json=body)


def test_bureau_starts_a_withdrawal_due_three_working_days_after_the_event__APL_48(http):
    item = published(http)
    event_date = (date.fromisoformat(today()) - timedelta(days=2)).isoformat()
    resp = _withdrawal(http, item, event_date=event_date, event_kind="litigation", withdraw_basis="changed",
                       reason="人民法院判决变更该处罚决定。")
    assert resp.status_code == 201, resp.get_json()
    started = resp.get_json()
    iid = started["case_id"]
    assert started["withdraw_due"] == working_days(event_date, 3)  # from the event, not from today
    review = http.open_task(iid, "task_correction_review")
    assert review["role"] == "publicity_officer" and due_date(review) == working_days(event_date, 3)
    assert public(http, item["id"])["status"] == "published"  # the officer's task withdraws it
    data = _data(http, iid)
    assert (data["origin"], data["event_kind"], data["event_date"], data["withdraw_basis"]) == (
        "bureau", "litigation", event_date, "changed")
    done = http.complete(iid, "task_correction_review", {"correction_outcome": "withdraw", "withdraw_basis": "changed",
                                                         "correction_reason": "人民法院判决变更该处罚决定。"},
                         "publicity1")
    assert _open(done) == ["task_correction_reply"]
    view = public(http, item["id"])
    assert view["status"] == "withdrawn" and view["withdrawal"]["basis"] == "changed"
    assert view["withdrawal"]["event_kind"] == "litigation" and view["withdrawal"]["event_date"] == event_date
    _verified(http, iid)


def test_the_head_may_start_a_withdrawal_and_an_officer_may_not__APL_48(http):
    item = published(http)
    refused = _withdrawal(http, item, "officer1")
    assert refused.status_code == 403 and refused.get_json()["errors"]["rule"] == "role"
    assert _withdrawal(http, item, "head1", event_kind="self_correction").status_code == 201


def test_a_withdrawal_is_refused_with_a_future_date_bad_fields_or_twice__APL_48(http):
    item = published(http)
    future = (date.fromisoformat(today()) + timedelta(days=1)).isoformat()
    late = _withdrawal(http, item, event_date=future)
    assert late.status_code == 422 and "event_date" in late.get_json()["errors"]
    bad = _withdrawal(http, item, withdraw_basis="whim", event_kind="rumour", reason=" ")
    assert bad.status_code == 422 and {"withdraw_basis", "event_kind", "reason"} <= set(bad.get_json()["errors"])
    assert http.call("POST", "/api/v1/disclosures/999999999/withdrawals", "publicity1",
                     json={"withdraw_basis": "revoked", "event_kind": "reconsideration", "event_date": today(),
                           "reason": "行政复议机关撤销。"}).status_code == 404
    iid = _withdrawal(http, item).get_json()["case_id"]
    http.complete(iid, "task_correction_review", {"correction_outcome": "withdraw", "withdraw_basis": "revoked",
                                                  "correction_reason": "行政复议机关撤销了该处罚决定。"}, "publicity1")
    assert _withdrawal(http, item).status_code == 409


def test_a_correction_case_cannot_be_started_by_hand__APL_48(http):
    item = published(http)
    data = {"disclosure_id": item["id"], "request_contact": "x", "request_reason": "编造的申请。",
            "request_date": "2020-01-01", "disclosure_title": item["title"], "disclosure_text": item["masked_text"]}
    as_public = http.call("POST", "/api/v1/instances", "officer1",
                          json={"definition_key": "disclosure_correction", "data": data})
    assert as_public.status_code == 422 and "definition_key" in as_public.get_json()["errors"]  # the service's own
    as_bureau = http.call("POST", "/api/v1/instances", "officer1", json={
        "definition_key": "disclosure_correction",
        "data": {**data, "origin": "bureau", "withdraw_basis": "revoked", "event_kind": "reconsideration",
                 "event_date": today(), "correction_reason": "撤销。"}})
    assert as_bureau.status_code == 422 and "definition_key" in as_bureau.get_json()["errors"]
    bare = http.call("POST", "/api/v1/instances", "officer1", json={"definition_key": "disclosure_correction"})
    assert bare.status_code in (403, 422), bare.get_json()  # only the public channel and the bureau start one


def test_a_public_request_is_dated_by_the_server_not_by_the_requester__APL_48(http):
    item = published(http)
    resp = http.call("POST", "/api/v1/public/corrections", json={
        "disclosure_id": item["id"], "contact": "13900000000", "reason": "该处罚决定已被撤销。",
        "request_date": "2020-01-02"})
    assert resp.status_code == 201, resp.get_json()
    iid = resp.get_json()["case_id"]
    data = _data(http, iid)
    assert data["request_date"] == today() and data["withdraw_due"] == working_days(today(), 3)
    assert due_date(http.open_task(iid, "task_correction_review")) == working_days(today(), 3)


@pytest.mark.parametrize("target", ["task_correction_edit", "task_correction_review"])
def test_a_published_correction_is_not_undone_by_a_rewind__APL_48(http, target):
    """Found from outside: a finished correction case rewound to its review could then 'reject' the request: the
    requester was told 'not corrected' while the public list kept the correction."""
    item = published(http)
    iid = request(http, item, "案件名称中的场所信息不应公开。")
    review = {"correction_outcome": "correct", "correction_reason": "案件名称中的场所名称予以遮蔽。"}
    http.complete(iid, "task_correction_review", review, "publicity1")
    edited = _data(http, iid)["corrected_text"].replace("某场所", "***", 1)
    http.complete(iid, "task_correction_edit", {"corrected_text": edited}, "publicity1")
    http.complete(iid, "task_correction_reply", {"reply_text": "已更正。"}, "publicity1")
    resp = http.call("POST", f"/api/v1/instances/{iid}/rewind", "admin",
                     json={"element_id": target, "reason": "重新审查更正申请"})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "published_decision_stands"
    assert public(http, item["id"])["status"] == "superseded"
