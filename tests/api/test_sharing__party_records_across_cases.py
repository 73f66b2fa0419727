"""Exchange of permit and supervision information (审批与监管信息交换共享, seed 二(二)) through HTTP: a permit decided
for a party shows on the later inspection and enforcement tasks of the same party — however its identifier is typed
— and the party's inspection results and penalties show on its later permit review; never another party's, never
another bureau's; every case shown is a recorded read of that case; the identifier is shown masked."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from api.extensions import db
from api.models import Certificate, Organisation, User
from api.security import hash_password
from tests import cases as c
from tests.api.test_process__random_inspection import DRAW, _inspect, plan, third_officer
from tests.api.walk import run_minor_case

ORG_CODE = "52130528MJ0000001X"  # GB 32100, checked (the permit tests' applicant)
PERSON_X = "13052819850505002X"  # GB 11643, check character X
APPLY = {"party_type": "organisation", "party_name": "宁晋县某寺", "party_id_number": ORG_CODE,
         "applicant_contact": "0319-5812345", "permit_item": "venue_construction",
         "application_summary": "在寺内新建僧舍一栋。", "application_materials": "申请书、设计图纸、资金来源说明",
         "officers": ["officer1", "officer2"]}
ACCEPT = {"acceptance": "accept", "acceptance_reason": "属于本机关职权，材料齐全。"}
REVIEW = {"review_findings": "材料真实、齐全。", "site_check_needed": False, "permit_decision": "approve",
          "proposal_text": "拟准予许可。", "complex_case": False, "request_decision_extension": False}
APPROVE = {"decision": "approve", "decision_text": "准予许可。", "permit_valid_until": "2029-12-31"}


def _permit_to_review(http, party: dict, user: str = "officer1") -> int:
    iid = http.start("permit_application", as_user=user)["id"]
    http.complete(iid, "task_permit_apply", {**APPLY, **party}, user)
    http.complete(iid, "task_permit_accept", ACCEPT, user)
    return iid


def _approved_permit(http, party: dict) -> int:
    iid = _permit_to_review(http, party)
    http.complete(iid, "task_permit_review", REVIEW, "officer1")
    http.complete(iid, "task_permit_decision", {**APPROVE, "decision_number": f"宁民宗许〔2026〕{iid}号"}, "head1")
    return iid


def _registered_case(http, party: dict, user: str = "officer1", officers: list[str] | None = None) -> int:
    iid = http.start("enforcement_case", as_user=user)["id"]
    register = {**c.REGISTER, **party, **({"officers": officers} if officers else {})}
    resp = http.call("POST", f"/api/v1/tasks/{_open_task(http, iid, 'task_register', user)}/complete", user,
                     json={"data": register})
    assert resp.status_code == 200, resp.get_json()
    return iid


def _open_task(http, iid: int, element_id: str, user: str) -> str:
    """The open task's id, as ``user`` (of the case's bureau) sees the case."""
    body = http.call("GET", f"/api/v1/instances/{iid}", user).get_json()
    (task,) = [t for t in body["tasks"] if t["element_id"] == element_id]
    return task["id"]


def _second_market_officer(http) -> str:
    """A second certified officer of the county's other bureau (nj-scj), for a case team of two (created once)."""
    name = "officer_scj_share"
    with http.client.application.app_context():
        if db.session.scalar(select(User).where(User.username == name)) is None:
            org = db.session.scalar(select(Organisation).where(Organisation.code == "nj-scj"))
            user = User(username=name, display_name="市场监管执法人员二", roles=["officer"], org_id=org.id,
                        password_hash=hash_password("demo"))
            db.session.add(user)
            db.session.flush()
            db.session.add(Certificate(user_id=user.id, number="HB-NJ-2024-S902", category="市场监管行政执法",
                                       area="宁晋县", valid_from=date(2024, 1, 1), valid_to=date(2029, 12, 31)))
            db.session.commit()
    return name


def _task(http, iid: int, element_id: str, user: str) -> dict:
    resp = http.call("GET", f"/api/v1/tasks/{_open_task(http, iid, element_id, user)}", user)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _records(detail: dict) -> dict[int, dict]:
    return {r["instance_id"]: r for entry in detail["party_history"] for r in entry["records"]}


