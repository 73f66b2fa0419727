"""disclosure through HTTP: the time limit (7 working days for penalties and permits, 20 for others, 118 号文),
nothing about a minor is published, and a withholding needs a reason."""
from __future__ import annotations

import uuid
from datetime import date, timedelta, timezone

from tests.api.walk import due_date, today, working_days
from tests.api.walk import instance_data as _data

BEIJING = timezone(timedelta(hours=8))


def case(**changes) -> dict:
    number = f"宁民宗罚〔2026〕D{uuid.uuid4().hex[:8]}号"
    return {"case_title": "某场所未经批准举办大型宗教活动案", "party_type": "person", "party_name": "张三",
            "party_id_number": "130528198001011234", "act_type": "penalty", "decision": "approve",
            "decision_text": "罚款人民币贰万元。", "decision_number": number, "legal_basis": "《宗教事务条例》第六十四条",
            "decision_date": today(), **changes}


def test_a_penalty_is_published_within_seven_working_days_of_the_decision(http):
    decided = (date.fromisoformat(today()) - timedelta(days=3)).isoformat()
    data = case(decision_date=decided)
    started = http.start("disclosure", data)
    review = http.open_task(started["id"], "task_review_masked")
    assert due_date(review) == working_days(decided, 7)
    masked = _data(http, started["id"])["masked_text"]
    assert data["party_id_number"] not in masked
    http.complete(started["id"], "task_review_masked", {"publish_approved": True, "masked_text": masked}, "publicity1")
    published = http.call("GET", "/api/v1/public/disclosures?q=" + data["decision_number"]).get_json()
    assert len(published) == 1 and published[0]["category"] == "penalty"


def test_other_decisions_have_twenty_working_days_counted_from_today_without_a_decision_date(http):
    started = http.start("disclosure", case(act_type="compulsion", decision_date=None))
    assert due_date(http.open_task(started["id"], "task_review_masked")) == working_days(today(), 20)


def test_a_minor_party_is_never_published(http):
    data = case(party_id_number=f"130528{date.today().year - 10}01011234")  # ten years old
    started = http.start("disclosure", data)
    assert started["status"] == "completed" and started["tasks"] == []
    assert _data(http, started["id"])["disclosure_withheld"] == "minor"
    assert http.call("GET", "/api/v1/public/disclosures?q=" + data["decision_number"]).get_json() == []


def test_withholding_needs_a_reason(http):
    data = case(party_type="organisation", party_name="某宗教活动场所管理组织", party_id_number="52130528MJ0000002X")
    iid = http.start("disclosure", data)["id"]
    masked = _data(http, iid)["masked_text"]
    result = http.complete(iid, "task_review_masked", {"publish_withheld": True, "masked_text": masked}, "publicity1")
    assert [t["element_id"] for t in result["tasks"]] == ["task_review_masked"]
    reason = {"publish_withheld": True, "withhold_reason": "决定涉及商业秘密，依法不予公开。", "masked_text": masked}
    assert http.complete(iid, "task_review_masked", reason, "publicity1")["status"] == "completed"
    assert _data(http, iid)["disclosure_withheld"] == "officer"
    assert http.call("GET", "/api/v1/public/disclosures?q=" + data["decision_number"]).get_json() == []
