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


def test_a_published_case_is_not_rewound_to_its_publication_nor_published_twice(http):
    """A rewind to the masked review once re-published nothing; it is now refused outright (a published decision is
    withdrawn or corrected, APL 48: tests/api/test_rewind__subprocesses_cancelled_and_published_cases.py)."""
    from tests.api.walk import run_minor_case

    iid = run_minor_case(http)
    resp = http.call("POST", f"/api/v1/instances/{iid}/rewind", "admin",
                     json={"element_id": "task_review_masked", "reason": "重新审核公示内容"})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "published_decision_stands"
    events = http.call("GET", f"/api/v1/instances/{iid}/history?stream=case", "auditor1").get_json()
    assert [e["type"] for e in events].count("disclosure_published") == 1
    assert "rewound" not in [e["type"] for e in events]
