"""permit_application through HTTP: acceptance (ALL 32), the limit of each item read from the list of powers at
acceptance (RRA 21/22: 30 days; others ALL 42: 20 working days, extended once by 10), site check as an enforcement
act, refusing a permit is major (legal review), service, publication; an item the county only forwards with a
preliminary opinion (RRA 21) is published as that opinion, not as a grant."""
from __future__ import annotations

from datetime import timedelta, timezone

from tests import cases as c
from tests.api.evidence_support import MP4, av_meta, checkout, media, new_device, upload
from tests.api.walk import due_date, today, working_days
from tests.api.walk import instance_data as _data
from tests.api.walk import open_ids as _open
from tests.api.walk import verified as _verified

BEIJING = timezone(timedelta(hours=8))
APPLY = {"party_type": "organisation", "party_name": "宁晋县某寺", "party_id_number": "52130528MJ0000001X",
         "applicant_contact": "0319-5812345", "permit_item": "venue_construction",
         "application_summary": "在寺内新建僧舍一栋。", "application_materials": "申请书、设计图纸、资金来源说明、民主评议意见",
         "officers": ["officer1", "officer2"]}
ACCEPT = {"acceptance": "accept", "acceptance_reason": "属于本机关职权，材料齐全。"}
REVIEW = {"review_findings": "材料真实、齐全。", "site_check_needed": True, "permit_decision": "approve",
          "proposal_text": "拟准予许可。", "complex_case": False, "request_decision_extension": True,
          "decision_extension_reason": "需征求乡镇人民政府意见。"}
SITE = {**c.DUTIES, "duty_document_issued": "《现场核查笔录》宁民宗核〔2026〕1号", "site_check_place": "宁晋县某寺", "site_check_record": "现场核查笔录：拟建位置与图纸一致。",
        "site_matches_application": True, "permit_decision": "approve"}
DENY = {"decision": "deny", "decision_text": "拟建建筑不符合规划，决定不予许可；如不服，可依法申请行政复议或者提起行政诉讼。"}
SERVICE = {**c.DUTIES, "duty_document_issued": "《准予行政许可决定书》及《送达回证》", "service_method": "direct",
           "recipient": "宁晋县某寺"}


def _act(http, iid: int, element_id: str, data: dict) -> dict:
    """Complete an enforcement-act task with an A/V record attached to it (seed 四(二)2)."""
    device = new_device(http)
    checkout(http, device, "officer1")
    task = http.open_task(iid, element_id)
    resp = upload(http, iid, media(MP4), f"{element_id}.mp4", av_meta(device, task_id=task["id"]))
    assert resp.status_code == 201, resp.get_json()
    return http.complete(iid, element_id, data, "officer1")


def test_refusing_a_permit_after_an_approve_proposal_goes_through_legal_review(http):
    iid = http.start("permit_application")["id"]
    http.complete(iid, "task_permit_apply", APPLY, "officer1")
    data = _data(http, iid)
    assert data["apply_date"] == today() and data["act_type"] == "permit"
    assert data["legal_basis"] == "《宗教事务条例》（2017年修订）第三十三条；《行政许可法》第四十二条"  # from the list
    http.complete(iid, "task_permit_accept", ACCEPT, "officer1")
    data = _data(http, iid)
    assert data["accept_date"] == today() and data["decision_due"] == working_days(today(), 20)  # ALL 42
    instance = http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()
    assert instance["due_at"] is not None

    assert _open(http.complete(iid, "task_permit_review", REVIEW, "officer1")) == ["task_permit_site_check"]
    result = _act(http, iid, "task_permit_site_check", {**SITE, "site_check_date": today()})
    assert _open(result) == ["task_permit_extension"]  # approving is not major: no review; extension asked
    assert _data(http, iid)["major_rule"] == "not_major"
    http.complete(iid, "task_permit_extension", {"extension_approved": True, "extension_note": "同意延长"}, "head1")
    data = _data(http, iid)
    assert data["decision_extended"] is True
    assert data["decision_due"] == working_days(working_days(today(), 20), 10)
    decision = http.open_task(iid, "task_permit_decision")
    assert decision["role"] == "head" and due_date(decision) == data["decision_due"]

    # the head refuses although the proposal was to approve: refusing is major, so back to the catalogue and review
    number = f"宁民宗许〔2026〕{iid}号"
    result = http.complete(iid, "task_permit_decision", {**DENY, "decision_number": number}, "head1")
    assert _open(result) == ["task_submit_review"]
    data = _data(http, iid)
    assert data["permit_decision"] == "deny" and data["is_major"] is True and data["major_rule"] == "refuse_permit"
    http.complete(iid, "task_submit_review", {**c.SUBMIT_REVIEW, "legal_basis": "《宗教事务条例》第三十三条"}, "officer1")
    # the extension was used: no second one, straight to the decision
    assert _open(http.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")) == ["task_permit_decision"]
    http.complete(iid, "task_permit_decision", {**DENY, "decision_number": number}, "head1")
    data = _data(http, iid)
    assert data["decision_date"] == today() and data["service_due"] == working_days(today(), 10)  # ALL 44
    assert due_date(http.open_task(iid, "task_permit_service")) == data["service_due"]
    _act(http, iid, "task_permit_service", {**SERVICE, "service_date": today()})

    review = http.open_task(iid, "task_review_masked")
    assert due_date(review) == working_days(today(), 7)  # permit decisions: 7 working days (118 号文)
    masked = _data(http, iid)["masked_text"]
    assert "不予行政许可" in masked
    http.complete(iid, "task_review_masked", {**c.DISCLOSURE_OK, "masked_text": masked}, "publicity1")
    assert http.complete(iid, "task_permit_archive", c.ARCHIVE, "officer1")["status"] == "completed"
    published = http.call("GET", f"/api/v1/public/disclosures?q={number}").get_json()
    assert [p["category"] for p in published] == ["permit"]
    _verified(http, iid)


def test_an_application_outside_the_bureaus_powers_is_not_accepted(http):
    iid = http.start("permit_application")["id"]
    http.complete(iid, "task_permit_apply", {**APPLY, "permit_item": "large_donation"}, "officer1")
    refused = {"acceptance": "reject", "acceptance_reason": "申请事项不属于本机关职权范围。"}
    assert _open(http.complete(iid, "task_permit_accept", refused, "officer1")) == ["task_permit_reject_notice"]
    notice = {"reject_notice_number": f"宁民宗不受〔2026〕{iid}号", "reject_notice_text": "不予受理；可申请行政复议或提起行政诉讼。",
              "reject_notice_date": today()}
    result = http.complete(iid, "task_permit_reject_notice", notice, "officer1")
    assert result["status"] == "completed"
    assert "decision_due" not in _data(http, iid)
