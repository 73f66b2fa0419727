"""Annual enforcement statistics (docs/DOMAIN.md §1.3: published by 31 January; §4.6 supervision by the justice bureau)."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

from api.extensions import db
from api.models import AnnualReport, Instance, TaskRow
from api.services import disclosures as disclosure_service
from api.services.history import append_event, instance_stream
from api.services.stats import ensure_annual_report
from engine import clock
from tests import cases as c
from tests.api.helpers import fixture, upload
from tests.api.test_public__disclosures import PROBE_FILES, in_app, published


def _figures(http, year: int) -> dict:
    resp = http.call("GET", f"/api/v1/statistics/{year}", "auditor1")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _task(instance_id: int, state: str, due: datetime, completed: datetime | None) -> TaskRow:
    return TaskRow(spiff_task_id=str(uuid.uuid4()), instance_id=instance_id, process_id="enforcement_case",
                   element_id="task_stats_probe", name="统计探针", state=state, due_at=due, completed_at=completed,
                   completed_by="officer1" if completed else None)


def _probe_case(http, **data) -> int:
    deployed = upload(http, "/api/v1/definitions", {name: fixture(name) for name in PROBE_FILES})
    assert deployed.status_code in (200, 201), deployed.get_json()
    return http.start("case_data_probe", data)["id"]


def _count(figures: dict, *path: str) -> int:
    for key in path:
        figures = figures.get(key, {}) if isinstance(figures, dict) else {}
    return figures if isinstance(figures, int) else 0


def test_cases_by_act_type_decision_and_status__DOMAIN_4_supervision(http):
    """Keys are values of the fixed lists only: raw case data (an ID number as act type) counts as ``other``."""
    year = clock.today().year
    before = _figures(http, year)
    _probe_case(http, act_type="compulsion")
    _probe_case(http, act_type="compulsion")
    _probe_case(http, act_type="张三身份证130528198001011238", decision="手机13912345678")
    after = _figures(http, year)
    acts = ("cases", "by_act_type")
    assert _count(after, *acts, "compulsion", "started") == _count(before, *acts, "compulsion", "started") + 2
    assert (_count(after, *acts, "compulsion", "by_decision", "none")
            == _count(before, *acts, "compulsion", "by_decision", "none") + 2)
    assert _count(after, *acts, "other", "started") == _count(before, *acts, "other", "started") + 1
    body = json.dumps(after, ensure_ascii=False)
    assert "130528198001011238" not in body and "13912345678" not in body
    defs = ("cases", "by_definition", "case_data_probe")
    assert _count(after, *defs, "started") == _count(before, *defs, "started") + 3
    assert after["cases"]["started"] == before["cases"]["started"] + 3
    assert after["year"] == year and after["period"] == {"from": f"{year}-01-01", "to": f"{year}-12-31",
                                                         "timezone": "Asia/Shanghai"}


def test_legal_reviews_by_outcome__APL_58(app, http):
    """Counted from the task_completed events of the legal_reviewer role (the shape tasks.complete records)."""
    year = clock.today().year
    before = _figures(http, year)["legal_reviews"]
    iid = http.start("enforcement_case")["id"]
    with app.app_context():
        instance = db.session.get(Instance, iid)
        for outcome in ("problems", "agree"):
            append_event(instance_stream(iid), instance, "task_completed", actor="reviewer1", role="legal_reviewer",
                         element_id="task_legal_review", data={"name": "法制审核", "kind": "legal_review",
                                                               "submitted": {**c.CHECKLIST, "review_outcome": outcome}})
        append_event(instance_stream(iid), instance, "task_completed", actor="officer1", role="officer",
                     element_id="task_fix_resubmit", data={"submitted": {"review_outcome": "agree"}})
        db.session.commit()
    after = _figures(http, year)["legal_reviews"]
    assert after["total"] == before["total"] + 2
    assert after["cases"] == before["cases"] + 1
    for outcome in ("problems", "agree"):
        assert after["by_outcome"][outcome] == before["by_outcome"].get(outcome, 0) + 1


def test_overdue_tasks_and_cases__DOMAIN_4_deadlines(app, http):
    year = clock.today().year
    before = _figures(http, year)["overdue"]
    iid = http.start("enforcement_case")["id"]
    now = datetime.now(UTC)
    with app.app_context():
        db.session.add_all([
            _task(iid, "ready", now - timedelta(days=1), None),  # open past its deadline
            _task(iid, "completed", now - timedelta(days=2), now - timedelta(days=1)),  # completed late
            _task(iid, "completed", now + timedelta(days=1), now),  # completed in time
            _task(iid, "ready", now + timedelta(days=3), None),  # open, not yet due
        ])
        db.session.get(Instance, iid).due_at = now - timedelta(days=1)  # the case runs past its deadline
        db.session.commit()
    after = _figures(http, year)["overdue"]
    assert after["tasks"]["with_deadline"] == before["tasks"]["with_deadline"] + 4
    assert after["tasks"]["completed_late"] == before["tasks"]["completed_late"] + 1
    assert after["tasks"]["open_overdue"] == before["tasks"]["open_overdue"] + 1
    assert after["cases"]["running_overdue"] == before["cases"]["running_overdue"] + 1
    assert after["cases"]["with_deadline"] == before["cases"]["with_deadline"] + 1


def test_disclosures_withdrawals_and_correction_requests__APL_48_OGI_41(app, http):
    year = clock.today().year
    category = "compulsion"  # a category of the fixed list (anything else is counted as other)
    before = _figures(http, year)
    first = published(app, http, act_type=category)
    second = published(app, http, act_type=category)
    in_app(app, disclosure_service.withdraw, first["id"], "决定已撤销。", "revoked", "publicity1", None)
    corrected = second["masked_text"].replace("警告", "**")  # a correction only masks further or restores
    in_app(app, disclosure_service.correct, second["id"], corrected, "文号有误。", "publicity1", None)
    resp = http.call("POST", "/api/v1/public/corrections",
                     json={"disclosure_id": published(app, http, act_type=category)["id"], "contact": "13900000000",
                           "reason": "当事人名称有误，请更正。"})
    assert resp.status_code == 201
    after = _figures(http, year)
    assert after["disclosures"]["by_category"][category] == before["disclosures"]["by_category"].get(category, 0) + 3
    assert after["disclosures"]["published"] == before["disclosures"]["published"] + 3
    assert after["disclosures"]["corrected"] == before["disclosures"]["corrected"] + 1
    assert after["disclosures"]["withdrawn"] == before["disclosures"]["withdrawn"] + 1
    assert after["disclosures"]["withdrawn_by_category"] == {
        **before["disclosures"]["withdrawn_by_category"],
        category: before["disclosures"]["withdrawn_by_category"].get(category, 0) + 1}
    assert after["correction_requests"]["received"] == before["correction_requests"]["received"] + 1
    # the correction case carries the disclosure's act_type but is not an enforcement case of that type
    assert _count(after, "cases", "by_act_type", category, "started") == \
        _count(before, "cases", "by_act_type", category, "started") + 3
    if resp.get_json()["case_id"] is not None:
        path = ("cases", "by_definition", "disclosure_correction", "by_act_type", category, "started")
        assert _count(after, *path) == _count(before, *path) + 1
        assert after["correction_requests"]["cases_started"] == before["correction_requests"]["cases_started"] + 1


def test_live_figures_need_a_supervising_role_and_a_real_year(http):
    year = clock.today().year
    assert http.call("GET", f"/api/v1/statistics/{year}", "head1").status_code == 200
    assert http.call("GET", f"/api/v1/statistics/{year}", "admin").status_code == 200
    assert http.call("GET", f"/api/v1/statistics/{year}", "officer1").status_code == 403
    assert http.call("GET", f"/api/v1/statistics/{year}").status_code == 401
    assert http.call("GET", "/api/v1/statistics/1999", "auditor1").status_code == 422
    assert http.call("GET", f"/api/v1/statistics/{year + 1}", "auditor1").status_code == 422


def test_published_report_is_public_and_versioned__DOMAIN_1_annual(http):
    year = 2012  # a finished year (a running year is refused: test_stats__finished_years.py)
    first = http.call("POST", f"/api/v1/statistics/{year}/publish", "head1")
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["year"] == year and body["generated_by"] == "head1" and body["published_at"]
    assert set(body["content"]) >= {"cases", "legal_reviews", "overdue", "disclosures", "correction_requests"}
    public = http.call("GET", f"/api/v1/public/statistics/{year}")
    assert public.status_code == 200 and public.get_json()["version"] == body["version"]
    again = http.call("POST", f"/api/v1/statistics/{year}/publish", "admin").get_json()
    assert again["version"] == body["version"] + 1
    assert http.call("GET", f"/api/v1/public/statistics/{year}").get_json()["version"] == again["version"]
    years = {y["year"]: y["version"] for y in http.call("GET", "/api/v1/public/statistics").get_json()}
    assert years[year] == again["version"]


def test_only_head_or_admin_publish_and_unpublished_year_is_404(http):
    year = clock.today().year - 1
    for user in ("auditor1", "officer1"):
        resp = http.call("POST", f"/api/v1/statistics/{year}/publish", user)
        assert resp.status_code == 403 and resp.get_json()["errors"]["rule"] == "role"
    assert http.call("POST", f"/api/v1/statistics/{year + 2}/publish", "head1").status_code == 422
    assert http.call("GET", "/api/v1/public/statistics/2001").status_code == 404


def test_previous_year_report_is_generated_once_from_1_january__DOMAIN_1_annual(app, http):
    with app.app_context():
        report = ensure_annual_report(date(2011, 1, 1))
        db.session.commit()
        assert report is not None
        assert (report.year, report.version, report.generated_by) == (2010, 1, "system")
        assert report.published_at is not None and report.content["cases"]["started"] == 0
        assert ensure_annual_report(date(2011, 1, 31)) is None
        assert ensure_annual_report(date(2011, 12, 31)) is None
        assert db.session.query(AnnualReport).filter_by(year=2010).count() == 1
    public = http.call("GET", "/api/v1/public/statistics/2010")
    assert public.status_code == 200 and public.get_json()["year"] == 2010
    assert "generated_by" not in public.get_json()  # a login name is never on a public answer
