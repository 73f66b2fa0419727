"""The inbox in a browser: claim 认领 and release 放回 move a task between the tabs, the filters narrow the list, and
at 375 px the inbox never scrolls sideways."""
from __future__ import annotations


def _start(tab, key: str) -> int:
    """Start a case through the JSON API with the browser's session (its CSRF token, as common.js sends it)."""
    token = tab.page.get_attribute("meta[name=csrf-token]", "content")
    resp = tab.page.request.post(tab.url("/api/v1/instances"), headers={"X-CSRF-Token": token},
                                 data={"definition_key": key, "data": {}})
    assert resp.status == 201, resp.text()
    return resp.json()["id"]


def _submit_filters(tab, **fields) -> None:
    for name, value in fields.items():
        if name == "q":
            tab.page.fill("#f-q", value)
        else:
            tab.page.select_option(f"#f-{name}", value)
    tab.page.click("form.filters button[type=submit]")
    tab.page.wait_for_load_state("networkidle")


def test_claim_and_release_move_a_task_between_the_tabs(visit):
    tab = visit("officer3")
    tab.login("officer3")
    iid = _start(tab, "enforcement_case")
    tab.goto(f"/inbox?tab=claimable&q=%23{iid}")
    row = tab.page.locator("#task-list tbody tr")
    assert row.count() == 1 and f"#{iid}" in row.inner_text() and "行政执法案件" in row.inner_text()
    tab.check("claimable")
    row.locator("button[data-action=claim]").click()
    tab.page.wait_for_load_state("networkidle")
    assert "已认领" in tab.page.locator(".flash.ok").inner_text()
    assert tab.page.locator("#task-list tbody tr").count() == 0  # no longer claimable
    tab.check("after-claim")
    tab.page.click("a[data-tab=mine]")
    tab.page.wait_for_load_state("networkidle")
    mine = tab.page.locator(f"#task-list tbody tr:has(a[href='/cases/{iid}'])")
    assert mine.count() == 1
    assert mine.locator("button[data-action=unclaim]").inner_text().strip() == "放回"
    tab.check("mine")
    mine.locator("button[data-action=unclaim]").click()
    tab.page.wait_for_load_state("networkidle")
    assert "已放回" in tab.page.locator(".flash.ok").inner_text()
    assert tab.page.locator(f"#task-list tbody tr:has(a[href='/cases/{iid}'])").count() == 0
    tab.goto(f"/inbox?tab=claimable&q=%23{iid}")
    assert tab.page.locator("#task-list tbody tr button[data-action=claim]").count() == 1
    tab.check("released")


def test_the_filters_narrow_the_list(visit):
    tab = visit("officer3")
    tab.login("officer3")
    case = _start(tab, "enforcement_case")
    permit = _start(tab, "permit_application")
    tab.goto("/inbox?tab=cases")
    listed = lambda: {int(x) for x in tab.page.locator("#case-list tbody tr").evaluate_all(  # noqa: E731
        "rows => rows.map(r => r.dataset.instance)")} if tab.page.locator("#case-list").count() else set()
    assert {case, permit} <= listed()
    _submit_filters(tab, process="permit_application")
    assert permit in listed() and case not in listed()
    assert tab.page.locator("#f-process").input_value() == "permit_application"  # the filter stays shown
    tab.check("filter-process")
    _submit_filters(tab, process="", q=f"#{case}")
    assert listed() == {case}
    _submit_filters(tab, deadline="red")
    assert listed() == set()
    assert tab.page.locator("#empty").is_visible()
    tab.check("filter-empty")
    tab.page.click("text=清除筛选")
    tab.page.wait_for_load_state("networkidle")
    assert {case, permit} <= listed()


def test_the_inbox_fits_a_375px_phone(visit):
    tab = visit("phone", width=375, height=740)
    tab.login("officer3")
    _start(tab, "enforcement_case")
    for name in ("claimable", "mine", "cases"):
        tab.goto(f"/inbox?tab={name}")
        width = tab.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the {name} tab scrolls sideways: {width}px"
        tab.check(f"inbox-375-{name}")
    tab.goto("/inbox?tab=claimable")
    button = tab.page.locator("button[data-action=claim]").first
    assert button.is_visible() and button.bounding_box()["x"] + button.bounding_box()["width"] <= 375