def _reads(http, iid: int) -> list[dict]:
    resp = http.call("GET", f"/api/v1/instances/{iid}/history?stream=access", "auditor1")
    assert resp.status_code == 200, resp.get_json()
    return [e for e in resp.get_json() if e["type"] == "party_history_read"]


def test_a_permit_shows_on_a_later_enforcement_case_of_the_same_party_however_typed(http):
    permit = _approved_permit(http, {})
    # the same code typed with spaces, dashes and lower case on the enforcement case: the same party
    theirs = _registered_case(http, {"party_type": "organisation", "party_name": "宁晋县某寺",
                                     "party_id_number": " 5213 0528-mj00 0000 1x "})
    detail = _task(http, theirs, "task_recusal", "officer1")
    (entry,) = detail["party_history"]
    assert entry["party"] == "52130528********1X" and entry["party_kind"] == "organisation"
    shown = _records(detail)[permit]
    assert shown["process"] == "permit_application" and shown["decision"] == "approve"
    assert shown["valid_until"] == "2029-12-31" and shown["date"] and shown["item"]
    assert shown["decision_number"] == f"宁民宗许〔2026〕{permit}号"
    assert ORG_CODE not in str(detail["party_history"])  # the identifier itself is never in the shared records

    # the read is recorded on the permit's own access stream, naming who read it for which case
    reads = [e for e in _reads(http, permit) if e["data"]["for_instance"] == theirs]
    assert len(reads) == 1 and reads[0]["actor"] == "officer1" and reads[0]["data"]["view"] == "summary"


def test_another_party_and_a_pending_permit_show_nothing(http):
    permit = _approved_permit(http, {"party_type": "person", "party_name": "李四", "party_id_number": PERSON_X})
    pending = _permit_to_review(http, {"party_type": "person", "party_name": "李四", "party_id_number": PERSON_X})
    other = _registered_case(http, {})  # c.REGISTER: another person
    assert permit not in _records(_task(http, other, "task_recusal", "officer1"))
    same = _registered_case(http, {"party_type": "person", "party_name": "李四",
                                   "party_id_number": "130528 19850505 002x"})  # lower-case x, spaces
    shown = _records(_task(http, same, "task_recusal", "officer1"))
    assert permit in shown and pending not in shown  # undecided: nothing to share yet, and no read recorded
    assert _reads(http, pending) == []
    assert not any(e["data"]["for_instance"] == other for e in _reads(http, permit))


def test_another_bureaus_permits_stay_in_their_bureau(http):
    permit = _approved_permit(http, {"party_id_number": "52130528-MJ0000001X"})
    # the county's other bureau registers a case on the same party: it sees none of this bureau's records
    theirs = _registered_case(http, {"party_type": "organisation", "party_name": "宁晋县某寺",
                                     "party_id_number": ORG_CODE}, user="officer4", officers=["officer4", _second_market_officer(http)])
    detail = _task(http, theirs, "task_recusal", "officer4")
    assert permit not in _records(detail)
    assert all(r["instance_id"] != permit for e in detail["party_history"] for r in e["records"])
    assert not any(e["actor"] == "officer4" for e in _reads(http, permit))


def test_a_penalty_shows_on_the_partys_later_permit_review(http):
    penalty = run_minor_case(http)  # c.REGISTER's person, a warning
    permit = _permit_to_review(http, {"party_type": "person", "party_name": "张三",
                                      "party_id_number": "130528-1980 0101-1238"})
    detail = _task(http, permit, "task_permit_review", "officer1")
    shown = _records(detail)[penalty]
    assert shown["process"] == "enforcement_case" and shown["penalty_kind"] == "warning"
    assert shown["decision"] == "approve" and shown["date"]
    assert [e["actor"] for e in _reads(http, penalty) if e["data"]["for_instance"] == permit] == ["officer1"]


