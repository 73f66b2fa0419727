"""Settings belong to an organisation node: a bureau's own value first, then the county's, the city's, the
platform's (root) — a change in one bureau never changes another's, the other bureau cannot reach in (404), the
supervising justice bureau reads but never writes (403), and an engine step reads the settings of the case's
bureau whoever (or whatever: the worker) runs it."""
from __future__ import annotations

import json

from api.extensions import db
from api.models import Instance
from api.services import org_scope, orgs, settings
from api.services.instances import load_workflow
from tests.api.orgs_support import make_user, scj_admin
from tests.api.test_calendar__unknown_years_flagged_and_loaded import SCHEDULE_2027


def _get(http, key: str, user: str, org: str | None = None):
    return http.call("GET", f"/api/v1/settings/{key}" + (f"?org={org}" if org else ""), user)


def _put(http, key: str, value, user: str, org: str | None = None):
    return http.call("PUT", f"/api/v1/settings/{key}" + (f"?org={org}" if org else ""), user, json={"value": value})


def test_a_bureau_setting_does_not_change_the_other_bureau(app, http):
    admin_scj = scj_admin(app)
    mzj_before = _get(http, "warning_days", "admin").get_json()
    resp = _put(http, "warning_days", 9, admin_scj)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["value"] == 9 and resp.get_json()["org"] == "nj-scj"
    assert _get(http, "warning_days", "head3").get_json()["value"] == 9
    mzj_after = _get(http, "warning_days", "admin").get_json()
    assert (mzj_after["value"], mzj_after["version"]) == (mzj_before["value"], mzj_before["version"])
    listed = {s["key"]: s for s in http.call("GET", "/api/v1/settings", "head1").get_json()}
    assert listed["warning_days"]["value"] == mzj_before["value"]


def test_the_other_bureau_cannot_reach_in_and_the_supervisor_only_reads(app, http):
    admin_scj = scj_admin(app)
    assert _put(http, "warning_days", 8, admin_scj).status_code == 200
    # nj-mzj's admin writes only nj-mzj's values: the other bureau's node does not exist for them
    assert _put(http, "warning_days", 1, "admin", org="nj-scj").status_code == 404
    assert _get(http, "warning_days", "head1", org="nj-scj").status_code == 404
    assert _get(http, "warning_days", "officer4", org="nj-mzj").status_code == 404
    assert _get(http, "warning_days", "head3").get_json()["value"] == 8
    # the county justice bureau reads the bureaus it supervises, read-only
    seen = _get(http, "warning_days", "supervisor1", org="nj-scj")
    assert seen.status_code == 200 and seen.get_json()["value"] == 8
    assert _put(http, "warning_days", 1, "supervisor1", org="nj-scj").status_code == 403
    assert _put(http, "warning_days", 1, "supervisor1").status_code == 403
    assert _get(http, "warning_days", "head3").get_json()["value"] == 8
    # a unit is not where settings live
    bad = _put(http, "warning_days", 3, "admin", org="nj-mzj-1")
    assert bad.status_code == 422 and "org" in bad.get_json()["errors"]
    assert _get(http, "warning_days", "admin", org="no-such-org").status_code == 422


def test_the_platform_value_is_inherited_until_a_bureau_sets_its_own(app, http):
    with app.app_context():
        orgs.seed_orgs([{"code": "nj-zjj", "name": "宁晋县住房和城乡建设局", "kind": "bureau", "parent": "ningjin"}])
        db.session.commit()
    zjj = make_user(app, "admin-zjj", ["admin"], "nj-zjj")
    root_before = _get(http, "party_name_display", "owner1").get_json()
    assert root_before["org"] in (None, "hebei")
    try:
        changed = {"person": "surname_single", "organisation": "hidden"}
        resp = _put(http, "party_name_display", changed, "owner1")
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["org"] == "hebei"
        inherited = _get(http, "party_name_display", zjj).get_json()
        assert inherited["value"] == changed and inherited["org"] == "hebei"
        own = {"person": "surname", "organisation": "full"}
        assert _put(http, "party_name_display", own, zjj).get_json()["org"] == "nj-zjj"
        assert _get(http, "party_name_display", zjj).get_json()["value"] == own
        assert _get(http, "party_name_display", "owner1").get_json()["value"] == changed
    finally:
        assert _put(http, "party_name_display", root_before["value"], "owner1").status_code == 200


