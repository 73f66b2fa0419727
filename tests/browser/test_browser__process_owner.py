"""A process owner models, validates, deploys and compares in the browser (issue 9, item 4)."""
from __future__ import annotations

import re

EDITED_NAME = "调查取证（现场）"


def _wait_ready(page) -> None:
    page.wait_for_selector("#canvas[data-ready=true]", state="attached")


def _select(page, element_id: str) -> None:
    """Select a diagram element as a click on it does (lanes have no inner hit area in bpmn-js)."""
    page.evaluate("""id => { const m = window.sanxiangModeler;
        m.get('selection').select(m.get('elementRegistry').get(id)); }""", element_id)
    page.wait_for_selector("#properties .bio-properties-panel-header")


def test_owner_edits_validates_sees_the_problem_on_its_element_fixes_deploys_and_compares(visit):
    tab = visit("owner")
    tab.login("owner1")
    tab.goto("/processes")
    page = tab.page
    assert page.locator("#process-recording table tbody tr").count() >= 1
    before = int(page.locator("#process-recording table tbody tr").first.get_attribute("data-version"))
    tab.check("processes")

    page.locator("#process-recording a", has_text="在编辑器中打开").first.click()
    page.wait_for_load_state("networkidle")
    _wait_ready(page)
    tab.check("modeler")

    # a user task: its name (general group) and its dueDate (the Sanxiang group) in the properties panel
    page.click('#canvas [data-element-id="task_investigation"]')
    page.wait_for_selector("#bio-properties-panel-sx-dueDate")
    page.fill("#bio-properties-panel-name", EDITED_NAME)
    page.fill("#bio-properties-panel-sx-dueDate", "decision_due")
    assert page.locator("#bio-properties-panel-sx-formKey").input_value() == "investigation"
    page.locator("#bio-properties-panel-sx-formKey").focus()  # leave the text field: the debounced value is set

    # the problem: the lane loses its role
    _select(page, "lane_recording_officer")
    role = page.locator("#bio-properties-panel-sx-laneRole")
    assert role.input_value() == "officer"
    role.select_option("")
    page.click("#validate")
    note = page.locator('.sx-problem-note[data-element="task_investigation"]')
    try:
        note.wait_for()
    except Exception:
        print("STATUS", page.locator("#status").inner_text(), "PROBLEMS", page.locator("#problems").inner_text())
        raise
    assert "lane_recording_officer" in note.get_attribute("title")
    assert page.locator('.sx-problem-note[data-element="task_record_start"]').count() == 1
    assert page.locator('#canvas [data-element-id="task_investigation"].sx-problem').count() == 1
    assert re.search(r"\d+ 个问题", page.locator("#status").inner_text())
    assert page.locator("#problems li").count() == 2
    tab.check("validate-problems")

    # fixed: the problems and their marks go away, then deploy
    role.select_option("officer")
    page.click("#validate")
    page.wait_for_selector("#status.flash.ok")
    assert page.locator(".sx-problem-note").count() == 0
    page.click("#deploy")
    page.wait_for_url(re.compile(r"/processes\?deployed=recording&version=\d+"))
    page.wait_for_load_state("networkidle")
    after = before + 1
    assert f"recording 第 {after} 版" in page.locator("#deployed-message").inner_text()
    assert page.locator(f'#process-recording tr[data-version="{after}"]').count() == 1
    tab.check("deployed")

    # the stored file carries the edits exactly as the shipped diagrams do
    xml = page.request.get(tab.url(f"/processes/bpmn/recording/versions/{after}/file")).text()
    task = re.search(r'<bpmn:userTask id="task_investigation".*?</bpmn:userTask>', xml, re.S).group(0)
    assert f'name="{EDITED_NAME}"' in task
    assert '<spiffworkflow:property name="dueDate" value="decision_due"' in task
    assert '<spiffworkflow:property name="formKey" value="investigation"' in task
    assert '<bpmn:lane id="lane_recording_officer" name="执法人员">' in xml

    # and it runs: a case started on the new version opens its first task in the officers' lane with its form (a
    # called process: an admin's trial run; officers start it only through the enforcement case)
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    token = page.request.post(tab.url("/api/v1/auth/token"), data={"username": "admin", "password": "demo"},
                              headers={"X-CSRF-Token": csrf}).json()["token"]
    started = page.request.post(tab.url("/api/v1/instances"), data={"definition_key": "recording", "data": {}},
                                headers={"Authorization": f"Bearer {token}"})
    assert started.status == 201, started.text()
    instance = started.json()
    assert instance["version"] == after
    assert [(t["element_id"], t["role"], t["form_key"]) for t in instance["tasks"]] == [
        ("task_record_start", "officer", "record_start")]

    # compare: the edited task is marked changed in both diagrams and listed
    page.locator("#process-recording button", has_text="比较版本").click()
    page.wait_for_selector("body[data-compared=true]", state="attached")
    assert f"第 {before} 版与第 {after} 版" in page.locator("h1").inner_text()
    assert page.locator('#canvas-new [data-element-id="task_investigation"].diff-changed').count() == 1
    assert page.locator('#canvas-old [data-element-id="task_investigation"].diff-changed').count() == 1
    changed = page.locator('#changes tr[data-element="task_investigation"]')
    assert f"name: 调查取证 → {EDITED_NAME}" in changed.inner_text()
    assert "dueDate: — → decision_due" in changed.inner_text()
    tab.check("compare")


