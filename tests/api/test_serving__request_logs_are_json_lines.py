"""Structured request logs (issue 10 item 8): one JSON line per request with its id (also the X-Request-Id
header), method, path, status, duration, user, and the instance and task ids when the route has them; every rule
refusal logged with its rule (403) or its fields (422), never the submitted values."""
from __future__ import annotations

import json
import logging

import pytest

from tests.api.helpers import fixture
from tests.api.helpers import upload as upload_files
from tests.cases import DUTIES

ACT_FILES = ("act_case.bpmn", "act_record.form", "act_escalation.form", "act_review.form")


def lines(caplog, name: str) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == name]


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.INFO, logger="sanxiang.request")
    caplog.set_level(logging.INFO, logger="sanxiang.refusal")
    return caplog


def test_every_request_is_one_json_line_with_the_id_it_returns(http, logs):
    resp = http.call("GET", "/api/v1/me", "officer1")
    assert resp.status_code == 200
    [line] = [x for x in lines(logs, "sanxiang.request") if x["path"] == "/api/v1/me"]
    assert line["request_id"] == resp.headers["X-Request-Id"]
    assert line["method"] == "GET" and line["status"] == 200 and line["user"] == "officer1"
    assert line["route"] == "/api/v1/me"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


def test_a_proxy_request_id_is_kept_and_a_hostile_one_replaced(client, logs):
    proxy_id = "4a7d1ed414474e4033ac29ccb8653d9b"  # nginx's $request_id
    resp = client.get("/api/v1/health", headers={"X-Request-Id": proxy_id})
    assert resp.headers["X-Request-Id"] == proxy_id
    for hostile in ("x" * 200, "abc\"}{\"user\":\"admin", "短"):
        resp = client.get("/api/v1/health", headers={"X-Request-Id": hostile})
        assert resp.headers["X-Request-Id"] != hostile
        assert resp.headers["X-Request-Id"].isalpha()
    assert len({x["request_id"] for x in lines(logs, "sanxiang.request")}) == 4


def test_instance_and_task_routes_log_their_ids(http, logs):
    iid = http.start("enforcement_case")["id"]
    task = http.open_task(iid, "task_register")
    logs.clear()
    http.call("GET", f"/api/v1/instances/{iid}", "officer1")
    http.call("GET", f"/api/v1/tasks/{task['id']}", "officer1")
    by_route = {x["route"]: x for x in lines(logs, "sanxiang.request")}
    assert by_route["/api/v1/instances/<int:instance_id>"]["instance_id"] == iid
    task_line = by_route["/api/v1/tasks/<task_id>"]
    assert task_line["task_id"] == task["id"] and task_line["instance_id"] == iid


def test_a_start_logs_the_instance_it_made(http, logs):
    """Found from outside: the line of POST /instances named no instance."""
    iid = http.start("enforcement_case")["id"]
    [line] = [x for x in lines(logs, "sanxiang.request") if x["path"] == "/api/v1/instances" and x["method"] == "POST"]
    assert line["status"] == 201 and line["instance_id"] == iid


def test_a_rule_refusal_is_logged_with_its_rule(http, logs):
    resp = upload_files(http, "/api/v1/definitions", {name: fixture(name) for name in ACT_FILES})
    assert resp.status_code == 201, resp.get_json()
    iid = http.start("act_case", {"officers": ["officer1"]})["id"]
    task = http.open_task(iid, "task_act")
    logs.clear()
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1",
                     json={"data": {"act_record_text": "检查", **DUTIES}})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "two_officers", resp.get_json()
    [refusal] = lines(logs, "sanxiang.refusal")
    assert refusal["request_id"] == resp.headers["X-Request-Id"]
    assert refusal["status"] == resp.status_code and refusal["task_id"] == task["id"]
    assert refusal["instance_id"] == iid and refusal["user"] == "officer1"
    assert refusal["rule"] == "two_officers" and refusal["error"] == "RuleViolation"
    [line] = [x for x in lines(logs, "sanxiang.request") if x["request_id"] == refusal["request_id"]]
    assert line["status"] == resp.status_code and line["error"] == refusal["error"]


def test_a_form_refusal_names_the_fields_never_the_values(http, logs):
    iid = http.start("enforcement_case")["id"]
    task = http.open_task(iid, "task_register")
    secret_id = "130528199001011234"
    logs.clear()
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1",
                     json={"data": {"party_id_number": secret_id, "no_such_field_x": secret_id}})
    assert resp.status_code == 422, resp.get_json()
    [refusal] = lines(logs, "sanxiang.refusal")
    assert refusal["error"] == "FormDataInvalid" and refusal["status"] == 422
    assert refusal["fields"] == sorted(resp.get_json()["errors"])
    assert all(secret_id not in r.getMessage() for r in logs.records)


def test_a_field_name_typed_as_an_id_number_is_masked_in_the_refusal_line(http, logs):
    """The field names of a 422 come from the client: one may be an ID number, which never reaches the log."""
    iid = http.start("enforcement_case")["id"]
    task = http.open_task(iid, "task_register")
    secret_id = "130528199001011234"
    logs.clear()
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": {secret_id: "x"}})
    assert resp.status_code == 422, resp.get_json()
    [refusal] = lines(logs, "sanxiang.refusal")
    assert refusal["fields"], refusal
    assert all(secret_id not in r.getMessage() for r in logs.records)


SECRET_ID = "110101199003077777"
PHONE = "13812345678"


