"""Every message the pages show is in the page's language: the message catalogue (api/web/messages.py) translates
the messages the engine and the services really produce, the translate route serves it to the page scripts, and the
error pages and refusals use it (issue 9 item 8)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.web.messages import known, translate
from tests.api.helpers import upload, web_login

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
CJK = re.compile(r"[\u4e00-\u9fff]")

#: a diagram breaking every lint rule of engine/lint.py once (each element names what it breaks)
LINT_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="defs_msg" targetNamespace="http://sanxiang.local/bpmn">
  <bpmn:process id="msg_lint" name="lint" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_nobody" name="nobody">
        <bpmn:flowNodeRef>task_unknown_lane</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_officer" name="执法人员">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>task_no_form</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>task_ghost_form</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>task_decides</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>call_ghost</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>rule_ghost</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>script_import</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>script_sets_decision</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gateway</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="task_no_lane" name="no lane">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="record_start"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="task_unknown_lane" name="unknown lane">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="record_start"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="task_no_form" name="no form"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="task_ghost_form" name="ghost form">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="ghost_form"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="task_decides" name="decides in the officer lane">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="record_start"/>
        <spiffworkflow:property name="kind" value="decision"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:callActivity id="call_ghost" calledElement="ghost_process"/>
    <bpmn:businessRuleTask id="rule_ghost">
      <bpmn:extensionElements><spiffworkflow:calledDecisionId>ghost_decision</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
    </bpmn:businessRuleTask>
    <bpmn:scriptTask id="script_import"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>
    <bpmn:scriptTask id="script_sets_decision"><bpmn:script>decision = "punish"</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gateway"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task_no_form"/>
    <bpmn:sequenceFlow id="f2" sourceRef="task_no_form" targetRef="gateway"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gateway" targetRef="end">
      <bpmn:conditionExpression>amount &gt;</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""


def _recording() -> str:
    return (PROCESSES / "recording.bpmn").read_text()


#: broken upload sets: name → files; each is validated through the API and every problem it reports is translated
BROKEN: dict[str, dict[str, bytes]] = {
    "lint": {"msg_lint.bpmn": LINT_BPMN.encode()},
    "flow": {"recording.bpmn": _recording().replace('targetRef="end_recording"', 'targetRef="end_gone"').encode()},
    "flow_source": {"recording.bpmn": _recording().replace('sourceRef="start_recording"',
                                                          'sourceRef="start_gone"').encode()},
    "process_id_twice": {"recording_copy.bpmn": _recording().encode()},
    "doctype": {"recording.bpmn": _recording().replace("<bpmn:definitions",
                                                       '<!DOCTYPE x [<!ENTITY e "e">]>\n<bpmn:definitions', 1).encode()},
    "xml_syntax": {"recording.bpmn": _recording()[:400].encode()},
    "schema": {"recording.bpmn": _recording().replace("<bpmn:laneSet", "<bpmn:bogus id=\"b\"/><bpmn:laneSet", 1)
               .encode()},
    "form_json": {"broken.form": b"{\"type\": "},
    "form_array": {"broken.form": b"[]"},
    "file_type": {"notes.txt": b"hello"},
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_every_definition_problem_the_validator_reports_is_translated(http, name):
    resp = upload(http, "/api/v1/definitions/validate", BROKEN[name])
    assert resp.status_code == 400
    problems = resp.get_json()["errors"]["problems"]
    assert problems
    for p in problems:
        message = p["message"]
        zh = translate(message, "zh")
        assert known(message), f"no pattern for: {message}"
        assert zh != message and CJK.search(zh), (message, zh)
        assert translate(message, "en") == message  # English pages keep the API's own text


def test_the_lint_diagram_reaches_most_lint_rules(http):
    """The table test above is only as good as its broken files: the lint diagram reports a dozen different rules."""
    from api.web.messages import match

    problems = upload(http, "/api/v1/definitions/validate", BROKEN["lint"]).get_json()["errors"]["problems"]
    rows = {match(p["message"])[0].pattern for p in problems if match(p["message"])}
    assert len(rows) >= 10, [p["message"] for p in problems]


# --- verification problems (api/services/audit.py) ----------------------------------------------------------------

def test_every_verify_problem_of_a_tampered_case_is_translated(http, app):
    from sqlalchemy import select

    from api.extensions import db
    from api.models import Event
    from tests.api.tamper import raw, set_event_data
    from tests.api.walk import run_major_case

    iid = run_major_case(http)
    with app.app_context():
        events = list(db.session.scalars(select(Event).where(Event.stream == f"instance:{iid}").order_by(Event.seq)))
        target = next(e for e in events if e.type == "task_completed" and e.element_id == "task_proposal")
        target_id, data = target.id, dict(target.data)
        last_id = events[-1].id
    set_event_data(app, target_id, {**data, "submitted": {**data["submitted"], "fine_amount": 2000}})
    raw(app, "DELETE FROM events WHERE id = :id", id=last_id)
    raw(app, "UPDATE instances SET status = 'cancelled', title = 'forged', definition_key = 'recording' "
             "WHERE id = :id", id=iid)
    result = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()
    kinds = {p["kind"] for p in result["problems"]}
    assert {"chain", "replay", "row"} <= kinds, result["problems"]
    for p in result["problems"]:
        zh = translate(p["problem"], "zh")
        assert known(p["problem"]), f"no pattern for: {p['problem']}"
        assert zh != p["problem"] and CJK.search(zh), (p["problem"], zh)


def test_verify_problem_texts_of_every_kind_are_translated():
    """The messages of api/services/audit.py, engine/replay.py, engine/history.py and the checkpoints, as they are
    formatted there (the tampered case above reaches only some of them)."""
    samples = [
        "expected seq 4, found 5", "prev_hash does not match the previous event",
        "the instance's head is event 30 but the history ends at event 29: events were removed or added",
        "checkpoint 2 (in the database) recorded event 7 of instance:3; it is gone",
        "event 7 of instance:3 differs from the one checkpoint 2 (in the export file) recorded",
        "definition file is missing", "definition file was altered",
        "definition file was never deployed (no deploy event of the definitions stream names it)",
        "bpmn 'recording' version 2 has no deploy event",
        "form 'record_start' version 1 differs from its deploy (event 4) in sha256",
        "dmn 'major_decision' version 1 deployed by event 3 is missing",
        "snapshot is missing", "snapshot was altered (used by events [3, 4])",
        "not replayed: the definition files do not verify",
        "not replayed: process 'recording' does not load from its files (ValidationException)",
        "recorded engine step task_ready 'task_x' did not happen in the replay",
        "task 'task_x' was completed but is not ready in the replay",
        "the history does not begin with instance_started (found task_completed)",
        "replay failed: instance 3 not found", "altered", "missing",
        "evidence item 4 is on the case but no event recorded its upload (added, or moved here from another case)",
        "evidence item 4 differs from its upload (event 9) in officers, sha256",
        "evidence item 4 recorded by event 9 is missing from the case (removed, or moved to another case)",
        "the row's org_id is 2, the history recorded 1: the case was moved behind the application's back",
        "the row's case data differs from the replayed history in fine_amount",
        "the row's state_ref is not the snapshot of the replayed history",
        "the row's saved workflow cannot be read: KeyError",
        "the row's status is 'cancelled', the history gives 'running'",
    ]
    for message in samples:
        zh = translate(message, "zh")
        assert zh != message and CJK.search(zh), (message, zh)
    assert translate("the row's status is 'cancelled', the history gives 'running'", "zh") == \
        "案件状态为“已撤销”，历史记录给出的是“办理中”"


# --- refusals of the services (404, 409, 403) and field messages ------------------------------------------------------

def test_service_refusals_and_field_messages_are_translated():
    samples = {
        "instance 12 not found": "案件 12 不存在",
        "task 7f3a not found": "任务 7f3a 不存在",
        "task 7f3a is completed": "任务 7f3a 的状态为“已办结”，不能办理",
        "task is already claimed by officer2": "任务已由 officer2 认领",
        "instance 12 is cancelled; its record is closed to new evidence": "案件 12 的状态为“已撤销”，不能再添加证据",
        "device 'DV-1' is checked out to officer1 since 2026-03-01T02:00:00+00:00; return it first":
            "设备“DV-1”自 2026-03-01 10:00 起由 officer1 借用，请先归还",
        "another request changed this record at the same time; reload and retry": "其他请求同时修改了该记录，请刷新后重试",
        "Missing data for required field.": "此项为必填项",
        "Length must be between 1 and 64.": "长度须在 1 至 64 之间",
        "condition: syntax error: '(' was never closed": "条件表达式：语法错误：“(”没有闭合",
    }
    for message, zh in samples.items():
        assert translate(message, "zh") == zh
    assert translate("something nobody wrote a pattern for", "zh") == "something nobody wrote a pattern for"


# --- the translate route -------------------------------------------------------------------------------------------

def _logged_in(app, username: str):
    client = app.test_client()
    assert web_login(client, username).status_code == 302
    return client


def _csrf(client) -> str:
    page = client.get("/inbox").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def test_translate_route_answers_in_the_sessions_language_and_keeps_order(app):
    client = _logged_in(app, "owner1")
    token = _csrf(client)
    body = {"messages": ["user task has no formKey property", "unknown words", "instance 3 not found"]}
    zh = client.post("/messages/translate", json=body, headers={"X-CSRF-Token": token}).get_json()
    assert zh == {"lang": "zh", "messages": ["用户任务没有 formKey 属性（未指定表单）", "unknown words", "案件 3 不存在"]}
    client.get("/inbox?lang=en")
    en = client.post("/messages/translate", json=body, headers={"X-CSRF-Token": token}).get_json()
    assert en["lang"] == "en" and en["messages"] == body["messages"]


def test_translate_route_needs_a_session_and_a_list(app):
    assert app.test_client().post("/messages/translate", json={"messages": []}).status_code in (400, 401)
    client = _logged_in(app, "officer1")
    resp = client.post("/messages/translate", json={"messages": "x"}, headers={"X-CSRF-Token": _csrf(client)})
    assert resp.status_code == 400


def test_pages_hand_the_translate_route_to_their_scripts(app):
    client = _logged_in(app, "owner1")
    page = client.get("/processes/recording/edit").get_data(as_text=True)
    assert '"translate_url": "/messages/translate"' in page


# --- error pages and refusals on the pages ------------------------------------------------------------------------

def test_a_rule_refusal_page_tells_the_rule_in_chinese(app):
    from api.web.error_pages import render_error
    from engine.errors import RuleViolation

    with app.test_request_context("/cases/1?lang=zh"):
        try:
            raise RuleViolation("read_only", "supervisors read; they do not act")
        except RuleViolation:
            html, status = render_error(403, "supervisors read; they do not act")
    assert status == 403
    assert "您的账号为只读（监督）账号。" in html and "supervisors read" not in html


def test_an_unknown_english_detail_is_left_out_of_a_chinese_error_page(app):
    from api.web.error_pages import render_error

    with app.test_request_context("/x?lang=zh"):
        html, _ = render_error(404, "The requested URL was not found on the server.")
        known_html, _ = render_error(404, "instance 9 not found")
    assert "页面不存在" in html and "requested URL" not in html
    assert "案件 9 不存在" in known_html
    with app.test_request_context("/x?lang=en"):
        english, _ = render_error(404, "The requested URL was not found on the server.")
    assert "The requested URL was not found on the server." in english


def test_starting_a_case_without_the_role_shows_the_rule_in_chinese(app):
    client = _logged_in(app, "auditor1")
    resp = client.post("/cases/new/enforcement_case", data={"csrf_token": _csrf(client)})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 403
    assert "您不具有办理该任务所需的角色。" in html
    assert "this needs one of the roles" not in html


def test_another_bureaus_task_page_says_not_found_in_chinese(app, http):
    from tests.api.walk import to_proposal

    iid = to_proposal(http)
    task_id = http.open_task(iid, "task_proposal")["id"]
    html = _logged_in(app, "officer4").get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "不存在" in html and "not found" not in html


# --- the pages of a walked case ----------------------------------------------------------------------------------

def _visible_fragments(html: str) -> list[str]:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return [f.strip() for f in re.split(r"<[^>]+>", html) if f.strip()]


def test_no_page_of_a_walked_case_shows_an_english_engine_message_in_chinese(app, http):
    from tests.api.walk import run_major_case

    iid = run_major_case(http)
    pages = {
        "officer1": [f"/cases/{iid}", "/inbox", f"/audit/{iid}", "/cases/new"],
        "auditor1": [f"/audit/{iid}", f"/audit/{iid}/case-file", f"/cases/{iid}"],
        "officer4": [f"/cases/{iid}", f"/audit/{iid}"],  # another bureau: the 404 page
        "supervisor1": [f"/cases/{iid}"],
    }
    seen = 0
    for user, paths in pages.items():
        client = _logged_in(app, user)
        for path in paths:
            html = client.get(f"{path}?lang=zh").get_data(as_text=True)
            for fragment in _visible_fragments(html):
                seen += 1
                assert CJK.search(fragment) or not known(fragment), f"{user} {path}: English message {fragment!r}"
    assert seen > 100
