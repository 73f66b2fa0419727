"""The permit decision deadline is the recorded item's (docs/DOMAIN.md §5, issue 7 item 9): the service computes it at
acceptance from the item recorded at registration (RRA 22: 30 days, no extension; ALL 42: 20 working days, extended
once by 10 working days with the head's approval) and refuses (403 ``permit_item_fixed``) an admin data edit of any
value derived from the item — ``extension_allowed``, ``decision_due``, ``decision_extended``, the acceptance date —
and a deployed diagram whose result moves ``decision_due`` away from it."""
from __future__ import annotations

from pathlib import Path

from tests.api.helpers import upload
from tests.api.test_process__permit_application import ACCEPT, APPLY
from tests.api.test_registry__permit_limits_per_item import REVIEW_APPROVE, _days
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open
from tests.api.walk import today, working_days

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = (ROOT / "processes" / "permit_application.bpmn").read_text()
EXTEND = {"extension_approved": True, "extension_note": "同意延长"}


def _accepted(http, item: str = "venue_registration", key: str = "permit_application") -> int:
    iid = http.start(key)["id"]
    http.complete(iid, "task_permit_apply", {**APPLY, "permit_item": item}, "officer1")
    http.complete(iid, "task_permit_accept", ACCEPT, "officer1")
    return iid


def _patch(http, iid: int, changes: dict):
    return http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin", json={"changes": changes, "reason": "更正"})


def _variant(http, pid: str, *replacements: tuple[str, str]) -> None:
    bpmn = SHIPPED.replace('id="permit_application"', f'id="{pid}"').replace(
        'processRef="permit_application"', f'processRef="{pid}"')
    for old, new in replacements:
        assert old in bpmn
        bpmn = bpmn.replace(old, new)
    resp = upload(http, "/api/v1/definitions", {f"{pid}.bpmn": bpmn.encode()})
    assert resp.status_code == 201, resp.get_json()


def _ask_extension(http, iid: int) -> dict:
    return http.complete(iid, "task_permit_review", {**REVIEW_APPROVE, "request_decision_extension": True,
                                                     "decision_extension_reason": "需征求意见。"}, "officer1")


def test_an_admin_cannot_edit_the_deadline_or_the_extension__permit_item_fixed(http):
    iid = _accepted(http)
    before = _data(http, iid)
    assert before["decision_due"] == _days(30) and before["extension_allowed"] is False
    for changes in ({"extension_allowed": True}, {"decision_due": _days(120)}, {"decision_extended": True},
                    {"accept_date": _days(20)}):
        resp = _patch(http, iid, changes)
        assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "permit_item_fixed", changes
        assert next(iter(changes)) in resp.get_json()["message"]
    assert _data(http, iid) == before


def test_a_deployed_diagram_moving_decision_due_is_refused__permit_item_fixed(http):
    pid = "permit_application_due_90"
    end_of_accept = "</bpmn:script>\n    </bpmn:scriptTask>\n    <bpmn:userTask id=\"task_permit_review\""
    _variant(http, pid, (end_of_accept, "\ndecision_due = add_days(accept_date, 90)" + end_of_accept))
    iid = http.start(pid)["id"]
    http.complete(iid, "task_permit_apply", {**APPLY, "permit_item": "venue_registration"}, "officer1")
    refused = http.complete(iid, "task_permit_accept", ACCEPT, "officer1", expect=403)
    assert refused["errors"]["rule"] == "permit_item_fixed" and "decision_due" in refused["message"]
    assert "decision_due" not in _data(http, iid)
    assert _open(http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()) == ["task_permit_accept"]


def test_no_extension_for_a_30_day_item_even_by_a_deployed_diagram__RRA_22(http):
    pid = "permit_application_extends_all"
    _variant(http, pid, ("decision_extended != True and extension_allowed == True</bpmn:conditionExpression>",
                         "decision_extended != True</bpmn:conditionExpression>"),
             ('add_working_days(decision_due, var("extension_working_days", 10))', "add_working_days(decision_due, 10)"))
    iid = _accepted(http, key=pid)
    assert _data(http, iid)["extension_allowed"] is False
    _ask_extension(http, iid)
    refused = http.complete(iid, "task_permit_extension", EXTEND, "head1", expect=403)
    assert refused["errors"]["rule"] == "permit_item_fixed" and "decision_due" in refused["message"]
    assert _data(http, iid)["decision_due"] == _days(30)


def test_the_extension_is_the_items_own_length_once_with_the_head__ALL_42(http):
    iid = _accepted(http, "venue_construction")
    due = working_days(today(), 20)
    assert _data(http, iid)["decision_due"] == due and _data(http, iid)["extension_allowed"] is True
    _ask_extension(http, iid)
    http.complete(iid, "task_permit_extension", EXTEND, "head1")
    assert _data(http, iid)["decision_due"] == working_days(due, 10)
    pid = "permit_application_extends_30"
    _variant(http, pid, ('add_working_days(decision_due, var("extension_working_days", 10))',
                         "add_working_days(decision_due, 30)"))
    other = _accepted(http, "venue_construction", key=pid)
    _ask_extension(http, other)
    refused = http.complete(other, "task_permit_extension", EXTEND, "head1", expect=403)
    assert refused["errors"]["rule"] == "permit_item_fixed" and "decision_due" in refused["message"]
