"""The export for the supervising justice bureau (行政执法监督, docs/DOMAIN.md §4.6): JSON Lines and CSV per period,
valid against docs/export/supervision.schema.json, scoped to the bureau, masked as published, and itself recorded."""
from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from api.extensions import db
from api.models import Event, Instance, TaskRow
from api.services.history import append_event, instance_stream
from api.services.supervision_export import FIELDS, FILES
from engine import clock
from tests import cases as c
from tests.api.disclosure_support import decided, published
from tests.api.export_support import csv_rows, errors_of, jsonl, schema, unzip, validator
from tests.api.helpers import fixture, upload
from tests.api.orgs_support import make_user

PROBE_FILES = ("case_data_probe.bpmn", "fixture_note.form")
RAW_ID = "130528198001011234"


def _export(http, user: str = "auditor1", **params):
    today = clock.today().isoformat()
    query = {"from": today, "to": today, **params}
    return http.call("GET", "/api/v1/exports/supervision", user, query_string=query)


def _files(http, user: str = "auditor1", **params) -> dict[str, bytes]:
    resp = _export(http, user, **params)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "application/zip"
    return unzip(resp.get_data())


def _probe(http, as_user: str = "officer1", **data) -> int:
    deployed = upload(http, "/api/v1/definitions", {name: fixture(name) for name in PROBE_FILES})
    assert deployed.status_code in (200, 201), deployed.get_json()
    token = uuid.uuid4().hex[:8]
    base = {"case_title": f"监督导出测试{token}", "act_type": "penalty", "party_type": "person",
            "party_name": "李四", "party_id_number": RAW_ID}
    return http.start("case_data_probe", {**base, **data}, as_user=as_user)["id"]


def _case_ids(files: dict[str, bytes]) -> set[int]:
    return {r["case_id"] for r in jsonl(files, "cases")}


def _exports_events(app) -> list[Event]:
    with app.app_context():
        return list(db.session.scalars(select(Event).where(Event.stream == "exports").order_by(Event.seq)))


def test_every_record_and_the_manifest_are_valid_against_the_schema__DOMAIN_4_supervision(app, http):
    """A decided, reviewed and published case: each JSON Lines record validates, each CSV has the schema's columns
    in order and the same rows, the manifest's sha256 match the files."""
    item = published(http)
    iid = next(iter(_case_ids_for(app, item["decision_number"])))
    with app.app_context():
        instance = db.session.get(Instance, iid)
        append_event(instance_stream(iid), instance, "task_completed", actor="reviewer1", role="legal_reviewer",
                     element_id="task_legal_review", data={"name": "法制审核", "kind": "legal_review",
                                                           "submitted": {**c.CHECKLIST, "review_outcome": "agree"}})
        db.session.commit()
    files = _files(http)
    record = validator("supervision.schema.json")
    for kind, stem in FILES.items():
        rows = jsonl(files, stem)
        for row in rows:
            assert row["kind"] == kind
            assert errors_of(record, row) == [], (kind, row)
        header, cells = csv_rows(files[f"csv/{stem}.csv"])
        assert header == list(schema("supervision.schema.json")["$defs"][kind]["properties"]) == list(FIELDS[kind])
        assert [cell["case_id"] if "case_id" in cell else cell["metric"] for cell in cells] == \
            [str(row["case_id"]) if "case_id" in row else row["metric"] for row in rows]
    manifest = json.loads(files["manifest.json"])
    assert errors_of(validator("supervision.schema.json", "manifest"), manifest) == []
    assert manifest["org"] == "nj-mzj" and manifest["exported_by"] == "auditor1"
    assert manifest["counts"] == {kind: len(jsonl(files, stem)) for kind, stem in FILES.items()}
    assert manifest["files"] == {path: hashlib.sha256(content).hexdigest()
                                 for path, content in files.items() if path != "manifest.json"}
    # the decided case is there with its decision, review, publication and credit record
    assert iid in _case_ids(files)
    decisions = [r for r in jsonl(files, "decisions") if r["case_id"] == iid]
    assert [d["decision"] for d in decisions] == ["approve"] and decisions[0]["decided_by"] == "head1"
    with app.app_context():  # the recipient can check the decision against the case's hash chain
        event = db.session.scalar(select(Event).where(Event.stream == instance_stream(iid),
                                                      Event.seq == decisions[0]["event_seq"]))
        assert event.hash == decisions[0]["event_hash"] and event.role == "head"
    assert [r["outcome"] for r in jsonl(files, "reviews") if r["case_id"] == iid] == ["agree"]
    disclosure = [r for r in jsonl(files, "disclosures") if r["case_id"] == iid]
    assert [(d["disclosure_id"], d["status"], d["published_on_time"]) for d in disclosure] == \
        [(item["id"], "published", True)]
    assert [r["status"] for r in jsonl(files, "credit_records") if r["case_id"] == iid] == ["pending"]
    year = clock.today().year
    figures = http.call("GET", f"/api/v1/statistics/{year}", "auditor1").get_json()
    stats = {r["metric"]: r["value"] for r in jsonl(files, "statistics") if r["year"] == year}
    assert stats["cases.started"] == figures["cases"]["started"]
    assert stats["disclosures.published"] == figures["disclosures"]["published"]


