"""What reaches the public holds off the happy path (issue 7 items 6-8, second round): start data only as a process
declares it, the outcome and how to fulfil it only from the decided content, enumerated fields only from their
fixed lists, statistics keyed by those lists, every spelling masked in every public field and the search, a minor
read from an ID in any spelling, and the registry's public lists masked (APL 59, OGI 15, OGI 41, PIPL 28)."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from engine import clock
from tests import cases as c
from tests.api.disclosure_support import decided, deploy_fixtures, published, release
from tests.api.walk import Acts, decision_number, instance_data


def _events(http, iid: int) -> list[dict]:
    body = http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
    return body["events"] if isinstance(body, dict) else body


def _outcome(http, iid: int) -> tuple[list[int], list[dict]]:
    events = _events(http, iid)
    return ([e["data"]["disclosure_id"] for e in events if e["type"] == "disclosure_published"],
            [e["data"] for e in events if e["type"] == "disclosure_withheld"])


def _public(http, did: int) -> dict:
    return http.call("GET", f"/api/v1/public/disclosures/{did}").get_json()


def _count(http, definition_key: str) -> int:
    found = http.call("GET", f"/api/v1/instances?definition_key={definition_key}&per_page=200", "auditor1")
    return len(found.get_json())


# --- B1: start data ------------------------------------------------------------------------------------------------

def test_a_shipped_process_takes_no_start_data_and_each_unknown_key_is_named__start_data(http):
    before = _count(http, "enforcement_case")
    resp = http.call("POST", "/api/v1/instances", "officer1", json={
        "definition_key": "enforcement_case", "data": {"outcome_label": "不予行政处罚", "fulfilment": "无需履行任何义务"}})
    assert resp.status_code == 422, resp.get_json()
    assert set(resp.get_json()["errors"]) == {"outcome_label", "fulfilment"}
    assert _count(http, "enforcement_case") == before  # nothing started
    assert http.call("POST", "/api/v1/instances", "officer1", json={"definition_key": "enforcement_case"}).status_code \
        == 201


def test_a_deployed_process_takes_only_the_start_data_it_declares__start_data(http):
    deploy_fixtures(http)  # decided_disclosure declares the case data a test gives it (startData)
    resp = http.call("POST", "/api/v1/instances", "officer1", json={
        "definition_key": "decided_disclosure", "data": {"case_title": "声明的键", "gate": {"effective": True}}})
    assert resp.status_code == 422 and set(resp.get_json()["errors"]) == {"gate"}
    assert "startData" in resp.get_json()["errors"]["gate"][0]


def test_the_published_outcome_and_fulfilment_come_from_the_decided_penalty__APL_59(http):
    """A warning decided by the head is published as 警告 with the statutory way to fulfil it, whatever
    outcome_label or fulfilment a deployed diagram carries in the case data."""
    iid, _ = decided(http, penalty_kind="warning", outcome_label="不予行政处罚", fulfilment="无需履行任何义务")
    assert "不予行政处罚" not in instance_data(http, iid)["disclosure_text"]
    assert "无需履行" not in instance_data(http, iid)["disclosure_text"]
    release(http, iid)
    (did,), _ = _outcome(http, iid)
    view = _public(http, did)
    assert view["penalty_kind"] == "warning" and view["penalty"] == "警告"
    assert view["fulfilment"] and "无需履行" not in view["fulfilment"] and "送达" in view["fulfilment"]


def test_a_recorded_performance_deadline_is_published_as_a_date_only__APL_59(http):
    due = (date.today() + timedelta(days=15)).isoformat()
    item = published(http, penalty_kind="fine", fine_amount=5000, decision_text="罚款人民币伍仟元。",
                     performance_due=due)
    d = date.fromisoformat(due)
    assert f"履行期限至{d.year}年{d.month}月{d.day}日" in item["fulfilment"] and "十五日内" in item["fulfilment"]
    free = published(http, penalty_kind="fine", fine_amount=5000, decision_text="罚款人民币伍仟元。",
                     performance_due="无需履行，电话13912345678")
    assert "无需履行" not in free["fulfilment"] and "十五日内" in free["fulfilment"]


# --- B2, B3: corrections and hand masks -----------------------------------------------------------------------------

def test_a_hand_mask_cannot_read_as_a_word__OGI_37(http):
    iid, _ = decided(http, decision_text="对当事人不予行政处罚。", penalty_kind="none")
    masked = instance_data(http, iid)["masked_text"]
    task = http.open_task(iid, "task_review_masked")
    for edited in (masked.replace("不予行政处罚", "某予行政处罚"), masked.replace("不予", "某某")):
        resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "publicity1",
                         json={"data": {"publish_choice": "release", "masked_text": edited}})
        assert resp.status_code == 422 and "masked_text" in resp.get_json()["errors"], resp.get_json()
        assert _outcome(http, iid) == ([], [])
    release(http, iid, masked_text=masked.replace("对当事人", "对***"))  # 张某 (the preview's 某) stays
    (did,), _ = _outcome(http, iid)
    assert "对***不予行政处罚" in _public(http, did)["masked_text"]


# --- B4: spellings in every public field, the search and withdrawal reasons ----------------------------------------

SPELLINGS = {
    "身份证号：130528  19800101  1234": "19800101", "身份证号1305281980\n01011234": "01011234",
    "身份证号：130528 - 19800101 - 1234": "19800101", "身份证号：130528/19800101/1234": "19800101",
    "联系人手机139.1234.5678": "1234.5678", "手机一三九一二三四五六七八": "一三九一二三四五六七八",
    "家住 宁晋县 城关镇 东街 12号": "东街 12号", "在河北省宁晋县城关镇东街12号居住": "城关镇东街12号",
    "家住宁晋县城关镇东街12号楼3-501": "3-501", "微信号zhangsan_1980": "zhangsan_1980", "QQ号123456789": "123456789",
    "车牌号冀E12345": "冀E12345", "驾驶冀E·12345号车辆": "E·12345", "护照号E12345678": "E12345678",
}


def test_every_spelling_is_masked_in_every_field_and_not_findable__OGI_15(http, client):
    facts = "经查属实。" + "；".join(SPELLINGS) + "。"
    item = published(http, facts=facts, case_title="案件" + "；".join(list(SPELLINGS)[:4]))
    body = json.dumps(item, ensure_ascii=False) + client.get("/public", query_string={"q": item["decision_number"]}) \
        .get_data(as_text=True)
    assert not [raw for raw in SPELLINGS.values() if raw in body]
    for raw in ("139.1234.5678", "13912345678", "zhangsan_1980", "冀E12345"):
        found = http.call("GET", "/api/v1/public/disclosures", query_string={"q": raw}).get_json()
        assert item["id"] not in [d["id"] for d in found], raw


def test_a_withdrawal_reason_is_masked_in_every_spelling__APL_48(http):
    item = published(http, party_type="organisation", party_name="某宗教活动场所",
                     party_id_number="52130528MJ0000003X", decision_date=(date.today() - timedelta(days=5)).isoformat())
    reason = "复议机关撤销。申请人身份证号130528  19800101  1234，家住 宁晋县 城关镇 东街 12号，手机139.1234.5678"
    resp = http.call("POST", f"/api/v1/disclosures/{item['id']}/withdrawals", "publicity1", json={
        "withdraw_basis": "revoked", "event_kind": "reconsideration",
        "event_date": (date.today() - timedelta(days=1)).isoformat(), "reason": reason})
    assert resp.status_code == 201, resp.get_json()
    http.complete(resp.get_json()["case_id"], "task_correction_review", {
        "correction_outcome": "withdraw", "correction_reason": reason, "withdraw_basis": "revoked"}, "publicity1")
    shown = _public(http, item["id"])
    assert shown["status"] == "withdrawn"
    assert not [raw for raw in ("19800101", "东街 12号", "1234.5678") if raw in shown["withdrawal"]["reason"]]
    found = http.call("GET", "/api/v1/public/disclosures", query_string={"q": "139.1234.5678"}).get_json()
    assert item["id"] not in [d["id"] for d in found]


# --- B5, B6: enumerated fields and statistics keys ------------------------------------------------------------------

def test_a_category_or_penalty_kind_off_its_list_is_not_published__public_field_enumerated(http):
    for changes in ({"act_type": "130528198001011238"}, {"penalty_kind": "电话13912345678"}):
        iid, data = decided(http, **changes)
        release(http, iid)
        ids, withheld = _outcome(http, iid)
        assert ids == [] and [w["rule"] for w in withheld] == ["public_field_enumerated"], withheld
        listed = http.call("GET", "/api/v1/public/disclosures", query_string={"q": data["decision_number"]})
        assert listed.get_json() == []


def test_published_statistics_are_keyed_by_the_fixed_lists_only__public_field_enumerated(http, monkeypatch):
    year = clock.today().year
    deployed = http.call("GET", "/api/v1/statistics/" + str(year), "auditor1").get_json()
    other = deployed["cases"]["by_act_type"].get("other", {}).get("started", 0)
    deploy_fixtures(http)
    http.start("decided_disclosure", {"act_type": "张三身份证130528198001011238", "case_title": "统计探针"})
    monkeypatch.setattr(clock, "now", lambda: datetime(year + 1, 1, 2, 10, tzinfo=clock.BEIJING).astimezone(UTC))
    assert http.call("POST", f"/api/v1/statistics/{year}/publish", "head1").status_code == 201
    report = http.call("GET", f"/api/v1/public/statistics/{year}").get_json()
    body = json.dumps(report, ensure_ascii=False)
    assert "130528198001011238" not in body and "张三" not in body
    assert report["content"]["cases"]["by_act_type"]["other"]["started"] == other + 1


# --- B7: a minor read from an ID in any spelling; the registration validates the ID ---------------------------------

MINOR_ID = "130528-20150101-1239"  # born 2015-01-01, check character 9, typed with dashes


def test_a_minor_typed_with_dashes_is_never_published__OGI_15(http):
    acts = Acts(http)
    iid = http.start("enforcement_case", {})["id"]
    bad = http.call("POST", f"/api/v1/tasks/{http.open_task(iid, 'task_register')['id']}/complete", "officer1",
                    json={"data": {**c.REGISTER, "party_id_number": "130528-20150101-1234"}})
    assert bad.status_code == 422 and "party_id_number" in bad.get_json()["errors"]  # wrong check character
    acts.complete(iid, "task_register", {**c.REGISTER, "party_id_number": MINOR_ID})
    acts.complete(iid, "task_recusal", c.RECUSAL_NONE)
    acts.complete(iid, "task_record_start", c.RECORD_START)
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    acts.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)}, "head1")
    acts.complete(iid, "task_service", c.SERVICE)
    opened = [t["element_id"] for t in http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()["tasks"]]
    assert "task_review_masked" not in opened  # the minor's decision does not go to publication
    assert _outcome(http, iid)[0] == [] and instance_data(http, iid).get("party_is_minor") is True


def test_the_registration_refuses_an_id_number_that_is_none__party_id_number(http):
    iid = http.start("enforcement_case", {})["id"]
    task = http.open_task(iid, "task_register")
    for wrong in ("130528198001011234", "13052819801301123X", "12345", "电话13912345678"):
        resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1",
                         json={"data": {**c.REGISTER, "party_id_number": wrong}})
        assert resp.status_code == 422 and "party_id_number" in resp.get_json()["errors"], (wrong, resp.get_json())
    for right in ("130528 19800101 1238", "130528150101123", "91130528MA0CXXXX1X"):
        data = {**c.REGISTER, "party_id_number": right}
        if not right.startswith("9"):
            data["party_type"] = "person"
        again = http.start("enforcement_case", {})["id"]
        task = http.open_task(again, "task_register")
        resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": data})
        assert resp.status_code == 200, (right, resp.get_json())


# --- B8: the registry's public lists ----------------------------------------------------------------------------------

NOTE = "负责人张三，身份证号130528198001011238，手机139.1234.5678，家住宁晋县城关镇东街12号"


def test_the_registrys_public_lists_are_masked__OGI_15(http):
    assert http.call("POST", "/api/v1/inspection-targets", "admin", json={
        "code": "T-MASK-1", "name": "某村聚会点", "category": "venue", "note": NOTE}).status_code == 201
    assert http.call("POST", "/api/v1/inspection-items", "admin", json={
        "code": "I-MASK-1", "name": "宗教活动场所抽查", "legal_basis": "《宗教事务条例》", "target_category": "venue",
        "method": "联系人手机13912345678"}).status_code == 201
    for path in ("/api/v1/public/inspection-targets", "/api/v1/public/inspection-items", "/api/v1/public/powers",
                 "/api/v1/public/lottery-plans", "/api/v1/public/officers"):
        resp = http.call("GET", path)
        assert resp.status_code == 200, path
        body = json.dumps(resp.get_json(), ensure_ascii=False)
        assert not [raw for raw in ("130528198001011238", "13912345678", "1234.5678", "东街12号") if raw in body], path
    targets = http.call("GET", "/api/v1/public/inspection-targets").get_json()
    assert next(t for t in targets if t["code"] == "T-MASK-1")["name"] == "某村聚会点"
    officers = http.call("GET", "/api/v1/public/officers").get_json()
    assert officers and all(o["display_name"] and o["certificate_number"] for o in officers)  # public by law