def _drawn_inspection(http, parties: dict[str, str]) -> int:
    """A random inspection whose directory holds exactly ``parties`` (target name -> identifier), both drawn."""
    third_officer(http)
    category, item = f"cat-{uuid.uuid4().hex[:8]}", f"insp-{uuid.uuid4().hex[:8]}"
    for n, (name, number) in enumerate(parties.items()):
        body = {"code": f"{category}-{n}", "name": name, "category": category, "party_id_number": number}
        assert http.call("POST", "/api/v1/inspection-targets", "owner1", json=body).status_code == 201
    body = {"code": item, "name": "宗教活动场所财务管理情况检查", "legal_basis": "《宗教事务条例》第七章",
            "target_category": category, "method": "查阅账册"}
    assert http.call("POST", "/api/v1/inspection-items", "owner1", json=body).status_code == 201
    iid = http.start("random_inspection")["id"]
    http.complete(iid, "task_lottery_plan", plan(item, count=len(parties)), "officer1")
    http.complete(iid, "task_lottery_draw", DRAW, "head1")
    return iid


def test_inspections_and_permits_meet_through_the_target_directory(http):
    name = f"某寺-{uuid.uuid4().hex[:6]}"
    permit = _approved_permit(http, {"party_id_number": ORG_CODE})
    inspection = _drawn_inspection(http, {name: "52130528mj0000001x", f"{name}乙": "130528198001011238"})
    detail = _task(http, inspection, "task_inspection", "auditor1")
    by_party = {e["party"]: {r["instance_id"] for r in e["records"]} for e in detail["party_history"]}
    assert permit in by_party["52130528********1X"]  # the target's permit, read from the directory's identifier
    assert permit not in by_party["130528**********38"]  # the other drawn target: not its permit
    _inspect(http, inspection, {"inspection_results": "账目清楚。", "problems_found": True,
                                "follow_up": "责令限期改正，联系人身份证号130528198001011238。"})
    later = _permit_to_review(http, {"party_id_number": ORG_CODE})
    shown = _records(_task(http, later, "task_permit_review", "officer1"))[inspection]
    assert shown["process"] == "random_inspection" and shown["result"] == "problems"
    # another case's text comes with any ID number typed into it masked (the reader is no member of that case)
    assert shown["follow_up"].startswith("责令限期改正") and "130528198001011238" not in shown["follow_up"]
    # the directory keeps only the masked identifier, and the public list not even that
    public = http.call("GET", "/api/v1/public/inspection-targets").get_json()
    assert not any("party_masked" in t for t in public) and "52130528" not in str(public)
    mine = http.call("GET", "/api/v1/inspection-targets", "owner1").get_json()
    assert {"52130528********1X", "130528**********38"} <= {t.get("party_masked") for t in mine}


def test_a_target_with_a_bad_identifier_is_refused_naming_the_field(http):
    body = {"code": f"bad-{uuid.uuid4().hex[:6]}", "name": "某堂", "category": "x", "party_id_number": "1234"}
    resp = http.call("POST", "/api/v1/inspection-targets", "owner1", json=body)
    assert resp.status_code == 422 and "party_id_number" in str(resp.get_json())


def test_a_corrected_party_moves_the_permit_to_the_right_party(http):
    wrong, right = "130528198001011238", PERSON_X
    permit = _permit_to_review(http, {"party_type": "person", "party_name": "李四", "party_id_number": wrong})
    # before the decision the admin corrects the typed identifier (an attributed data edit; a decided case refuses it)
    resp = http.call("PATCH", f"/api/v1/instances/{permit}/data", "admin",
                     json={"changes": {"party_id_number": right}, "reason": "身份证号录入错误"})
    assert resp.status_code == 200, resp.get_json()
    http.complete(permit, "task_permit_review", REVIEW, "officer1")
    http.complete(permit, "task_permit_decision", {**APPROVE, "decision_number": f"宁民宗许〔2026〕{permit}号"}, "head1")
    of_wrong = _registered_case(http, {"party_type": "person", "party_name": "张三", "party_id_number": wrong})
    of_right = _registered_case(http, {"party_type": "person", "party_name": "李四", "party_id_number": right.lower()})
    assert permit not in _records(_task(http, of_wrong, "task_recusal", "officer1"))  # linked once, no longer its
    assert permit in _records(_task(http, of_right, "task_recusal", "officer1"))
