"""The public portal in a browser (no login): a visitor searches, opens a decision, files a correction request and
reads its reference number (OGI 41); a withdrawn decision shows its reason (APL 48); the annual statistics draw
their charts beside tables; the portal works at 375 px without sideways scrolling. The decisions are made and
published through the JSON API first (the shipped disclosure process, as tests/api/test_public__* do)."""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest

from engine import clock
from tests.api.disclosure_support import published
from tests.api.walk import today
from tests.conftest import Api

REFERENCE = re.compile(r"^JC\d{8}-\d{6}$")


class LiveApi(Api):
    """The JSON API of the browser tests' app (bearer tokens of its own database, not the api tests' ones)."""

    def __init__(self, client) -> None:
        super().__init__(client)
        self._tokens: dict[str, str] = {}

    def complete(self, instance_id: int, element_id: str, data: dict, as_user: str, expect: int = 200):
        """As Api.complete; a completion refused only because the sandbox's wall clock ran out (the first
        sandboxed run of a session on a busy machine starts the pool) is rolled back, and is tried again."""
        for _ in range(3):
            task = self.open_task(instance_id, element_id)
            resp = self.call("POST", f"/api/v1/tasks/{task['id']}/complete", as_user, json={"data": data})
            if not (resp.status_code == 422 and "time limit" in (resp.get_json() or {}).get("message", "")):
                break
        assert resp.status_code == expect, resp.get_json()
        return resp.get_json()


@pytest.fixture
def api(live_app) -> LiveApi:
    return LiveApi(live_app.test_client())


def _no_sideways_scroll(tab) -> None:
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways: {width}px"


def _withdrawn(api: LiveApi, item: dict, reason: str) -> None:
    """The bureau withdraws a published decision (APL 48): started by the publicity officer, then decided."""
    started = api.call("POST", f"/api/v1/disclosures/{item['id']}/withdrawals", "publicity1", json={
        "withdraw_basis": "revoked", "event_kind": "reconsideration", "event_date": today(), "reason": reason})
    assert started.status_code == 201, started.get_json()
    api.complete(started.get_json()["case_id"], "task_correction_review",
                 {"correction_outcome": "withdraw", "withdraw_basis": "revoked", "correction_reason": reason},
                 "publicity1")
    assert api.call("GET", f"/api/v1/public/disclosures/{item['id']}").get_json()["status"] == "withdrawn"


def test_a_visitor_searches_opens_a_decision_and_gets_a_correction_reference__OGI_41(visit, api):
    token = uuid.uuid4().hex[:8]
    item = published(api, case_title=f"浏览器公示案{token}", party_type="organisation", party_name="某宗教活动场所")
    tab = visit("visitor")
    tab.goto("/public")
    assert tab.page.locator("html").get_attribute("lang") == "zh-CN"
    tab.check("search")
    tab.page.fill("#q", token)
    tab.page.select_option("#category", "penalty")
    tab.page.select_option("#org", "nj-mzj")
    tab.page.click("form[role=search] button[type=submit]")
    tab.page.wait_for_load_state("networkidle")
    results = tab.page.locator("article.public-result")
    assert results.count() == 1 and f"浏览器公示案{token}" in results.inner_text()
    tab.check("results")
    tab.page.click(f"article#d{item['id']} h3 a")
    tab.page.wait_for_load_state("networkidle")
    assert tab.page.url.endswith(f"/public/decisions/{item['id']}")
    assert tab.page.inner_text("#decision-category") == "行政处罚"
    assert tab.page.inner_text("#decision-agency") == "宁晋县民族宗教事务局"
    beijing_day = datetime.fromisoformat(item["published_at"]).astimezone(clock.BEIJING).date().isoformat()
    assert tab.page.inner_text("#published-on") == beijing_day
    assert item["masked_text"].strip() == tab.page.inner_text("#masked-text").strip()
    tab.check("decision")
    tab.page.click("#correction-send")  # empty: the page's own messages, in Chinese
    assert "联系方式" in tab.page.inner_text("#correction-contact-error")
    assert tab.page.get_attribute("#correction-contact", "aria-invalid") == "true"
    tab.check("correction-errors")
    tab.page.fill("#correction-contact", "13900000000")
    tab.page.fill("#correction-reason", "公示的决定书文号与送达的决定书不一致，请核实更正。")
    tab.page.click("#correction-send")
    reference = tab.page.locator("#correction-reference")
    reference.wait_for()
    assert REFERENCE.match(reference.inner_text()), reference.inner_text()
    assert "受理编号" in tab.page.inner_text("#correction-result")
    tab.check("correction-sent")


def test_correction_errors_are_in_the_pages_language__OGI_41(visit, api):
    item = published(api)
    tab = visit("visitor-en")
    tab.goto(f"/public/decisions/{item['id']}?lang=en")
    assert tab.page.locator("html").get_attribute("lang") == "en"
    tab.page.fill("#correction-contact", "13900000000")
    tab.page.fill("#correction-reason", "abc")
    tab.page.click("#correction-send")
    assert tab.page.inner_text("#correction-reason-error") == "Give the reason (5 to 5000 characters)"
    _withdrawn(api, item, "行政复议机关撤销了该决定。")  # withdrawn meanwhile: the API answers 409
    tab.page.fill("#correction-reason", "The decision number is wrong.")
    tab.page.click("#correction-send")
    error = tab.page.locator("#correction-error")
    error.wait_for()
    assert "withdrawn or corrected" in error.inner_text()
    tab.check("correction-refused-en")


