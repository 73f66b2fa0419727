"""The admin pages (users, devices, settings) and the supervision dashboard, server side: they run the same service
calls as the JSON API (so the API reads back what the pages changed), refuse what the API refuses with a message in
the page's language, and show only the caller's bureau."""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest
from flask import Flask

from api import create_app
from api.cli import deploy_dirs, init_db, seed_demo
from api.extensions import db
from tests.api.helpers import csrf_of, web_login


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[Flask]:
    """A database of this module's own: the pages change users, settings and the calendar. The token cache of
    ``http`` is per database, so it is emptied on the way in and out."""
    from tests.conftest import Api

    Api._tokens.clear()
    app = create_app({"TESTING": True, "SECRET_KEY": secrets.token_urlsafe(32), "CORRECTIONS_PER_HOUR": 10_000,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp('admin-db') / 'a.db'}"})
    with app.app_context():
        init_db()
        deploy_dirs()
        seed_demo()
    yield app
    Api._tokens.clear()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _browser(app, username: str, lang: str = "zh"):
    client = app.test_client()
    assert web_login(client, username).status_code == 302
    client.get(f"/inbox?lang={lang}")
    return client, csrf_of(client, "/inbox")


def _flash(page: str) -> str:
    found = re.findall(r'<div class="flash (?:ok|bad)" role="status">([^<]*)</div>', page)
    return " ".join(found)


def _post(client, url: str, data: dict) -> str:
    resp = client.post(url, data=data, follow_redirects=True)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return resp.get_data(as_text=True)


def test_admin_creates_a_user_with_a_role_and_certificate_that_the_api_reads_back(app, http):
    client, token = _browser(app, "admin")
    page = _post(client, "/admin/users", {"csrf_token": token, "username": "officer9", "display_name": "九号执法员",
                                          "password": "long-enough-pass-9", "roles": ["officer"], "org": "nj-mzj-1"})
    assert "已创建用户 officer9" in _flash(page) and "九号执法员" in page
    page = _post(client, "/admin/users/officer9/certificates", {
        "csrf_token": token, "number": "13000099", "category": "民族宗教", "valid_from": "2020-01-01", "valid_to": ""})
    assert "13000099" in page and "有效" in page
    user = http.call("GET", "/api/v1/users/officer9", "admin").get_json()
    assert user["roles"] == ["officer"] and user["org"] == "nj-mzj-1"
    assert [c["number"] for c in user["certificates"]] == ["13000099"]


def test_a_taken_username_is_refused_in_the_page_language(app):
    for lang, text in (("zh", "用户名已被占用"), ("en", "That username is taken")):
        client, token = _browser(app, "admin", lang)
        page = _post(client, "/admin/users", {"csrf_token": token, "username": "officer1", "display_name": "x",
                                              "password": "long-enough-pass-1", "roles": ["officer"],
                                              "org": "nj-mzj-1"})
        assert text in _flash(page)


def test_the_last_admin_cannot_be_deactivated_and_is_told_so(app, http):
    client, token = _browser(app, "admin")
    page = _post(client, "/admin/users/admin", {"csrf_token": token, "op": "deactivate", "reason": "test"})
    assert "最后一个启用的系统管理员" in _flash(page)
    assert http.call("GET", "/api/v1/users/admin", "admin").get_json()["active"] is True


def test_roles_change_and_deactivation_are_recorded_with_before_and_after(app, http):
    client, token = _browser(app, "admin")
    _post(client, "/admin/users", {"csrf_token": token, "username": "temp1", "display_name": "临时",
                                   "password": "long-enough-pass-t", "roles": ["officer"], "org": "nj-mzj"})
    page = _post(client, "/admin/users/temp1", {"csrf_token": token, "display_name": "临时", "active": "1",
                                                "roles": ["officer", "legal_reviewer"], "legal_qualified": "1",
                                                "reason": "兼任审核"})
    assert "已保存" in _flash(page)
    _post(client, "/admin/users/temp1", {"csrf_token": token, "op": "deactivate", "reason": "离职"})
    user = http.call("GET", "/api/v1/users/temp1", "admin").get_json()
    assert user["roles"] == ["officer", "legal_reviewer"] and user["legal_qualified"] and not user["active"]
    with app.app_context():
        from sqlalchemy import select

        from api.models import Event

        changes = [e.data for e in db.session.scalars(select(Event).where(Event.stream == "users",
                                                                          Event.type == "user_changed"))
                   if e.data["username"] == "temp1"]
    assert changes[0]["changes"]["roles"] == {"before": ["officer"], "after": ["officer", "legal_reviewer"]}
    assert changes[1]["changes"]["active"] == {"before": True, "after": False} and changes[1]["reason"] == "离职"


def test_a_login_lock_is_shown_and_lifted_from_the_page(app, http):
    bad = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        web_login(bad, "officer3", "wrong")
    client, token = _browser(app, "admin")
    assert "登录已锁定" in client.get("/admin/users/officer3").get_data(as_text=True)
    page = _post(client, "/admin/users/officer3/lockout", {"csrf_token": token, "reason": "本人确认"})
    assert "已解除" in _flash(page)
    assert http.call("GET", "/api/v1/users/officer3", "admin").get_json()["locked"] is False


def test_user_pages_are_the_admins_own_bureau_only(app):
    admin, _ = _browser(app, "admin")
    assert admin.get("/admin/users/officer4").status_code == 404  # another bureau's user
    assert "officer4" not in admin.get("/admin/users").get_data(as_text=True)
    head, _ = _browser(app, "head1")
    assert head.get("/admin/users").status_code == 403
    assert app.test_client().get("/admin/users").status_code == 302


def test_a_device_is_registered_checked_out_and_returned_and_the_ledger_matches_the_api(app, http):
    client, token = _browser(app, "head1")
    assert "已登记设备 CAM-9" in _flash(_post(client, "/admin/devices", {"csrf_token": token, "code": "CAM-9",
                                                                        "name": "记录仪9", "kind": "body_cam"}))
    assert "该设备编号已登记" in _flash(_post(client, "/admin/devices", {"csrf_token": token, "code": "CAM-9",
                                                                     "name": "x", "kind": "camera"}))
    page = _post(client, "/admin/devices/CAM-9/checkout", {"csrf_token": token, "officer": "officer2", "note": "外勤"})
    assert "已领用" in _flash(page)
    assert "设备已被领用" in _flash(_post(client, "/admin/devices/CAM-9/checkout",
                                         {"csrf_token": token, "officer": "officer1"}))
    page = _post(client, "/admin/devices/CAM-9/return", {"csrf_token": token, "note": ""})
    assert "已归还" in _flash(page)
    ledger = http.call("GET", "/api/v1/devices/CAM-9/ledger", "auditor1").get_json()
    assert [(m["action"], m["officer"]) for m in ledger] == [("checkout", "officer2"), ("return", "officer2")]
    rows = re.findall(r'data-label="[^"]*">(领用|归还)</td>', page)
    assert rows == ["领用", "归还"]
    other, _ = _browser(app, "head3")
    assert other.get("/admin/devices/CAM-9").status_code == 404


def test_warning_days_change_is_a_new_version_and_an_invalid_value_changes_nothing(app, http):
    client, token = _browser(app, "admin")
    before = http.call("GET", "/api/v1/settings/warning_days", "admin").get_json()
    page = _post(client, "/admin/settings/warning_days", {"csrf_token": token, "value": "5"})
    assert "已保存" in _flash(page)
    after = http.call("GET", "/api/v1/settings/warning_days", "admin").get_json()
    assert after["value"] == 5 and after["version"] > before["version"] and after["org"] == "nj-mzj"
    page = _post(client, "/admin/settings/warning_days", {"csrf_token": token, "value": "31"})
    assert "提交的内容有误" in _flash(page)
    assert http.call("GET", "/api/v1/settings/warning_days", "admin").get_json() == after
    assert re.search(rf"期限预警天数</td><td[^>]*>{after['version']}</td>", page)


def test_recording_masking_and_overrides_are_saved_through_the_settings_service(app, http):
    client, token = _browser(app, "admin")
    _post(client, "/admin/settings/recording_requirements", {
        "csrf_token": token, "act_hearing": "text", "act_site_inspection": "av", "full_process_flag": "major_x"})
    value = http.call("GET", "/api/v1/settings/recording_requirements", "admin").get_json()["value"]
    assert value["acts"]["hearing"] == "text" and value["full_process_flag"] == "major_x"
    page = _post(client, "/admin/settings/masking_rules", {"csrf_token": token, "name": "plate", "description": "车牌",
                                                           "pattern": "冀[A-Z][0-9]{5}", "replacement": "冀*****"})
    assert "已保存" in _flash(page)
    names = [r["name"] for r in http.call("GET", "/api/v1/settings/masking_rules", "admin").get_json()["value"]]
    assert "plate" in names
    page = _post(client, "/admin/settings/masking_rules", {"csrf_token": token, "name": "bad", "pattern": "x+",
                                                           "replacement": r"\g<0>"})
    assert "提交的内容有误" in _flash(page)
    _post(client, "/admin/settings/calendar_overrides", {"csrf_token": token, "date": "2026-12-28", "kind": "holiday"})
    assert http.call("GET", "/api/v1/settings/calendar_overrides", "admin").get_json()["value"] == {"2026-12-28": False}
    _post(client, "/admin/settings/calendar_overrides", {"csrf_token": token, "remove": "2026-12-28"})
    assert http.call("GET", "/api/v1/settings/calendar_overrides", "admin").get_json()["value"] == {}


SCHEDULE_2031 = """2031-01-01 元旦
2031-01-22 2031-01-28 春节
2031-04-05 清明节
2031-05-01 2031-05-05 劳动节
2031-06-24 端午节
2031-10-01 2031-10-07 国庆节
"""


def test_a_year_schedule_is_loaded_from_the_form_and_its_days_shown(app, http):
    client, token = _browser(app, "admin")
    # 中秋节 missing: refused, nothing stored
    page = _post(client, "/admin/calendar/years", {"csrf_token": token, "year": "2031", "holidays": SCHEDULE_2031,
                                                   "workdays": "", "source": "通知"})
    assert "提交的内容有误" in _flash(page)
    assert http.call("GET", "/api/v1/calendar/years/2031", "admin").status_code == 404
    page = _post(client, "/admin/calendar/years", {
        "csrf_token": token, "year": "2031", "holidays": SCHEDULE_2031 + "2031-10-01 中秋节\n",
        "workdays": "2031-01-18 春节", "source": "国务院办公厅通知"})
    assert "已载入 2031 年节假日安排" in _flash(page), _flash(page)
    loaded = http.call("GET", "/api/v1/calendar/years/2031", "admin").get_json()
    assert {h["name"] for h in loaded["holidays"]} >= {"元旦", "春节", "中秋节"}
    assert "2031-01-22" in page and "国务院办公厅通知" in page  # the loaded year is shown
    package = client.get("/admin/settings?year=2026").get_data(as_text=True)
    assert "春节" in package and "2026-02-15" in package


def test_the_dashboard_figures_equal_the_statistics_api(app, http):
    http.start("enforcement_case", as_user="officer1")
    client, _ = _browser(app, "head1")
    page = client.get("/dashboard").get_data(as_text=True)
    year = int(re.search(r'data-year="(\d+)"', page).group(1))
    api = http.call("GET", f"/api/v1/statistics/{year}", "head1").get_json()
    totals = dict(re.findall(r'<tr data-act="(\w+)">.*?<td class="num total">(\d+)</td>', page))
    for act, figures in api["cases"]["by_act_type"].items():
        assert int(totals[act]) == figures["started"]
    assert sum(int(n) for n in totals.values()) >= 1
    outcomes = dict(re.findall(r'<tr data-outcome="(\w+)"><th scope="row">[^<]*</th><td class="num">(\d+)', page))
    for key, n in api["legal_reviews"]["by_outcome"].items():
        assert int(outcomes[key]) == n
    overdue = sum(int(n) for n in re.findall(r'<tr data-person="[^"]*"><th scope="row">[^<]*</th><td class="num">(\d+)',
                                             page))
    assert overdue == api["overdue"]["tasks"]["open_overdue"]
    assert '<canvas id="chart-months"' in page


def test_the_dashboard_is_scoped_like_the_statistics(app):
    officer, _ = _browser(app, "officer1")
    assert officer.get("/dashboard").status_code == 403
    head3, _ = _browser(app, "head3")
    assert head3.get("/dashboard?org=nj-mzj").status_code == 404  # another bureau
    supervisor, _ = _browser(app, "supervisor1")
    page = supervisor.get("/dashboard").get_data(as_text=True)
    assert 'data-org="nj-mzj"' not in page and "宁晋县" in page


def test_dashboard_counts_overdue_tasks_per_person_and_publicity_deadlines_met_or_missed(app, http):
    """Task rows with deadlines around now (the inbox's projection rows of one case; history is not touched): the
    overdue ones per assignee add up to the statistics' open_overdue, publicity tasks split met / missed / pending."""
    import uuid
    from datetime import timedelta

    from api.models import Instance, TaskRow
    from api.services import orgs, stats
    from api.stats.dashboard import dashboard_figures
    from engine import clock

    iid = http.start("enforcement_case", as_user="officer1")["id"]
    with app.test_request_context():
        instance = db.session.get(Instance, iid)
        now = clock.now()
        day = timedelta(days=1)
        rows = [("officer", "officer1", "ready", now - day, None), ("officer", "officer1", "ready", now - 2 * day, None),
                ("officer", None, "ready", now - day, None), ("officer", "officer2", "ready", now + day, None),
                ("publicity_officer", "publicity1", "completed", now - day, now - 2 * day),
                ("publicity_officer", "publicity1", "completed", now - 2 * day, now - day),
                ("publicity_officer", None, "ready", now + 3 * day, None)]
        bureau = orgs.bureau_of(instance.org_id)
        before = dashboard_figures(now.astimezone(clock.BEIJING).year, bureau)
        for role, assignee, state, due, done in rows:
            db.session.add(TaskRow(id=str(uuid.uuid4()), spiff_task_id=str(uuid.uuid4()), instance_id=iid,
                                   process_id="p", element_id=f"probe_{role}", name="probe", role=role,
                                   org_id=instance.org_id, state=state, assignee=assignee, due_at=due,
                                   created_at=now,
                                   completed_at=done, completed_by=assignee if done else None))
        db.session.commit()
        year = now.astimezone(clock.BEIJING).year
        after = dashboard_figures(year, bureau)
        api = stats.annual_statistics(year, bureau)
    people = {p["username"]: p["overdue"] for p in after["overdue_by_person"]}
    old = {p["username"]: p["overdue"] for p in before["overdue_by_person"]}
    assert people.get("officer1", 0) - old.get("officer1", 0) == 2
    assert people.get("", 0) - old.get("", 0) == 1 and "officer2" not in people
    assert sum(people.values()) == api["overdue"]["tasks"]["open_overdue"]
    gained = {k: after["publicity"][k] - before["publicity"][k] for k in ("met", "missed", "pending")}
    assert gained == {"met": 1, "missed": 1, "pending": 1}
