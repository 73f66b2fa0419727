"""The task page's server side: the form-js JSON submit route (field errors and rule refusals in the page's
language, a success message naming what comes next), labels instead of codes in form texts, and a Chinese text
with advice for every rule code the services raise."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from api.web.forms import choice_labels, display, fill_texts, translate
from api.web.strings.rules import RULES
from tests import cases as c
from tests.api.helpers import csrf_of, web_login
from tests.conftest import Api

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def http(client) -> Api:
    """The JSON API with tokens of its own: another module's test that revokes the shared ones leaves these be."""
    api = Api(client)
    api._tokens = {}
    return api


def _record_start_task(http) -> tuple[int, str]:
    iid = http.start("enforcement_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    http.complete(iid, "task_recusal", c.RECUSAL_NONE, "officer1")
    return iid, http.open_task(iid, "task_record_start")["id"]


def _logged_in(app, username: str = "officer1"):
    client = app.test_client()
    assert web_login(client, username).status_code == 302
    return client, csrf_of(client, "/inbox")


def _submit(client, token: str, task_id: str, data: dict, lang: str = ""):
    return client.post(f"/tasks/{task_id}/submit{lang}", json={"data": data}, headers={"X-CSRF-Token": token})


def test_a_rule_refusal_comes_in_chinese_with_what_to_do_and_in_english_on_request(app, http):
    _, task = _record_start_task(http)
    client, token = _logged_in(app)
    resp = _submit(client, token, task, c.RECORD_START)
    assert resp.status_code == 403
    refusal = resp.get_json()["refusal"]
    assert refusal["rule"] == "av_required"
    assert "音像记录" in refusal["text"] and "上传" in refusal["advice"]
    client.get("/inbox?lang=en")
    english = _submit(client, token, task, c.RECORD_START).get_json()["refusal"]
    assert "audio/video" in english["text"] and "Upload" in english["advice"]


def test_field_errors_come_per_field_in_the_pages_language(app, http):
    _, task = _record_start_task(http)
    client, token = _logged_in(app)
    data = {**c.RECORD_START, "record_time": "9点半", "certificate_numbers": ""}
    resp = _submit(client, token, task, data)
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert errors["certificate_numbers"] == ["此项为必填项"]
    assert errors["record_time"] == ["格式不正确"]


def test_a_completion_says_submitted_and_names_the_next_step(app, http):
    iid = http.start("enforcement_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    task = http.open_task(iid, "task_recusal")["id"]
    client, token = _logged_in(app)
    resp = _submit(client, token, task, c.RECUSAL_NONE)
    assert resp.status_code == 200 and resp.get_json()["redirect"] == "/inbox"
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "已提交。下一步：启动记录" in inbox


def test_the_submit_route_needs_the_csrf_header(app, http):
    _, task = _record_start_task(http)
    client, _ = _logged_in(app)
    assert client.post(f"/tasks/{task}/submit", json={"data": c.RECORD_START}).status_code == 400


def test_the_task_page_hands_the_form_and_the_case_data_to_the_form_js_viewer(app, http):
    iid, task = _record_start_task(http)
    client, _ = _logged_in(app)
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', page, re.S)
    assert found, page[:500]
    data = json.loads(found.group(1))
    assert data["schema"]["id"] == "record_start" and data["task"]["id"] == task
    assert data["data"]["party_name"] == c.REGISTER["party_name"]
    assert data["evidence"]["needs_av"] is True and data["evidence"]["instance_id"] == iid
    assert {o["value"] for o in data["evidence"]["officers"]} >= {"officer1", "officer2"}
    assert data["rules"]["av_required"]["text"].startswith("该环节属于执法行为")


def test_form_texts_show_labels_not_codes():
    forms = [{"components": [{"type": "select", "key": "penalty_kind", "values": [
        {"label": "罚款", "value": "fine"}, {"label": "警告", "value": "warning"}]}]}]
    labels = choice_labels(forms)
    form = {"components": [{"type": "text", "text": "**处理：** {{penalty_kind}} 重大：{{is_major}} 于 {{at}}"
                                                     " 人员：{{officers}} {{missing}}"}]}
    values = {"penalty_kind": "fine", "is_major": True, "at": "2026-11-30T01:30:00+00:00",
              "officers": ["officer1", "officer2"]}
    text = fill_texts(form, values, labels, "zh")["components"][0]["text"]
    # values are literal text: markdown punctuation escaped (the viewer shows 2026-11-30 09:30)
    assert text == "**处理：** 罚款 重大：是 于 2026\\-11\\-30 09\\:30 人员：officer1、officer2 "
    assert display(False, "x", labels, "en") == "No"
    assert display({"a": 1}, "x", labels, "zh") == ""  # never a Python dict


def test_common_field_messages_are_translated():
    assert translate("Missing data for required field.", "zh") == "此项为必填项"
    assert translate("Must have at most 200 characters.", "zh") == "最多 200 个字"
    assert translate("Not a valid number.", "zh") == "请输入有效的数字"
    from engine.forms import NUMBER_TOO_LARGE

    assert translate(NUMBER_TOO_LARGE, "zh") == "数值过大（须小于 10 的 16 次方）"  # found untranslated on a zh page
    assert translate("Must be one of: agree, problems.", "zh") == "请从给出的选项中选择"
    assert translate("Field is required.", "en") == "This field is required"
    assert translate("something new", "zh") == "something new"


def test_every_rule_code_the_services_raise_has_a_text_and_advice():
    raised: set[str] = set()
    constants: dict[str, str] = {}
    sources = [p.read_text(encoding="utf-8") for root in ("api", "engine") for p in (ROOT / root).rglob("*.py")]
    for text in sources:
        raised.update(re.findall(r'RuleViolation\(\s*"([A-Za-z0-9_]+)"', text))
        constants.update(re.findall(r'^([A-Z_]*RULE) = "([A-Za-z0-9_]+)"', text, re.M))
    for text in sources:
        raised.update(constants[name] for name in re.findall(r"RuleViolation\(\s*(?:[a-z_]+\.)?([A-Z_]*RULE)\b", text)
                      if name in constants)
    assert {"av_required", "two_officers", "legal_review_gate", "role"} <= raised
    missing = sorted(raised - set(RULES))
    assert not missing, f"no text in api/web/strings/rules.py for {missing}"
    for code, (zh, en, zh_advice, en_advice) in RULES.items():
        assert zh and en and zh_advice and en_advice, code


def test_the_head_sees_proposal_and_review_and_the_decision_text_starts_from_the_draft(app, http):
    from tests.api.walk import Acts, review_with_one_loop, to_proposal, waive_hearing

    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(http, iid, acts)
    review_with_one_loop(http, iid, acts)
    task = http.open_task(iid, "task_head_decision")["id"]
    client, _ = _logged_in(app, "head1")
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    summary = page.split('class="card decision-summary"')[1].split("</section>")[0]
    assert "同意。" in summary and c.PROPOSAL_MAJOR["proposal_text"] in summary
    assert "同意" in summary and "agree" not in summary  # the review outcome as its label
    data = json.loads(re.search(r'id="page-data">(.*?)</script>', page, re.S).group(1))
    assert data["data"]["decision_text"] == c.FIX["draft_decision"]  # prefilled from the reviewed draft


def test_the_publicity_officer_sees_original_and_masked_side_by_side_without_raw_id_numbers(app, http):
    from tests.api.walk import Acts, decision_number, to_proposal

    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    acts.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)}, "head1")
    acts.complete(iid, "task_service", c.SERVICE)
    task = http.open_task(iid, "task_review_masked")["id"]
    client, _ = _logged_in(app, "publicity1")
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert c.REGISTER["party_id_number"] not in page  # nowhere: not in the columns, not in the form's data
    original = page.split('<pre class="original">')[1].split("</pre>")[0]
    masked = page.split('<pre class="masked">')[1].split("</pre>")[0]
    assert '<mark class="masked-span"' in original and ">张三</mark>" in original
    assert "张三" not in masked and "张某" in masked
