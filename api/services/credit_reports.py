"""执法双公示 (seed 二(二), docs/DOMAIN.md §6): every permit and penalty decision is also reported to the
credit-information platform (信用信息共享平台 / 信用中国) by the publication deadline, 7 working days after the
decision (the product's working-day calendar of the deciding bureau, as ``disclosure.bpmn`` sets
``disclosure_due``).

* **What is due**: a case whose act type is ``penalty`` or ``permit`` and that holds an effective head decision
  (api/services/disclosure_content.py: ``is_head_decision``). Its decision date is the published decision's, else the
  case's ``decision_date``, else the Beijing date of the latest effective decision event.
* **What is sent**: the record is built from the *published* disclosure (the current version after corrections),
  so the platform, which is public, never receives more than the bureau's own publication: the party as published
  (a natural person 姓+某), a natural person's ID number masked as publication masks it, an organisation's unified
  social credit code (GB 32100) in full (public by law), every text field through the case's public masker.
* **Status** (:data:`STATUSES`): ``reported`` (on or before the due date, Beijing), ``reported_late``, ``pending``
  (not yet reported, not yet due), ``overdue`` (not reported after the due date), ``withheld`` (publication was
  refused by law, e.g. a minor party: nothing is made public, on the credit platform either; not counted as due).
  A decided case that is not published yet is ``pending``/``overdue`` but has no record to send until it is.
* **Reporting** (:func:`report`): the bureau hands every published, unreported decision of a period to the
  platform's importer as one batch (JSON and CSV, fields of :data:`RECORD_FIELDS`, schema
  ``docs/export/credit.schema.json``); each decision gets an append-only :class:`CreditReport` row and the batch an
  event on the ``exports`` stream. A decision is reported once (unique per case).

Nothing here commits.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine import clock, people
from engine.errors import CalendarError, RuleViolation
from engine.masking import mask_text

from ..extensions import db
from ..models import CreditReport, Disclosure, Event, Instance
from . import org_scope, orgs
from .disclosure_content import PENALTY_LABELS, PERMIT_LABELS, fixed_value, is_head_decision
from .disclosures import STATUSES as DISCLOSURE_STATUSES
from .disclosures import _as_date, check_not_minor, states_of
from .history import append_event
from .locks import hold
from .public_masking import masker_for
from .runtime import calendar

CREDIT_CATEGORIES = ("penalty", "permit")
#: working days from the decision to the report (the publication limit of permit and penalty decisions, 118)
LIMIT_WORKING_DAYS = 7
STATUSES = ("reported", "reported_late", "pending", "overdue", "withheld")
EXPORTS_STREAM = "exports"
FORMAT = "sanxiang-credit-double-publicity"
FORMAT_VERSION = 1
SCHEMA_FILE = "credit.schema.json"
#: the exports' schema files (docs/export), shipped with every export
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "docs" / "export"


def schema_file(name: str) -> bytes:
    """A schema file of docs/export."""
    return (SCHEMA_DIR / name).read_bytes()

#: the record the platform's importer reads, in file (CSV column) order: the national 双公示 fields the product has
RECORD_FIELDS = (
    "record_type",          # 行政许可 | 行政处罚
    "case_id",
    "decision_number",      # 行政许可决定文书号 / 行政处罚决定书文号
    "party_name",           # 行政相对人名称 (as published)
    "party_category",       # 行政相对人类别: 法人及非法人组织 | 自然人
    "credit_code",          # 统一社会信用代码 (organisations; public)
    "id_type",              # 证件类型 (natural persons)
    "id_number",            # 证件号码 (natural persons, masked as publication masks it)
    "category",             # 处罚类别 / 许可类别 (fixed labels)
    "penalty_kind",
    "fine_amount",          # 罚款金额（万元 is the platform's unit; here yuan, two decimals)
    "content",              # 处罚内容 / 许可内容 (as published)
    "facts",                # 违法事实 (as published)
    "legal_basis",          # 处罚依据 / 许可依据
    "licence_number",       # 许可证书编号 (a granted permit)
    "decision_date",        # 处罚决定日期 / 许可决定日期
    "valid_from",           # 有效期自 (permit: the decision date)
    "valid_to",             # 有效期至 (permit: as recorded; none recorded -> null, long-term)
    "agency",               # 决定机关 / 许可机关
    "agency_code",          # the deciding bureau's organisation code in the platform
    "publication_status",   # published | withdrawn | superseded (the bureau's own publication)
    "published_at",
    "due_date",
)
RECORD_TYPES = {"penalty": "行政处罚", "permit": "行政许可"}


@dataclass(frozen=True)
class CreditItem:
    """One permit or penalty decision and its reporting state."""

    instance: Instance
    decision_date: date
    due_date: date
    disclosure: Disclosure | None  # the current published version, if published
    publication_status: str | None
    report: CreditReport | None
    withheld: bool

    def status(self, at: datetime | None = None) -> str:
        """The reporting status as of ``at`` (default now)."""
        at = at or clock.now()
        if self.report is not None and _aware(self.report.reported_at) <= at:
            return "reported" if _beijing_date(self.report.reported_at) <= self.due_date else "reported_late"
        if self.withheld:
            return "withheld"
        return "overdue" if _beijing_date(at) > self.due_date else "pending"


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _beijing_date(when: datetime) -> date:
    return _aware(when).astimezone(clock.BEIJING).date()


def due_date(decision_date: date, org_id: int | None) -> date:
    """The decision date + 7 working days on the bureau's calendar (an unknown year counts Monday–Friday)."""
    cal = calendar(org_id)
    try:
        return cal.add_working_days(decision_date, LIMIT_WORKING_DAYS)
    except CalendarError:
        return cal.with_policy("weekends").add_working_days(decision_date, LIMIT_WORKING_DAYS)


