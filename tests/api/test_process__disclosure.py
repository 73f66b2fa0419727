"""disclosure through HTTP: the time limit (7 working days for penalties and permits, 20 for others, 118 号文),
nothing about a minor is published, only real decisions are published, and release or withhold is one reasoned
choice made with the original beside the masked text."""
from __future__ import annotations

from datetime import date, timedelta

from tests.api.disclosure_support import case_data, decided, deploy_fixtures, release
from tests.api.helpers import web_login
from tests.api.walk import due_date, today, working_days
from tests.api.walk import instance_data as _data


def _public(http, number: str) -> list[dict]:
    return http.call("GET", "/api/v1/public/disclosures?q=" + number).get_json()


def _events(http, iid: int, kind: str) -> list[dict]:
    history = http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
    items = history["events"] if isinstance(history, dict) else history
    return [e for e in items if e["type"] == kind]


def test_a_penalty_is_published_within_seven_working_days_of_the_decision(http):
    decided_on = (date.fromisoformat(today()) - timedelta(days=3)).isoformat()
    iid, data = decided(http, decision_date=decided_on)
    review = http.open_task(iid, "task_review_masked")
    assert due_date(review) == working_days(decided_on, 7)
    assert data["party_id_number"] not in _data(http, iid)["masked_text"]
    release(http, iid)
    published = _public(http, data["decision_number"])
    assert len(published) == 1 and published[0]["category"] == "penalty"


def test_other_decisions_have_twenty_working_days_counted_from_today_without_a_decision_date(http):
    iid, _ = decided(http, act_type="compulsion", decision_date=None)
    assert due_date(http.open_task(iid, "task_review_masked")) == working_days(today(), 20)


def test_a_minor_party_is_never_published__OGI_15(http):
    iid, data = decided(http, party_id_number=f"130528{date.today().year - 10}01011234")  # ten years old
    assert [t["element_id"] for t in http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()["tasks"]] == []
    assert _data(http, iid)["disclosure_withheld"] == "minor"
    assert _public(http, data["decision_number"]) == []


def test_disclosure_cannot_be_started_by_hand_with_made_up_content__APL_59(http):
    before = len(http.call("GET", "/api/v1/instances?definition_key=disclosure&per_page=200", "auditor1").get_json())
    made_up = case_data(case_title="编造的处罚决定")
    resp = http.call("POST", "/api/v1/instances", "officer1", json={"definition_key": "disclosure", "data": made_up})
    assert resp.status_code == 422 and "definition_key" in resp.get_json()["errors"]  # called only, by the case
    resp = http.call("POST", "/api/v1/instances", "officer1", json={"definition_key": "disclosure"})
    assert resp.status_code in (403, 422), resp.get_json()  # no decision (and no case data) to publish
    after = len(http.call("GET", "/api/v1/instances?definition_key=disclosure&per_page=200", "auditor1").get_json())
    assert after == before  # nothing was started


def test_a_diagram_that_publishes_before_any_decision_publishes_nothing__APL_59(http):
    deploy_fixtures(http)
    iid = http.start("early_publish", {"case_title": "未决定先公示", "act_type": "penalty"})["id"]
    token = "未决定" + date.today().isoformat() + str(iid)
    result = http.complete(iid, "task_note", {"note": f"编造的决定内容{token}"}, "officer1")
    assert result["status"] == "completed"
    withheld = _events(http, iid, "disclosure_withheld")
    assert [e["data"]["rule"] for e in withheld] == ["disclosure_needs_decision"]
    assert _events(http, iid, "disclosure_published") == []
    assert http.call("GET", f"/api/v1/public/disclosures?q={token}").get_json() == []


def test_withholding_is_one_choice_and_needs_a_reason__OGI_15(http):
    iid, data = decided(http, party_type="organisation", party_name="某宗教活动场所管理组织",
                        party_id_number="52130528MJ0000002X")
    masked = _data(http, iid)["masked_text"]
    task = http.open_task(iid, "task_review_masked")

    def submit(body: dict):
        return http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "publicity1", json={"data": body})

    two_boxes = submit({"publish_approved": True, "publish_withheld": True, "masked_text": masked})
    assert two_boxes.status_code == 422  # the old pair of checkboxes is no longer a way to answer
    assert submit({"publish_choice": "both", "masked_text": masked}).status_code == 422
    no_reason = submit({"publish_choice": "withhold", "masked_text": masked})
    assert no_reason.status_code == 422 and "withhold_reason" in no_reason.get_json()["errors"]
    assert http.open_task(iid, "task_review_masked")["id"] == task["id"]  # nothing changed
    reason = "决定涉及商业秘密，依法不予公开（政府信息公开条例第十五条）。"
    done = submit({"publish_choice": "withhold", "withhold_reason": reason, "masked_text": masked})
    assert done.status_code == 200, done.get_json()
    assert _data(http, iid)["disclosure_withheld"] == "officer"
    assert [e["data"]["reason"] for e in _events(http, iid, "disclosure_withheld")] == [reason]
    assert _public(http, data["decision_number"]) == []


def test_reviewer_sees_the_original_beside_the_masked_text_with_spans_marked__OGI_37(http, client):
    iid, data = decided(http, facts="经查，当事人电话13812345678，家住河北省宁晋县凤凰镇东街村5组12号，系居士。",
                        third_party_names="李四海", decision_text="证人李四海到场。")
    task = http.open_task(iid, "task_review_masked")
    body = http.call("GET", f"/api/v1/tasks/{task['id']}", "publicity1").get_json()["data"]
    original = body["disclosure_original"]
    assert "13812345678" in original and "李四海" in original and "张三" in original
    spans = body["masked_spans"]
    kinds = {s["kind"] for s in spans}
    assert {"mobile", "address", "religious_identity", "name", "party"} <= kinds
    for span in spans:
        assert original[span["start"]:span["end"]] == span["text"]
    preview = body["masked_preview"]
    assert "13812345678" not in preview and "李四海" not in preview and "张某" in preview
    assert "凤凰镇" not in preview and "居士" not in preview
    assert body["masked_text"] == preview  # the text offered for release is the server's masking
    web_login(client, "publicity1")
    page = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert 'class="masked-span"' in page and 'data-kind="mobile"' in page and "13812345678" in page
    client.get("/logout")
