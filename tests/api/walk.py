"""Walking the shipped enforcement_case through HTTP, with the A/V records the law asks for."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from engine.calendar import WorkingCalendar
from tests import cases as c
from tests.api.evidence_support import MP4, av_meta, checkout, media, new_device, upload

#: tasks whose actKind the recording table marks 'av' (seed 四(二)2)
AV_TASKS = {"task_record_start", "task_investigation", "task_service", "task_hearing", "task_evidence_preservation",
            "task_permit_site_check", "task_permit_service", "task_inspection", "task_execution_reminder"}


class Acts:
    """Completes tasks, attaching an A/V record first to enforcement-act tasks that need one."""

    def __init__(self, http) -> None:
        self.http, self.device = http, None

    def attach_av(self, iid: int, task: dict) -> None:
        if self.device is None:
            self.device = new_device(self.http)
            checkout(self.http, self.device, "officer1")
        resp = upload(self.http, iid, media(MP4), f"{task['element_id']}.mp4", av_meta(self.device, task_id=task["id"]))
        assert resp.status_code == 201, resp.get_json()

    def complete(self, iid: int, element_id: str, data: dict, user: str = "officer1", expect: int = 200):
        if element_id in AV_TASKS:
            self.attach_av(iid, self.http.open_task(iid, element_id))
        return self.http.complete(iid, element_id, data, user, expect=expect)


def decision_number(iid: int) -> str:
    return f"宁民宗罚〔2026〕{iid}号"


def to_proposal(http, acts: Acts | None = None, key: str = "enforcement_case", data: dict | None = None) -> int:
    """Start a case and walk it to 拟处理意见 (registration, no recusal, recording)."""
    acts = acts or Acts(http)
    iid = http.start(key, data or {})["id"]
    acts.complete(iid, "task_register", c.REGISTER)
    acts.complete(iid, "task_recusal", c.RECUSAL_NONE)
    acts.complete(iid, "task_record_start", c.RECORD_START)
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    return iid


def waive_hearing(http, iid: int, acts: Acts) -> None:
    """The party is told of the hearing right (APL 63-64) and does not ask for one."""
    acts.complete(iid, "task_hearing_notice_right", c.RIGHT_NOTICE)
    acts.complete(iid, "task_hearing_request", c.NO_HEARING)


def to_legal_review(http, acts: Acts | None = None) -> int:
    """A major case walked to its legal review: proposal, hearing right waived, submitted for review."""
    acts = acts or Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    return iid


def review_with_one_loop(http, iid: int, acts: Acts) -> None:
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    acts.complete(iid, "task_legal_review", c.REVIEW_PROBLEMS, "reviewer1")
    acts.complete(iid, "task_fix_resubmit", c.FIX)
    acts.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")


def publish(http, iid: int, acts: Acts) -> dict:
    """From 负责人决定 to the masked publication: decision, service, the publicity officer's release; returns the
    review task."""
    acts.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)}, "head1")
    acts.complete(iid, "task_service", c.SERVICE)
    review = http.open_task(iid, "task_review_masked")
    detail = http.call("GET", f"/api/v1/tasks/{review['id']}", "publicity1").get_json()
    acts.complete(iid, "task_review_masked", {**c.DISCLOSURE_OK, "masked_text": detail["data"]["masked_text"]},
                  "publicity1")
    return detail


def finish(http, iid: int, acts: Acts) -> dict:
    """From 负责人决定 to the end: decision, service, masked publication, archive; returns the review task."""
    detail = publish(http, iid, acts)
    if "task_execution" in open_ids(http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()):
        acts.complete(iid, "task_execution", c.EXECUTION)  # a fine paid in time (APL 67)
    result = acts.complete(iid, "task_archive", c.ARCHIVE)
    assert result["status"] == "completed" and result["tasks"] == []
    return detail


def run_minor_case(http) -> int:
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    finish(http, iid, acts)
    return iid


def run_major_case(http) -> int:
    """A fine of ¥20,000 on a person: hearing right waived, legal review with one problems loop."""
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    review_with_one_loop(http, iid, acts)
    finish(http, iid, acts)
    return iid


# -- small helpers shared by the process tests ------------------------------------------------

BEIJING = timezone(timedelta(hours=8))


def today() -> str:
    return datetime.now(BEIJING).date().isoformat()


def working_days(start: str, n: int) -> str:
    return WorkingCalendar().add_working_days(date.fromisoformat(start), n).isoformat()


def due_date(task: dict) -> str:
    return datetime.fromisoformat(task["due_at"]).astimezone(BEIJING).date().isoformat()


def instance_data(http, iid: int) -> dict:
    return http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()["data"]


def open_ids(result: dict) -> list[str]:
    return [t["element_id"] for t in result["tasks"]]


def verified(http, iid: int) -> None:
    """The history chain holds and replaying it gives the same instance."""
    resp = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1")
    assert resp.status_code == 200 and resp.get_json()["ok"], resp.get_json()
