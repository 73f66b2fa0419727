"""GET /api/v1/definitions/<key>/versions/<v>/stats: per element, the cases now there, the cases that passed it and
the median time spent there, from the recorded times of real cases of enforcement_case (a copy under its own key,
so only this module's cases count), for the caller's bureau only."""
from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from tests import cases as c
from tests.api.helpers import beijing, upload
from tests.api.orgs_support import open_task
from tests.api.probe_support import probe_files
from tests.api.walk import Acts

KEY = "heat_probe"
T0 = beijing(2026, 11, 23, 9)  # a Monday; every step below is pinned to T0 + some hours
HOUR = 3600


def _at(pin, hours: float) -> None:
    pin(T0 + timedelta(hours=hours))


@pytest.fixture(scope="module")
def walked(app):
    """Five cases of version 1 walked to different places, each step at a pinned time:

    * mzj-1: registered at +1h, recusal declared at +3h (into 全过程记录), recording started at +4h and
      investigation done at +6h (out of it): now at 拟处理意见;
    * mzj-2: registered at +3h: now at 回避声明;  mzj-3: just started: at 立案登记;
    * scj-1 (the market-regulation bureau): registered at +5h: at 回避声明 — never counted for the civil-affairs
      bureau.
    """
    from _pytest.monkeypatch import MonkeyPatch

    from engine import clock
    from tests.conftest import Api

    http = Api(app.test_client())
    deployed = upload(http, "/api/v1/definitions", probe_files(KEY))
    assert deployed.status_code == 201, deployed.get_json()
    mp = MonkeyPatch()

    def pin(when):  # the `pin` fixture's, for a module-wide walk
        mp.setattr(clock, "now", lambda: when.astimezone(UTC))

    try:
        acts = Acts(http)
        _at(pin, 0)
        mzj = [http.start(KEY)["id"] for _ in range(3)]
        scj = http.start(KEY, as_user="officer4")["id"]
        _at(pin, 1)
        acts.complete(mzj[0], "task_register", c.REGISTER)
        _at(pin, 3)
        acts.complete(mzj[0], "task_recusal", c.RECUSAL_NONE)
        acts.complete(mzj[1], "task_register", c.REGISTER)
        _at(pin, 4)
        acts.complete(mzj[0], "task_record_start", c.RECORD_START)
        _at(pin, 5)
        task = open_task(http, scj, "task_register")
        done = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer4",
                         json={"data": {**c.REGISTER, "officers": ["officer4"]}})
        assert done.status_code == 200, done.get_json()
        _at(pin, 6)
        acts.complete(mzj[0], "task_investigation", c.INVESTIGATION, "officer2")
    finally:
        mp.undo()
    return {"mzj": mzj, "scj": scj}


def _stats(http, user: str, query: str = "", expect: int = 200) -> dict:
    resp = http.call("GET", f"/api/v1/definitions/{KEY}/versions/1/stats{query}", user)
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()


def _figures(body: dict) -> dict[str, tuple[int, int, int, float | None]]:
    return {e["element_id"]: (e["active"], e["passed"], e["completions"], e["median_seconds"])
            for e in body["elements"]}


def test_counts_and_medians_of_the_bureaus_cases(http, walked):
    open_now = http.call("GET", f"/api/v1/instances/{walked['mzj'][0]}", "auditor1").get_json()["tasks"]
    body = _stats(http, "head1")
    assert body["key"] == KEY and body["version"] == 1 and body["org"] == "nj-mzj"
    assert body["cases"] == {"running": 3, "total": 3}
    got = _figures(body)
    assert got["start_case"] == (0, 3, 3, None)
    assert got["task_register"] == (1, 2, 2, 2 * HOUR)  # (1h + 3h) / 2: the mean of the two middle durations
    assert got["task_file_case"] == (0, 2, 2, None)  # a script: passed, no time of its own
    assert got["task_recusal"] == (1, 1, 1, 2 * HOUR)  # opened at +1h, completed at +3h
    assert got["gw_recusal"] == (0, 1, 1, None)
    assert got["call_recording"] == (0, 1, 1, 3 * HOUR)  # entered at +3h, left at +6h
    assert [t["element_id"] for t in open_now] == ["task_proposal"]
    assert got["task_proposal"] == (1, 0, 0, None)
    assert got["task_head_decision"] == (0, 0, 0, None)
    assert "task_record_start" not in got  # an element of the called process (recording), not of this diagram
    names = {e["element_id"]: e["name"] for e in body["elements"]}
    assert names["task_register"] == "立案登记" and names["call_recording"] == "全过程记录"


