"""The officer's case in a browser: started from the "new" menu, found under "my cases", opened on the case page
with its diagram (bpmn-js) marking the current task; another bureau's officer gets the 404 page."""
from __future__ import annotations

import re

from tests.browser.test_browser__inbox import _start


def _diagram_ready(tab) -> None:
    tab.page.wait_for_selector("#case-diagram[data-ready]")
    assert tab.page.get_attribute("#case-diagram", "data-ready") != "error"


def test_an_officer_starts_a_case_from_the_new_menu_and_sees_its_active_task_on_the_diagram(visit):
    tab = visit("officer")
    tab.login("officer1")
    tab.page.click("#main-nav >> text=新建")
    tab.page.wait_for_load_state("networkidle")
    assert tab.page.url.endswith("/cases/new")
    assert tab.page.locator("h2", has_text="行政执法案件").count() == 1  # grouped, names from the BPMN
    tab.check("new-menu")
    tab.page.click("li[data-process=enforcement_case] button[type=submit]")
    tab.page.wait_for_load_state("networkidle")
    assert "/tasks/" in tab.page.url  # the first task opens
    flash = tab.page.locator(".flash.ok").inner_text()
    iid = int(re.search(r"#(\d+)", flash).group(1))
    assert "已新建案件" in flash and "行政执法案件" in flash
    tab.check("first-task")

    tab.goto("/inbox?tab=cases")
    row = tab.page.locator(f"tr[data-instance='{iid}']")
    assert row.count() == 1 and "行政执法案件" in row.inner_text() and "办理中" in row.inner_text()
    tab.check("my-cases")
    row.locator("a").first.click()
    tab.page.wait_for_load_state("networkidle")
    assert tab.page.url.endswith(f"/cases/{iid}")
    _diagram_ready(tab)
    active = tab.page.locator("g.djs-element.case-active[data-element-id='task_register']")
    assert active.count() == 1, "the ready registration task is marked active on the diagram"
    assert tab.page.locator("g.djs-element.case-done").count() >= 1  # the start event
    assert tab.page.locator("g.djs-element.case-active").count() == 1
    legend = tab.page.locator(".case-legend").inner_text()
    assert "已完成" in legend and "当前待办" in legend and "等待中" in legend
    records = tab.page.locator("#records").inner_text()
    assert "发起案件" in records and "instance_started" not in records
    assert tab.page.locator("#open-tasks a[href^='/tasks/']").count() == 1
    tab.check("case-page")


def test_another_bureaus_officer_gets_the_404_page_for_the_case(visit):
    owner = visit("officer1")
    owner.login("officer1")
    iid = _start(owner, "enforcement_case")
    other = visit("officer4")
    other.login("officer4")
    resp = other.goto(f"/cases/{iid}")
    assert resp.status == 404
    assert "页面不存在" in other.page.inner_text("main")
    assert other.page.locator("#case-diagram").count() == 0
    other.check("case-404")


def test_the_case_page_fits_a_phone(visit):
    tab = visit("phone", width=375, height=740)
    tab.login("officer1")
    iid = _start(tab, "enforcement_case")
    tab.goto(f"/cases/{iid}")
    _diagram_ready(tab)
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the case page scrolls sideways: {width}px"
    tab.check("case-375")
