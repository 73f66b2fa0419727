"""A bureau withdrawal (APL 48) of a changed or revoked decision through HTTP: it ends in the withdrawal (or,
for a changed decision, a correction), never in "reject"; its event lies between the decision and today;
one bureau withdrawal of a disclosure is open at a time."""
from __future__ import annotations

from datetime import date, timedelta

from tests.api.disclosure_support import published as _published
from tests.api.walk import instance_data, today


def days_ago(n: int) -> str:
    return (date.fromisoformat(today()) - timedelta(days=n)).isoformat()


def published(http) -> dict:
    """A penalty decided five days ago and published."""
    return _published(http, party_type="organisation", party_name="某宗教活动场所", decision_text="罚款人民币伍万元。",
                      party_id_number="52130528MJ0000004X", decision_date=days_ago(5))


def withdrawal(http, item: dict, user: str = "publicity1", **changes):
    body = {"withdraw_basis": "revoked", "event_kind": "reconsideration", "event_date": today(),
            "reason": "行政复议机关撤销了该处罚决定。", **changes}
    return http.call("POST", f"/api/v1/disclosures/{item['id']}/withdrawals", user, json=body)


def status(http, item: dict) -> str:
    return http.call("GET", f"/api/v1/public/disclosures/{item['id']}").get_json()["status"]


def review(http, iid: int, data: dict):
    task = http.open_task(iid, "task_correction_review")
    return http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "publicity1", json={"data": data})


def test_a_revoked_decision_withdrawn_by_the_bureau_cannot_end_in_reject__APL_48(http):
    item = published(http)
    iid = withdrawal(http, item).get_json()["case_id"]
    for body in ({"correction_outcome": "reject", "correction_reason": "不撤回。"},
                 {"correction_outcome": "reject", "withdraw_basis": "other", "correction_reason": "不撤回。"},
                 {"correction_outcome": "correct", "correction_reason": "改为更正。"}):
        resp = review(http, iid, body)
        assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "APL_48", resp.get_json()
    assert status(http, item) == "published" and instance_data(http, iid)["correction_outcome"] == "withdraw"
    done = review(http, iid, {"correction_outcome": "withdraw", "withdraw_basis": "revoked",
                              "correction_reason": "行政复议机关撤销了该处罚决定。"})
    assert done.status_code == 200, done.get_json()
    assert status(http, item) == "withdrawn"


def test_a_changed_decision_is_withdrawn_or_corrected_never_kept__APL_48(http):
    item = published(http)
    iid = withdrawal(http, item, withdraw_basis="changed", event_kind="litigation",
                     reason="人民法院判决变更该处罚决定。").get_json()["case_id"]
    refused = review(http, iid, {"correction_outcome": "reject", "correction_reason": "不予更正。"})
    assert refused.status_code == 403 and "APL 48" in refused.get_json()["message"]
    assert review(http, iid, {"correction_outcome": "correct", "correction_reason": "判决变更了罚款数额。"}).status_code \
        == 200
    assert http.open_task(iid, "task_correction_edit")


def test_the_event_cannot_precede_the_decision__APL_48(http):
    item = published(http)
    for day in ("2001-01-01", days_ago(6)):
        resp = withdrawal(http, item, event_date=day)
        assert resp.status_code == 422 and "event_date" in resp.get_json()["errors"], resp.get_json()
    assert withdrawal(http, item, event_date=days_ago(5)).status_code == 201  # the day of the decision itself


def test_one_bureau_withdrawal_at_a_time__APL_48(http):
    item = published(http)
    first = withdrawal(http, item)
    assert first.status_code == 201
    second = withdrawal(http, item, user="head1", event_kind="self_correction")
    assert second.status_code == 409 and str(first.get_json()["case_id"]) in second.get_json()["message"]
    done = review(http, first.get_json()["case_id"], {"correction_outcome": "withdraw", "withdraw_basis": "revoked",
                                                      "correction_reason": "行政复议机关撤销。"})
    assert done.status_code == 200 and status(http, item) == "withdrawn"
