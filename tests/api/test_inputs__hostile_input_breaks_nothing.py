"""Hostile input breaks nothing (issue 8 item 6): out-of-range ids in paths and queries, NUL bytes and lone
surrogates in any string, bodies too large or too deep, NaN, and extreme dates each get 400/404/413/422 with a
clear error naming the field — never a 500, on SQLite and PostgreSQL — and nothing is recorded."""
from __future__ import annotations

import io
import json

import pytest

from engine.errors import DefinitionInvalid
from engine.specs import build_bundle
from tests import cases as c
from tests.api.evidence_support import PNG, media, new_case, photo_meta, upload
from tests.api.helpers import fixture
from tests.api.helpers import upload as deploy

HUGE = "99999999999999999999"
INT4_PLUS_ONE = str(2**31)


def raw_json(http, method, url, user, text: str | bytes):
    return http.call(method, url, user, data=text, content_type="application/json")


def assert_error(resp, codes, field=None):
    assert resp.status_code in codes, (resp.status_code, resp.get_data(as_text=True)[:300])
    body = resp.get_json()
    assert set(body) >= {"code", "status", "message", "errors"} and body["message"], body
    if field is not None:
        flat = body["errors"].get("query", body["errors"])  # smorest nests query errors under "query"
        assert field in flat or field in body["message"], body


def instance_count(http) -> int:
    return len(http.call("GET", "/api/v1/instances?per_page=200", "auditor1").get_json())


@pytest.mark.parametrize("url", [
    "/api/v1/instances/{n}", "/api/v1/instances/{n}/history", "/api/v1/instances/{n}/verify",
    "/api/v1/instances/{n}/evidence", "/api/v1/public/disclosures/{n}", "/api/v1/statistics/{n}",
    "/api/v1/definitions/enforcement_case/versions/{n}/bpmn",
])
@pytest.mark.parametrize("n", [HUGE, INT4_PLUS_ONE])
def test_out_of_range_ids_in_paths_are_404(http, url, n):
    assert_error(http.call("GET", url.format(n=n), "auditor1"), (404,))


@pytest.mark.parametrize(("url", "field"), [
    (f"/api/v1/tasks?instance_id={HUGE}", "instance_id"),
    (f"/api/v1/tasks?page={HUGE}", "page"),
    (f"/api/v1/evidence/{'a' * 64}?instance_id={HUGE}", "instance_id"),
    (f"/api/v1/public/disclosures?page={HUGE}", "page"),
])
def test_out_of_range_integers_in_queries_are_refused_naming_them(http, url, field):
    assert_error(http.call("GET", url, "auditor1"), (400, 422), field)


@pytest.mark.parametrize("bad", ["a\x00b", "\ud800", "x\udfff"])
def test_nul_and_lone_surrogates_in_json_strings_are_400_and_nothing_starts(http, bad):
    before = instance_count(http)
    body = json.dumps({"definition_key": "enforcement_case", "data": {"case_title": bad}})  # \\u escapes
    assert_error(raw_json(http, "POST", "/api/v1/instances", "officer1", body), (400,), "data.case_title")
    key = json.dumps({"definition_key": "enforcement_case", "data": {bad: 1}})
    assert_error(raw_json(http, "POST", "/api/v1/instances", "officer1", key), (400,))
    assert instance_count(http) == before


@pytest.mark.parametrize("bad", ["张\x00三", "\ud83d"])
def test_nul_in_task_form_data_and_public_correction_is_400(http, bad):
    iid = http.start("enforcement_case")["id"]
    task = http.open_task(iid, "task_register")
    resp = raw_json(http, "POST", f"/api/v1/tasks/{task['id']}/complete", "officer1",
                    json.dumps({"data": {**c.REGISTER, "party_name": bad}}))
    assert_error(resp, (400,), "data.party_name")
    assert http.open_task(iid, "task_register")["id"] == task["id"]  # still open: nothing was recorded
    resp = raw_json(http, "POST", "/api/v1/public/corrections", None,
                    json.dumps({"disclosure_id": 1, "contact": bad, "reason": "公示内容有误，请更正。"}))
    assert_error(resp, (400,), "contact")


def test_nul_in_a_query_string_and_in_a_path_segment_is_400(http):
    assert_error(http.call("GET", "/api/v1/public/disclosures?q=a%00b"), (400,), "q")
    assert_error(http.call("GET", "/api/v1/tasks/abc%00def", "officer1"), (400, 404))
    assert_error(http.call("GET", "/api/v1/definitions/enforcement%00case", "officer1"), (400, 404))


def test_nesting_beyond_the_depth_limit_is_400(http, app):
    limit = app.config["JSON_MAX_DEPTH"]
    for depth in (limit + 1, 100_000):
        body = '{"definition_key": "x", "data": {"a": ' + "[" * depth + "]" * depth + "}}"
        assert_error(raw_json(http, "POST", "/api/v1/instances", "officer1", body), (400,), "body")
    fine = '{"definition_key": "nope", "data": {"a": ' + "[" * (limit - 3) + "]" * (limit - 3) + "}}"
    assert raw_json(http, "POST", "/api/v1/instances", "officer1", fine).status_code in (404, 422)


def test_brackets_inside_strings_do_not_count_as_depth(http):
    body = json.dumps({"definition_key": "nope", "data": {"a": "[" * 500 + "{" * 500}})
    assert raw_json(http, "POST", "/api/v1/instances", "officer1", body).status_code in (404, 422)


