"""执法双公示 (seed 二(二), docs/DOMAIN.md §6): permit and penalty decisions reported to the credit-information
platform by the publication deadline (7 working days), as records its importer reads, with the deadline tracked."""
from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar
from sqlalchemy import select, text

from api.extensions import db
from api.models import CreditReport, Event
from engine import clock
from tests.api.disclosure_support import decided, published, release
from tests.api.export_support import csv_rows, errors_of, unzip, validator
from tests.api.test_public__disclosures import published as publish_probe
from tests.api.test_races__one_winner_never_500 import live, race  # noqa: F401 - live is a fixture

USCC = "91130528MA0A1B2C3D"


def _working_days_after(start: date, n: int) -> date:
    """An independent count on the holiday package (no 调休 override is set in the tests)."""
    day = start
    while n:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day):
            n -= 1
    return day


def _period(day: date | None = None) -> dict[str, str]:
    day = day or clock.today()
    return {"from": day.isoformat(), "to": day.isoformat()}


def _tracking(http, user: str = "publicity1", **params) -> dict:
    resp = http.call("GET", "/api/v1/exports/credit", user, query_string={**_period(), **params})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _item(http, case_id: int, user: str = "publicity1", **params) -> dict | None:
    found = [i for i in _tracking(http, user, **params)["items"] if i["case_id"] == case_id]
    assert len(found) <= 1
    return found[0] if found else None


def _report(http, user: str = "publicity1", period: dict | None = None):
    return http.call("POST", "/api/v1/exports/credit", user, json=period or _period())


def _case_of(app, disclosure_id: int) -> int:
    from api.models import Disclosure

    with app.app_context():
        return db.session.get(Disclosure, disclosure_id).instance_id


def test_a_published_penalty_is_due_seven_working_days_after_the_decision_and_reported_once__seed_2_2(app, http):
    item = published(http, party_name="张三", party_id_number="130528198001011234")
    iid = _case_of(app, item["id"])
    tracked = _item(http, iid)
    decision = date.fromisoformat(item["decision_date"])
    assert tracked["due_date"] == _working_days_after(decision, 7).isoformat()
    assert (tracked["status"], tracked["published"], tracked["reported_at"]) == ("pending", True, None)
    resp = _report(http)
    assert resp.status_code == 201 and resp.mimetype == "application/zip"
    files = unzip(resp.get_data())
    assert set(files) == {"credit.json", "credit.csv", "credit.schema.json"}
    body = json.loads(files["credit.json"])
    assert errors_of(validator("credit.schema.json"), body) == []
    records = [r for r in body["records"] if r["case_id"] == iid]
    assert len(records) == 1
    record = records[0]
    assert record["record_type"] == "行政处罚" and record["decision_number"] == item["decision_number"]
    assert record["party_name"] == "张某" and record["party_category"] == "自然人"
    assert record["id_number"] and "130528198001011234" not in record["id_number"]  # masked as publication masks
    assert record["credit_code"] is None and record["agency"] == "宁晋县民族宗教事务局"
    assert record["category"] == "警告" and record["penalty_kind"] == "warning"
    assert record["decision_date"] == item["decision_date"] and record["due_date"] == tracked["due_date"]
    assert "130528198001011234" not in b"".join(files.values()).decode("utf-8")
    header, rows = csv_rows(files["credit.csv"])
    assert header == list(validator("credit.schema.json").schema["$defs"]["record"]["properties"])
    assert [int(r["case_id"]) for r in rows] == [r["case_id"] for r in body["records"]]
    after = _item(http, iid)
    assert after["status"] == "reported" and after["reported_by"] == "publicity1"
    assert int(resp.headers["X-Reported-Count"]) == len(body["records"])
    # reported once: the next batch does not carry it again
    again = json.loads(unzip(_report(http).get_data())["credit.json"])
    assert iid not in [r["case_id"] for r in again["records"]]
    with app.app_context():
        assert db.session.scalar(select(CreditReport).where(CreditReport.instance_id == iid)).record == record
        batch = db.session.scalars(select(Event).where(Event.stream == "exports", Event.type == "credit_reported")
                                   .order_by(Event.seq.desc())).all()
        assert any(iid in e.data["cases"] and e.actor == "publicity1" for e in batch)


def test_an_organisation_is_reported_with_its_credit_code_and_a_permit_as_a_permit(app, http):
    item = published(http, party_type="organisation", party_name="某某寺管理委员会", party_id_number=USCC)
    iid = _case_of(app, item["id"])
    body = json.loads(unzip(_report(http).get_data())["credit.json"])
    record = next(r for r in body["records"] if r["case_id"] == iid)
    assert (record["party_name"], record["party_category"], record["credit_code"], record["id_number"]) == \
        ("某某寺管理委员会", "法人及非法人组织", USCC, None)
    # a permit's publication as the publish step makes it (the permit process's own walk is longer)
    permit = publish_probe(app, http, act_type="permit", decision="approve", decision_date=clock.today().isoformat())
    body = json.loads(unzip(_report(http).get_data())["credit.json"])
    record = next(r for r in body["records"] if r["case_id"] == _case_of(app, permit["id"]))
    assert (record["record_type"], record["category"], record["valid_from"], record["penalty_kind"]) == \
        ("行政许可", "准予行政许可", permit["decision_date"], None)
    assert errors_of(validator("credit.schema.json"), body) == []