def _leaks(logs, *secrets: str) -> list[str]:
    return [r.getMessage() for r in logs.records if any(x in r.getMessage() for x in secrets)]


def test_a_task_id_typed_as_an_id_number_is_masked_in_every_line(http, logs):
    """Found from outside: the path was masked but the task id field, made a number, was not."""
    resp = http.call("GET", f"/api/v1/tasks/{SECRET_ID}", "officer1")
    assert resp.status_code == 404
    [line] = [x for x in lines(logs, "sanxiang.request") if x["request_id"] == resp.headers["X-Request-Id"]]
    assert line["task_id"] != int(SECRET_ID) and "*" in str(line["task_id"])
    assert _leaks(logs, SECRET_ID) == []


@pytest.mark.parametrize("sent", ["110101199003077774", f"tel:{PHONE}", f"req-{PHONE}-1", "id-0123456789abcdef",
                                  "110101:19900307:7777", "138-1234-5678"])
def test_a_request_id_carrying_a_personal_number_is_replaced(client, logs, sent):
    resp = client.get("/api/v1/health", headers={"X-Request-Id": sent})
    assert resp.headers["X-Request-Id"] != sent and resp.headers["X-Request-Id"].isalpha()
    assert _leaks(logs, sent, PHONE, "110101199003077774", "19900307") == []


def test_a_refusal_made_before_the_view_loaded_its_user_names_the_user(http, logs):
    """Found from outside: a query the schema refused (422) and a missing task (404) were logged as "user": null."""
    resp = http.call("GET", f"/api/v1/tasks?scope={PHONE}", "officer1")
    assert resp.status_code == 422, resp.get_json()
    [refusal] = [x for x in lines(logs, "sanxiang.refusal") if x["request_id"] == resp.headers["X-Request-Id"]]
    assert refusal["user"] == "officer1" and refusal["status"] == 422
    [line] = [x for x in lines(logs, "sanxiang.request") if x["request_id"] == resp.headers["X-Request-Id"]]
    assert line["user"] == "officer1" and line["error"]
    assert _leaks(logs, PHONE) == []


def test_an_input_guard_refusal_is_logged_with_its_field(http, logs):
    """Found from outside: a NUL in a submitted value was refused (400) without a refusal line."""
    iid = http.start("enforcement_case")["id"]
    task = http.open_task(iid, "task_register")
    logs.clear()
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1",
                     json={"data": {"summary": f"a\x00{SECRET_ID}"}})
    assert resp.status_code == 400, resp.get_json()
    [refusal] = lines(logs, "sanxiang.refusal")
    assert refusal["status"] == 400 and refusal["error"] == "InputRefused" and refusal["user"] == "officer1"
    assert refusal["fields"] == sorted(resp.get_json()["errors"]) and refusal["task_id"] == task["id"]
    [line] = [x for x in lines(logs, "sanxiang.request") if x["request_id"] == refusal["request_id"]]
    assert line["error"] == "InputRefused"
    assert _leaks(logs, SECRET_ID) == []


def test_upload_requests_log_their_case_and_their_refusals(http, logs):
    from tests.api.evidence_support import MP4, av_meta, checkout, media, new_case, new_device
    from tests.api.tus_support import create, head, patch

    iid = new_case(http)
    device = new_device(http)
    checkout(http, device, "officer1")
    content = media(MP4, 4000)
    url = create(http, iid, len(content), "a.mp4", av_meta(device)).headers["Location"]
    logs.clear()
    assert head(http, url).status_code == 200
    bad = patch(http, url, 0, content, checksum="sha1 " + "A" * 28)
    assert bad.status_code == 460
    by_id = {x["request_id"]: x for x in lines(logs, "sanxiang.request")}
    assert all(x["instance_id"] == iid for x in by_id.values()), by_id
    [refusal] = lines(logs, "sanxiang.refusal")
    assert refusal["status"] == 460 and refusal["instance_id"] == iid and refusal["user"] == "officer1"


def test_a_header_value_is_not_echoed_into_the_refusal_line(http, logs):
    """Found from outside: the 412 for a wrong Tus-Resumable quoted the header's value, so the refusal line logged
    whatever the client put there."""
    iid = http.start("enforcement_case")["id"]
    resp = http.call("POST", f"/api/v1/instances/{iid}/evidence/uploads", "officer1",
                     headers={"Tus-Resumable": f"张三丰 {PHONE}", "Upload-Length": "10"})
    assert resp.status_code == 412
    assert lines(logs, "sanxiang.refusal"), "the 412 is a refusal line"
    assert _leaks(logs, PHONE, "张三丰") == [] and "张三丰" not in resp.get_data(as_text=True)


def test_a_cross_site_refusal_is_logged_with_its_rule_and_not_the_origin(client, logs):
    """Found from outside: the request guards' 403 had no refusal line and its request line no error nor rule."""
    origin = f"https://evil.example/{PHONE}"
    resp = client.post("/api/v1/auth/token", json={"username": "officer1", "password": "demo"},
                       headers={"Origin": origin})
    assert resp.status_code == 403
    [refusal] = lines(logs, "sanxiang.refusal")
    assert refusal["rule"] == "csrf_origin" and refusal["status"] == 403
    [line] = [x for x in lines(logs, "sanxiang.request") if x["request_id"] == refusal["request_id"]]
    assert line["rule"] == "csrf_origin" and line["error"] == "RuleViolation"
    assert _leaks(logs, PHONE, "evil.example") == []
