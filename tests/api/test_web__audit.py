"""The audit pages (api/web/pages/audit.py) answer as the API does: the search lists only the cases the user may
read, a replay or case-file view is a recorded read, another bureau's case is 404, the publicity officer gets no
history; the pages show labels and Beijing local time, not codes and UTC."""
from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from tests import cases as c
from tests.api.access_support import access_events
from tests.api.helpers import web_login


def _client(app, username: str):
    client = app.test_client()
    assert web_login(client, username).status_code == 302
    return client


def _page_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    assert found, "no page data"
    return json.loads(found.group(1))


def _registered(http, title: str, party: str = "张三", as_user: str = "officer1") -> int:
    iid = http.start("enforcement_case", as_user=as_user)["id"]
    http.complete(iid, "task_register", {**c.REGISTER, "case_title": title, "party_name": party,
                                         "officers": ["officer1", "officer2"] if as_user == "officer1"
                                         else [as_user]}, as_user)
    return iid


@pytest.fixture
def other_bureau_case(http) -> int:
    """A case of 宁晋县市场监督管理局 (officer4's bureau)."""
    return http.start("enforcement_case", as_user="officer4")["id"]


def _listed(client, query: str = "") -> set[int]:
    html = client.get(f"/audit{query}").get_data(as_text=True)
    return {int(i) for i in re.findall(r'data-instance="(\d+)"', html)}


def test_the_search_never_lists_another_bureaus_case(app, http, other_bureau_case):
    own = _registered(http, "本局审计检索案")
    assert own in _listed(_client(app, "auditor1"))
    assert other_bureau_case not in _listed(_client(app, "auditor1"))
    assert other_bureau_case not in _listed(_client(app, "auditor1"), f"?q={other_bureau_case}")
    assert other_bureau_case in _listed(_client(app, "head3"))  # that bureau's head finds it
    assert {own, other_bureau_case} <= _listed(_client(app, "supervisor1"))  # the justice bureau reads both


def test_the_search_filters_by_number_title_party_process_and_date(app, http):
    first = _registered(http, "检索测试甲案", party="欧阳检索")
    second = _registered(http, "检索测试乙案", party="司马其他")
    client = _client(app, "auditor1")
    assert _listed(client, "?q=检索测试甲") == {first}
    assert _listed(client, f"?q=enforcement_case-{second}") == {second}
    assert second in _listed(client, f"?q={second}")  # the number (another title may contain those digits)
    assert first not in _listed(client, f"?q={second}")
    assert _listed(client, "?party=欧阳检索") == {first}
    assert {first, second} <= _listed(client, "?process=enforcement_case&q=检索测试")
    assert not _listed(client, "?process=permit_application&q=检索测试")
    assert not _listed(client, "?q=检索测试&date_to=2000-01-01")
    assert {first, second} <= _listed(client, f"?q=检索测试&date_from={c.TODAY}&date_to={c.TODAY}")
    assert client.get("/audit?date_from=not-a-date").status_code == 422


def test_the_results_show_labels_and_local_dates(app, http):
    iid = _registered(http, "标签显示测试案")
    html = _client(app, "auditor1").get("/audit?q=标签显示测试案").get_data(as_text=True)
    row = html[html.index(f'data-instance="{iid}"'):]
    row = row[: row.index("</tr>")]
    assert "办理中" in row and "行政执法案件" in row and "执法人员一" in row
    assert "running" not in row and "officer1" not in row and "+00:00" not in row
    assert c.TODAY in row  # the start date in Beijing local time


def test_the_audit_menu_is_for_those_who_verify(app):
    for user in ("auditor1", "admin", "head1", "supervisor1"):
        assert 'href="/audit"' in _client(app, user).get("/inbox").get_data(as_text=True), user
    assert 'href="/audit"' not in _client(app, "officer1").get("/inbox").get_data(as_text=True)


def test_another_bureaus_replay_and_case_file_are_404_and_record_nothing(app, http, other_bureau_case):
    client = _client(app, "auditor1")
    before = access_events(app, other_bureau_case)
    assert client.get(f"/audit/{other_bureau_case}").status_code == 404
    assert client.get(f"/audit/{other_bureau_case}/case-file").status_code == 404
    assert access_events(app, other_bureau_case) == before


def test_the_publicity_officer_gets_no_history(app, http):
    iid = _registered(http, "公示员不可回放案")
    before = access_events(app, iid)
    assert _client(app, "publicity1").get(f"/audit/{iid}").status_code == 403
    assert access_events(app, iid) == before


def test_a_replay_is_a_recorded_history_read(app, http):
    iid = _registered(http, "回放记录查阅案")
    before = access_events(app, iid)
    assert _client(app, "supervisor1").get(f"/audit/{iid}").status_code == 200  # read-only, but reads
    after = access_events(app, iid)
    assert len(after) == len(before) + 1
    assert after[-1]["actor"] == "supervisor1" and after[-1]["data"]["what"] == "history"