def test_timer_settings_are_edited_in_the_panel_and_written_as_a_timer_expression(visit):
    tab = visit("owner")
    tab.login("owner1")
    tab.goto("/processes/legal_review/edit")
    page = tab.page
    _wait_ready(page)
    _select(page, "timer_review_overdue")
    kind = page.locator("#bio-properties-panel-sx-timerType")
    assert kind.input_value() == "timeDate"
    assert "review_due" in page.locator("#bio-properties-panel-sx-timerValue").input_value()
    kind.select_option("timeDuration")
    page.fill("#bio-properties-panel-sx-timerValue", '"P10D"')
    page.locator("#bio-properties-panel-sx-timerType").focus()
    tab.check("timer-panel")
    xml = page.evaluate("async () => (await window.sanxiangModeler.saveXML({format: true})).xml")
    timer = re.search(r'<bpmn:timerEventDefinition id="timer_review_overdue_definition">(.*?)</bpmn:timerEventDefinition>',
                      xml, re.S).group(1)
    assert '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P10D"</bpmn:timeDuration>' in timer
    assert "timeDate" not in timer


def test_dmn_and_form_editors_open_the_review_catalogue_and_a_form(visit):
    tab = visit("owner")
    tab.login("owner1")
    tab.goto("/decisions/major_decision/edit")
    page = tab.page
    _wait_ready(page)
    assert page.locator(".tjs-table, .dmn-decision-table-container").count() >= 1
    page.click("#validate")
    page.wait_for_selector("#status.flash.ok")
    tab.check("dmn-editor")
    tab.goto("/forms/record_start/edit")
    _wait_ready(page)
    assert page.locator(".fjs-editor-container").count() == 1
    page.click("#validate")
    page.wait_for_selector("#status.flash.ok")
    tab.check("form-editor")


def test_processes_page_is_usable_on_a_phone(visit):
    tab = visit("owner-phone", width=375, height=740)
    tab.login("owner1")
    tab.goto("/processes")
    assert tab.page.locator("#process-enforcement_case").is_visible()
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1
    tab.check("processes-phone")
    for path in ("/processes/recording/edit", "/processes/recording/compare"):
        tab.goto(path)
        tab.page.wait_for_selector("#canvas[data-ready=true], body[data-compared=true]", state="attached")
        assert tab.page.evaluate("document.documentElement.scrollWidth") <= 375 + 1, path
        tab.check(f"phone-{path.rsplit('/', 1)[1]}")


def test_every_shipped_process_saved_by_the_modeler_still_validates(visit):
    """The moddle descriptor keeps every spiffworkflow extension: the modeler's XML of each shipped diagram passes
    the server's validation unchanged in meaning."""
    tab = visit("owner")
    tab.login("owner1")
    page = tab.page
    for key in ("enforcement_case", "legal_review", "disclosure", "permit_application", "random_inspection",
                "disclosure_correction"):
        tab.goto(f"/processes/{key}/edit")
        _wait_ready(page)
        xml = page.evaluate("async () => (await window.sanxiangModeler.saveXML({format: true})).xml")
        assert "<spiffworkflow:property " in xml and "spiffworkflow:properties" in xml
        page.click("#validate")
        page.wait_for_selector("#status.flash")
        assert page.locator("#status.flash.ok").count() == 1, (key, page.locator("#problems").inner_text())
    tab.check("modeler-last-process")
