"""Only real decisions are published, as decided (APL 59, OGI 37; docs/DOMAIN.md §1.3, §1.4), whatever a
deployed diagram draws: the publicity officer may only mask the composed original, never rewrite it; an
inspection result publishes an inspection, never a penalty; nothing is published without the publicity
officer's release after the head's decision."""
from __future__ import annotations

from tests.api.disclosure_support import case_data, decided, deploy_fixtures
from tests.api.helpers import fixture, upload
from tests.api.walk import instance_data

DEPLOYED = ("inspection_result_publish.bpmn", "publish_unreviewed.bpmn")


def _deploy(http) -> None:
    deploy_fixtures(http)
    resp = upload(http, "/api/v1/definitions", {name: fixture(name) for name in DEPLOYED})
    assert resp.status_code in (200, 201), resp.get_json()


def _public(http, number: str) -> list[dict]:
    return http.call("GET", "/api/v1/public/disclosures", query_string={"q": number}).get_json()


def _events(http, iid: int, kind: str) -> list[dict]:
    history = http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
    items = history["events"] if isinstance(history, dict) else history
    return [e for e in items if e["type"] == kind]


def _submit_review(http, iid: int, masked_text: str):
    task = http.open_task(iid, "task_review_masked")
    return http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "publicity1",
                     json={"data": {"publish_choice": "release", "masked_text": masked_text}})


def test_the_publicity_officer_cannot_publish_made_up_content__OGI_37(http):
    iid, data = decided(http)  # decided as a warning
    made_up = ("行政执法决定公示\n当事人：张某\n决定内容：对当事人处以罚款人民币壹佰万元，并吊销其宗教活动场所登记证。\n"
               f"决定书文号：{data['decision_number']}")
    offered = instance_data(http, iid)["masked_text"]
    for text in (made_up, offered.replace("给予警告", "罚款壹佰万元"), offered + "\n另处罚款人民币壹佰万元。",
                 offered.replace("警告", "警■告")):
        resp = _submit_review(http, iid, text)
        assert resp.status_code == 422, resp.get_json()
        assert "masked_text" in resp.get_json()["errors"]
        assert "only mask spans of the original" in resp.get_json()["message"]
    assert _public(http, data["decision_number"]) == []
    assert http.open_task(iid, "task_review_masked")  # nothing changed: the review is still open


def test_the_publicity_officer_may_mask_further_and_drop_lines__OGI_37(http):
    iid, data = decided(http, facts="未经批准举办宗教活动，捐款人王五到场。")
    offered = instance_data(http, iid)["masked_text"]
    assert "王五" in offered  # not named at registration: the officer masks it by hand
    lines = [line for line in offered.replace("王五", "王■").split("\n") if not line.startswith("法律依据")]
    resp = _submit_review(http, iid, "\n".join(lines))
    assert resp.status_code == 200, resp.get_json()
    (item,) = _public(http, data["decision_number"])
    assert "王■到场" in item["masked_text"] and "王五" not in item["masked_text"]
    assert "法律依据" not in item["masked_text"] and "给予警告" in item["masked_text"]


def test_an_inspection_result_does_not_publish_a_penalty__APL_59(http):
    """A deployed diagram: an officer's kind=inspection_result task, then the disclosure with a typed fine."""
    _deploy(http)
    data = case_data(penalty_kind="fine", fine_amount=50000, decision_text="罚款人民币伍万元。")
    iid = http.start("inspection_result_publish", data)["id"]
    http.complete(iid, "task_result", {"note": "检查完毕"}, "officer1")
    http.complete(iid, "task_review_masked",
                  {"publish_choice": "release", "masked_text": instance_data(http, iid)["masked_text"]}, "publicity1")
    assert _public(http, data["decision_number"]) == []
    assert [e["data"]["rule"] for e in _events(http, iid, "disclosure_withheld")] == ["disclosure_needs_decision"]
    assert _events(http, iid, "disclosure_published") == []


def test_an_inspection_result_publishes_an_inspection_without_penalty_fields__APL_59(http):
    _deploy(http)
    data = case_data(act_type="inspection", penalty_kind="fine", fine_amount=50000, decision_text="检查未发现问题。")
    iid = http.start("inspection_result_publish", data)["id"]
    http.complete(iid, "task_result", {"note": "检查完毕"}, "officer1")
    http.complete(iid, "task_review_masked",
                  {"publish_choice": "release", "masked_text": instance_data(http, iid)["masked_text"]}, "publicity1")
    (item,) = _public(http, data["decision_number"])
    assert item["category"] == "inspection"
    assert item["penalty_kind"] is None and item["fine_amount"] is None and item["fulfilment"] is None
    assert item["penalty"] == "未发现问题"


def test_nothing_is_published_without_the_publicity_officers_release__OGI_37(http):
    """A deployed diagram publishes right after the head's decision (a kind=publish script task)."""
    _deploy(http)
    data = case_data()
    iid = http.start("publish_unreviewed", data)["id"]
    result = http.complete(iid, "task_decide", {"decision": "approve"}, "head1")
    assert result["status"] == "completed"
    assert _public(http, data["decision_number"]) == []
    assert [e["data"]["rule"] for e in _events(http, iid, "disclosure_withheld")] == ["disclosure_needs_review"]
