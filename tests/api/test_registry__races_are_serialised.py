"""Races are serialised (docs/DOMAIN.md §4.5, APL 48): two draws of one plan, a draw and an abandon, two plans for one
item, two withdrawals of one disclosure — at once, each on its own client — leave exactly one outcome."""
from __future__ import annotations

import threading
import time

import pytest

from tests.api.test_process__disclosure_withdrawal_rules import published
from tests.api.test_process__random_inspection import DRAW, lists, plan, public_plans
from tests.api.test_registry__lottery_cannot_be_steered import _planned
from tests.api.walk import today


def _race(app, http, calls):
    """calls: list of (user, method, url, json). Run all at once, each on its own client."""
    tokens = [http.token(u) for u, *_ in calls]
    out: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def go(i):
        user, method, url, body = calls[i]
        client = app.test_client()
        barrier.wait()
        resp = client.open(url, method=method, json=body, headers={"Authorization": f"Bearer {tokens[i]}"})
        out[i] = (resp.status_code, resp.get_json())

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def _verify(http, iid):
    return http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()


def _lottery_events(app, iid):
    from sqlalchemy import select

    from api.extensions import db
    from api.models import Event
    with app.app_context():
        return [e.type for e in db.session.scalars(select(Event).where(Event.stream == "lottery",
                                                                       Event.instance_id == iid))]


@pytest.mark.parametrize("n", range(2))
def test_two_heads_drawing_at_once_record_one_draw__lottery_draw_final(http, app, n):
    iid = _planned(http)
    task = http.open_task(iid, "task_lottery_draw")
    url = f"/api/v1/tasks/{task['id']}/complete"
    out = _race(app, http, [("head1", "POST", url, {"data": DRAW}), ("head2", "POST", url, {"data": DRAW})])
    codes = sorted(c for c, _ in out)
    assert 500 not in codes, out
    assert codes[0] == 200 and codes[1] in (409, 403, 200), out
    assert _lottery_events(app, iid).count("lottery_revealed") == 1
    done = [e for e in http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
            if e["type"] == "task_completed" and e["element_id"] == "task_lottery_draw"]
    assert len(done) == 1, done
    assert _verify(http, iid)["ok"]


@pytest.mark.parametrize("delay", [0.0, 0.3])
@pytest.mark.parametrize("n", range(2))
def test_a_draw_racing_an_abandon_records_only_one__lottery_plan_abandoned(http, app, monkeypatch, delay, n):
    if delay:
        from api.registry import lottery_plans
        real = lottery_plans.exclusions

        def slow(*a, **k):  # widen the window between the abandonment check and the reveal insert
            time.sleep(delay)
            return real(*a, **k)
        monkeypatch.setattr(lottery_plans, "exclusions", slow)
    iid = _planned(http)
    (p,) = public_plans(http, iid)
    task = http.open_task(iid, "task_lottery_draw")
    out = _race(app, http, [("head1", "POST", f"/api/v1/tasks/{task['id']}/complete", {"data": DRAW}),
                            ("head2", "POST", f"/api/v1/lottery-plans/{p['id']}/abandon", {"reason": "计划有误"})])
    assert all(c != 500 for c, _ in out), out
    events = _lottery_events(app, iid)
    assert not ("lottery_revealed" in events and "lottery_plan_abandoned" in events), (out, events)
    assert not (out[0][0] == 200 and out[1][0] == 200), out


@pytest.mark.parametrize("n", range(2))
def test_two_plans_for_one_item_at_once_leave_one_open__lottery_one_open_plan(http, app, n):
    item, _ = lists(http)
    a, b = http.start("random_inspection")["id"], http.start("random_inspection")["id"]
    ta, tb = http.open_task(a, "task_lottery_plan"), http.open_task(b, "task_lottery_plan")
    out = _race(app, http, [("officer1", "POST", f"/api/v1/tasks/{ta['id']}/complete", {"data": plan(item, 2)}),
                            ("officer2", "POST", f"/api/v1/tasks/{tb['id']}/complete", {"data": plan(item, 2)})])
    assert all(c != 500 for c, _ in out), out
    opened = [p for iid in (a, b) for p in public_plans(http, iid) if p["status"] == "open"]
    assert len(opened) <= 1, (out, opened)
    assert _verify(http, a)["ok"] and _verify(http, b)["ok"]


@pytest.mark.parametrize("n", range(2))
def test_two_withdrawals_at_once_start_one__APL_48(http, app, n):
    item = published(http)
    body = {"withdraw_basis": "revoked", "event_kind": "reconsideration", "event_date": today(),
            "reason": "行政复议机关撤销了该处罚决定。"}
    url = f"/api/v1/disclosures/{item['id']}/withdrawals"
    out = _race(app, http, [("publicity1", "POST", url, body), ("head1", "POST", url, {**body, "event_kind": "self_correction"})])
    codes = sorted(c for c, _ in out)
    assert 500 not in codes, out
    assert codes == [201, 409], out




@pytest.mark.parametrize("n", range(2))
def test_checkouts_and_returns_of_one_device_at_once_record_one_each(http, app, n):
    """Found from outside: 12 checkouts of one device at once recorded two (to two officers, no return between),
    and 12 returns at once recorded two returns: each read the last movement before the other wrote."""
    from tests.api.evidence_support import new_device

    code = new_device(http)
    url = f"/api/v1/devices/{code}"
    out = _race(app, http, [("admin", "POST", f"{url}/checkout", {"officer": ("officer1", "officer2")[i % 2]})
                            for i in range(6)])
    assert sorted(c for c, _ in out) == [201] + [409] * 5, out
    out = _race(app, http, [("admin", "POST", f"{url}/return", {}) for _ in range(6)])
    assert sorted(c for c, _ in out) == [201] + [409] * 5, out
    moves = http.call("GET", f"{url}/ledger", "admin").get_json()
    assert [m["action"] for m in moves] == ["checkout", "return"], moves


@pytest.mark.parametrize("n", range(3))
def test_checkouts_and_returns_mixed_at_once_keep_the_ledger_alternating(http, app, n):
    """Found by a second attack: mixed checkouts and returns at once recorded two checkouts in a row: a movement is
    dated by its request's start, and one that waited for the lock was dated before the one it followed."""
    from tests.api.evidence_support import new_device

    code = new_device(http)
    url = f"/api/v1/devices/{code}"
    for _ in range(2):
        _race(app, http, [("admin", "POST", f"{url}/checkout", {"officer": "officer1"}) if i % 2 == 0
                          else ("admin", "POST", f"{url}/return", {}) for i in range(8)])
    actions = [m["action"] for m in http.call("GET", f"{url}/ledger", "admin").get_json()]
    assert actions and actions[0] == "checkout", actions
    assert all(a != b for a, b in zip(actions, actions[1:], strict=False)), actions
