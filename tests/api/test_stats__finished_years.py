"""Statistics are for finished years (docs/DOMAIN.md §1.3: the annual report is published by 31 January for the
year that has ended): a running year shows provisional figures, is never published and never public."""
from __future__ import annotations

from api.extensions import db
from api.models import AnnualReport
from tests.api.helpers import beijing


def test_running_year_report_is_refused_until_the_year_ends__DOMAIN_1_annual(http, pin):
    pin(beijing(2019, 12, 31, 23, 59, 30))  # last minute of 2019 in Beijing (15:59 UTC)
    resp = http.call("POST", "/api/v1/statistics/2019/publish", "head1")
    assert resp.status_code == 403, resp.get_json()
    body = resp.get_json()
    assert body["errors"]["rule"] == "statistics_year_not_finished"
    assert "2019" in body["message"] and "2020-01-01" in body["message"]
    assert http.call("GET", "/api/v1/public/statistics/2019").status_code == 404
    assert 2019 not in {y["year"] for y in http.call("GET", "/api/v1/public/statistics").get_json()}
    pin(beijing(2020, 1, 1, 0, 0, 30))  # the year has ended in Beijing (still 2019 in UTC)
    resp = http.call("POST", "/api/v1/statistics/2019/publish", "admin")
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["content"]["provisional"] is False
    public = http.call("GET", "/api/v1/public/statistics/2019")
    assert public.status_code == 200 and public.get_json()["version"] == resp.get_json()["version"]


def test_running_year_figures_are_marked_provisional__DOMAIN_1_annual(http, pin):
    pin(beijing(2018, 6, 30, 12))
    running = http.call("GET", "/api/v1/statistics/2018", "auditor1").get_json()
    assert running["provisional"] is True
    assert "2018-12-31" in running["provisional_note"]
    finished = http.call("GET", "/api/v1/statistics/2017", "auditor1").get_json()
    assert finished["provisional"] is False and finished["provisional_note"] is None


def test_report_generated_before_year_end_is_never_public__DOMAIN_1_annual(app, http, pin):
    """A premature report stored earlier (e.g. by an older version) is not shown, even after the year ends."""
    early = beijing(2016, 7, 1, 9)
    with app.app_context():
        db.session.add(AnnualReport(year=2016, version=1, content={"year": 2016}, generated_at=early,
                                    generated_by="head1", published_at=early))
        db.session.commit()
    pin(beijing(2016, 7, 2, 9))
    assert http.call("GET", "/api/v1/public/statistics/2016").status_code == 404
    pin(beijing(2017, 2, 1, 9))
    assert http.call("GET", "/api/v1/public/statistics/2016").status_code == 404
    assert 2016 not in {y["year"] for y in http.call("GET", "/api/v1/public/statistics").get_json()}
    resp = http.call("POST", "/api/v1/statistics/2016/publish", "head1")
    assert resp.status_code == 201 and resp.get_json()["version"] == 2
    public = http.call("GET", "/api/v1/public/statistics/2016")
    assert public.status_code == 200 and public.get_json()["version"] == 2


def test_finished_year_figures_are_as_of_its_end_whenever_republished__DOMAIN_1_annual(http, pin):
    """A task of 2026 due 2027-01-05 was not overdue when 2026 ended: the 2026 report says so in January and in
    March; a case that ends in 2027 was running at the end of 2026."""
    from tests.api.test_calendar__unknown_years_flagged_and_loaded import _probe

    pid = _probe(http, 5)
    pin(beijing(2026, 12, 28, 10))
    http.start(pid)
    pin(beijing(2027, 1, 1, 0, 5))
    first = http.call("POST", "/api/v1/statistics/2026/publish", "head1")
    assert first.status_code == 201, first.get_json()
    pin(beijing(2027, 3, 1, 10))
    again = http.call("POST", "/api/v1/statistics/2026/publish", "head1")
    assert again.status_code == 201, again.get_json()
    a, b = first.get_json()["content"], again.get_json()["content"]
    assert a["overdue"] == b["overdue"]
    assert a["cases"] == b["cases"]
    assert a["as_of"] == b["as_of"] == "2026-12-31T16:00:00+00:00"
    assert http.call("GET", "/api/v1/public/statistics/2026").get_json()["content"]["overdue"] == a["overdue"]
