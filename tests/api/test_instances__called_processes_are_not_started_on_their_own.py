"""A process that other processes call (the legal review, the recording, the disclosure) or that the service starts
itself (a disclosure correction) is not started on its own by a client: 422 naming ``definition_key``, nothing
recorded. An admin may start a called process to try it after a deploy; nobody starts the service's own. Found from outside: an officer started a bare legal review and a bare recording over the API (the web menu
already left them out), and a bare disclosure answered with the engine's NameError."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("key", ["legal_review", "recording", "disclosure", "disclosure_correction"])
def test_a_called_or_service_started_process_is_not_started_by_a_client(http, key):
    before = http.call("GET", "/api/v1/instances", "admin").get_json()
    resp = http.call("POST", "/api/v1/instances", "officer1", json={"definition_key": key, "data": {}})
    assert resp.status_code == 422, resp.get_json()
    body = resp.get_json()
    assert "definition_key" in body["errors"] and "NameError" not in body["message"]
    assert http.call("GET", "/api/v1/instances", "admin").get_json() == before


def test_a_top_level_process_still_starts_and_an_admin_may_try_a_called_one(http):
    assert http.start("enforcement_case")["status"] == "running"
    assert http.start("recording", as_user="admin")["tasks"][0]["element_id"] == "task_record_start"
    resp = http.call("POST", "/api/v1/instances", "admin", json={"definition_key": "disclosure_correction", "data": {}})
    assert resp.status_code == 422 and "definition_key" in resp.get_json()["errors"]