def test_a_withdrawn_decision_shows_its_reason_and_date__APL_48(visit, api):
    token = uuid.uuid4().hex[:8]
    item = published(api, case_title=f"撤回浏览器案{token}")
    reason = f"行政复议机关撤销了该处罚决定{token}。"
    _withdrawn(api, item, reason)
    withdrawal = api.call("GET", f"/api/v1/public/disclosures/{item['id']}").get_json()["withdrawal"]
    tab = visit("visitor-withdrawn")
    tab.goto(f"/public?q={token}&status=withdrawn")
    card = tab.page.locator(f"article#d{item['id']}")
    assert "已撤回" in card.inner_text() and reason in card.inner_text()
    tab.check("withdrawn-in-search")
    tab.goto(f"/public/decisions/{item['id']}")
    assert tab.page.inner_text("#decision-status") == "已撤回"
    assert tab.page.inner_text("#withdrawal-reason") == reason
    withdrawn_on = datetime.fromisoformat(withdrawal["withdrawn_at"]).astimezone(clock.BEIJING).date().isoformat()
    assert tab.page.inner_text("#withdrawn-on") == withdrawn_on
    assert "行政复议决定" in tab.page.inner_text("#withdrawal")
    assert tab.page.locator("#correction-form").count() == 0 and tab.page.locator("#correction-closed").is_visible()
    tab.check("withdrawn-decision")


def test_the_statistics_page_draws_every_chart_with_its_table__DOMAIN_1_annual(visit, api, monkeypatch):
    year = clock.today().year
    published(api)  # this year has at least one published penalty
    jan2 = datetime(year + 1, 1, 2, 10, tzinfo=clock.BEIJING).astimezone(UTC)
    monkeypatch.setattr(clock, "now", lambda: jan2)  # the year is over (the served app reads the same clock)
    for report_year in (year, year - 1):
        resp = api.call("POST", f"/api/v1/statistics/{report_year}/publish", "head1")
        assert resp.status_code == 201, resp.get_json()
    content = api.call("GET", f"/api/v1/public/statistics/{year}?org=nj-mzj").get_json()["content"]
    tab = visit("visitor-stats")
    tab.goto(f"/public/statistics?org=nj-mzj&year={year}")
    canvases = tab.page.locator("canvas[role=img]")
    assert canvases.count() == 5
    tab.page.wait_for_function("[...document.querySelectorAll('canvas[role=img]')].every(c => c.dataset.drawn)")
    for i in range(canvases.count()):
        canvas = canvases.nth(i)
        assert canvas.get_attribute("aria-label")
        painted = canvas.evaluate("""c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                                            for (let i = 3; i < d.length; i += 4) if (d[i]) return true; return false; }""")
        assert painted, f"chart {canvas.get_attribute('id')} is blank"
    row = tab.page.locator("#chart-disclosures-table tr", has_text="行政处罚").locator("td")
    assert int(row.inner_text()) == content["disclosures"]["by_category"]["penalty"] >= 1
    tab.check("statistics")
    tab.page.select_option("#year", str(year - 1))
    tab.page.click("form.public-search button[type=submit]")
    tab.page.wait_for_load_state("networkidle")
    assert f"year={year - 1}" in tab.page.url and str(year - 1) in tab.page.inner_text("#report-title")
    tab.page.wait_for_function("[...document.querySelectorAll('canvas[role=img]')].every(c => c.dataset.drawn)")
    tab.check("statistics-previous-year")


def test_the_portal_at_375px_has_no_sideways_scroll(visit, api):
    token = uuid.uuid4().hex[:8]
    item = published(api, case_title=f"手机公示案{token}")
    tab = visit("phone", width=375, height=740)
    tab.goto("/public")
    assert tab.page.locator("#q").bounding_box()["width"] <= 375
    _no_sideways_scroll(tab)
    tab.check("search-375")
    tab.page.fill("#q", token)
    tab.page.click("form[role=search] button[type=submit]")
    tab.page.wait_for_load_state("networkidle")
    assert tab.page.locator("article.public-result").count() == 1
    _no_sideways_scroll(tab)
    tab.check("results-375")
    tab.page.click(f"article#d{item['id']} h3 a")
    tab.page.wait_for_load_state("networkidle")
    assert tab.page.locator("#correction-form").is_visible()
    _no_sideways_scroll(tab)
    tab.check("decision-375")
    for path in ("/public/powers", "/public/officers", "/public/statistics"):
        tab.goto(path)
        _no_sideways_scroll(tab)
        tab.check(path.rsplit("/", 1)[-1] + "-375")


def test_powers_and_officers_pages_show_names_and_certificates_not_logins(visit):
    tab = visit("visitor-lists")
    tab.goto("/public/officers")
    text = tab.page.inner_text("main")
    assert "HB-NJ-2024-0001" in text and "officer1" not in tab.page.content()
    tab.check("officers")
    tab.goto("/public/powers?lang=en")
    assert tab.page.locator("table.stack tbody tr").count() >= 1
    assert "Powers and duties" in tab.page.inner_text("h1")
    tab.check("powers-en")
    tab.goto("/public/officers?lang=zh")