def test_the_replay_steps_carry_labels_local_times_and_states(app, http):
    iid = _registered(http, "回放步骤标签案")
    data = _page_data(_client(app, "auditor1").get(f"/audit/{iid}").get_data(as_text=True))
    steps = data["steps"]
    assert [s["seq"] for s in steps] == list(range(1, len(steps) + 1))
    done = next(s for s in steps if s["type"] == "task_completed")
    assert done["type_label"] == "办理完成" and done["actor"] == "执法人员一"
    assert done["role"] == "执法人员"
    assert ("执法类别", "行政处罚") in [tuple(p) for p in done["submitted"]]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", done["at"])
    # the diagram marks: before the registration the task is active, after it completed
    first = data["states"][steps[1]["state"]]
    assert "task_register" in first["active"]
    after = data["states"][done["state"]]
    assert "task_register" in after["completed"] and "task_register" not in after["active"]
    # the case data as it was: nothing registered at the start, the party's name after the registration
    assert not any(label == "当事人名称/姓名" or value == "张三" for label, value in data["data"][steps[0]["data"]])
    assert ["当事人名称/姓名", "张三"] in data["data"][done["data"]]
    assert data["bpmn"].lstrip().startswith("<?xml") and 'id="task_register"' in data["bpmn"]
    assert data["verify_url"] == f"/api/v1/instances/{iid}/verify"


def test_a_replay_in_english_has_english_labels(app, http):
    iid = _registered(http, "英文回放案")
    client = _client(app, "auditor1")
    data = _page_data(client.get(f"/audit/{iid}?lang=en").get_data(as_text=True))
    done = next(s for s in data["steps"] if s["type"] == "task_completed")
    assert done["type_label"] == "Task completed" and done["role"] == "Enforcement officer"


def test_the_case_file_view_is_a_recorded_read_with_labels(app, http):
    iid = _registered(http, "案卷视图测试案")
    before = access_events(app, iid)
    resp = _client(app, "auditor1").get(f"/audit/{iid}/case-file")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "卷内目录" in html and "立案登记" in html and "行政处罚" in html
    assert "penalty" not in html and "（UTC）" not in html and "+00:00" not in html
    after = access_events(app, iid)
    assert len(after) == len(before) + 1 and after[-1]["data"]["what"] == "case_file"


def test_the_officer_may_not_open_the_case_file(app, http):
    iid = _registered(http, "执法人员不可看案卷视图")
    assert _client(app, "officer1").get(f"/audit/{iid}/case-file").status_code == 403


def test_the_archive_case_file_shows_labels_and_beijing_time(app, http):
    iid = _registered(http, "压缩包案卷标签案")
    resp = http.call("GET", f"/api/v1/instances/{iid}/archive", "auditor1")
    assert resp.status_code == 200
    page = zipfile.ZipFile(io.BytesIO(resp.data)).read("案卷.html").decode("utf-8")
    register = page[page.index("立案登记</h3>"):]
    register = register[: register.index("</section>")]
    assert "行政处罚" in register and "penalty" not in register and "公民（自然人）" in register
    assert "UTC" not in page and "+00:00" not in page
    assert "北京时间" in page


def test_version_counts_count_cases_at_and_past_each_element(app, http):
    client = _client(app, "auditor1")

    def counts() -> dict[str, dict[str, int]]:
        resp = client.get("/audit/versions/enforcement_case/1")
        assert resp.status_code == 200
        return _page_data(resp.get_data(as_text=True))["counts"]

    before = counts().get("task_register", {"now": 0, "past": 0})
    http.start("enforcement_case")  # waits at the registration
    _registered(http, "版本统计测试案")  # past the registration
    http.start("enforcement_case", as_user="officer4")  # another bureau's: not counted
    after = counts()["task_register"]
    assert after["now"] == before["now"] + 1
    assert after["past"] == before["past"] + 1


def test_an_unknown_version_is_404(app):
    assert _client(app, "auditor1").get("/audit/versions/enforcement_case/999").status_code == 404


def test_a_decision_step_names_the_rule_that_matched(app, http):
    from tests.api.walk import to_proposal

    iid = to_proposal(http)
    http.complete(iid, "task_proposal", c.PROPOSAL_MINOR, "officer1")
    data = _page_data(_client(app, "auditor1").get(f"/audit/{iid}").get_data(as_text=True))
    decisions = [s for s in data["steps"] if s["type"] == "engine_decision"]
    assert decisions, [s["type"] for s in data["steps"]]
    step = decisions[-1]
    assert step["type_label"] == "决策表判定"
    assert step["rules"] and all(r["row"] is not None for r in step["rules"])
    # what the table decided, with the DMN's output labels
    assert ["是否重大执法决定", "否"] in step["outputs"], step["outputs"]


def test_a_correction_shows_each_field_before_and_after(app, http):
    iid = _registered(http, "更正前后显示案", party="王五")
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {"party_name": "王五六"}, "reason": "当事人姓名录入错误"})
    assert resp.status_code == 200, resp.get_json()
    client = _client(app, "auditor1")
    data = _page_data(client.get(f"/audit/{iid}").get_data(as_text=True))
    edit = next(s for s in data["steps"] if s["type"] == "data_edited")
    assert edit["type_label"] == "数据更正" and edit["role"] == "系统管理员"
    assert ["当事人名称/姓名", "王五 → 王五六"] in edit["details"], edit["details"]
    assert ["理由", "当事人姓名录入错误"] in edit["details"]
    html = client.get(f"/audit/{iid}/case-file").get_data(as_text=True)
    assert "王五 → 王五六" in html


def test_the_audit_pages_speak_english_on_request(app, http):
    iid = _registered(http, "英文页面测试案")
    client = _client(app, "auditor1")
    assert "Find a case" in client.get("/audit?lang=en").get_data(as_text=True)
    html = client.get(f"/audit/{iid}/case-file").get_data(as_text=True)  # the language is kept in the session
    assert "Table of contents" in html and "Kind of act" in html
    assert "卷内目录" not in html
    assert "Cases per element" in client.get("/audit/versions/enforcement_case/1").get_data(as_text=True)