def _case_ids_for(app, decision_number: str) -> set[int]:
    with app.app_context():
        return {i.id for i in db.session.scalars(select(Instance).where(
            Instance.data["decision_number"].as_string() == decision_number))}


def test_no_id_number_and_only_the_published_party_leave_the_bureau__OGI_15_PIPL_28(app, http):
    iid = _probe(http, party_name="王五", party_id_number=RAW_ID, case_title="王五身份证130528198001011234案",
                 decision_number="宁民宗罚〔2026〕电话13912345678号")
    files = _files(http)
    every = b"".join(files.values()).decode("utf-8")
    assert RAW_ID not in every and "13912345678" not in every and "王五" not in every
    case = [r for r in jsonl(files, "cases") if r["case_id"] == iid]
    assert len(case) == 1 and case[0]["party"] == "王某" and case[0]["party_type"] == "person"
    assert case[0]["title"].startswith("王某")


def test_another_bureau_never_appears_and_the_justice_bureau_reads_what_it_supervises__ACCESS(http):
    ours = _probe(http)
    theirs = _probe(http, as_user="officer4")
    mine = _case_ids(_files(http))
    assert ours in mine and theirs not in mine
    assert _export(http, org="nj-scj").status_code == 404  # another bureau's node does not exist for the auditor
    assert _export(http, org="hebei").status_code == 404  # nor the province above it
    supervised = _case_ids(_files(http, "supervisor1", org="nj-scj"))
    assert theirs in supervised and ours not in supervised
    both = _case_ids(_files(http, "supervisor1", org="ningjin"))
    assert {ours, theirs} <= both
    assert _export(http, "officer1").status_code == 403
    assert _export(http, "head3").status_code == 403
    assert _export(http, None).status_code == 401


def test_each_export_is_a_recorded_access_naming_who_and_which_period(app, http):
    iid = _probe(http)
    before = len(_exports_events(app))
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    _files(http, "auditor1", **{"from": yesterday})
    events = _exports_events(app)
    assert len(events) == before + 1
    last = events[-1]
    assert (last.type, last.actor, last.role) == ("supervision_exported", "auditor1", "auditor")
    assert last.data["org"] == "nj-mzj" and last.data["from"] == yesterday
    assert last.data["to"] == clock.today().isoformat()
    with app.app_context():
        reads = list(db.session.scalars(select(Event).where(Event.stream == f"access:{iid}",
                                                            Event.type == "supervision_export_read")))
        assert [(r.actor, r.data["view"], r.data["export"]) for r in reads] == [("auditor1", "masked", last.seq)]
    # a refused export records nothing
    assert _export(http, "auditor1", org="nj-scj").status_code == 404
    assert _export(http, "auditor1", **{"from": "2026-13-01"}).status_code == 422
    assert len(_exports_events(app)) == before + 1


def test_a_bad_period_is_422_naming_the_field_and_changes_nothing(app, http):
    today = clock.today()
    before = len(_exports_events(app))
    cases = [({"from": (today + timedelta(days=1)).isoformat(), "to": today.isoformat()}, "from"),
             ({"to": (today + timedelta(days=1)).isoformat()}, "to"),
             ({"from": (today - timedelta(days=400)).isoformat()}, "to"),
             ({"from": "1999-12-31"}, "from"),
             ({"from": "not a date"}, "from"),
             ({"to": ""}, "to")]
    for params, field in cases:
        resp = _export(http, **params)
        assert resp.status_code == 422, (params, resp.get_json())
        assert field in resp.get_json()["errors"], (params, resp.get_json())
    resp = http.call("GET", "/api/v1/exports/supervision", "auditor1")
    assert resp.status_code == 422 and {"from", "to"} <= set(resp.get_json()["errors"])
    assert len(_exports_events(app)) == before


def _task(instance_id: int, state: str, due: datetime, completed: datetime | None) -> TaskRow:
    return TaskRow(spiff_task_id=str(uuid.uuid4()), instance_id=instance_id, process_id="case_data_probe",
                   element_id="task_export_probe", name="导出探针", state=state, due_at=due, completed_at=completed,
                   completed_by="officer1" if completed else None)


