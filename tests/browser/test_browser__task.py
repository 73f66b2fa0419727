"""The task page in a browser: the form-js form with the case data (markdown, labels, conditions), refusals in
Chinese next to the form with the typed values kept, A/V evidence attached from the task page with a progress bar,
the success message, and a legal review's second round showing the previous opinion and what changed."""
from __future__ import annotations

import re

import pytest

from tests import cases as c
from tests.api.evidence_support import MP4, checkout, media, new_device
from tests.api.walk import Acts, to_proposal, waive_hearing
from tests.conftest import Api


class LiveApi(Api):
    """The JSON API of the live app through a test client (bearer tokens of its own database)."""

    def __init__(self, client) -> None:
        super().__init__(client)
        self._tokens = {}


@pytest.fixture
def live_http(live_app) -> LiveApi:
    return LiveApi(live_app.test_client())


def _open_task(tab, task_id: str) -> None:
    tab.goto(f"/tasks/{task_id}")
    tab.page.wait_for_selector("body[data-task-ready=true]")


def record_start_page(visit, live_http) -> tuple[int, dict, object, str]:
    """A major case walked to 现场检查 over the API, a recording device checked out to officer1, and officer1's tab
    on that task's page: (case id, task, tab, device code)."""
    iid = live_http.start("enforcement_case")["id"]
    live_http.complete(iid, "task_register", c.REGISTER, "officer1")
    live_http.complete(iid, "task_recusal", c.RECUSAL_NONE, "officer1")
    device = new_device(live_http)
    checkout(live_http, device, "officer1")
    task = live_http.open_task(iid, "task_record_start")
    tab = visit("officer")
    tab.login("officer1")
    _open_task(tab, task["id"])
    return iid, task, tab, device


def _submit(tab) -> None:
    tab.page.click("#task-submit")


def _field(tab, label: str):
    """A form-js field by its label (a required field's label ends with its * marker)."""
    return tab.page.locator("#task-form").get_by_label(re.compile(rf"^{re.escape(label)}\s*\*?$"))


def test_a_conditional_field_is_hidden_until_its_condition_holds_and_text_is_markdown(visit, live_http):
    iid = live_http.start("enforcement_case")["id"]
    live_http.complete(iid, "task_register", c.REGISTER, "officer1")
    task = live_http.open_task(iid, "task_recusal")
    tab = visit("officer")
    tab.login("officer1")
    _open_task(tab, task["id"])
    form = tab.page.locator("#task-form")
    assert "###" not in form.inner_text() and "**" not in form.inner_text()
    assert form.locator("h3").count() >= 1  # the form's markdown heading is rendered as a heading
    reason = form.get_by_label("回避理由", exact=True)
    assert reason.count() == 0  # hidden: recusal_needed is not ticked
    tab.check("recusal-hidden")
    _field(tab, "需要回避（执法人员自行回避或当事人申请回避）").check()
    reason.wait_for(state="visible")
    assert form.get_by_text("当事人申请", exact=False).count() >= 1  # options as labels, never `party`
    assert "party" not in form.inner_text()
    reason.fill("当事人称有利害关系")
    tab.check("recusal-shown")
    _field(tab, "需要回避（执法人员自行回避或当事人申请回避）").uncheck()
    assert form.get_by_label("回避理由", exact=True).count() == 0
    _submit(tab)  # the hidden reason is not sent: the server takes the form as no recusal
    tab.page.wait_for_url("**/inbox")
    flash = tab.page.locator(".flash.ok")
    assert "已提交" in flash.inner_text() and "启动记录" in flash.inner_text()
    tab.check("inbox-after-recusal")
    assert live_http.open_task(iid, "task_record_start")


def test_an_av_act_is_refused_in_chinese_keeping_the_typed_values_then_goes_through_after_an_upload(
        visit, live_http):
    iid, task, tab, device = record_start_page(visit, live_http)
    tab.check("record-start-empty")
    page = tab.page
    for label in ("已向当事人或者有关人员出示执法证件", "已告知当事人执法事由（理由）", "已告知当事人执法依据",
                  "已告知当事人陈述、申辩等权利", "已告知当事人救济途径（行政复议、行政诉讼）"):
        _field(tab, label).check()
    _field(tab, "出具的执法文书（名称及文号，如《现场检查笔录》宁民宗检〔2026〕1号）").fill("《现场检查笔录》宁民宗检〔2026〕7号")
    _field(tab, "执法证号").fill("HB-NJ-2024-0001, HB-NJ-2024-0002")
    date = _field(tab, "日期")
    date.fill(c.TODAY)
    date.press("Enter")
    _field(tab, "时间（时:分）").fill("09:30")
    _field(tab, "地点").fill("宁晋县某村")
    officers = page.locator("#task-form .fjs-taglist input")
    for name in ("officer1", "officer2"):
        officers.fill(name)
        page.locator("#task-form .fjs-dropdownlist-item").first.click()
    _field(tab, "开场陈述").fill("现在是9时30分，执法人员officer1、officer2依法进行现场检查。")

    # no A/V record yet: refused in Chinese, with what to do, next to the form; the typed values stay
    _submit(tab)
    refusal = page.locator("#task-refusal")
    refusal.wait_for(state="visible")
    assert refusal.get_attribute("data-rule") == "av_required"
    assert "音像记录" in refusal.inner_text() and "怎么办" in refusal.inner_text()
    assert _field(tab, "执法证号").input_value() == "HB-NJ-2024-0001, HB-NJ-2024-0002"
    assert _field(tab, "开场陈述").input_value().startswith("现在是9时30分")
    assert _field(tab, "已告知当事人执法依据").is_checked()
    tab.check("record-start-refused")

    # attach the A/V record from the task page: device from the ledger, progress to 100%
    assert page.locator(f"#ev-device option[value='{device}']").count() == 1
    page.select_option("#ev-device", device)
    page.set_input_files("#ev-file", files=[{"name": "现场检查.mp4", "mimeType": "video/mp4",
                                             "buffer": media(MP4, 64 * 1024)}])
    page.fill("#ev-opening", "现在是9时30分，地点宁晋县某村，执法人员officer1、officer2，依法进行现场检查。")
    page.click("#ev-upload")
    page.locator("#ev-message.ok").wait_for()
    assert page.locator("#ev-progress").evaluate("p => p.value") == 100
    assert page.locator("#ev-percent").inner_text() == "100%"
    item = page.locator("#evidence-list .evidence-item").first
    item.wait_for()
    assert item.get_attribute("data-task-id") == task["id"]
    assert item.locator("video").count() == 1
    assert not refusal.is_visible()  # the A/V refusal is answered
    tab.check("record-start-uploaded")

    # the same typed form now goes through: the success message names the next step
    _submit(tab)
    page.wait_for_url("**/inbox")
    flash = page.locator(".flash.ok").inner_text()
    # the next step's name as deployed (the process owner's browser test may rename it in this live app)
    assert flash.startswith("已提交。下一步：调查取证"), flash
    tab.check("inbox-after-record-start")
    assert live_http.open_task(iid, "task_investigation")


