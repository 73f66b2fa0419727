"""Messages in the page's language in the browser (issue 9 item 8): the modeler's validate problems come from the
engine in English and are shown in Chinese; the form-js widgets' own English texts are shown in Chinese."""
from __future__ import annotations

import pytest

from tests.conftest import Api


class LiveApi(Api):
    """The JSON API of the live app through a test client (bearer tokens of its own database)."""

    def __init__(self, client) -> None:
        super().__init__(client)
        self._tokens = {}


@pytest.fixture
def live_http(live_app) -> LiveApi:
    return LiveApi(live_app.test_client())


def _select(page, element_id: str) -> None:
    page.evaluate("""id => { const m = window.sanxiangModeler;
        m.get('selection').select(m.get('elementRegistry').get(id)); }""", element_id)
    page.wait_for_selector("#properties .bio-properties-panel-header")


def test_modeler_validate_problems_are_shown_in_chinese(visit):
    tab = visit("owner-messages")
    tab.login("owner1")
    tab.goto("/processes/recording/edit?lang=zh")
    page = tab.page
    page.wait_for_selector("#canvas[data-ready=true]", state="attached")
    _select(page, "lane_recording_officer")
    page.locator("#bio-properties-panel-sx-laneRole").select_option("")
    page.click("#validate")
    page.locator("#problems li").first.wait_for()
    problems = page.locator("#problems").inner_text()
    assert "不是已知角色" in problems and "请按角色命名泳道" in problems
    assert "which is not a known role" not in problems
    note = page.locator('.sx-problem-note[data-element="task_investigation"]')
    note.wait_for()
    assert "不是已知角色" in note.get_attribute("title")
    tab.check("messages-validate-zh")

    tab.goto("/processes/recording/edit?lang=en")  # the English page keeps the engine's own English
    page.wait_for_selector("#canvas[data-ready=true]", state="attached")
    _select(page, "lane_recording_officer")
    page.locator("#bio-properties-panel-sx-laneRole").select_option("")
    page.click("#validate")
    page.locator("#problems li").first.wait_for()
    assert "which is not a known role" in page.locator("#problems").inner_text()
    tab.goto("/inbox?lang=zh")  # leave the shared session's language as it was


def test_form_widgets_say_select_and_search_in_chinese(visit, live_http):
    iid = live_http.start("enforcement_case")["id"]
    task = live_http.open_task(iid, "task_register")
    tab = visit("officer-messages")
    tab.login("officer1")
    tab.goto(f"/tasks/{task['id']}?lang=zh")
    page = tab.page
    page.wait_for_selector("body[data-task-ready=true]")
    form = page.locator("#task-form")
    placeholder = form.locator(".fjs-select-placeholder").first
    placeholder.wait_for()
    assert placeholder.inner_text() == "请选择"
    assert form.locator(".fjs-taglist-input").first.get_attribute("placeholder") == "搜索"
    assert "Select" not in form.inner_text()
    tab.check("messages-form-widgets")
    # choosing a value still shows its label (form-js keeps updating the text it rendered)
    display = form.locator('[id$="case_register_act_type-display"]')
    assert display.inner_text() == "请选择"
    display.click()
    form.locator(".fjs-dropdownlist-item", has_text="行政检查").click()
    assert display.inner_text() == "行政检查"
