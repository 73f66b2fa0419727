"""A timer whose expression gives something that is not an instant, a duration or a cycle (start data a client
typed, a script's result) is refused with 422 naming the timer's element, and nothing is recorded. Found from
outside: SpiffWorkflow raised ValueError, AttributeError or TypeError from inside its timer, and the start was a
500."""
from __future__ import annotations

import pytest

from tests.api.timer_support import deploy_timer_case


@pytest.mark.parametrize("value", ["not-a-date", "", 12345, "PT10S", [1], {"a": 1}])
def test_a_start_whose_timer_value_is_no_instant_is_422_naming_the_timer(http, value):
    deploy_timer_case(http)
    before = http.call("GET", "/api/v1/instances?definition_key=timer_case", "admin").get_json()
    resp = http.call("POST", "/api/v1/instances", "officer1",
                     json={"definition_key": "timer_case", "data": {"timer_at": value}})
    assert resp.status_code == 422, (resp.status_code, resp.get_data(as_text=True)[:300])
    body = resp.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert body["errors"]["element_id"] == "timer_due" and "timer" in body["message"]
    assert http.call("GET", "/api/v1/instances?definition_key=timer_case", "admin").get_json() == before
