"""Personal data never reaches the server log: a database error (500) raised while an ID number is in the statement
and the request, an exception whose message quotes case data, and 409s with an ID number in the payload leave no
ID number in the captured log."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from api.extensions import db
from api.services import tasks as task_service
from tests import cases as c

ID_NUMBER = c.REGISTER["party_id_number"]


@pytest.fixture
def logged(app, caplog, monkeypatch):
    """Log as production does: an unhandled error is a logged 500, not an exception raised into the test."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    caplog.set_level(logging.DEBUG)
    return caplog


def _complete_register(http, iid, expect):
    task = http.open_task(iid, "task_register")
    resp = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": c.REGISTER})
    assert resp.status_code == expect, resp.get_json()
    return task


def test_a_database_error_with_an_id_number_in_its_statement_is_logged_without_it(http, app, logged, monkeypatch):
    iid = http.start("enforcement_case")["id"]

    def failing(task_id, user, data, client_addr):
        db.session.execute(text("SELECT * FROM no_such_table WHERE party_id_number = :n"),
                           {"n": data["party_id_number"]})

    monkeypatch.setattr(task_service, "complete", failing)
    _complete_register(http, iid, 500)
    assert "no_such_table" in logged.text  # the error was logged...
    assert ID_NUMBER not in logged.text  # ...without the value it was run with


def test_an_exception_quoting_case_data_is_logged_masked(http, app, logged, monkeypatch):
    iid = http.start("enforcement_case")["id"]

    def failing(task_id, user, data, client_addr):
        raise ValueError(f"cannot handle party {data['party_name']} {data['party_id_number']}")

    monkeypatch.setattr(task_service, "complete", failing)
    _complete_register(http, iid, 500)
    assert "cannot handle party" in logged.text
    assert ID_NUMBER not in logged.text


def test_conflicts_with_an_id_number_in_the_payload_log_nothing_of_it(http, app, logged):
    iid = http.start("enforcement_case")["id"]
    task = _complete_register(http, iid, 200)
    again = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": c.REGISTER})
    assert again.status_code == 409, again.get_json()
    first = http.call("POST", "/api/v1/certificates", "admin",
                      json={"username": "officer3", "number": ID_NUMBER, "category": "综合", "valid_from": "2026-01-01"})
    second = http.call("POST", "/api/v1/certificates", "admin",
                       json={"username": "officer3", "number": ID_NUMBER, "category": "综合",
                             "valid_from": "2026-01-01"})
    assert first.status_code == 201 and second.status_code == 409, (first.get_json(), second.get_json())
    assert ID_NUMBER not in logged.text


def test_a_searched_name_never_reaches_the_request_log__access_log_query():
    """werkzeug's access log line keeps the path, drops the query (a public search for a party's name)."""
    from api.redact import RedactPersonalData

    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s %s',
                               ("127.0.0.1", "30/Nov/2026 08:00:00",
                                "GET /api/v1/public/disclosures?q=%E5%BC%A0%E4%B8%89%E4%B8%B0&org=nj-mzj HTTP/1.1",
                                "200", "-"), None)
    assert RedactPersonalData().filter(record)
    line = record.getMessage()
    assert "/api/v1/public/disclosures" in line and "%E5%BC%A0" not in line and "q=" not in line, line


@pytest.mark.parametrize("colour", ["\x1b[31m\x1b[1m", "\x1b[33m", "\x1b[35m\x1b[1m", "\x1b[37m"])
def test_a_query_is_dropped_from_a_coloured_access_log_line_too(colour):
    """Found from outside: werkzeug colours the request of a non-2xx line in a terminal (ANSI escapes after the
    quote), and the query of a refused request was logged whole."""
    from api.redact import RedactPersonalData

    request = f"{colour}GET /api/v1/tasks?scope=x&party=%E5%BC%A0%E4%B8%89&phone=138%201234%205678 HTTP/1.1\x1b[0m"
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s %s',
                               ("127.0.0.1", "30/Nov/2026 08:00:00", request, "422", "-"), None)
    assert RedactPersonalData().filter(record)
    line = record.getMessage()
    assert "/api/v1/tasks" in line and "party=" not in line and "%E5%BC%A0" not in line and "1234" not in line, line