def test_an_unreported_decision_becomes_overdue_and_a_late_report_is_counted_late(app, http, pin):
    iid, data = decided(http)  # decided, not yet published: due all the same
    decision = date.fromisoformat(data["decision_date"])
    waiting = _item(http, iid)
    assert (waiting["status"], waiting["published"]) == ("pending", False)
    nothing = json.loads(unzip(_report(http).get_data())["credit.json"])
    assert iid not in [r["case_id"] for r in nothing["records"]]  # nothing to send before it is published
    release(http, iid)
    due = _working_days_after(decision, 7)
    later = datetime.combine(due + timedelta(days=1), time(10), clock.BEIJING)
    pin(later)
    period = {"from": decision.isoformat(), "to": (due + timedelta(days=1)).isoformat()}
    assert _item(http, iid, **period)["status"] == "overdue"
    year = decision.year
    before = http.call("GET", f"/api/v1/statistics/{year}", "auditor1").get_json()["credit_reports"]
    assert _report(http, period=period).status_code == 201
    assert _item(http, iid, **period)["status"] == "reported_late"
    after = http.call("GET", f"/api/v1/statistics/{year}", "auditor1").get_json()["credit_reports"]
    assert after["reported_late"] == before["reported_late"] + 1 and after["overdue"] == before["overdue"] - 1
    assert after["due"] == before["due"]


def test_a_minor_partys_decision_is_withheld_not_overdue__OGI_15(app, http):
    iid, _ = decided(http, party_id_number=f"130528{date.today().year - 10}01011234")
    assert _item(http, iid)["status"] == "withheld"
    body = json.loads(unzip(_report(http).get_data())["credit.json"])
    assert iid not in [r["case_id"] for r in body["records"]]


def test_only_the_bureau_and_its_supervisors_see_its_decisions_and_only_publicity_reports(app, http):
    item = published(http)
    iid = _case_of(app, item["id"])
    assert _item(http, iid, "auditor1") is not None
    assert _item(http, iid, "supervisor1", org="nj-mzj") is not None
    assert _item(http, iid, "head3") is None  # another bureau's head sees its own bureau's only
    assert http.call("GET", "/api/v1/exports/credit", "head3",
                     query_string={**_period(), "org": "nj-mzj"}).status_code == 404
    assert _report(http, "auditor1").status_code == 403
    assert _report(http, "officer1").status_code == 403
    assert _report(http, "supervisor1").status_code == 403
    other = json.loads(unzip(_report(http, "head3").get_data())["credit.json"])
    assert iid not in [r["case_id"] for r in other["records"]]
    assert _item(http, iid)["status"] == "pending"  # another bureau's batch did not report it


def test_reports_are_append_only(app, http):
    item = published(http)
    iid = _case_of(app, item["id"])
    assert _report(http).status_code == 201
    with app.app_context():
        for statement in ("UPDATE credit_reports SET reported_by = 'x' WHERE instance_id = :i",
                          "DELETE FROM credit_reports WHERE instance_id = :i"):
            try:
                db.session.execute(text(statement), {"i": iid})
                db.session.commit()
                raised = False
            except Exception:  # noqa: BLE001 - the database refuses it (trigger)
                db.session.rollback()
                raised = True
            assert raised, statement
        row = db.session.scalar(select(CreditReport).where(CreditReport.instance_id == iid))
        assert row.reported_by == "publicity1" and row.reported_at.tzinfo is not None
        assert row.reported_at <= datetime.now(UTC)


def test_racing_batches_report_each_decision_once_and_racing_exports_all_succeed(app, http, live):  # noqa: F811
    item = published(http)
    iid = _case_of(app, item["id"])
    period = _period()
    answers = race(live, http, [(user, "POST", "/api/v1/exports/credit", {"json": period})
                                for user in ("publicity1", "head1", "admin")])
    assert all(status in (201, 409) for status, _ in answers), [s for s, _ in answers]
    sent = [r["case_id"] for status, body in answers if status == 201
            for r in json.loads(unzip(body)["credit.json"])["records"]]
    assert sent.count(iid) == 1
    with app.app_context():
        assert len(db.session.scalars(select(CreditReport).where(CreditReport.instance_id == iid)).all()) == 1
    exports = race(live, http, [(user, "GET", "/api/v1/exports/supervision", {"params": period})
                                for user in ("auditor1", "auditor1", "supervisor1", "supervisor1")])
    assert [status for status, _ in exports] == [200] * 4


def test_the_supervision_dashboard_shows_the_report_status_as_the_statistics_count_it(app, http):
    from tests.api.helpers import web_login

    published(http)
    client = app.test_client()
    assert web_login(client, "auditor1").status_code == 302
    page = client.get("/dashboard").get_data(as_text=True)
    shown = dict(re.findall(r'<tr data-credit="(\w+)"><th scope="row">[^<]*</th><td class="num">(\d+)</td>', page))
    year = clock.today().year
    figures = http.call("GET", f"/api/v1/statistics/{year}", "auditor1").get_json()["credit_reports"]
    assert shown and {k: int(v) for k, v in shown.items()} == {k: figures[k] for k in shown}
    assert int(shown["pending"]) >= 1 and "执法双公示" in page
    english = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Double publicity (credit platform reports)" in english and "Reported in time" in english
