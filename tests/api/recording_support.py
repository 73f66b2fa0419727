"""Helpers of the A/V recording list and legality argument tests (no tests here)."""
from __future__ import annotations

import uuid

from tests import cases as c
from tests.api.walk import Acts


def entry(kind: str = "penalty", required: bool = True, acts: list[str] | None = None, **extra) -> dict:
    """A new entry of the recording list with a fresh code."""
    return {"code": f"{kind}-{uuid.uuid4().hex[:8]}", "kind": kind, "name": f"测试{kind}事项", "av_required": required,
            "av_acts": acts if acts is not None else [], **extra}


def put_entry(http, body: dict, as_user: str = "admin", expect: int = 201) -> dict:
    resp = http.call("POST", "/api/v1/recording-items", as_user, json=body)
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()


def to_right_notice(http, acts: Acts, register: dict | None = None) -> tuple[int, dict]:
    """An enforcement case walked to 告知听证权利 (``actKind=other_act``: no A/V by the default setting), registered
    with ``register`` on top of the usual registration; returns (case id, the open act task)."""
    iid = http.start("enforcement_case")["id"]
    acts.complete(iid, "task_register", {**c.REGISTER, **(register or {})})
    acts.complete(iid, "task_recusal", c.RECUSAL_NONE)
    acts.complete(iid, "task_record_start", c.RECORD_START)
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    return iid, http.open_task(iid, "task_hearing_notice_right")


def complete_act(http, task: dict, user: str = "officer1"):
    return http.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, json={"data": c.RIGHT_NOTICE})
