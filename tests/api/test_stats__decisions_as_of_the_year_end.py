"""A finished year's figures are the facts as they stood at its end (docs/DOMAIN.md §1.3 annual report): a case's
decision is read from its history (the head's effective decision before the year ended), never from the case's
data today, so a decision made in January does not rewrite the previous year's published report.

Every test pins the engine clock: nothing depends on today's date."""
from __future__ import annotations

from tests import cases as c
from tests.api.helpers import beijing
from tests.api.walk import Acts, decision_number, to_proposal


def _publish(http, year: int) -> dict:
    resp = http.call("POST", f"/api/v1/statistics/{year}/publish", "head1")
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["content"]


def _act(content: dict) -> dict:
    return content["cases"]["by_act_type"]["penalty"]


def test_a_decision_made_after_the_year_end_does_not_change_that_years_report__DOMAIN_1_annual(http, pin):
    pin(beijing(2026, 12, 28, 10))
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    pin(beijing(2027, 1, 1, 0, 5))
    january = _publish(http, 2026)
    pin(beijing(2027, 1, 10, 10))
    acts.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)}, "head1")
    pin(beijing(2027, 3, 1, 10))
    march = _publish(http, 2026)
    assert march["as_of"] == january["as_of"] == "2026-12-31T16:00:00+00:00"
    assert march["cases"] == january["cases"]
    assert _act(march)["by_decision"].get("approve", 0) == _act(january)["by_decision"].get("approve", 0)
    # the running year's provisional figures do not count the 2026 case (counted in the year it started)
    provisional = http.call("GET", "/api/v1/statistics/2027", "auditor1").get_json()
    assert provisional["provisional"] is True


def test_a_decision_made_before_the_year_end_is_counted_from_the_history__DOMAIN_1_annual(http, pin):
    pin(beijing(2026, 12, 20, 10))
    acts = Acts(http)
    iid = to_proposal(http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    pin(beijing(2026, 12, 30, 10))
    before = _act(http.call("GET", "/api/v1/statistics/2026", "auditor1").get_json())["by_decision"]
    acts.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)}, "head1")
    pin(beijing(2027, 1, 2, 10))
    after = _act(_publish(http, 2026))["by_decision"]
    assert after.get("approve", 0) == before.get("approve", 0) + 1
    assert after.get("none", 0) == before.get("none", 0) - 1
