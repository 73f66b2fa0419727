"""The export for the supervising justice bureau (行政执法监督, docs/DOMAIN.md §4.6): one period of one
organisation's enforcement, as JSON Lines and CSV files its system loads, described by
``docs/export/supervision.schema.json``.

**Period.** ``from``..``to`` are Beijing dates, both inclusive (the product's working-day calendar is Beijing's).
Each record kind belongs to the period by its own date:

* ``case``: started in the period, or named by another record of the export (so every ``case_id`` resolves);
* ``decision``: the head's effective decision (kind ``decision`` or an APL 58 gate record, not returned for review)
  recorded in the period, read from the history (event seq and hash let the recipient check it against the case's
  chain);
* ``review``: a legal review (法制审核) completed in the period, with its fixed-list outcome;
* ``disclosure``: published in the period (its status, withdrawal and the 7/20-working-day limit met or missed);
* ``deadline``: a task or case deadline falling due in the period: ``met``, ``missed``, ``overdue`` (still open
  past it) or ``open``;
* ``credit_record``: a permit or penalty decision of the period and its 双公示 report to the credit platform
  (api/services/credit_reports.py);
* ``statistic``: the annual-report figures (api/services/stats.py) of every Beijing year the period touches, one
  row per figure (``metric`` a dotted path).

**Personal data.** The supervising bureau is an official recipient, but it receives no more than an auditor sees
and no more than the disclosure rules need (docs/DOMAIN.md §1.4): no ID numbers, addresses, phone numbers or free
case text; the party as published (a natural person 姓+某, an organisation in full); titles, decision numbers and
legal bases through the case's public masker; act types, decisions, outcomes and penalty kinds from their fixed
lists only. Officers', heads' and reviewers' login names are given (who decided and reviewed is what supervision
checks; officers' identities are public by law).

**Scope and record.** The export covers the organisation's subtree only (a bureau; a supervising justice bureau a
supervised node). Each export is a recorded access: a ``supervision_exported`` event on the ``exports`` stream
names who exported which organisation and period, the record counts and the manifest's sha256, and every exported
case gets a ``supervision_export_read`` event (view ``masked``) on its access stream. Nothing here commits.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine import clock

from ..extensions import db
from ..models import Disclosure, DisclosureWithdrawal, Event, Instance, TaskRow
from . import credit_reports, org_scope, orgs, stats
from .access import access_stream
from .disclosure_content import CATEGORIES, DECISIONS, PENALTY_KINDS, fixed_value
from .disclosures import states_of
from .history import append_event
from .locks import hold
from .public_masking import masker_for
from .runtime import calendar

FORMAT = "sanxiang-supervision-export"
FORMAT_VERSION = 1
SCHEMA_FILE = "supervision.schema.json"
SCHEMA_DIR = credit_reports.SCHEMA_DIR
EXPORTS_STREAM = credit_reports.EXPORTS_STREAM
NONE = "none"



def schema_bytes(name: str = SCHEMA_FILE) -> bytes:
    """A schema file of docs/export (shipped with every export)."""
    return credit_reports.schema_file(name)


#: record kind -> the columns of its CSV, in the schema's order (the JSON Lines objects have the same keys): the
#: schema file is the one statement of the format
FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(spec["properties"]) for kind, spec in json.loads(schema_bytes())["$defs"].items() if kind != "manifest"}
FILES = {"case": "cases", "decision": "decisions", "review": "reviews", "disclosure": "disclosures",
         "deadline": "deadlines", "credit_record": "credit_records", "statistic": "statistics"}
REVIEW_OUTCOMES = stats.REVIEW_OUTCOMES
CASE_STATUSES = ("running", "completed", "cancelled", "error")
#: working days from a decision to its publication (docs/DOMAIN.md §1.3 time limits)
PUBLICATION_DAYS = {"penalty": 7, "permit": 7}
OTHER_PUBLICATION_DAYS = 20


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), clock.BEIJING).astimezone(UTC)


def _aware(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _iso(when: datetime | None) -> str | None:
    when = _aware(when)
    return when.astimezone(UTC).isoformat() if when is not None else None


def _beijing_date(when: datetime) -> date:
    return _aware(when).astimezone(clock.BEIJING).date()


def _deadline_result(due: datetime | None, done: datetime | None, now: datetime) -> str | None:
    if due is None:
        return None
    if done is not None:
        return "met" if done <= due else "missed"
    return "overdue" if due < now else "open"


@dataclass
class Export:
    """What one export holds: the records of each kind and the manifest."""

    manifest: dict[str, Any]
    records: dict[str, list[dict[str, Any]]]

    def files(self) -> dict[str, bytes]:
        """Every file of the export by its path: ``manifest.json``, ``jsonl/<kind>.jsonl``, ``csv/<kind>.csv`` and
        the schema (the manifest lists the sha256 of each other file)."""
        out: dict[str, bytes] = {}
        for kind, stem in FILES.items():
            rows = self.records[kind]
            out[f"jsonl/{stem}.jsonl"] = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
            out[f"csv/{stem}.csv"] = credit_reports.csv_text(rows, FIELDS[kind]).encode()
        out[SCHEMA_FILE] = schema_bytes()
        self.manifest["files"] = {path: hashlib.sha256(content).hexdigest() for path, content in sorted(out.items())}
        out["manifest.json"] = json.dumps(self.manifest, ensure_ascii=False, indent=1).encode()
        return out

    def zip_bytes(self) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path, content in self.files().items():
                zf.writestr(path, content)
        return buf.getvalue()

    def write(self, folder: Path) -> list[Path]:
        written = []
        for path, content in self.files().items():
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            written.append(target)
        return written


class _Cases:
    """The cases an export names, loaded once, with their public masker."""

    def __init__(self, nodes: list[int]) -> None:
        self.nodes = nodes
        self.rows: dict[int, Instance] = {}
        self._maskers: dict[int, Any] = {}

    def load(self, ids: set[int]) -> None:
        missing = [i for i in ids if i not in self.rows]
        for start in range(0, len(missing), 500):
            for instance in db.session.scalars(select(Instance).where(Instance.id.in_(missing[start:start + 500]),
                                                                      Instance.org_id.in_(self.nodes))):
                self.rows[instance.id] = instance

    def masker(self, instance: Instance) -> Any:
        if instance.id not in self._maskers:
            self._maskers[instance.id] = masker_for(instance.data or {}, instance.org_id)
        return self._maskers[instance.id]

    def mask(self, instance: Instance, value: Any, limit: int = 255) -> str | None:
        if value in (None, ""):
            return None
        masked = self.masker(instance).mask(str(value))
        return masked[:limit] if masked else None


def _in_nodes(nodes: list[int]) -> Any:
    return select(Instance.id).where(Instance.org_id.in_(nodes))


def _decisions(start: datetime, end: datetime, nodes: list[int], cases: _Cases) -> list[dict[str, Any]]:
    rows = list(db.session.scalars(
        select(Event).where(Event.type == "task_completed", Event.role == "head", Event.at >= start, Event.at < end,
                            Event.instance_id.in_(_in_nodes(nodes))).order_by(Event.at, Event.instance_id, Event.seq)))
    found = []
    for ev in rows:
        data = ev.data or {}
        gate = data.get("gate") or {}
        if not ((data.get("kind") == "decision" or gate) and gate.get("effective", True) is not False):
            continue
        found.append(ev)
    cases.load({ev.instance_id for ev in found})
    records = []
    for ev in found:
        instance = cases.rows.get(ev.instance_id)
        if instance is None:
            continue
        case = instance.data or {}
        submitted = (ev.data or {}).get("submitted") or {}
        penalty = submitted.get("penalty_kind", case.get("penalty_kind"))
        fine = submitted.get("fine_amount", case.get("fine_amount"))
        try:
            amount = None if fine in (None, "") or isinstance(fine, bool) else float(fine)
        except (TypeError, ValueError):
            amount = None
        fine_text = f"{amount:.2f}" if amount is not None and math.isfinite(amount) else None
        records.append({
            "kind": "decision", "case_id": instance.id, "org": org_scope.code_of(instance.org_id),
            "decided_at": _iso(ev.at), "decision_date": _beijing_date(ev.at).isoformat(),
            "decision": _fixed(submitted.get("decision"), DECISIONS),
            "act_type": _fixed(case.get("act_type"), CATEGORIES),
            "penalty_kind": None if penalty in (None, "") else fixed_value(penalty, PENALTY_KINDS),
            "fine_amount": fine_text,
            "decision_number": cases.mask(instance, case.get("decision_number"), 128),
            "legal_basis": cases.mask(instance, case.get("legal_basis"), 1000),
            "decided_by": ev.actor, "event_seq": ev.seq, "event_hash": ev.hash})
    return records


def _fixed(value: Any, allowed: tuple[str, ...]) -> str:
    return NONE if value in (None, "") else fixed_value(value, allowed)


def _reviews(start: datetime, end: datetime, nodes: list[int]) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(Event).where(Event.type == "task_completed", Event.role == "legal_reviewer", Event.at >= start,
                            Event.at < end, Event.instance_id.in_(_in_nodes(nodes)))
        .order_by(Event.at, Event.instance_id, Event.seq))
    org_of = dict(db.session.execute(select(Instance.id, Instance.org_id).where(Instance.org_id.in_(nodes))).all())
    return [{"kind": "review", "case_id": ev.instance_id, "org": org_scope.code_of(org_of.get(ev.instance_id)),
             "reviewed_at": _iso(ev.at),
             "outcome": _fixed(((ev.data or {}).get("submitted") or {}).get("review_outcome"), REVIEW_OUTCOMES),
             "reviewer": ev.actor, "event_seq": ev.seq, "event_hash": ev.hash} for ev in rows]


def publication_due(decision_date: date, category: str, org_id: int | None) -> date:
    days = PUBLICATION_DAYS.get(category, OTHER_PUBLICATION_DAYS)
    cal = calendar(org_id)
    try:
        return cal.add_working_days(decision_date, days)
    except Exception:  # noqa: BLE001 - an unknown year under the strict policy: counted Monday-Friday, as the inbox
        return cal.with_policy("weekends").add_working_days(decision_date, days)


def _disclosures(start: datetime, end: datetime, nodes: list[int]) -> list[dict[str, Any]]:
    rows = list(db.session.scalars(select(Disclosure).where(Disclosure.published_at >= start,
                                                           Disclosure.published_at < end,
                                                           Disclosure.org_id.in_(nodes))
                                   .order_by(Disclosure.published_at, Disclosure.id)))
    states = states_of([d.id for d in rows])
    records = []
    for d in rows:
        w: DisclosureWithdrawal | None = states[d.id].withdrawal
        category = _fixed(d.category, CATEGORIES)
        decided = d.decision_date or _beijing_date(d.published_at)
        due = publication_due(decided, category, d.org_id)
        records.append({
            "kind": "disclosure", "disclosure_id": d.id, "case_id": d.instance_id, "org": org_scope.code_of(d.org_id),
            "category": category, "decision_number": d.decision_number,
            "decision_date": decided.isoformat(), "published_at": _iso(d.published_at), "due_date": due.isoformat(),
            "published_on_time": _beijing_date(d.published_at) <= due if d.supersedes_id is None else None,
            "status": states[d.id].status, "supersedes": d.supersedes_id,
            "withdrawn_at": _iso(w.withdrawn_at) if w is not None else None,
            "withdrawal_basis": w.basis if w is not None else None})
    return records


def _deadlines(start: datetime, end: datetime, nodes: list[int], now: datetime) -> list[dict[str, Any]]:
    org_of = dict(db.session.execute(select(Instance.id, Instance.org_id).where(Instance.org_id.in_(nodes))).all())
    records = []
    for task in db.session.scalars(select(TaskRow).where(TaskRow.due_at >= start, TaskRow.due_at < end,
                                                         TaskRow.instance_id.in_(_in_nodes(nodes)),
                                                         TaskRow.state.in_(("ready", "completed")))
                                   .order_by(TaskRow.due_at, TaskRow.id)):
        done = _aware(task.completed_at) if task.state == "completed" else None
        records.append({"kind": "deadline", "case_id": task.instance_id, "org": org_scope.code_of(
            org_of.get(task.instance_id)), "scope": "task", "element_id": task.element_id, "name": task.name,
            "due_at": _iso(task.due_at), "done_at": _iso(done),
            "result": _deadline_result(_aware(task.due_at), done, now)})
    for instance in db.session.scalars(select(Instance).where(Instance.due_at >= start, Instance.due_at < end,
                                                              Instance.org_id.in_(nodes))
                                       .order_by(Instance.due_at, Instance.id)):
        if instance.status == "cancelled":
            continue
        done = _aware(instance.ended_at) if instance.status != "running" else None
        records.append({"kind": "deadline", "case_id": instance.id, "org": org_scope.code_of(instance.org_id),
                        "scope": "case", "element_id": None, "name": None, "due_at": _iso(instance.due_at),
                        "done_at": _iso(done), "result": _deadline_result(_aware(instance.due_at), done, now)})
    return records


def _credit(nodes: list[int], date_from: date, date_to: date, now: datetime) -> list[dict[str, Any]]:
    return [{"kind": "credit_record", "case_id": item.instance.id, "org": org_scope.code_of(item.instance.org_id),
             "category": _fixed((item.instance.data or {}).get("act_type"), CATEGORIES),
             "decision_date": item.decision_date.isoformat(), "due_date": item.due_date.isoformat(),
             "status": item.status(now), "published": item.disclosure is not None,
             "reported_at": _iso(item.report.reported_at) if item.report is not None else None}
            for item in credit_reports.items(set(nodes), date_from, date_to)]


def _flatten(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        out: list[tuple[str, Any]] = []
        for key in sorted(value):
            out += _flatten(f"{prefix}.{key}" if prefix else str(key), value[key])
        return out
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return [(prefix, value)]
    return []  # text (names, notes) is not a figure


STATISTIC_SECTIONS = ("cases", "legal_reviews", "overdue", "disclosures", "correction_requests", "credit_reports")


def _statistics(org_id: int, date_from: date, date_to: date) -> list[dict[str, Any]]:
    records = []
    for year in range(date_from.year, date_to.year + 1):
        figures = stats.annual_statistics(year, org_id)
        for section in STATISTIC_SECTIONS:
            for metric, value in _flatten(section, figures.get(section)):
                if isinstance(value, bool) or not isinstance(value, int):
                    continue
                records.append({"kind": "statistic", "org": figures.get("org"), "year": year,
                                "provisional": bool(figures.get("provisional")), "metric": metric, "value": value})
    return records


def _case_record(instance: Instance, cases: _Cases, decision: str | None, now: datetime) -> dict[str, Any]:
    data = instance.data or {}
    done = _aware(instance.ended_at) if instance.status != "running" else None
    return {"kind": "case", "case_id": instance.id, "org": org_scope.code_of(instance.org_id),
            "process": instance.definition_key, "process_version": instance.version,
            "title": cases.mask(instance, data.get("case_title") or instance.title),
            "act_type": _fixed(data.get("act_type"), CATEGORIES),
            "party": (cases.masker(instance).party or None) if data.get("party_name") else None,
            "party_type": data.get("party_type") if data.get("party_type") in ("person", "organisation") else None,
            "status": instance.status if instance.status in CASE_STATUSES else "other",
            "started_at": _iso(instance.started_at), "ended_at": _iso(instance.ended_at),
            "due_at": _iso(instance.due_at),
            "deadline": (None if instance.status == "cancelled"
                         else _deadline_result(_aware(instance.due_at), done, now)),
            "decision": decision or NONE}


def build(org_id: int, date_from: date, date_to: date, actor: str, role: str | None = None,
          client_addr: str | None = None) -> Export:
    """The export of organisation ``org_id`` (its subtree) for the period; records the access (no commit)."""
    nodes = sorted(orgs.subtree(org_id))
    start, end = _midnight(date_from), _midnight(date_to + timedelta(days=1))
    now = clock.now()
    cases = _Cases(nodes)
    records: dict[str, list[dict[str, Any]]] = {
        "decision": _decisions(start, end, nodes, cases),
        "review": _reviews(start, end, nodes),
        "disclosure": _disclosures(start, end, nodes),
        "deadline": _deadlines(start, end, nodes, now),
        "credit_record": _credit(nodes, date_from, date_to, now),
        "statistic": _statistics(org_id, date_from, date_to),
    }
    started = set(db.session.scalars(select(Instance.id).where(Instance.org_id.in_(nodes),
                                                               Instance.started_at >= start,
                                                               Instance.started_at < end)))
    named = {r["case_id"] for kind, rows in records.items() if kind != "statistic" for r in rows}
    cases.load(started | named)
    latest = _latest_decisions(list(cases.rows), now)
    records["case"] = [_case_record(cases.rows[i], cases, latest.get(i), now) for i in sorted(cases.rows)]
    records = {kind: records[kind] for kind in FILES}
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "schema": SCHEMA_FILE,
        "org": org_scope.code_of(org_id), "agency": org_scope.name_of(org_id),
        "period": {"from": date_from.isoformat(), "to": date_to.isoformat(), "timezone": "Asia/Shanghai"},
        "generated_at": now.astimezone(UTC).isoformat(), "exported_by": actor,
        "counts": {kind: len(rows) for kind, rows in records.items()},
        "personal_data": "no ID numbers, addresses, phone numbers or free case text; parties as published "
                         "(natural persons 姓+某); texts masked as published",
    }
    export = Export(manifest, records)
    files = export.files()
    digest = hashlib.sha256(files["manifest.json"]).hexdigest()
    hold(EXPORTS_STREAM)  # concurrent exports take the shared stream's head in turn
    event = append_event(EXPORTS_STREAM, None, "supervision_exported", actor=actor, role=role,
                         data={"org": manifest["org"], "from": date_from.isoformat(), "to": date_to.isoformat(),
                               "counts": manifest["counts"], "manifest_sha256": digest}, client_addr=client_addr)
    for iid in sorted(cases.rows):
        hold(access_stream(iid))
        append_event(access_stream(iid), None, "supervision_export_read", actor=actor, role=role, instance_id=iid,
                     data={"what": "supervision_export", "view": "masked", "export": event.seq},
                     client_addr=client_addr)
    return export


def _latest_decisions(ids: list[int], at: datetime) -> dict[int, str]:
    """Each case's latest effective head decision recorded before ``at`` (a fixed-list value)."""
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for iid, data in db.session.execute(
                select(Event.instance_id, Event.data)
                .where(Event.type == "task_completed", Event.role == "head", Event.at < at,
                       Event.instance_id.in_(chunk))
                .order_by(Event.instance_id, Event.seq)):
            data = data or {}
            gate = data.get("gate") or {}
            if (data.get("kind") == "decision" or gate) and gate.get("effective", True) is not False:
                found[iid] = _fixed((data.get("submitted") or {}).get("decision"), DECISIONS)
    return found