def _current(first: Disclosure, successors: dict[int, int], rows: dict[int, Disclosure]) -> Disclosure:
    current = first
    while current.id in successors and successors[current.id] in rows:
        current = rows[successors[current.id]]
    return current


def items(nodes: set[int], date_from: date, date_to: date) -> list[CreditItem]:
    """Every permit and penalty decision of the organisations ``nodes`` whose decision date (Beijing) lies in
    ``date_from``..``date_to`` inclusive, oldest first."""
    if not nodes:
        return []
    act = Instance.data["act_type"].as_string()
    cases = {i.id: i for i in db.session.scalars(
        select(Instance).where(Instance.org_id.in_(list(nodes)), act.in_(CREDIT_CATEGORIES)))}
    if not cases:
        return []
    ids = list(cases)
    published = list(db.session.scalars(select(Disclosure).where(Disclosure.instance_id.in_(ids))
                                        .order_by(Disclosure.id)))
    by_id = {d.id: d for d in published}
    states = states_of(list(by_id))
    successors = {i: s.superseded_by for i, s in states.items() if s.superseded_by is not None}
    first_of: dict[int, Disclosure] = {}
    for d in published:
        if d.supersedes_id is None and d.instance_id not in first_of:
            first_of[d.instance_id] = d
    decided: dict[int, Event] = {}
    for ev in db.session.scalars(select(Event).where(Event.instance_id.in_(ids), Event.type == "task_completed",
                                                     Event.role == "head").order_by(Event.instance_id, Event.seq)):
        if is_head_decision(ev):
            decided[ev.instance_id] = ev
    withheld = set(db.session.scalars(select(Event.instance_id).where(Event.instance_id.in_(ids),
                                                                     Event.type == "disclosure_withheld")))
    reports = {r.instance_id: r for r in db.session.scalars(select(CreditReport)
                                                            .where(CreditReport.instance_id.in_(ids)))}
    found: list[CreditItem] = []
    for iid, instance in cases.items():
        first = first_of.get(iid)
        if first is None and iid not in decided:
            continue  # not decided: nothing is due yet
        if first is not None:
            current = _current(first, successors, by_id)
            decision = first.decision_date or _beijing_date(first.published_at)
        else:
            current = None
            decision = _as_date((instance.data or {}).get("decision_date")) or _beijing_date(decided[iid].at)
        if not date_from <= decision <= date_to:
            continue
        found.append(CreditItem(instance, decision, due_date(decision, instance.org_id), current,
                                states[current.id].status if current is not None else None, reports.get(iid),
                                first is None and _withheld(instance, decision, iid in withheld)))
    found.sort(key=lambda item: (item.decision_date, item.instance.id))
    return found


