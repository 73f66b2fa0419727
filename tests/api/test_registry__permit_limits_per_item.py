"""Each permit item takes its own statutory limit from the list of powers (权责清单) at acceptance, and an item the
county only forwards with a preliminary opinion is published as that opinion (docs/DOMAIN.md §5: RRA 21/22 30 days,
the others ALL 42: 20 working days)."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from tests import cases as c
from tests.api.test_process__permit_application import ACCEPT, APPLY, SERVICE, _act
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open
from tests.api.walk import today, verified, working_days

REVIEW_APPROVE = {"review_findings": "材料真实、齐全。", "site_check_needed": False, "permit_decision": "approve",
                  "proposal_text": "拟同意。", "complex_case": False, "request_decision_extension": False}
APPROVE = {"decision": "approve", "decision_text": "经审核，同意。"}


def _days(n: int) -> str:
    return (date.fromisoformat(today()) + timedelta(days=n)).isoformat()


def _accepted(http, item: str) -> int:
    iid = http.start("permit_application")["id"]
    http.complete(iid, "task_permit_apply", {**APPLY, "permit_item": item}, "officer1")
    http.complete(iid, "task_permit_accept", ACCEPT, "officer1")
    return iid


def _permit_item(http, code: str, item_key: str, **changes) -> dict:
    body = {"code": code, "name": "测试许可事项", "category": "permit", "legal_basis": "《宗教事务条例》第三十五条",
            "item_key": item_key, "time_limit": "45日", "time_limit_days": 45, "working_days": False, **changes}
    resp = http.call("POST", "/api/v1/powers", "owner1", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_venue_registration_is_due_30_days_after_acceptance__RRA_22(http):
    data = _data(http, _accepted(http, "venue_registration"))
    assert data["power_code"] == "permit-rra22" and data["time_limit_working_days"] is False
    assert data["accept_date"] == today() and data["decision_due"] == _days(30)
    assert data["extension_allowed"] is False  # ALL 42's extension is not for a limit the regulation sets


def test_venue_construction_is_due_in_20_working_days__ALL_42(http):
    data = _data(http, _accepted(http, "venue_construction"))
    assert data["power_code"] == "permit-rra33" and data["time_limit_working_days"] is True
    assert data["decision_due"] == working_days(today(), 20) and data["extension_allowed"] is True


def test_a_process_owner_changes_the_limit_in_the_powers_list_not_the_diagram__ALL_42(http):
    code, key = f"t-{uuid.uuid4().hex[:8]}", f"t_{uuid.uuid4().hex[:8]}"
    _permit_item(http, code, key)
    first = _accepted(http, key)
    assert _data(http, first)["decision_due"] == _days(45)
    _permit_item(http, code, key, time_limit="15个工作日", time_limit_days=15, working_days=True)
    second = _accepted(http, key)
    data = _data(http, second)
    assert data["decision_due"] == working_days(today(), 15) and data["power_version"] == 2
    assert _data(http, first)["decision_due"] == _days(45)  # an accepted application keeps its limit
    history = http.call("GET", f"/api/v1/instances/{second}/history", "auditor1").get_json()
    (accepted,) = [e for e in history if e["type"] == "task_completed" and e["element_id"] == "task_permit_accept"]
    assert accepted["data"]["submitted"]["time_limit_days"] == 15  # the limit applied is on the record
    verified(http, second)
    _permit_item(http, code, key, retired=True)
    offered = http.call("GET", f"/api/v1/tasks/{http.open_task(http.start('permit_application')['id'], 'task_permit_apply')['id']}",
                        "officer1").get_json()["data"]["registry_permit_items"]
    assert key not in [o["value"] for o in offered] and "venue_registration" in [o["value"] for o in offered]


def test_nobody_types_the_limit_or_an_item_off_the_list__ALL_42(http):
    iid = http.start("permit_application")["id"]
    off_list = http.complete(iid, "task_permit_apply", {**APPLY, "permit_item": "made_up_item"}, "officer1", expect=422)
    assert "permit_item" in off_list["errors"]
    http.complete(iid, "task_permit_apply", APPLY, "officer1")
    typed = http.complete(iid, "task_permit_accept", {**ACCEPT, "time_limit_days": 90}, "officer1", expect=422)
    assert "time_limit_days" in typed["errors"]
    assert "decision_due" not in _data(http, iid)


def test_venue_preparation_is_published_as_a_forwarded_preliminary_opinion__RRA_21(http):
    iid = _accepted(http, "venue_preparation")
    data = _data(http, iid)
    assert data["permit_outcome"] == "forward" and data["decision_due"] == _days(30)
    assert _open(http.complete(iid, "task_permit_review", REVIEW_APPROVE, "officer1")) == ["task_permit_decision"]
    number = f"宁民宗许〔2026〕{iid}号"
    http.complete(iid, "task_permit_decision", {**APPROVE, "decision_number": number}, "head1")
    _act(http, iid, "task_permit_service", {**SERVICE, "service_date": today()})
    data = _data(http, iid)
    assert data["outcome_label"].startswith("初审意见：同意") and "设区的市级人民政府宗教事务部门" in data["outcome_label"]
    masked = data["masked_text"]
    assert "初审意见" in masked and "转报" in masked and "准予行政许可" not in masked.replace("非准予行政许可", "")
    http.complete(iid, "task_review_masked", {**c.DISCLOSURE_OK, "masked_text": masked}, "publicity1")
    http.complete(iid, "task_permit_archive", c.ARCHIVE, "officer1")
    (published,) = http.call("GET", f"/api/v1/public/disclosures?q={number}").get_json()
    assert "初审意见：同意" in published["masked_text"]
