"""Publishing through a decided case, for the disclosure tests (only real decisions are published).

``decided_disclosure`` (a fixture diagram) is the smallest decided case: the head completes a
``kind=decision`` task, then the shipped ``disclosure`` process runs as its call activity.
"""
from __future__ import annotations

import uuid

from tests.api.helpers import fixture, upload
from tests.api.walk import instance_data, today

FIXTURE_FILES = ("decided_disclosure.bpmn", "early_publish.bpmn", "fixture_decision.form", "fixture_note.form")


def deploy_fixtures(http) -> None:
    """Deploy the fixture diagrams (unchanged files make no new version)."""
    resp = upload(http, "/api/v1/definitions", {name: fixture(name) for name in FIXTURE_FILES})
    assert resp.status_code in (200, 201), resp.get_json()


def case_data(**changes) -> dict:
    number = f"宁民宗罚〔2026〕P{uuid.uuid4().hex[:8]}号"
    return {"case_title": "某场所未经批准举办大型宗教活动案", "party_type": "person", "party_name": "张三",
            "party_id_number": "130528198001011234", "act_type": "penalty", "decision": "approve",
            "penalty_kind": "warning", "fine_amount": 0, "facts": "未经批准举办宗教活动。",
            "decision_text": "给予警告。", "decision_number": number, "legal_basis": "《宗教事务条例》第七十一条",
            "decision_date": today(), **changes}


def decided(http, **changes) -> tuple[int, dict]:
    """A decided case waiting at 脱敏审核: (instance id, its data)."""
    deploy_fixtures(http)
    data = case_data(**changes)
    iid = http.start("decided_disclosure", data)["id"]
    http.complete(iid, "task_decide", {"decision": "approve"}, "head1")
    return iid, data


def release(http, iid: int, **extra) -> dict:
    """Release the masked text as it stands; the completion result."""
    masked = instance_data(http, iid)["masked_text"]
    return http.complete(iid, "task_review_masked", {"publish_choice": "release", "masked_text": masked, **extra},
                         "publicity1")


def published(http, **changes) -> dict:
    """A decision published from a decided case: its public view."""
    iid, data = decided(http, **changes)
    release(http, iid)
    items = http.call("GET", "/api/v1/public/disclosures?q=" + data["decision_number"]).get_json()
    assert len(items) == 1, items
    return items[0]