def test_deadlines_falling_due_in_the_period_are_met_missed_or_overdue__DOMAIN_4_3(app, http):
    iid = _probe(http)
    now = datetime.now(UTC)
    today = clock.today()
    start = datetime.combine(today - timedelta(days=1), datetime.min.time(), clock.BEIJING).astimezone(UTC)
    with app.app_context():
        db.session.add_all([
            _task(iid, "completed", start + timedelta(hours=2), start + timedelta(hours=1)),  # met
            _task(iid, "completed", start + timedelta(hours=1), start + timedelta(hours=3)),  # missed
            _task(iid, "ready", start + timedelta(hours=1), None),  # open past its deadline
            _task(iid, "ready", start - timedelta(days=3), None),  # due before the period: not in it
        ])
        db.session.get(Instance, iid).due_at = now + timedelta(minutes=30)  # the case's own deadline, still open
        db.session.commit()
    files = _files(http, **{"from": (today - timedelta(days=1)).isoformat()})
    rows = [r for r in jsonl(files, "deadlines") if r["case_id"] == iid]
    if (now + timedelta(minutes=30)).astimezone(clock.BEIJING).date() > today:
        rows.append({"scope": "case", "result": "open"})  # after midnight Beijing the case deadline is tomorrow's
    assert sorted((r["scope"], r["result"]) for r in rows) == [
        ("case", "open"), ("task", "met"), ("task", "missed"), ("task", "overdue")]


def test_the_cli_writes_the_same_files_and_is_recorded(app, http, tmp_path):
    iid = _probe(http)
    today = clock.today().isoformat()
    out = tmp_path / "export"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export", "supervision", "--from", today, "--to", today, "--org", "nj-mzj",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    files = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert set(files) == {"manifest.json", "supervision.schema.json", *(f"jsonl/{s}.jsonl" for s in FILES.values()),
                          *(f"csv/{s}.csv" for s in FILES.values())}
    assert iid in _case_ids(files)
    record = validator("supervision.schema.json")
    for stem in FILES.values():
        for row in jsonl(files, stem):
            assert errors_of(record, row) == []
    assert _exports_events(app)[-1].actor == "cli"
    bad = runner.invoke(args=["export", "supervision", "--from", today, "--to", today, "--org", "nowhere",
                              "--out", str(tmp_path / "other")])
    assert bad.exit_code == 2 and "org" in bad.output
    backwards = runner.invoke(args=["export", "supervision", "--from", today, "--to",
                                    (date.fromisoformat(today) - timedelta(days=1)).isoformat(), "--org", "nj-mzj",
                                    "--out", str(tmp_path / "other")])
    assert backwards.exit_code == 2 and not (tmp_path / "other").exists()
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Event).where(Event.stream == "exports",
                                                                               Event.actor == "cli"))
    assert count == 1


def test_an_auditor_above_the_bureaus_exports_the_subtree_and_one_of_another_bureau_only_theirs__ACCESS(app, http):
    """docs/ACCESS.md: a user at a node above any bureau works on that node's subtree; a bureau's auditor on theirs."""
    county = make_user(app, "auditor-county", ["auditor"], "ningjin")
    market = make_user(app, "auditor-scj", ["auditor"], "nj-scj")
    ours, theirs = _probe(http), _probe(http, as_user="officer4")
    assert {ours, theirs} <= _case_ids(_files(http, county))
    only = _case_ids(_files(http, county, org="nj-scj"))
    assert theirs in only and ours not in only
    assert _export(http, county, org="hebei").status_code == 404  # above the county: not theirs
    mine = _case_ids(_files(http, market))
    assert theirs in mine and ours not in mine
    assert _export(http, market, org="nj-mzj").status_code == 404


def test_the_period_is_made_of_beijing_days(app, http, pin):
    """A decision at 00:30 Beijing time (16:30 UTC the day before) belongs to that Beijing day, not to the UTC one
    before it."""
    yesterday = clock.today() - timedelta(days=1)
    late = datetime.combine(yesterday, datetime.min.time().replace(minute=30), clock.BEIJING)
    pin(late)
    iid, _ = decided(http)
    pin(datetime.now(UTC))
    on_the_day = _files(http, **{"from": yesterday.isoformat(), "to": yesterday.isoformat()})
    decisions = [r for r in jsonl(on_the_day, "decisions") if r["case_id"] == iid]
    assert [r["decision_date"] for r in decisions] == [yesterday.isoformat()]
    assert decisions[0]["decided_at"] == late.astimezone(UTC).isoformat()
    day_before = (yesterday - timedelta(days=1)).isoformat()
    utc_day = _files(http, **{"from": day_before, "to": day_before})
    assert iid not in {r["case_id"] for r in jsonl(utc_day, "decisions")}


def test_hostile_case_data_still_gives_records_valid_against_the_schema(app, http):
    """An act type and a penalty kind off their lists, a decision number with a control character and a phone number
    (an amount that is no number is refused at the decision itself): the records stay valid (fixed-list values)
    and nothing raw leaks."""
    iid, _ = decided(http, act_type="<script>", penalty_kind="130528198001011234",
                     decision_number="宁民宗罚\u0007〔2026〕13912345678号")
    files = _files(http)
    record = validator("supervision.schema.json")
    rows = [r for stem in FILES.values() for r in jsonl(files, stem) if r.get("case_id") == iid]
    assert rows and all(errors_of(record, r) == [] for r in rows)
    decision = next(r for r in rows if r["kind"] == "decision")
    assert (decision["fine_amount"], decision["act_type"], decision["penalty_kind"]) == ("0.00", "other", "other")
    every = b"".join(files.values()).decode("utf-8")
    assert "<script>" not in every and RAW_ID not in every and "13912345678" not in every
