"""Corrections without loss: a data edit and a rewind are new events with before/after; verify still replays."""
from __future__ import annotations

from tests import cases as c
from tests.api.test_audit__verify_and_tampering import verify
from tests.api.walk import to_proposal


def _to_proposal(http) -> int:
    return to_proposal(http)


def test_admin_data_edit_is_an_event_with_before_and_after(http):
    iid = _to_proposal(http)
    before = http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json()
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {"party_name": "张三丰"}, "reason": "当事人姓名登记错误"})
    assert resp.status_code == 200, resp.get_json()
    after = http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json()
    assert after[: len(before)] == before
    edit = after[-1]
    assert edit["type"] == "data_edited" and edit["actor"] == "admin"
    assert edit["data"]["changes"]["party_name"] == {"before": "张三", "after": "张三丰"}
    assert http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()["data"]["party_name"] == "张三丰"
    assert verify(http, iid)["ok"]


def test_only_admins_correct_and_a_reason_is_required(http):
    iid = _to_proposal(http)
    url = f"/api/v1/instances/{iid}/data"
    assert http.call("PATCH", url, "officer1", json={"changes": {"x": 1}, "reason": "原因说明"}).status_code == 403
    assert http.call("PATCH", url, "admin", json={"changes": {"x": 1}}).status_code == 422


def test_rewind_to_an_earlier_task_keeps_history_and_replays(http):
    iid = _to_proposal(http)
    http.complete(iid, "task_proposal", c.PROPOSAL_MINOR, "officer1")
    before = http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json()
    resp = http.call("POST", f"/api/v1/instances/{iid}/rewind", "admin",
                     json={"element_id": "task_proposal", "reason": "拟处理意见需重新提出"})
    assert resp.status_code == 200, resp.get_json()
    after = http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json()
    assert after[: len(before)] == before
    rewound = next(e for e in after if e["type"] == "rewound")
    assert rewound["data"]["before"]["open_tasks"] == ["task_head_decision"]
    assert http.open_task(iid, "task_proposal")
    http.complete(iid, "task_proposal", c.PROPOSAL_MAJOR, "officer1")
    assert http.open_task(iid, "task_hearing_notice_right")
    result = verify(http, iid)
    assert result["ok"], result["problems"]


def test_events_cannot_be_changed_through_the_database(app):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from api.extensions import db

    with app.app_context():
        with pytest.raises(DBAPIError):
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE events SET actor = 'x'"))
        with pytest.raises(DBAPIError):
            with db.engine.begin() as conn:
                conn.execute(text("DELETE FROM events"))


def test_a_rewound_case_is_not_published_twice(http):
    from tests.api.walk import run_minor_case

    iid = run_minor_case(http)
    resp = http.call("POST", f"/api/v1/instances/{iid}/rewind", "admin",
                     json={"element_id": "task_review_masked", "reason": "重新审核公示内容"})
    assert resp.status_code == 200, resp.get_json()
    review = http.open_task(iid, "task_review_masked")
    masked = http.call("GET", f"/api/v1/tasks/{review['id']}", "publicity1").get_json()["data"]["masked_text"]
    http.complete(iid, "task_review_masked", {**c.DISCLOSURE_OK, "masked_text": masked}, "publicity1")
    events = http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json()
    assert [e["type"] for e in events].count("disclosure_published") == 1
    withheld = [e for e in events if e["type"] == "disclosure_withheld"]
    assert withheld and withheld[-1]["data"]["rule"] == "already_published"


def test_an_admin_cancels_a_case_with_a_reason_and_nothing_recorded_is_lost(http):
    iid = _to_proposal(http)
    before = http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json()
    assert http.call("POST", f"/api/v1/instances/{iid}/cancel", "officer1", json={"reason": "撤案"}).status_code == 403
    assert http.call("POST", f"/api/v1/instances/{iid}/cancel", "admin", json={"reason": ""}).status_code == 422
    resp = http.call("POST", f"/api/v1/instances/{iid}/cancel", "admin", json={"reason": "当事人已死亡，终止调查"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "cancelled"
    after = http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json()
    assert after[: len(before)] == before and after[-1]["type"] == "instance_cancelled"
    assert after[-1]["data"]["open_tasks"] == ["task_proposal"]
    assert http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()["tasks"] == []
    assert http.call("POST", f"/api/v1/instances/{iid}/cancel", "admin", json={"reason": "再次"}).status_code == 409
    assert http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()["ok"]
