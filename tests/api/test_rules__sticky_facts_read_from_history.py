"""What a case's history once set stays set for the gate (APL 57/58): the values are read out of the recorded
events by the database — the start data, a completion's submission, an admin edit's new value — and a later
False does not undo them."""
from __future__ import annotations

from api.extensions import db
from api.models import Instance
from api.services.gate import keys_ever_true
from tests import cases as c
from tests.api.walk import Acts, to_proposal

KEYS = ("complex_case", "criminal_referral", "criminal_referral_needed", "hearing_held")


def _ever(app, iid: int) -> set[str]:
    with app.app_context():
        found = keys_ever_true(db.session.get(Instance, iid), KEYS)
        db.session.remove()
        return found


def test_a_value_submitted_true_then_false_was_ever_true(app, http):
    acts = Acts(http)
    iid = to_proposal(http, acts)
    assert _ever(app, iid) == set()
    acts.complete(iid, "task_proposal", {**c.PROPOSAL_MAJOR, "complex_case": True})
    assert _ever(app, iid) == {"complex_case"}


def test_an_admin_edit_counts_and_a_number_or_text_does_not(app, http):
    iid = http.start("enforcement_case")["id"]
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {"complex_case": "true", "hearing_held": 1}, "reason": "测试录入"})
    assert resp.status_code == 200, resp.get_json()
    assert _ever(app, iid) == set()  # the text "true" and the number 1 are not true
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {"criminal_referral": True}, "reason": "补录移送情况"})
    assert resp.status_code == 200, resp.get_json()
    resp = http.call("PATCH", f"/api/v1/instances/{iid}/data", "admin",
                     json={"changes": {"criminal_referral": False}, "reason": "录入错误"})
    assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "decided_content", resp.get_json()
    assert _ever(app, iid) == {"criminal_referral"}
