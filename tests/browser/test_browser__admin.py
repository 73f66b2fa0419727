"""Admin and head pages in a real browser: an admin creates a user with a role and a certificate and finds them in
the list; a device is registered, checked out to an officer, returned, and its ledger shows both; a warning-days
change becomes a new version; head1's dashboard draws its charts and its tables hold the statistics API's figures.
Every page is screenshot and checked with axe-core."""
from __future__ import annotations

import re


def _submit(tab, form: str) -> None:
    tab.page.click(f"{form} button[type=submit]")
    tab.page.wait_for_load_state("networkidle")


def _flash(tab) -> str:
    return " ".join(tab.page.locator(".flash").all_inner_texts())


def test_admin_creates_a_user_with_a_role_and_certificate_and_sees_it_listed(visit):
    tab = visit("admin")
    tab.login("admin")
    tab.goto("/admin/users")
    tab.check("users")
    tab.page.fill("#nu-username", "officer7")
    tab.page.fill("#nu-display", "七号执法员")
    tab.page.fill("#nu-password", "a-long-password-7")
    tab.page.select_option("#nu-org", "nj-mzj-1")
    tab.page.check("#new-user input[name=roles][value=officer]")
    _submit(tab, "#new-user")
    assert "已创建用户 officer7" in _flash(tab)
    row = tab.page.locator("#users-table tr[data-username=officer7]")
    assert "执法人员" in row.locator(".roles").inner_text()
    row.get_by_role("link").click()
    tab.page.wait_for_load_state("networkidle")
    tab.page.fill("#c-number", "13000077")
    tab.page.fill("#c-category", "民族宗教")
    tab.page.fill("#c-from", "2021-01-01")
    _submit(tab, "#add-cert")
    assert "13000077" in tab.page.locator("#certs-table").inner_text()
    tab.check("user-with-certificate")
    tab.goto("/admin/users")
    certs = tab.page.locator("#users-table tr[data-username=officer7] .certs").inner_text()
    assert "13000077" in certs and "有效" in certs
    # the duplicate is refused in the page's language
    tab.goto("/admin/users?lang=en")
    tab.page.fill("#nu-username", "officer7")
    tab.page.fill("#nu-display", "x")
    tab.page.fill("#nu-password", "a-long-password-7")
    tab.page.check("#new-user input[name=roles][value=officer]")
    _submit(tab, "#new-user")
    assert "That username is taken" in _flash(tab)
    tab.check("users-duplicate-en")


def test_a_device_is_registered_checked_out_returned_and_its_ledger_shown(visit):
    tab = visit("admin")
    tab.login("admin")
    tab.goto("/admin/devices")
    tab.check("devices")
    tab.page.fill("#d-code", "BC-77")
    tab.page.fill("#d-name", "执法记录仪77")
    tab.page.select_option("#d-kind", "body_cam")
    _submit(tab, "#new-device")
    assert "已登记设备 BC-77" in _flash(tab)
    tab.page.locator("#devices-table tr[data-code='BC-77']").get_by_role("link").click()
    tab.page.wait_for_load_state("networkidle")
    tab.page.select_option("#co-officer", "officer1")
    tab.page.fill("#co-note", "现场检查")
    _submit(tab, "#checkout-form")
    assert "已领用" in _flash(tab) and "officer1" not in tab.page.inner_text("#device-holder")
    tab.check("device-out")
    _submit(tab, "#return-form")
    assert "已归还" in _flash(tab)
    rows = tab.page.locator("#ledger-table tbody tr").all_inner_texts()
    assert len(rows) == 2 and "领用" in rows[0] and "现场检查" in rows[0] and "归还" in rows[1]
    tab.check("device-ledger")
    ledger = tab.page.request.get(tab.url("/api/v1/devices/BC-77/ledger")).json()
    assert [m["action"] for m in ledger] == ["checkout", "return"]


def test_the_admin_changes_the_warning_days_setting(visit):
    tab = visit("admin")
    tab.login("admin")
    tab.goto("/admin/settings")
    tab.check("settings")
    tab.page.fill("#warning-days", "4")
    _submit(tab, "#warning-form")
    assert "已保存" in _flash(tab)
    assert tab.page.input_value("#warning-days") == "4"
    setting = tab.page.request.get(tab.url("/api/v1/settings/warning_days")).json()
    assert setting["value"] == 4
    assert re.search(rf"期限预警天数\s+{setting['version']}\s", tab.page.locator("#versions-table").inner_text())
    tab.check("settings-saved")


def test_head_opens_the_dashboard_charts_render_and_tables_equal_the_statistics_api(visit):
    tab = visit("head")
    # a case of the bureau this year, started through the API with an officer's token
    token = tab.page.request.post(tab.url("/api/v1/auth/token"),
                                  data={"username": "officer1", "password": "demo"}).json()["token"]
    started = tab.page.request.post(tab.url("/api/v1/instances"), data={"definition_key": "enforcement_case"},
                                    headers={"Authorization": f"Bearer {token}"})
    assert started.status == 201, started.text()
    tab.login("head1")
    tab.goto("/dashboard")
    for chart in ("months", "reviews", "publicity", "overdue"):
        canvas = tab.page.locator(f"#chart-{chart}")
        assert canvas.get_attribute("data-rendered") == "true"
        assert canvas.bounding_box()["height"] > 100
    year = tab.page.locator("#dash-scope").get_attribute("data-year")
    api = tab.page.request.get(tab.url(f"/api/v1/statistics/{year}")).json()
    for act, figures in api["cases"]["by_act_type"].items():
        total = tab.page.locator(f"#table-months tr[data-act={act}] td.total").inner_text()
        assert int(total) == figures["started"]
    shown = [int(x) for x in tab.page.locator("#table-months td.total").all_inner_texts()]
    assert sum(shown) == sum(f["started"] for f in api["cases"]["by_act_type"].values()) >= 1
    for outcome, n in api["legal_reviews"]["by_outcome"].items():
        assert int(tab.page.locator(f"#table-reviews tr[data-outcome={outcome}] td").inner_text()) == n
    overdue = [int(x) for x in tab.page.locator("#table-overdue tr[data-person] td").all_inner_texts()]
    assert sum(overdue) == api["overdue"]["tasks"]["open_overdue"]
    tab.check("dashboard")


def test_the_admin_pages_fit_a_phone(visit):
    tab = visit("phone", width=375, height=740)
    tab.login("admin")
    for path in ("/admin/users", "/admin/devices", "/admin/settings", "/dashboard"):
        tab.goto(path)
        width = tab.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways: {width}px"
        tab.check(f"phone{path.replace('/', '-')}")