def _withheld(instance: Instance, decision: date, recorded: bool) -> bool:
    """Publication was refused: a ``disclosure_withheld`` event (the publicity officer's reasoned withholding, a
    refusal by law at the publish step), the disclosure process's minor branch (``disclosure_withheld`` in the case
    data), or a minor party on the decision date (disclosures.check_not_minor)."""
    data = instance.data or {}
    if recorded or data.get("disclosure_withheld"):
        return True
    try:
        check_not_minor(data, decision)
    except RuleViolation:
        return True
    return False


def record_of(item: CreditItem) -> dict[str, Any] | None:
    """The platform record of a published decision (None while it is not published)."""
    d = item.disclosure
    if d is None:
        return None
    data = item.instance.data or {}
    masker = masker_for(data, item.instance.org_id)
    organisation = data.get("party_type") == "organisation"
    raw_id = str(data.get("party_id_number") or "").strip()
    category = fixed_value(d.category, CREDIT_CATEGORIES)
    permit = category == "permit"
    granted = permit and data.get("decision") == "approve"
    kind = d.penalty_kind if d.penalty_kind in PENALTY_LABELS else None
    return {
        "record_type": RECORD_TYPES.get(category, category),
        "case_id": item.instance.id,
        "decision_number": d.decision_number,
        "party_name": d.party,
        "party_category": "法人及非法人组织" if organisation else "自然人",
        # a person's ID number typed where the organisation's code belongs is never a credit code in clear
        "credit_code": (raw_id if organisation and people.id_number_problem(raw_id) is None and len(raw_id) == 18
                        and not people.is_resident_id(raw_id) else None),
        "id_type": None if organisation else ("身份证" if raw_id else None),
        "id_number": None if organisation or not raw_id else mask_text(raw_id),
        "category": (PERMIT_LABELS.get(str(data.get("decision")), "行政许可") if permit
                     else PENALTY_LABELS.get(kind or "", "行政处罚")),
        "penalty_kind": None if permit else kind,
        "fine_amount": None if d.fine_amount is None else f"{d.fine_amount:.2f}",
        "content": d.penalty,
        "facts": d.facts,
        "legal_basis": d.legal_basis,
        "licence_number": masker.mask(str(data.get("licence_number"))[:100]) if granted and data.get(
            "licence_number") else None,
        "decision_date": item.decision_date.isoformat(),
        "valid_from": item.decision_date.isoformat() if granted else None,
        "valid_to": (_as_date(data.get("valid_until")).isoformat()
                     if granted and _as_date(data.get("valid_until")) else None),
        "agency": d.agency,
        "agency_code": org_scope.code_of(item.instance.org_id),
        "publication_status": item.publication_status if item.publication_status in DISCLOSURE_STATUSES else None,
        "published_at": _aware(d.published_at).astimezone(UTC).isoformat(),
        "due_date": item.due_date.isoformat(),
    }


def tracking_view(item: CreditItem, at: datetime | None = None) -> dict[str, Any]:
    """One decision's reporting state, as the bureau and its auditors see it (no record content)."""
    r = item.report
    return {"case_id": item.instance.id, "org": org_scope.code_of(item.instance.org_id),
            "category": (item.instance.data or {}).get("act_type"),
            "decision_date": item.decision_date, "due_date": item.due_date, "status": item.status(at),
            "published": item.disclosure is not None, "disclosure_id": item.disclosure.id if item.disclosure else None,
            "reported_at": r.reported_at if r is not None else None,
            "reported_by": r.reported_by if r is not None else None, "batch": r.batch if r is not None else None}


