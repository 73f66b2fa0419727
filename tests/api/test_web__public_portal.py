"""The public portal's pages (no login, docs/API.md "Web pages"): a page per published decision with its labels and
Beijing dates, a withdrawn one still reachable with its withdrawal, the correction form only where a request is
possible, and the annual statistics as charts with the same figures as tables (OGI 15, OGI 41, APL 48)."""
from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

from api.services import disclosures as service
from engine import clock
from tests.api.test_public__disclosures import further, in_app, published

CODES = ("penalty", "permit", "revoked", "reconsideration", "published", "withdrawn", "superseded", "True", "None")


def _visible(html: str) -> str:
    """The text a visitor reads: no scripts, styles, tags or attributes."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _page_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    assert found, "no page data"
    return json.loads(found.group(1))


def test_a_decision_has_its_own_page_with_labels_and_beijing_dates__OGI_15(app, http, client):
    token = uuid.uuid4().hex[:8]
    item = published(app, http, case_title=f"单页案{token}", act_type="permit")
    page = client.get(f"/public/decisions/{item['id']}?lang=zh")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = _visible(html)
    assert f"单页案{token}" in text and item["masked_text"] in text
    assert "行政许可" in text and "宁晋县民族宗教事务局" in text and "公示中" in text
    published_on = datetime.fromisoformat(item["published_at"]).astimezone(clock.BEIJING).date().isoformat()
    assert published_on in text and item["published_at"] not in html  # Beijing date, never the UTC timestamp
    assert not [code for code in CODES if re.search(rf"(?<![\w-]){code}(?![\w-])", text)], text
    assert 'id="correction-form"' in html and _page_data(html)["disclosure_id"] == item["id"]
    english = _visible(client.get(f"/public/decisions/{item['id']}?lang=en").get_data(as_text=True))
    assert "Permit" in english and "Request a correction" in english and "行政许可" not in english
    client.get("/public?lang=zh")


def test_the_search_links_each_result_to_its_page(app, http, client):
    token = uuid.uuid4().hex[:8]
    item = published(app, http, case_title=f"链接案{token}")
    html = client.get(f"/public?q={token}").get_data(as_text=True)
    assert f'href="/public/decisions/{item["id"]}"' in html
    assert 'role="search"' in html and 'for="q"' in html and 'for="org"' in html  # text, bureau, category, date
    reversed_range = client.get(f"/public?q={token}&date_from=2026-02-01&date_to=2026-01-01").get_data(as_text=True)
    assert "YYYY-MM-DD" in reversed_range


def test_a_withdrawn_decision_stays_reachable_with_its_reason_and_no_correction_form__APL_48(app, http, client):
    token = uuid.uuid4().hex[:8]
    item = published(app, http, case_title=f"撤回页{token}")
    in_app(app, service.withdraw, item["id"], f"行政复议撤销{token}", "revoked", "publicity1", None)
    withdrawal = http.call("GET", f"/api/v1/public/disclosures/{item['id']}").get_json()["withdrawal"]
    page = client.get(f"/public/decisions/{item['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = _visible(html)
    assert "已撤回" in text and f"行政复议撤销{token}" in text and "决定已撤销" in text
    withdrawn_on = datetime.fromisoformat(withdrawal["withdrawn_at"]).astimezone(clock.BEIJING).date().isoformat()
    assert re.search(rf'id="withdrawn-on">{withdrawn_on}<', html)
    assert 'id="correction-form"' not in html and 'id="correction-closed"' in html


def test_a_corrected_decision_links_both_ways__OGI_41(app, http, client):
    item = published(app, http)
    new_id = in_app(app, service.correct, item["id"], further(item["masked_text"]), "文号有误。", "publicity1", None)
    old = client.get(f"/public/decisions/{item['id']}").get_data(as_text=True)
    assert f'href="/public/decisions/{new_id}"' in old and "已更正" in _visible(old)
    new = client.get(f"/public/decisions/{new_id}").get_data(as_text=True)
    assert f'href="/public/decisions/{item["id"]}"' in new and "文号有误。" in new


def test_an_unknown_decision_is_a_404_page_not_json(client):
    resp = client.get("/public/decisions/999999999")
    assert resp.status_code == 404 and resp.mimetype == "text/html"


def test_statistics_page_shows_each_chart_with_its_table__DOMAIN_1_annual(app, http, client, monkeypatch):
    year = clock.today().year
    published(app, http, act_type="penalty")  # at least one decision in the year's figures
    jan2 = datetime(year + 1, 1, 2, 10, tzinfo=clock.BEIJING).astimezone(UTC)
    monkeypatch.setattr(clock, "now", lambda: jan2)  # the year is over: its report can be published and shown
    report = http.call("POST", f"/api/v1/statistics/{year}/publish", "head1")
    assert report.status_code == 201, report.get_json()
    html = client.get(f"/public/statistics?year={year}&org=nj-mzj&lang=zh").get_data(as_text=True)
    # the page shows the bureau's latest published report (another test may have published a later version)
    content = http.call("GET", f"/api/v1/public/statistics/{year}?org=nj-mzj").get_json()["content"]
    charts = {c["id"]: c for c in _page_data(html)["charts"]}
    assert set(charts) == {"chart-cases-by-act", "chart-cases-by-status", "chart-disclosures", "chart-withdrawn",
                           "chart-reviews"}
    for chart_id, chart in charts.items():  # a canvas with a name, and a table of the same figures
        assert re.search(rf'<canvas id="{chart_id}" role="img" aria-label="[^"]+"', html)
        table = re.search(rf'<table id="{chart_id}-table">(.*?)</table>', html, re.S).group(1)
        rows = re.findall(r'<th scope="row">(.*?)</th><td>(\d+)</td>', table)
        assert rows == [(name, str(value)) for name, value in zip(chart["labels"], chart["values"], strict=True)]
    published_chart = dict(zip(charts["chart-disclosures"]["labels"], charts["chart-disclosures"]["values"],
                               strict=True))
    assert published_chart["行政处罚"] == content["disclosures"]["by_category"]["penalty"] >= 1
    assert "head1" not in html  # the publisher's login name is not shown
    assert f'<option value="{year}" selected>' in html
    english = client.get(f"/public/statistics?year={year}&org=nj-mzj&lang=en").get_data(as_text=True)
    assert "Decisions published, by category" in english and "Penalty" in english
    client.get("/public?lang=zh")


def test_statistics_page_without_a_report_says_so(client):
    html = client.get("/public/statistics?year=1901").get_data(as_text=True)
    assert 'id="no-report"' in html and "<canvas" not in html
    assert client.get("/public/statistics?year=abc").status_code == 404
