"""GET /api/v1/definitions/<key>/compare?a=&b=: what changed between two deployed versions, forms and decision
tables included, for the caller's bureau only."""
from __future__ import annotations

import pytest

from tests.api.helpers import fixture, upload
from tests.api.orgs_support import make_user
from tests.api.probe_support import probe_files

KEY = "cmp_probe"
RENAMED = ('<bpmn:userTask id="task_recusal" name="回避声明">', '<bpmn:userTask id="task_recusal" name="回避声明（修订）">')
WITNESS = {"type": "textfield", "key": "recusal_witness", "label": "见证人"}
RULE = ("<description>涉嫌犯罪，需移送司法机关</description>", "<description>涉嫌犯罪，移送司法机关</description>")


@pytest.fixture(scope="module")
def versions(app):
    """v1 as shipped; v2 renames 回避声明 and comes with a new version of its form and of the decision table."""
    from tests.conftest import Api

    http = Api(app.test_client())
    first = upload(http, "/api/v1/definitions", probe_files(KEY))
    assert first.status_code == 201, first.get_json()
    second = upload(http, "/api/v1/definitions", probe_files(KEY, bpmn_edits=(RENAMED,), form_extra=[WITNESS],
                                                             dmn_edits=(RULE,)))
    assert second.status_code == 201, second.get_json()
    return {(v["key"], v["kind"]): v["version"] for v in second.get_json()["versions"]}


def _compare(http, a, b, user="head1", key=KEY):
    return http.call("GET", f"/api/v1/definitions/{key}/compare?a={a}&b={b}", user)


def test_changed_name_form_and_decision_rules_with_before_and_after(http, versions):
    assert versions[(KEY, "bpmn")] == 2
    resp = _compare(http, 1, 2)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["a"]["version"] == 1 and body["b"]["version"] == 2
    assert body["a"]["forms"][f"{KEY}_recusal"] == 1 and body["b"]["forms"][f"{KEY}_recusal"] == 2
    assert body["a"]["decisions"] == {f"{KEY}_major": 1} and body["b"]["decisions"] == {f"{KEY}_major": 2}
    assert body["added"] == [] and body["removed"] == []
    changed = {c["id"]: {ch["what"]: ch for ch in c["changes"]} for c in body["changed"]}
    assert set(changed) == {"task_recusal", "task_major_check"}
    recusal = changed["task_recusal"]
    assert recusal["name"]["before"] == "回避声明" and recusal["name"]["after"] == "回避声明（修订）"
    assert recusal["form"]["before"] == {"key": f"{KEY}_recusal", "version": 1}
    assert recusal["form"]["after"] == {"key": f"{KEY}_recusal", "version": 2}
    assert recusal["form"]["detail"] == {"added": ["recusal_witness"]}
    rules = changed["task_major_check"]["decision"]["detail"]["rules"]
    assert [r["id"] for r in rules["changed"]] == ["rule_criminal_referral"]
    assert rules["changed"][0]["before"]["description"] == "涉嫌犯罪，需移送司法机关"
    assert [c["type"] for c in body["changed"]] == ["userTask", "businessRuleTask"]


def test_the_other_way_round_and_the_same_version(http, versions):
    back = _compare(http, 2, 1).get_json()
    recusal = next(c for c in back["changed"] if c["id"] == "task_recusal")
    name = next(ch for ch in recusal["changes"] if ch["what"] == "name")
    assert (name["before"], name["after"]) == ("回避声明（修订）", "回避声明")
    same = _compare(http, 2, 2).get_json()
    assert same["added"] == same["removed"] == same["changed"] == same["layout"] == []


@pytest.mark.parametrize("query, field", [("a=1", "b"), ("b=1", "a"), ("a=0&b=1", "a"), ("a=x&b=1", "a"),
                                          ("a=1&b=-2", "b")])
def test_bad_query_is_422_naming_the_field(http, versions, query, field):
    resp = http.call("GET", f"/api/v1/definitions/{KEY}/compare?{query}", "head1")
    assert resp.status_code == 422, resp.get_json()
    assert field in str(resp.get_json()["errors"])


def test_unknown_versions_keys_and_anonymous_callers(http, versions):
    assert _compare(http, 1, 9).status_code == 404
    assert _compare(http, 1, 2, key="no_such_process").status_code == 404
    assert http.call("GET", f"/api/v1/definitions/{KEY}/compare?a=1&b=2").status_code == 401


def test_another_bureaus_process_does_not_exist_for_the_caller(app, http):
    """A key deployed by the market-regulation bureau's own process owner: its versions are compared by its own
    bureau and are 404 for the civil-affairs bureau, exactly as a key that does not exist."""
    owner = make_user(app, "owner_scj_cmp", ["process_owner"], "nj-scj")
    key = "scj_cmp_probe"
    xml = fixture("case_data_probe.bpmn").decode().replace('id="case_data_probe"', f'id="{key}"')
    xml = xml.replace("defs_case_data_probe", f"defs_{key}")
    for name in ("初稿", "修订稿"):
        edited = xml.replace('<bpmn:userTask id="task_note" name="登记">', f'<bpmn:userTask id="task_note" name="{name}">')
        resp = upload(http, "/api/v1/definitions", {f"{key}.bpmn": edited.encode(),
                                                    "fixture_note.form": fixture("fixture_note.form")}, as_user=owner)
        assert resp.status_code == 201, resp.get_json()
    assert _compare(http, 1, 2, user="head3", key=key).status_code == 200
    for user in ("head1", "auditor1", "officer1"):
        resp = _compare(http, 1, 2, user=user, key=key)
        assert resp.status_code == 404, (user, resp.get_json())
        assert "修订稿" not in resp.get_data(as_text=True)