def csv_text(records: list[dict[str, Any]], fields: tuple[str, ...]) -> str:
    """UTF-8 CSV with a header row (``None`` as an empty cell)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fields), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow({k: ("" if record.get(k) is None else record[k]) for k in fields})
    return out.getvalue()


def check_period(date_from: date | None, date_to: date | None, max_days: int = 366) -> tuple[date, date]:
    """``from``/``to`` (Beijing dates, inclusive): both given, from <= to <= today, at most ``max_days`` days.

    Raises:
        FormDataInvalid: naming ``from`` or ``to``.
    """
    from engine.errors import FormDataInvalid

    today = clock.today()
    errors: dict[str, list[str]] = {}
    if date_from is None:
        errors["from"] = ["required (a Beijing date, YYYY-MM-DD)"]
    if date_to is None:
        errors["to"] = ["required (a Beijing date, YYYY-MM-DD)"]
    if not errors:
        if date_from.year < 2000:
            errors["from"] = ["must be 2000-01-01 or later"]
        if date_to > today:
            errors["to"] = [f"must not be after today ({today.isoformat()}, Beijing)"]
        elif date_from > date_to:
            errors["from"] = ["must not be after 'to'"]
        elif (date_to - date_from).days + 1 > max_days:
            errors["to"] = [f"a period is at most {max_days} days"]
    if errors:
        raise FormDataInvalid(errors, "the period is invalid: " + ", ".join(errors))
    return date_from, date_to


@dataclass(frozen=True)
class Batch:
    """A report batch: the files handed to the platform's importer and the decisions it reported."""

    files: dict[str, bytes]
    reported: list[int]
    sha256: str

    def zip_bytes(self) -> bytes:
        import zipfile

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path, content in self.files.items():
                zf.writestr(path, content)
        return buf.getvalue()


def report(org_id: int, date_from: date, date_to: date, actor: str, role: str | None,
           client_addr: str | None = None) -> Batch:
    """Hand every published, not yet reported permit/penalty decision of ``org_id``'s subtree decided in the
    period to the platform: ``credit.json`` (manifest + records), ``credit.csv`` and the schema; one
    :class:`CreditReport` per decision and one ``credit_reported`` event on the ``exports`` stream; no commit.

    Raises:
        IntegrityError: a concurrent batch reported one of the decisions (409)."""
    hold(f"credit:{org_id}")  # one batch of a bureau at a time: the next one sees what this one reported
    now = clock.now()
    due = [item for item in items(orgs.subtree(org_id), date_from, date_to)
           if item.report is None and item.disclosure is not None]
    records = [record_of(item) for item in due]
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "schema": SCHEMA_FILE,
                "org": org_scope.code_of(org_id), "agency": org_scope.name_of(org_id),
                "period": {"from": date_from.isoformat(), "to": date_to.isoformat(), "timezone": "Asia/Shanghai"},
                "generated_at": now.astimezone(UTC).isoformat(), "exported_by": actor, "count": len(records)}
    body = json.dumps({"manifest": manifest, "records": records}, ensure_ascii=False, indent=1).encode()
    digest = hashlib.sha256(body).hexdigest()
    for item, record in zip(due, records, strict=True):
        db.session.add(CreditReport(instance_id=item.instance.id, disclosure_id=item.disclosure.id,
                                    org_id=item.instance.org_id, decision_date=item.decision_date,
                                    due_date=item.due_date, batch=digest, record=record, reported_by=actor[:64],
                                    reported_at=now))
    db.session.flush()  # a decision another batch reported meanwhile: unique key clash (409)
    hold(EXPORTS_STREAM)  # exports of every bureau share the stream: its head is taken in turn
    append_event(EXPORTS_STREAM, None, "credit_reported", actor=actor, role=role,
                 data={"org": manifest["org"], "from": date_from.isoformat(), "to": date_to.isoformat(),
                       "cases": [item.instance.id for item in due], "sha256": digest}, client_addr=client_addr)
    files = {"credit.json": body, "credit.csv": csv_text(records, RECORD_FIELDS).encode(),
             SCHEMA_FILE: schema_file(SCHEMA_FILE)}
    return Batch(files, [item.instance.id for item in due], digest)


def figures(nodes: set[int], date_from: date, date_to: date, at: datetime) -> dict[str, Any]:
    """Counts by status of the decisions of the period as of ``at`` (statistics: ``credit_reports``)."""
    counted = [item.status(at) for item in items(nodes, date_from, date_to)
               if item.instance.started_at is None or _aware(item.instance.started_at) < at]
    by_status = {status: counted.count(status) for status in STATUSES}
    return {"decisions": len(counted), "due": len(counted) - by_status["withheld"], **by_status}
