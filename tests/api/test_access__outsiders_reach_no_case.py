"""Attacks on case access from outside: another unit's officer, another bureau's head, a role off the case.

Each test names the way in it tries: the list endpoints, the task API and page, claiming and releasing, the
calendar confirmation and the withdrawal that name a case in the body, a lottery plan of another bureau's case.
"""
from __future__ import annotations

from tests.api.evidence_support import new_case
from tests.api.helpers import csrf_of, web_login


def _c_case(http) -> tuple[int, str]:
    """A fresh case of officer3 (unit nj-mzj-2) and its open 立案登记 task."""
    iid = http.start("enforcement_case", {}, as_user="officer3")["id"]
    return iid, http.open_task(iid, "task_register")["id"]


# --- another unit's officer ----------------------------------------------------------------------------------------

def test_an_officer_does_not_read_another_units_case(http):
    """officer1 (unit 1) on officer3's case (unit 2): a task of the role ``officer`` open in the case does not make
    every officer of the bureau a member of it."""
    iid, _ = _c_case(http)
    assert http.call("GET", f"/api/v1/instances/{iid}", "officer3").status_code == 200
    for url in (f"/api/v1/instances/{iid}", f"/api/v1/instances/{iid}/history", f"/api/v1/instances/{iid}/evidence"):
        assert http.call("GET", url, "officer1").status_code == 403, url
    listed = [i["id"] for i in http.call("GET", "/api/v1/instances?per_page=200", "officer1").get_json()]
    assert iid not in listed


def test_another_units_task_is_neither_listed_nor_shown_nor_claimed(app, http):
    iid, task = _c_case(http)
    for scope in ("candidate", "all"):
        rows = http.call("GET", f"/api/v1/tasks?scope={scope}&instance_id={iid}", "officer1").get_json()
        assert rows == [], (scope, rows)
    assert http.call("GET", f"/api/v1/tasks/{task}", "officer1").status_code == 403
    assert http.call("POST", f"/api/v1/tasks/{task}/claim", "officer1").status_code == 403
    assert http.call("POST", f"/api/v1/tasks/{task}/complete", "officer1", json={"data": {}}).status_code == 403
    client = app.test_client()
    assert web_login(client, "officer1").status_code == 302
    assert task not in client.get("/inbox").get_data(as_text=True)
    assert client.get(f"/tasks/{task}").status_code == 403


def test_an_officer_on_a_case_reads_it(http):
    """The other side of the rule: the unit's officers and those named on the case keep their access."""
    iid = new_case(http)  # officer1's case, officer2 named
    for user in ("officer1", "officer2"):
        assert http.call("GET", f"/api/v1/instances/{iid}", user).status_code == 200
    assert http.call("GET", f"/api/v1/instances/{iid}", "officer3").status_code == 403


# --- releasing a task: not a way to read it ------------------------------------------------------------------------

def test_releasing_a_task_is_for_those_who_may_work_it(http):
    """POST /tasks/<id>/unclaim answered 200 with the task (and its case title) to anyone of the bureau."""
    _, task = _c_case(http)
    for user in ("counsel1", "publicity1", "reviewer1", "owner1", "officer1"):
        resp = http.call("POST", f"/api/v1/tasks/{task}/unclaim", user)
        assert resp.status_code == 403, (user, resp.status_code)
    assert http.call("POST", f"/api/v1/tasks/{task}/unclaim", "officer4").status_code == 404
    assert http.call("POST", f"/api/v1/tasks/{task}/unclaim", "officer3").status_code == 200


def test_a_finished_task_of_another_bureau_is_404_not_409(http):
    """The state of another bureau's task (ready or done) is not told to an outsider."""
    iid = new_case(http)
    done = [t for t in http.call("GET", f"/api/v1/tasks?scope=all&state=completed&instance_id={iid}",
                                 "auditor1").get_json()]
    assert done
    for action in ("claim", "unclaim"):
        resp = http.call("POST", f"/api/v1/tasks/{done[0]['id']}/{action}", "officer4")
        assert resp.status_code == 404, (action, resp.status_code, resp.get_json())
    resp = http.call("POST", f"/api/v1/tasks/{done[0]['id']}/complete", "officer4", json={"data": {}})
    assert resp.status_code == 404


# --- a case named in the body --------------------------------------------------------------------------------------

def test_calendar_confirmation_of_a_case_one_may_not_read(http):
    """POST /calendar/confirmations checked nothing but the role: an officer of another bureau (or unit) reached
    the case (409: nothing to confirm — and with a guessed deadline, a deadline_confirmed event on it)."""
    iid = new_case(http)
    assert http.call("POST", "/api/v1/calendar/confirmations", "officer4",
                     json={"instance_id": iid, "note": "核对"}).status_code == 404
    assert http.call("POST", "/api/v1/calendar/confirmations", "officer3",
                     json={"instance_id": iid, "note": "核对"}).status_code == 403
    assert http.call("POST", "/api/v1/calendar/confirmations", "supervisor1",
                     json={"instance_id": iid, "note": "核对"}).status_code == 403
    assert http.call("POST", "/api/v1/calendar/confirmations", "officer1",
                     json={"instance_id": iid, "note": "核对"}).status_code == 409  # on the case: nothing to confirm


def test_another_bureaus_head_cannot_abandon_a_lottery_plan(http):
    from tests.api.test_registry__lottery_cannot_be_steered import _planned
    from tests.api.test_registry__lottery_draw_is_final import public_plans

    iid = _planned(http)
    (fixed,) = public_plans(http, iid)
    resp = http.call("POST", f"/api/v1/lottery-plans/{fixed['id']}/abandon", "head3", json={"reason": "越权放弃"})
    assert resp.status_code == 404, resp.get_json()
    assert public_plans(http, iid)[0]["status"] == "open"


def test_another_bureaus_head_cannot_withdraw_a_disclosure(http):
    from tests.api.walk import run_minor_case

    run_minor_case(http)
    disclosure = http.call("GET", "/api/v1/public/disclosures").get_json()[0]
    body = {"withdraw_basis": "revoked", "event_kind": "reconsideration", "event_date": disclosure["decision_date"],
            "reason": "复议决定撤销"}
    resp = http.call("POST", f"/api/v1/disclosures/{disclosure['id']}/withdrawals", "head3", json=body)
    assert resp.status_code == 404, resp.get_json()
    bad = {**body, "event_date": "2000-01-01"}  # 404 before the record's validation (422)
    assert http.call("POST", f"/api/v1/disclosures/{disclosure['id']}/withdrawals", "head3",
                     json=bad).status_code == 404


def test_web_release_is_for_those_who_may_work_it(app, http):
    _, task = _c_case(http)
    client = app.test_client()
    assert web_login(client, "counsel1").status_code == 302
    resp = client.post(f"/tasks/{task}/unclaim", data={"csrf_token": csrf_of(client, "/inbox")})
    assert resp.status_code == 403
