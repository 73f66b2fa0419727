"""Evidence preservation (先行登记保存, APL 56, 85): the preservation date is the day of the act by the service's
clock, so its 7-working-day limit cannot be moved by a typed date (422 naming preservation_date); after the limit
the head's decision may only release the items (解除先行登记保存), rule preservation_deadline."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from engine import clock
from tests import cases as c
from tests.api.walk import Acts, due_date, instance_data, open_ids, today, working_days

PRESERVATION = {**c.DUTIES, "duty_document_issued": "《先行登记保存通知书》宁民宗保〔2026〕1号",
                "preservation_notice_number": "宁民宗保〔2026〕1号",
                "preserved_items": "非法宗教宣传品200册。", "preservation_place": "本局证物室"}
DECIDED = {"preservation_decision_number": "宁民宗保决〔2026〕1号"}


def _approved(http) -> int:
    acts = Acts(http)
    iid = http.start("enforcement_case")["id"]
    acts.complete(iid, "task_register", c.REGISTER)
    acts.complete(iid, "task_recusal", c.RECUSAL_NONE)
    acts.complete(iid, "task_record_start", c.RECORD_START)
    acts.complete(iid, "task_investigation", {**c.INVESTIGATION, "preservation_needed": True}, "officer2")
    http.complete(iid, "task_preservation_approval", {"preservation_approval": "approved",
                                                      "preservation_approval_note": "同意。"}, "head1")
    return iid


def _post(http, iid: int, element_id: str, data: dict, user: str):
    task = http.open_task(iid, element_id)
    return http.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})


def _at(monkeypatch, day: date) -> None:
    instant = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
    monkeypatch.setattr(clock, "now", lambda: instant)


def test_a_typed_preservation_date_cannot_move_the_limit__APL_56(http):
    iid = _approved(http)
    acts = Acts(http)
    later = (date.fromisoformat(today()) + timedelta(days=157)).isoformat()
    for typed in (later, "2020-01-01"):
        resp = _post(http, iid, "task_evidence_preservation", {**PRESERVATION, "preservation_date": typed}, "officer1")
        assert resp.status_code == 422 and "preservation_date" in resp.get_json()["errors"], resp.get_json()
    assert http.open_task(iid, "task_evidence_preservation")["state"] == "ready"
    assert open_ids(acts.complete(iid, "task_evidence_preservation", PRESERVATION)) == ["task_preservation_decision"]
    decision = http.open_task(iid, "task_preservation_decision")
    assert instance_data(http, iid)["preservation_date"] == today()
    assert due_date(decision) == working_days(today(), 7)


def test_the_days_date_typed_is_accepted__APL_56(http):
    iid = _approved(http)
    Acts(http).complete(iid, "task_evidence_preservation", {**PRESERVATION, "preservation_date": today()})
    assert due_date(http.open_task(iid, "task_preservation_decision")) == working_days(today(), 7)


def test_a_late_preservation_decision_may_only_release_the_items__APL_56_preservation_deadline(http, monkeypatch):
    iid = _approved(http)
    Acts(http).complete(iid, "task_evidence_preservation", PRESERVATION)
    limit = date.fromisoformat(working_days(today(), 7))
    _at(monkeypatch, limit)  # on the last day every decision is open to the head
    resp = _post(http, iid, "task_preservation_decision", {**DECIDED, "preservation_outcome": "seize"}, "head2")
    assert resp.status_code == 200, resp.get_json()


def test_sixty_days_late_the_head_cannot_seize__APL_56_preservation_deadline(http, monkeypatch):
    iid = _approved(http)
    Acts(http).complete(iid, "task_evidence_preservation", PRESERVATION)
    _at(monkeypatch, date.fromisoformat(today()) + timedelta(days=60))
    for outcome in ("seize", "transfer", "confiscate"):
        resp = _post(http, iid, "task_preservation_decision", {**DECIDED, "preservation_outcome": outcome}, "head1")
        body = resp.get_json()
        assert resp.status_code == 403 and body["errors"]["rule"] == "preservation_deadline", body
        assert working_days(today(), 7) in body["message"]
    result = http.complete(iid, "task_preservation_decision", {**DECIDED, "preservation_outcome": "release"}, "head1")
    assert open_ids(result) == ["task_proposal"]