def _tick(tab, labels) -> None:
    for label in labels:
        _field(tab, label).check()


CHECKLIST_LABELS = ("执法主体合法", "执法人员具备执法资格", "执法程序合法", "案件事实清楚", "证据合法充分",
                    "适用法律、法规、规章准确", "裁量基准运用适当", "未超越法定权限", "执法文书完备、规范")


def test_the_second_review_round_shows_the_previous_opinion_and_what_changed(visit, live_http):
    acts = Acts(live_http)
    acts.device = new_device(live_http)
    checkout(live_http, acts.device, "officer1")
    iid = to_proposal(live_http, acts)
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    waive_hearing(live_http, iid, acts)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)

    # round 1: the reviewer returns problems in the browser
    reviewer = visit("reviewer")
    reviewer.login("reviewer1")
    _open_task(reviewer, live_http.open_task(iid, "task_legal_review")["id"])
    form = reviewer.page.locator("#task-form")
    assert "罚款" in form.inner_text() and "fine" not in form.inner_text()  # penalty_kind as its label
    assert reviewer.page.locator(".review-round").count() == 0
    problem = form.get_by_text("问题类别（存在问题时必选）")
    assert problem.count() == 0  # shown only for problems
    reviewer.check("review-round-1")
    _tick(reviewer, [x for x in CHECKLIST_LABELS if x != "证据合法充分"])
    form.get_by_label("存在问题，退回整改").check()
    form.get_by_text("问题类别（存在问题时必选）").wait_for()
    form.get_by_label("补充调查（事实不清、证据不足）").check()
    _field(reviewer, "审核意见").fill("证据不足，请补充询问笔录。")
    _submit(reviewer)
    reviewer.page.wait_for_url("**/inbox")
    assert "整改并重新提交" in reviewer.page.locator(".flash.ok").inner_text()

    # the handler fixes and resubmits, changing the facts
    handler = visit("officer")
    handler.login("officer1")
    _open_task(handler, live_http.open_task(iid, "task_fix_resubmit")["id"])
    text = handler.page.locator("#task-form").inner_text()
    assert "证据不足，请补充询问笔录。" in text and "补充调查" in text and "investigate" not in text
    handler.check("fix-resubmit")
    _field(handler, "整改情况说明").fill("已补充询问笔录。")
    _field(handler, "违法事实（整改后）").fill("经补充询问，事实清楚。")
    _submit(handler)
    handler.page.wait_for_url("**/inbox")

    # round 2: the previous opinion, the fix note and the change, in labels
    _open_task(reviewer, live_http.open_task(iid, "task_legal_review")["id"])
    card = reviewer.page.locator(".review-round")
    assert card.locator(".previous-opinion").inner_text() == "证据不足，请补充询问笔录。"
    assert card.locator(".fix-note").inner_text() == "已补充询问笔录。"
    changes = card.locator(".round-changes tbody tr")
    rows = [changes.nth(i).inner_text() for i in range(changes.count())]
    assert len(rows) == 1 and "违法事实" in rows[0], rows  # only what the handler changed
    assert "事实清楚。" in rows[0] and "经补充询问，事实清楚。" in rows[0] and "facts" not in rows[0]
    assert not _field(reviewer, "存在问题，退回整改").is_checked()  # a new round starts blank
    reviewer.check("review-round-2")
    _tick(reviewer, CHECKLIST_LABELS)
    reviewer.page.locator("#task-form").get_by_label("同意", exact=True).check()
    _field(reviewer, "审核意见").fill("同意。")
    _submit(reviewer)
    reviewer.page.wait_for_url("**/inbox")
    assert "已提交" in reviewer.page.locator(".flash.ok").inner_text()
    reviewer.check("inbox-after-agree")
    assert live_http.open_task(iid, "task_head_decision")


def test_the_task_page_with_its_evidence_panel_fits_a_375px_phone(visit, live_http):
    iid = live_http.start("enforcement_case")["id"]
    live_http.complete(iid, "task_register", c.REGISTER, "officer1")
    live_http.complete(iid, "task_recusal", c.RECUSAL_NONE, "officer1")
    tab = visit("phone", width=375, height=740)
    tab.login("officer1")
    _open_task(tab, live_http.open_task(iid, "task_record_start")["id"])
    assert tab.page.locator("#evidence-panel").is_visible()
    assert _field(tab, "执法证号").is_visible()
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways: {width}px"
    tab.check("record-start-375")
