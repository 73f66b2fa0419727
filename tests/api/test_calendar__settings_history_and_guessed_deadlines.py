"""The calendar's years cannot be broken through the settings route, and loading a year rewrites nothing
(legal time limits, APL 60, ALL 42; the whole-process record): a ``calendar_years`` value is checked and stored
as the year loader stores it (422 naming the field), a year the holiday package has is refused (409), a year
must name all its statutory holidays, ``verify`` replays each event on the calendar in force when it was
recorded, and a deadline computed while its year was unknown stays flagged until a person checks it.

Every test pins the engine clock: nothing depends on today's date."""
from __future__ import annotations

import pytest

from tests.api.helpers import beijing
from tests.api.test_calendar__unknown_years_flagged_and_loaded import FLAG_2027, SCHEDULE_2027, _probe, _task

RECHECK_2027 = "deadline computed before the 2027 calendar was loaded — check it"
KEYS = ("calendar_years", "calendar_unknown_year", "calendar_overrides")


@pytest.fixture
def calendar_settings(http):
    """Restore the calendar settings afterwards (as new versions: settings are never edited)."""
    # the platform's (owner1, at the root) and the bureau's (admin) values: settings belong to organisations
    saved = {(user, key): http.call("GET", f"/api/v1/settings/{key}", user).get_json()["value"]
             for user in ("owner1", "admin") for key in KEYS}
    yield
    for (user, key), value in saved.items():
        resp = http.call("PUT", f"/api/v1/settings/{key}", user, json={"value": value})
        assert resp.status_code == 200, resp.get_json()


def _version(http) -> int:
    return http.call("GET", "/api/v1/settings/calendar_years", "admin").get_json()["version"]


def test_settings_route_checks_and_stores_years_as_the_loader_does__calendar_load_year(http, pin, calendar_settings):
    version = _version(http)
    for body, field in (({"2027": {"holidays": ["2027-01-01"]}}, "2027.holidays"),
                        ({"2027": {"holidays": ["2027-02-30"]}}, "2027.holidays[0].date"),
                        ({"next": SCHEDULE_2027}, "next")):
        resp = http.call("PUT", "/api/v1/settings/calendar_years", "admin", json={"value": body})
        assert resp.status_code == 422 and field in resp.get_json()["errors"], resp.get_json()
    assert _version(http) == version
    # the short form the loader accepts is stored in the loader's form: nothing stored fails a later request
    short = {**SCHEDULE_2027, "holidays": ["2027-01-01" if h == SCHEDULE_2027["holidays"][0] else h
                                           for h in SCHEDULE_2027["holidays"]] + [{"date": "2027-01-02",
                                                                                  "name": "元旦"}]}
    resp = http.call("PUT", "/api/v1/settings/calendar_years", "owner1", json={"value": {"2027": short}})
    assert resp.status_code == 200, resp.get_json()
    stored = resp.get_json()["value"]["2027"]
    assert stored["holidays"][0] == {"from": "2027-01-01", "to": "2027-01-01", "name": None}
    pid = _probe(http, 1)
    pin(beijing(2026, 12, 31, 10))
    started = http.call("POST", "/api/v1/instances", "officer1", json={"definition_key": pid, "data": {}})
    assert started.status_code == 201, started.get_json()
    assert _task(http, started.get_json()["id"])["due_at"].startswith("2027-01-04")
    assert http.call("GET", "/api/v1/calendar/status", "admin").status_code == 200
    assert http.call("GET", "/api/v1/calendar/years/2027", "admin").get_json()["holidays"][0]["from"] == "2027-01-01"


def test_settings_route_cannot_replace_a_year_the_package_has__calendar_load_year(http, pin, calendar_settings):
    version = _version(http)
    body = {"2025": {"holidays": [{"from": "2025-01-01", "to": "2025-01-01", "name": "元旦"}], "workdays": []}}
    resp = http.call("PUT", "/api/v1/settings/calendar_years", "owner1", json={"value": body})
    assert resp.status_code == 409 and "2025" in resp.get_json()["message"], resp.get_json()
    complete = {"2025": {**SCHEDULE_2027, "holidays": [{"date": "2025-01-01", "name": "元旦、春节、清明、劳动节、端午、中秋、国庆"}],
                         "workdays": []}}
    assert http.call("PUT", "/api/v1/settings/calendar_years", "admin", json={"value": complete}).status_code == 409
    assert _version(http) == version
    pid = _probe(http, 1)
    pin(beijing(2025, 9, 30, 10))  # the package's 国庆/中秋 2025 still counts
    assert _task(http, http.start(pid)["id"])["due_at"].startswith("2025-10-09")