def test_a_case_inside_a_call_activity_is_active_there(http, walked):
    """mzj-2 declares no recusal: it enters 全过程记录 and is counted there until it leaves."""
    before = _figures(_stats(http, "head1"))
    http.complete(walked["mzj"][1], "task_recusal", c.RECUSAL_NONE, "officer1")
    after = _figures(_stats(http, "head1"))
    assert after["call_recording"][0] == before["call_recording"][0] + 1 == 1
    assert after["task_recusal"][:3] == (0, 2, 2)


def test_another_bureau_sees_only_its_own_cases(http, walked):
    body = _stats(http, "head3")
    assert body["org"] == "nj-scj" and body["cases"] == {"running": 1, "total": 1}
    got = _figures(body)
    assert got["task_register"] == (0, 1, 1, 5 * HOUR)
    assert got["task_recusal"][0] == 1 and got["call_recording"] == (0, 0, 0, None)
    # the civil-affairs bureau cannot ask for the market-regulation bureau's figures, nor the county's together
    for code in ("nj-scj", "ningjin"):
        assert _stats(http, "head1", f"?org={code}", expect=404)["message"]
    assert _stats(http, "head3", "?org=nj-mzj", expect=404)


def test_the_justice_bureau_reads_the_county_it_supervises(http, walked):
    own = _stats(http, "supervisor1")
    assert own["cases"] == {"total": 0} and all(e["passed"] == 0 for e in own["elements"])
    county = _figures(_stats(http, "supervisor1", "?org=ningjin"))
    assert county["task_register"] == (1, 3, 3, 3 * HOUR)  # 1h, 3h, 5h: the middle one
    assert _figures(_stats(http, "supervisor1", "?org=nj-mzj"))["task_register"][:2] == (1, 2)
    # the province's process owner: every bureau below it
    assert _stats(http, "owner1")["cases"]["total"] == 4


@pytest.mark.parametrize("user", ["officer1", "publicity1", "reviewer1"])
def test_roles_without_the_action_are_refused(http, walked, user):
    body = _stats(http, user, expect=403)
    assert "elements" not in body and "role" in str(body)


def test_unknown_version_org_and_anonymous(http, walked):
    assert http.call("GET", f"/api/v1/definitions/{KEY}/versions/7/stats", "head1").status_code == 404
    assert http.call("GET", "/api/v1/definitions/no_such/versions/1/stats", "head1").status_code == 404
    assert _stats(http, "head1", "?org=no-such-org", expect=422)
    assert _stats(http, "head1", "?org=" + "x" * 40, expect=422)
    assert http.call("GET", f"/api/v1/definitions/{KEY}/versions/1/stats").status_code == 401


def test_a_cancelled_case_is_no_longer_at_its_element(http, walked):
    """Run last: mzj-3 (at 立案登记) is cancelled; it stops counting there, and counts under its status."""
    before = _stats(http, "head1")
    resp = http.call("POST", f"/api/v1/instances/{walked['mzj'][2]}/cancel", "admin", json={"reason": "热力图测试"})
    assert resp.status_code == 200, resp.get_json()
    after = _stats(http, "head1")
    assert _figures(before)["task_register"][0] == 1 and _figures(after)["task_register"][0] == 0
    assert after["cases"] == {"running": 2, "cancelled": 1, "total": 3}