def test_an_engine_step_reads_the_settings_of_the_case_bureau(app, http):
    admin_scj = scj_admin(app)
    assert _put(http, "warning_days", 7, admin_scj).status_code == 200
    scj_case = http.start("enforcement_case", {}, as_user="officer4")["id"]
    mzj_case = http.start("enforcement_case", {}, as_user="officer1")["id"]
    mzj_value = _get(http, "warning_days", "admin").get_json()["value"]
    assert mzj_value != 7
    with app.app_context():  # no request, no user: the worker's situation
        load_workflow(db.session.get(Instance, scj_case))
        assert settings.get("warning_days") == 7
        load_workflow(db.session.get(Instance, mzj_case))
        assert settings.get("warning_days") == mzj_value
        with org_scope.case(db.session.get(Instance, scj_case).org_id):
            assert settings.get("warning_days") == 7
        assert settings.get("warning_days") == mzj_value  # the block's binding ends with it


def test_a_year_calendar_loaded_by_one_bureau_is_that_bureau_s(app, http):
    admin_scj = scj_admin(app)
    # 2038 falls on the same weekdays as 2027
    body = json.loads(json.dumps(SCHEDULE_2027).replace("2027", "2038"))
    resp = http.call("PUT", "/api/v1/calendar/years/2038", admin_scj, json=body)
    assert resp.status_code == 200, resp.get_json()
    assert http.call("GET", "/api/v1/calendar/years/2038", "head3").status_code == 200
    assert http.call("GET", "/api/v1/calendar/years/2038", "head1").status_code == 404
    assert 2038 not in http.call("GET", "/api/v1/calendar/status", "head1").get_json()["loaded_years"]
    assert 2038 in http.call("GET", "/api/v1/calendar/status", "head3").get_json()["loaded_years"]
    # a schedule loaded at the platform root reaches every bureau, also one that loaded a year of its own
    platform = json.loads(json.dumps(SCHEDULE_2027).replace("2027", "2049"))  # 2049 falls as 2027 does too
    resp = http.call("PUT", "/api/v1/calendar/years/2049", "owner1", json=platform)
    assert resp.status_code == 200, resp.get_json()
    for user in ("head1", "head3"):
        assert 2049 in http.call("GET", "/api/v1/calendar/status", user).get_json()["loaded_years"], user
    assert 2038 not in http.call("GET", "/api/v1/calendar/status", "head1").get_json()["loaded_years"]


def test_the_other_bureau_cannot_confirm_a_case_s_deadlines(http):
    iid = http.start("enforcement_case", {}, as_user="officer1")["id"]
    resp = http.call("POST", "/api/v1/calendar/confirmations", "officer4", json={"instance_id": iid, "note": "已核对"})
    assert resp.status_code == 404, resp.get_json()


def test_a_setting_changed_by_another_process_reaches_this_one_s_cached_calendar(app, http):
    """The worker and each server process cache calendars per bureau; a change written by another process (here:
    a row written behind this process's back) is seen within SETTINGS_RECHECK_SECONDS."""
    from sqlalchemy import func, select

    from api.models import Setting

    def policy() -> str:
        return http.call("GET", "/api/v1/calendar/status", "head3").get_json()["unknown_year_policy"]

    def write_behind(value: str) -> None:
        with app.app_context():
            version = db.session.scalar(select(func.max(Setting.version)).where(Setting.key == "calendar_unknown_year"))
            db.session.add(Setting(key="calendar_unknown_year", org_id=org_scope.by_code("nj-scj").id,
                                   version=(version or 0) + 1, value=value, changed_by="other-process"))
            db.session.commit()

    before = policy()
    other = "strict" if before != "strict" else "weekends"
    app.config["SETTINGS_RECHECK_SECONDS"] = 0
    try:
        write_behind(other)
        assert policy() == other
    finally:
        write_behind(before)
        assert policy() == before
        app.config.pop("SETTINGS_RECHECK_SECONDS")