def test_a_partial_year_is_refused_naming_the_missing_holidays__calendar_load_year(http, calendar_settings):
    version = _version(http)
    resp = http.call("PUT", "/api/v1/calendar/years/2027", "admin", json={"holidays": ["2027-10-01"]})
    assert resp.status_code == 422, resp.get_json()
    message = " ".join(resp.get_json()["errors"]["holidays"])
    for name in ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"):
        assert name in message
    named = {"holidays": [{"date": "2027-10-01", "name": "国庆节"}, {"date": "2027-01-01", "name": "元旦"}]}
    message = " ".join(http.call("PUT", "/api/v1/calendar/years/2027", "admin", json=named).get_json()["errors"]
                       ["holidays"])
    assert "春节" in message and "国庆节" not in message and "元旦" not in message
    assert _version(http) == version
    status = http.call("GET", "/api/v1/calendar/status", "admin").get_json()
    assert 2027 not in status["loaded_years"]


def test_loading_a_year_keeps_honest_cases_verifiable__whole_process_record(http, pin, calendar_settings):
    """The replay computes each event on the calendar in force when it was recorded, not today's."""
    pid = _probe(http, 1)
    pin(beijing(2026, 12, 31, 10))
    iid = http.start(pid)["id"]  # 1 working day from 2026-12-31: 2027-01-01, a guess (2027 unknown)
    assert http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()["ok"] is True
    assert http.call("PUT", "/api/v1/calendar/years/2027", "admin", json=SCHEDULE_2027).status_code == 200
    pin(beijing(2026, 12, 31, 11))
    later = http.start(pid)["id"]  # started after the load: 2027-01-04
    assert _task(http, later)["due_at"].startswith("2027-01-04")
    for case in (iid, later):
        result = http.call("GET", f"/api/v1/instances/{case}/verify", "auditor1").get_json()
        assert result["ok"] is True, result["problems"]
    # a changed override after the fact changes nothing either
    override = http.call("PUT", "/api/v1/settings/calendar_overrides", "admin", json={"value": {"2027-01-04": False}})
    assert override.status_code == 200
    assert http.call("GET", f"/api/v1/instances/{later}/verify", "auditor1").get_json()["ok"] is True


def test_a_guessed_deadline_stays_flagged_until_a_person_checks_it__calendar_load_year(http, pin, calendar_settings):
    pid = _probe(http, 1)
    pin(beijing(2026, 12, 31, 10))
    before = _task(http, http.start(pid)["id"])
    iid = before["instance_id"]
    assert before["due_at"].startswith("2027-01-01") and before["calendar_warning"] == FLAG_2027
    assert http.call("POST", "/api/v1/calendar/confirmations", "officer1",
                     json={"instance_id": iid, "note": "已核对"}).status_code == 409  # nothing loaded yet
    assert http.call("PUT", "/api/v1/calendar/years/2027", "admin", json=SCHEDULE_2027).status_code == 200
    after = _task(http, iid)
    assert after["due_at"] == before["due_at"]  # history is not rewritten
    assert after["calendar_warning"] == RECHECK_2027
    case = http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()
    assert case["calendar_warning"] == RECHECK_2027
    inbox = http.call("GET", "/api/v1/tasks?per_page=200", "officer1").get_json()
    rows = inbox["items"] if isinstance(inbox, dict) else inbox
    assert next(t for t in rows if t["id"] == after["id"])["calendar_warning"] == RECHECK_2027
    denied = http.call("POST", "/api/v1/calendar/confirmations", "publicity1", json={"instance_id": iid, "note": "x"})
    assert denied.status_code == 403
    assert http.call("POST", "/api/v1/calendar/confirmations", "officer1",
                     json={"instance_id": iid}).status_code == 422
    done = http.call("POST", "/api/v1/calendar/confirmations", "officer1",
                     json={"instance_id": iid, "note": "期限已按2027年节假日安排核对"})
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["years"] == [2027]
    assert _task(http, iid)["calendar_warning"] is None
    assert http.call("GET", f"/api/v1/instances/{iid}", "auditor1").get_json()["calendar_warning"] is None
    history = http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
    events = history["events"] if isinstance(history, dict) else history
    assert any(e["type"] == "deadline_confirmed" and e["actor"] == "officer1" for e in events)
    assert http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()["ok"] is True
