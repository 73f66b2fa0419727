"""APL 58: the legal-review gate binds to the content that was reviewed, whatever path a user takes.

Each test is a break seen from outside before the gate was bound to a digest of the reviewed proposal:
a head who revises to a heavier penalty, an admin who raises the fine after the review, a permit
proposal turned into a refusal, and deployed diagrams that decide outside the head's decision task.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api.extensions import db
from api.models import Event, Instance
from engine import lint, proposal
from tests import cases as c
from tests.api.helpers import upload
from tests.api.walk import Acts, decision_number, instance_data, open_ids, to_proposal, waive_hearing

HEAVIER = {"decision": "revise", "revised_penalty_kind": "revoke_licence", "revised_fine_amount": 500000,
           "decision_text": "决定吊销登记证并处罚款人民币伍拾万元。", "decision_number": "宁民宗罚〔2026〕99号"}


def _history(http, iid: int) -> list[dict]:
    return http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()


def _unchanged(app, iid: int):
    with app.app_context():
        row = db.session.get(Instance, iid)
        events = db.session.scalar(select(func.count()).select_from(Event).where(Event.stream == f"instance:{iid}"))
        return row.row_version, row.last_seq, events


def _refused(http, iid: int, element_id: str, data: dict, user: str, rule: str) -> dict:
    task = http.open_task(iid, element_id)
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})
    assert resp.status_code == 403, resp.get_json()
    body = resp.get_json()
    assert body["errors"]["rule"] == rule, body
    assert http.open_task(iid, element_id)["state"] == "ready"
    return body


def _reviewed_major_case(http) -> int:
    """A ¥20,000 fine on a person, hearing right waived, legal review agreed: waiting for the head."""
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    acts.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")
    assert "task_head_decision" in [t["element_id"] for t in
                                    http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()["tasks"]]
    return iid


def test_a_passed_review_records_the_digest_of_what_it_approved__APL_58(http):
    iid = _reviewed_major_case(http)
    review = [e for e in _history(http, iid) if e["type"] == "task_completed" and e["role"] == "legal_reviewer"][-1]
    approval = review["data"]["approval"]
    assert approval["passed"] is True and approval["kind"] == "legal_review"
    assert approval["content"]["fine_amount"] == "20000" and approval["content"]["penalty_kind"] == "fine"
    assert approval["digest"] == proposal.digest(instance_data(http, iid))


def test_head_revising_a_minor_case_to_a_heavier_penalty_is_refused__APL_58(http, app):
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)  # a warning: not major, no review
    before = _unchanged(app, iid)
    body = _refused(http, iid, "task_head_decision", HEAVIER, "head1", "legal_review_gate")
    assert "APL 58" in body["message"] and "revoke_licence" in body["message"]
    assert _unchanged(app, iid) == before


def test_a_revise_decision_must_name_the_penalty__APL_58(http):
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    task = http.open_task(iid, "task_head_decision")
    vague = {"decision": "revise", "decision_text": "从重处罚。", "decision_number": "宁民宗罚〔2026〕98号"}
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "head1", json={"data": vague})
    assert resp.status_code == 422 and "revised_penalty_kind" in resp.get_json()["errors"]


def test_head_revising_a_reviewed_fine_upwards_is_refused__APL_58(http):
    iid = _reviewed_major_case(http)
    heavier = {**HEAVIER, "revised_penalty_kind": "fine", "revised_fine_amount": 50000}
    body = _refused(http, iid, "task_head_decision", heavier, "head1", "legal_review_gate")
    assert "fine_amount" in body["message"]


def test_a_lighter_revision_that_is_not_major_needs_no_new_review__APL_58(http):
    iid = _reviewed_major_case(http)
    lighter = {**HEAVIER, "revised_penalty_kind": "warning", "revised_fine_amount": 0,
               "decision_text": "决定给予警告。", "decision_number": decision_number(iid)}
    result = http.complete(iid, "task_head_decision", lighter, "head1")
    assert open_ids(result) == ["task_service"]
    data = instance_data(http, iid)
    assert data["penalty_kind"] == "warning"  # the decided penalty is the case's content from now on
    gate = [e for e in _history(http, iid) if e["type"] == "task_completed"][-1]["data"]["gate"]
    assert gate == {**gate, "major": False, "effective": True}


def test_admin_raising_the_fine_after_the_review_needs_a_new_review__APL_58(http):
    iid = _reviewed_major_case(http)
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {"fine_amount": 200000}, "reason": "罚款金额录入错误"})
    assert resp.status_code == 200, resp.get_json()
    body = _refused(http, iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)},
                    "head1", "legal_review_gate")
    assert "fine_amount" in body["message"] and "new legal review" in body["message"]
    # putting the reviewed amount back makes the reviewed content decidable again
    http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
              json={"changes": {"fine_amount": 20000}, "reason": "恢复审核通过的金额"})
    result = http.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)}, "head1")
    assert open_ids(result) == ["task_service"]


def test_the_reviewed_decision_passes_and_the_gate_is_recorded__APL_58(http):
    iid = _reviewed_major_case(http)
    http.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)}, "head1")
    events = _history(http, iid)
    review_seq = [e for e in events if e["role"] == "legal_reviewer" and e["type"] == "task_completed"][-1]["seq"]
    gate = [e for e in events if e["type"] == "task_completed"][-1]["data"]["gate"]
    assert gate["major"] is True and gate["effective"] is True and gate["approved_by_seq"] == review_seq


def test_a_permit_approval_turned_into_a_refusal_goes_back_to_review__APL_58(http):
    """The shipped permit diagram routes a refusal of an approve-proposal back to the catalogue and review:
    that completion is recorded as not effective, and the refusal is decided only after a review of it."""
    from tests.api.test_process__permit_application import ACCEPT, APPLY, DENY, REVIEW, SITE, _act
    from tests.api.walk import today

    iid = http.start("permit_application")["id"]
    http.complete(iid, "task_permit_apply", APPLY, "officer1")
    http.complete(iid, "task_permit_accept", ACCEPT, "officer1")
    http.complete(iid, "task_permit_review", {**REVIEW, "request_decision_extension": False}, "officer1")
    _act(http, iid, "task_permit_site_check", {**SITE, "site_check_date": today()})
    number = f"宁民宗许〔2026〕{iid}号"
    result = http.complete(iid, "task_permit_decision", {**DENY, "decision_number": number}, "head1")
    assert open_ids(result) == ["task_submit_review"]
    gate = [e for e in _history(http, iid) if e["type"] == "task_completed"][-1]["data"]["gate"]
    assert gate["effective"] is False and gate["rule"] == "refuse_permit" and "refused_because" in gate


# -- deployed diagrams that try to decide outside the head's decision task ------------------------------

_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="defs_{pid}" targetNamespace="http://sanxiang.local/bpmn">
  <bpmn:process id="{pid}" name="绕过审核的案件" isExecutable="true">
    <bpmn:laneSet id="lanes_{pid}">
      <bpmn:lane id="lane_officer" name="执法人员">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>task_register</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>task_proposal</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
        {officer_refs}
      </bpmn:lane>
      <bpmn:lane id="lane_head" name="负责人">
        <bpmn:flowNodeRef>task_wait</bpmn:flowNodeRef>
        {head_refs}
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="task_register" name="立案登记">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="case_register" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="task_proposal" name="拟处理意见">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="case_proposal" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
{decider}
    <bpmn:userTask id="task_wait" name="等待">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="case_archive" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task_register" />
    <bpmn:sequenceFlow id="f2" sourceRef="task_register" targetRef="task_proposal" />
    <bpmn:sequenceFlow id="f3" sourceRef="task_proposal" targetRef="task_decide" />
    <bpmn:sequenceFlow id="f4" sourceRef="task_decide" targetRef="task_wait" />
    <bpmn:sequenceFlow id="f5" sourceRef="task_wait" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""

_USER_DECIDER = """    <bpmn:userTask id="task_decide" name="作出决定">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="head_decision" />{kind}
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>"""

_SCRIPT_DECIDER = """    <bpmn:scriptTask id="task_decide" name="自动决定">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>decision = "approve"</bpmn:script>
    </bpmn:scriptTask>"""

_KIND = '\n        <spiffworkflow:property name="kind" value="decision" />'
_DECIDE_REF = "<bpmn:flowNodeRef>task_decide</bpmn:flowNodeRef>"

VARIANTS = {
    # a decision task drawn in the officers' lane
    "gate_lane_case": dict(decider=_USER_DECIDER.format(kind=_KIND), officer_refs=_DECIDE_REF, head_refs=""),
    # the head's decision form on a task that does not say kind=decision
    "gate_nokind_case": dict(decider=_USER_DECIDER.format(kind=""), officer_refs="", head_refs=_DECIDE_REF),
    # a script that writes the decision
    "gate_script_case": dict(decider=_SCRIPT_DECIDER, officer_refs=_DECIDE_REF, head_refs=""),
}


def _diagram(pid: str) -> bytes:
    return _TEMPLATE.format(pid=pid, **VARIANTS[pid]).encode()


def _line_of(xml: bytes, needle: str) -> int:
    return next(i for i, line in enumerate(xml.decode().splitlines(), 1) if needle in line)


@pytest.mark.parametrize("pid", sorted(VARIANTS))
def test_a_diagram_that_decides_outside_the_heads_decision_task_is_refused_at_deploy__APL_58(http, pid):
    xml = _diagram(pid)
    resp = upload(http, "/api/v1/definitions/validate", {f"{pid}.bpmn": xml})
    assert resp.status_code == 400, resp.get_json()
    problems = [p for p in resp.get_json()["errors"]["problems"] if p["element_id"] == "task_decide"]
    assert problems, resp.get_json()
    where = "<bpmn:script>" if pid == "gate_script_case" else 'id="task_decide"'
    assert problems[0]["line"] == _line_of(xml, where)
    assert "APL 58" in problems[0]["message"]
    assert upload(http, "/api/v1/definitions", {f"{pid}.bpmn": xml}).status_code == 400


@pytest.fixture
def deployed_before_the_lint(http, monkeypatch):
    """Deploy the variants as a version deployed before these lint rules existed would be: the service
    must still refuse at run time."""
    monkeypatch.setattr(lint, "_lint_decision_task", lambda *args: None)
    monkeypatch.setitem(lint.LINTERS, "bpmn", [lint._lint_python, lint._lint_tasks])
    for pid in VARIANTS:
        resp = upload(http, "/api/v1/definitions", {f"{pid}.bpmn": _diagram(pid)})
        assert resp.status_code == 201, resp.get_json()


def _to_decision(http, pid: str, expect: int = 200) -> int:
    iid = http.start(pid)["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    http.complete(iid, "task_proposal", c.PROPOSAL_MAJOR, "officer1", expect=expect)
    return iid


def test_a_decision_in_the_officers_lane_is_refused_at_run_time__APL_58(http, deployed_before_the_lint):
    iid = _to_decision(http, "gate_lane_case")
    body = _refused(http, iid, "task_decide", c.DECISION, "officer1", "decision_by_head")
    assert "负责人" in body["message"]


def test_a_decision_by_a_task_without_kind_still_meets_the_gate__APL_58(http, deployed_before_the_lint):
    iid = _to_decision(http, "gate_nokind_case")
    body = _refused(http, iid, "task_decide", c.DECISION, "head1", "legal_review_gate")
    assert "fine_person_ge_10000" in body["message"]


def test_a_script_that_decides_is_refused_and_nothing_is_saved__APL_58(http, app, deployed_before_the_lint):
    iid = http.start("gate_script_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    before = _unchanged(app, iid)
    body = _refused(http, iid, "task_proposal", c.PROPOSAL_MAJOR, "officer1", "decision_by_head")
    assert "task_decide" in body["message"]
    assert _unchanged(app, iid) == before


# -- found by attacking the gate from outside ------------------------------------------------------------

@pytest.mark.parametrize("choice", ["deny", "approve"])
def test_revised_values_belong_only_to_a_revise_decision__APL_58(http, app, choice):
    """'deny' or 'approve' with hidden revised fields would write an unreviewed heavier penalty into the case."""
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    before = _unchanged(app, iid)
    task = http.open_task(iid, "task_head_decision")
    sneaky = {**HEAVIER, "decision": choice}
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "head1", json={"data": sneaky})
    assert resp.status_code == 422, resp.get_json()
    assert {"revised_penalty_kind", "revised_fine_amount"} <= set(resp.get_json()["errors"])
    assert _unchanged(app, iid) == before


def test_a_deny_decision_imposes_nothing_and_says_so_in_the_case__APL_58(http):
    iid = _reviewed_major_case(http)
    deny = {**c.DECISION, "decision": "deny", "decision_text": "决定不予行政处罚。", "decision_number": decision_number(iid)}
    http.complete(iid, "task_head_decision", deny, "head1")
    data = instance_data(http, iid)
    assert data["penalty_kind"] == "none" and data["fine_amount"] == 0


def test_admin_edit_of_the_decided_content_is_refused__APL_58(http):
    iid = _reviewed_major_case(http)
    http.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)}, "head1")
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {"fine_amount": 500000, "penalty_kind": "revoke_licence"}, "reason": "改判"})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "decided_content"
    assert instance_data(http, iid)["fine_amount"] == 20000
    # data that is not decided content can still be corrected
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {"case_title": "更正后的案件名称"}, "reason": "名称笔误"})
    assert resp.status_code == 200, resp.get_json()


@pytest.mark.parametrize("typed", ["200000", "２０００００", " 200000", "2e5"])
def test_an_amount_typed_as_text_is_read_as_an_amount__APL_58(http, typed):
    iid = _reviewed_major_case(http)
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {"fine_amount": typed}, "reason": "罚款金额录入错误"})
    assert resp.status_code == 200
    body = _refused(http, iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)},
                    "head1", "legal_review_gate")
    assert "fine_amount" in body["message"]


def test_an_amount_that_is_no_number_is_422_not_500__APL_58(http):
    iid = _reviewed_major_case(http)
    http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
              json={"changes": {"fine_amount": "贰拾万"}, "reason": "录入"})
    task = http.open_task(iid, "task_head_decision")
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "head1",
                     json={"data": {**c.DECISION, "decision_number": decision_number(iid)}})
    assert resp.status_code == 422 and "fine_amount" in resp.get_json()["errors"]


_CARRY_ON = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="defs_carry_on" targetNamespace="http://sanxiang.local/bpmn">
  <bpmn:process id="gate_carry_on_case" name="决定后伪装退回的案件" isExecutable="true">
    <bpmn:laneSet id="lanes_carry_on">
      <bpmn:lane id="lane_officer" name="执法人员">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>task_register</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>task_proposal</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>task_fake_proposal</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_head" name="负责人">
        <bpmn:flowNodeRef>task_decide</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="task_register" name="立案登记">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="case_register" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="task_proposal" name="拟处理意见">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="case_proposal" />
        <spiffworkflow:property name="kind" value="proposal" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="task_decide" name="负责人决定">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="head_decision" />
        <spiffworkflow:property name="kind" value="decision" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="task_fake_proposal" name="送达准备">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="case_archive" />
        <spiffworkflow:property name="kind" value="proposal" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task_register" />
    <bpmn:sequenceFlow id="f2" sourceRef="task_register" targetRef="task_proposal" />
    <bpmn:sequenceFlow id="f3" sourceRef="task_proposal" targetRef="task_decide" />
    <bpmn:sequenceFlow id="f4" sourceRef="task_decide" targetRef="task_fake_proposal" />
    <bpmn:sequenceFlow id="f5" sourceRef="task_fake_proposal" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_diagram_cannot_carry_a_refused_decision_on_by_calling_the_next_task_a_proposal__APL_58(http):
    """Only a loop back to a proposal the case went through (or a legal review) makes a refused decision
    'returned'; a new task that merely says kind=proposal does not."""
    resp = upload(http, "/api/v1/definitions", {"gate_carry_on_case.bpmn": _CARRY_ON.encode()})
    assert resp.status_code == 201, resp.get_json()
    iid = http.start("gate_carry_on_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    http.complete(iid, "task_proposal", {**c.PROPOSAL_MINOR, "penalty_kind": "revoke_licence"}, "officer1")
    _refused(http, iid, "task_decide", {**c.DECISION, "decision_number": "宁民宗罚〔2026〕97号"}, "head1",
             "legal_review_gate")


def test_a_returned_decision_goes_back_to_the_proposal_and_decides_nothing__APL_58(http):
    iid = _reviewed_major_case(http)
    back = {"decision": "return_for_review", "decision_text": "退回重新拟定：罚款幅度需重新论证。",
            "decision_number": "—"}
    assert open_ids(http.complete(iid, "task_head_decision", back, "head1")) == ["task_proposal"]
    gate = [e for e in _history(http, iid) if e["type"] == "task_completed"][-1]["data"]["gate"]
    assert gate["effective"] is False


def test_two_heads_deciding_at_once_record_one_decision_and_the_other_gets_409__APL_58(http, app):
    import threading

    iid = _reviewed_major_case(http)
    task = http.open_task(iid, "task_head_decision")
    tokens = {u: http.token(u) for u in ("head1", "head2")}
    body = {"data": {**c.DECISION, "decision_number": decision_number(iid)}}
    codes: list[int] = []
    barrier = threading.Barrier(2)

    def decide(user: str) -> None:
        client = app.test_client()
        barrier.wait()
        resp = client.post(f"/api/v1/tasks/{task['id']}/complete", json=body,
                           headers={"Authorization": f"Bearer {tokens[user]}"})
        codes.append(resp.status_code)

    threads = [threading.Thread(target=decide, args=(u,)) for u in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 409]
    decisions = [e for e in _history(http, iid)
                 if e["type"] == "task_completed" and e["element_id"] == "task_head_decision"]
    assert len(decisions) == 1
    assert http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()["ok"]


@pytest.mark.parametrize("text", [
    "决定吊销其宗教活动场所登记证，并处罚款人民币伍拾万元。",
    "决定给予罚款人民币伍万元的行政处罚。",
    "决定处以50,000元罚款。",
    "决定处以２万５千元罚款。",
])
def test_the_written_decision_states_the_decided_penalty__APL_58(http, text):
    iid = _reviewed_major_case(http)  # a reviewed fine of ¥20,000
    task = http.open_task(iid, "task_head_decision")
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "head1",
                     json={"data": {**c.DECISION, "decision_text": text, "decision_number": decision_number(iid)}})
    assert resp.status_code == 422 and "decision_text" in resp.get_json()["errors"], resp.get_json()


@pytest.mark.parametrize("text", ["决定给予罚款人民币贰万元的行政处罚。", "决定处以20,000元罚款。", "决定处以2万元罚款，并予以警告。"])
def test_a_written_decision_that_agrees_passes__APL_58(http, text):
    iid = _reviewed_major_case(http)
    data = {**c.DECISION, "decision_text": text, "decision_number": decision_number(iid)}
    assert open_ids(http.complete(iid, "task_head_decision", data, "head1")) == ["task_service"]


def test_content_changed_after_the_decision_is_not_published__APL_58(http):
    """A deployed diagram's script raises the fine after the head decided a warning: the publication is
    withheld, because what is published must be what was decided."""
    from tests.api.disclosure_support import case_data, deploy_fixtures, release
    from tests.api.helpers import fixture

    deploy_fixtures(http)
    resp = upload(http, "/api/v1/definitions", {"changed_after_decision.bpmn": fixture("changed_after_decision.bpmn")})
    assert resp.status_code in (200, 201), resp.get_json()
    data = case_data()
    iid = http.start("changed_after_decision", data)["id"]
    http.complete(iid, "task_decide", {"decision": "approve"}, "head1")
    release(http, iid)
    withheld = [e for e in _history(http, iid) if e["type"] == "disclosure_withheld"]
    assert withheld and withheld[-1]["data"]["rule"] == "decided_content"
    assert http.call("GET", "/api/v1/public/disclosures?q=" + data["decision_number"]).get_json() == []


def test_a_lighter_content_the_catalogue_finds_minor_needs_no_new_review__APL_58(http):
    """The gate asks the catalogue about the decided content, not a stale is_major left in the case data:
    an admin correcting the fine to ¥5,000 before the decision makes a decision that is not major."""
    iid = _reviewed_major_case(http)
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {"fine_amount": 5000}, "reason": "罚款金额录入错误"})
    assert resp.status_code == 200
    assert instance_data(http, iid)["is_major"] is True  # the diagram's earlier finding, now stale
    result = http.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)}, "head1")
    assert open_ids(result) == ["task_service"]
    gate = [e for e in _history(http, iid) if e["type"] == "task_completed"][-1]["data"]["gate"]
    assert gate["major"] is False and gate["rule"] is None
