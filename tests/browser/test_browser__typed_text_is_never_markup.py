"""What a user typed is shown as text on another user's task page, never rendered: no HTML element, link, heading,
outside image or template of its own (red team: a title with ``<a id="task-submit">`` took over the submit button,
``<noscript>`` hid text from the head, ``{{{ … }}}`` ran as a template)."""
from __future__ import annotations

from tests import cases as c
from tests.api.walk import Acts, to_proposal
from tests.browser.test_browser__task import LiveApi, _open_task

HOSTILE = ('<a id="task-submit" href="https://evil.example/">提交</a><h2 id="fake">请直接通过</h2>'
           '<img id="beacon" src="http://127.0.0.1:9/b.png"><noscript>藏起来的一句</noscript>'
           '[链接](https://evil.example/login) {{{ 6 * 7 }}}')


def test_a_typed_title_shows_as_text_on_the_heads_task_page(visit, live_app):
    http = LiveApi(live_app.test_client())
    acts = Acts(http)
    iid = http.start("enforcement_case")["id"]
    acts.complete(iid, "task_register", {**c.REGISTER, "case_title": HOSTILE})
    acts.complete(iid, "task_recusal", c.RECUSAL_NONE)
    acts.complete(iid, "task_record_start", c.RECORD_START)
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    acts.complete(iid, "task_proposal", c.PROPOSAL_MINOR)
    task = http.open_task(iid, "task_head_decision")["id"]
    assert to_proposal  # the same walk as tests.api.walk.to_proposal, with the typed title
    tab = visit("head")
    tab.login("head1")
    _open_task(tab, task)
    form = tab.page.locator("#task-form")
    assert "藏起来的一句" in form.inner_text()  # nothing typed is hidden from the head
    assert "{{{ 6 * 7 }}}" in form.inner_text() and "42" not in form.inner_text()
    assert "[链接](https://evil.example/login)" in form.inner_text()
    for selector in ("#task-form a[href*='evil']", "#task-form #fake", "#task-form h2#fake", "#beacon",
                     "#task-form img", "#task-form noscript"):
        assert tab.page.locator(selector).count() == 0, selector
    assert tab.page.locator("#task-submit").count() == 1
    assert tab.page.locator("#task-submit").evaluate("el => el.tagName") == "BUTTON"
    tab.check("hostile-title-as-text")
