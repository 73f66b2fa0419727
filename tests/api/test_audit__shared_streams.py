"""Verify checks a case's events on a shared stream (the lottery's) without assuming the case owns it."""
from __future__ import annotations

from tests.api.tamper import raw
from tests.api.test_process__random_inspection import DRAW, lists, plan
from tests.api.walk import verified


def test_a_case_with_events_on_a_shared_stream_verifies_whatever_came_before__whole_process_record(http):
    item, _ = lists(http)
    for _ in range(2):  # the second case's lottery events are not the first of the shared stream
        iid = http.start("random_inspection")["id"]
        http.complete(iid, "task_lottery_plan", plan(item), "officer1")
        http.complete(iid, "task_lottery_draw", DRAW, "head1")
        verified(http, iid)


def test_an_altered_event_of_the_case_on_a_shared_stream_is_reported__whole_process_record(http, app):
    item, _ = lists(http)
    iid = http.start("random_inspection")["id"]
    http.complete(iid, "task_lottery_plan", plan(item), "officer1")
    raw(app, "UPDATE events SET actor = 'forger' WHERE instance_id = :i AND stream = 'lottery'", i=iid)
    body = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()
    assert not body["ok"] and any(p.get("stream") == "lottery" for p in body["problems"]), body