@pytest.mark.parametrize("text", ['{"disclosure_id": NaN, "contact": "abc", "reason": "x"}',
                                  '{"disclosure_id": 1, "contact": Infinity, "reason": "x"}',
                                  '{"disclosure_id": 1e999999, "contact": "abc", "reason": "x"}',
                                  '{"disclosure_id": ' + "9" * 5000 + "}",
                                  '{"disclosure_id": 1,', "\xff\xfe"])
def test_not_json_nan_and_giant_numbers_are_400_or_422(http, text):
    resp = raw_json(http, "POST", "/api/v1/public/corrections", None, text.encode("utf-8", "surrogatepass"))
    assert_error(resp, (400, 422))


def test_a_json_body_over_the_limit_is_413_but_evidence_keeps_its_own_limit(http, app):
    limit = app.config["JSON_MAX_BYTES"]
    body = json.dumps({"definition_key": "enforcement_case", "data": {"case_title": "x" * limit}})
    assert_error(raw_json(http, "POST", "/api/v1/instances", "officer1", body), (413,))
    iid = new_case(http)
    big = media(PNG, 2 * limit)
    resp = upload(http, iid, big, "big.png", photo_meta())
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["size"] == 2 * limit


def test_a_multipart_body_over_the_request_limit_is_413(http, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    resp = deploy(http, "/api/v1/definitions/validate", {"big.bpmn": b"<x/>" + b" " * (128 * 1024)})
    assert_error(resp, (413,))


@pytest.mark.parametrize("day", ["0000-01-01", "9999-12-31", "10000-01-01", "1899-12-31"])
def test_extreme_dates_are_422_naming_the_field(http, day):
    resp = http.call("GET", f"/api/v1/public/disclosures?date_from={day}&date_to={day}")
    assert_error(resp, (422,), "date_from")
    iid = new_case(http)
    task = http.open_task(iid, "task_record_start")
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1",
                     json={"data": {**c.RECORD_START, "record_date": day}})
    assert_error(resp, (422,), "record_date")
    resp = http.call("POST", "/api/v1/certificates", "admin",
                     json={"username": "officer3", "number": "HB-X-1", "category": "综合", "valid_from": day})
    assert_error(resp, (422,), "valid_from")


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00", "9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59-12:00"])
def test_extreme_capture_times_are_422(http, when):
    iid = new_case(http)
    resp = upload(http, iid, media(PNG), "p.png", photo_meta(captured_at=when))
    assert_error(resp, (422,), "captured_at")


def test_nul_in_multipart_fields_is_refused_not_500(http):
    iid = new_case(http)
    resp = upload(http, iid, media(PNG), "p.png", photo_meta(title="现场\x00照片"))
    assert_error(resp, (400, 422), "title")


DOCTYPES = {
    "xxe": b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
""",
    "laughs": b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>
""",
    "plain": b"""<?xml version="1.0" encoding="UTF-8"?>

<!doctype bpmn:definitions>
""",
}


def with_doctype(kind: str) -> tuple[bytes, int]:
    body = fixture("forgetful_case.bpmn").replace(b"forgetful_case", b"doctype_case")
    body = body.split(b"?>", 1)[1].lstrip()
    text = DOCTYPES[kind] + body.replace("遗漏法制审核的案件".encode(), b"&x;" if kind == "xxe" else b"&c;"
                                          if kind == "laughs" else "遗漏".encode())
    line = next(i for i, row in enumerate(text.splitlines(), 1) if b"DOCTYPE" in row.upper())
    return text, line


@pytest.mark.parametrize("kind", sorted(DOCTYPES))
@pytest.mark.parametrize("url", ["/api/v1/definitions/validate", "/api/v1/definitions"])
def test_a_diagram_with_any_doctype_is_refused_with_its_line(http, kind, url):
    text, line = with_doctype(kind)
    resp = deploy(http, url, {"doctype_case.bpmn": text})
    assert_error(resp, (400,))
    (problem,) = resp.get_json()["errors"]["problems"]
    assert problem["file"] == "doctype_case.bpmn" and problem["line"] == line, problem
    assert "DOCTYPE" in problem["message"]
    assert http.call("GET", "/api/v1/definitions/doctype_case", "owner1").status_code == 404


@pytest.mark.parametrize("kind", sorted(DOCTYPES))
def test_run_time_parsing_refuses_a_doctype_too(kind):
    text, line = with_doctype(kind)
    with pytest.raises(DefinitionInvalid) as caught:
        build_bundle("doctype_case", {"doctype_case.bpmn": text})
    assert caught.value.problems[0].line == line


def test_a_dmn_with_a_doctype_is_refused(http):
    dmn = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE definitions [<!ENTITY x SYSTEM "file:///etc/hostname">]>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="t" namespace="http://x">
<decision id="doctype_decision" name="&x;"><decisionTable id="t"><output id="o" name="is_major" typeRef="boolean"/>
</decisionTable></decision></definitions>"""
    resp = deploy(http, "/api/v1/definitions/validate", {"doctype.dmn": dmn})
    assert_error(resp, (400,))
    assert resp.get_json()["errors"]["problems"][0]["line"] == 2


def test_file_names_with_nul_are_refused(http):
    data = {"files": [(io.BytesIO(fixture("forgetful_case.bpmn")), "a\x00b.bpmn")]}
    resp = http.call("POST", "/api/v1/definitions/validate", "owner1", data=data, content_type="multipart/form-data")
    assert resp.status_code < 500, resp.get_data(as_text=True)[:300]
