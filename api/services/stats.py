"""Annual enforcement statistics (docs/DOMAIN.md §1.3: published by 31 January; §4.6 supervision).

Figures come from a few small queries on the instance, task, event and disclosure rows
(no workflow is deserialized) and are added up in Python: JSON-in-SQL differs between
SQLite and PostgreSQL, so only the projection (a JSON value read as text) is done in SQL.

Times: a year is a Beijing calendar year. Stored timestamps, deadlines included, are aware
UTC on every database (``api.models.types.UTCDateTime``). Nothing here commits.

As of the year's end: a finished year's figures are the facts as they stood at the end of that
year (Beijing), whatever the generation time, so a report republished in March equals the one of
1 January — a task due 2027-01-05 is not "open overdue" in the 2026 report, a case ended in 2027
was "running" at the end of 2026, and a case's decision is the head's effective decision recorded before
then (the history, not today's case data: a decision made in January leaves the previous year's figures
alone). A running year's (provisional) figures are as of now. Cancelled task rows carry no cancellation
time and are not counted as open.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from engine import clock
from engine.errors import FormDataInvalid, RuleViolation

from ..extensions import db
from ..models import (
    AnnualReport,
    CorrectionRequest,
    Disclosure,
    DisclosureWithdrawal,
    Event,
    Instance,
    TaskRow,
)
from ..models.disclosures import WITHDRAWAL_BASES
from . import credit_reports, org_scope, orgs
from .disclosure_content import CATEGORIES, DECISIONS, fixed_value
from .disclosures import CORRECTION_PROCESS
from .history import append_event

NONE = "none"
STATS_STREAM = "statistics"
FIRST_YEAR = 2000
SYSTEM = "system"


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[start, end) of a Beijing calendar year, in UTC."""
    start = datetime.combine(date(year, 1, 1), time(0), clock.BEIJING).astimezone(UTC)
    end = datetime.combine(date(year + 1, 1, 1), time(0), clock.BEIJING).astimezone(UTC)
    return start, end


def check_year(year: int) -> int:
    """Raises FormDataInvalid (422) for a year before 2000 or after the current one."""
    this_year = clock.today().year
    if not FIRST_YEAR <= year <= this_year:
        raise FormDataInvalid({"year": [f"must be from {FIRST_YEAR} to {this_year}"]}, "no statistics for that year")
    return year


def year_finished(year: int, now: datetime | None = None) -> bool:
    """True once the Beijing calendar year ``year`` is over."""
    return (now or clock.now()) >= year_bounds(year)[1]


def check_year_finished(year: int) -> None:
    """Raises RuleViolation (403, ``statistics_year_not_finished``) while ``year`` is still running."""
    if not year_finished(year):
        raise RuleViolation("statistics_year_not_finished",
                            f"the {year} annual report can be published only after the year ends "
                            f"({year + 1}-01-01 00:00 Beijing time); figures before then are provisional")


#: the fixed lists statistics keys come from: anything else in the case data counts as ``other`` (raw case data,
#: an ID number typed as an act type, is never a key of a published report)
REVIEW_OUTCOMES = ("agree", "problems")


def _key(value: Any, allowed: tuple[str, ...]) -> str:
    return NONE if value in (None, "") else fixed_value(value, allowed)


def _in_year(column: Any, year: int) -> Any:
    start, end = year_bounds(year)
    return (column >= start) & (column < end)


def as_of(year: int, now: datetime | None = None) -> datetime:
    """The moment a year's figures describe: its end (Beijing) once it is over, else ``now``."""
    return min(now or clock.now(), year_bounds(year)[1])


def _ended_by(ended: datetime | None, at: datetime) -> bool:
    return ended is not None and ended < at


def _status_at(status: str, ended: datetime | None, at: datetime) -> str:
    """The case's status at ``at``: a case that ended later was still running then."""
    return status if status == "running" or _ended_by(ended, at) else "running"


def _decisions_at(year: int, at: datetime, nodes: list[int]) -> dict[int, Any]:
    """Each case (started in ``year``) with its decision as it stood at ``at``, read from the history: the
    ``decision`` the head submitted in the latest effective decision completion recorded before ``at`` (kind
    ``decision`` or an APL 58 ``gate`` record; one the gate recorded as not effective — returned for review — does
    not count). The case's data today is not used: a decision made after ``at`` does not change the figures."""
    cases = select(Instance.id).where(_in_year(Instance.started_at, year), Instance.org_id.in_(nodes))
    decided: dict[int, Any] = {}
    for iid, data in db.session.execute(
            select(Event.instance_id, Event.data)
            .where(Event.type == "task_completed", Event.role == "head", Event.at < at, Event.instance_id.in_(cases))
            .order_by(Event.instance_id, Event.seq)):
        data = data or {}
        gate = data.get("gate") or {}
        if (data.get("kind") == "decision" or gate) and gate.get("effective", True) is not False:
            decided[iid] = (data.get("submitted") or {}).get("decision")
    return decided


def _cases(year: int, at: datetime, nodes: list[int]) -> dict[str, Any]:
    found = db.session.execute(
        select(Instance.definition_key, Instance.status, Instance.data["act_type"].as_string(), Instance.id,
               Instance.ended_at)
        .where(_in_year(Instance.started_at, year), Instance.org_id.in_(nodes))).all()
    decided = _decisions_at(year, at, nodes)
    rows = [(key, _status_at(status, ended, at), act, decided.get(iid)) for key, status, act, iid, ended in found]
    per_def: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"started": 0, "by_status": Counter(), "by_act_type": defaultdict(
            lambda: {"started": 0, "by_decision": Counter(), "by_status": Counter()})})
    acts: dict[str, dict[str, Any]] = defaultdict(lambda: {"started": 0, "by_decision": Counter(),
                                                           "by_status": Counter()})
    for key, status, act, decision in rows:
        entry = per_def[key]
        entry["started"] += 1
        entry["by_status"][status] += 1
        act = _key(act, CATEGORIES)
        for bucket in ((entry["by_act_type"][act],) if key == CORRECTION_PROCESS
                       else (entry["by_act_type"][act], acts[act])):
            bucket["started"] += 1
            bucket["by_decision"][_key(decision, DECISIONS)] += 1
            bucket["by_status"][status] += 1
    return {"started": len(rows), "by_status": dict(Counter(status for _, status, _, _ in rows)),
            "by_act_type": _plain(acts), "by_definition": _plain(per_def)}


def _plain(value: Any) -> Any:
    """Counters and defaultdicts as plain, key-sorted dicts (JSON-ready)."""
    if isinstance(value, dict):
        return {k: _plain(value[k]) for k in sorted(value)}
    return value


def _legal_reviews(year: int, nodes: list[int]) -> dict[str, Any]:
    rows = db.session.execute(
        select(Event.data[("submitted", "review_outcome")].as_string(), Event.instance_id)
        .where(Event.type == "task_completed", Event.role == "legal_reviewer", _in_year(Event.at, year),
               Event.instance_id.in_(select(Instance.id).where(Instance.org_id.in_(nodes))))).all()
    return {"total": len(rows), "cases": len({iid for _, iid in rows}),
            "by_outcome": _plain(Counter(_key(outcome, REVIEW_OUTCOMES) for outcome, _ in rows))}


def _overdue(year: int, now: datetime, nodes: list[int]) -> dict[str, Any]:
    """Late and overdue work as of ``now`` (the year's end for a finished year: see the module docstring)."""
    tasks = db.session.execute(
        select(TaskRow.state, TaskRow.due_at, TaskRow.completed_at)
        .where(_in_year(TaskRow.created_at, year), TaskRow.due_at.is_not(None),
               TaskRow.instance_id.in_(select(Instance.id).where(Instance.org_id.in_(nodes))))).all()
    done_late = sum(1 for state, due, done in tasks
                    if state == "completed" and _ended_by(done, now) and done > due)
    open_late = sum(1 for state, due, done in tasks
                    if (state == "ready" or (state == "completed" and not _ended_by(done, now))) and due < now)
    cases = db.session.execute(
        select(Instance.definition_key, Instance.status, Instance.due_at, Instance.ended_at)
        .where(_in_year(Instance.started_at, year), Instance.due_at.is_not(None), Instance.org_id.in_(nodes))).all()
    ended_late = Counter(key for key, _, due, ended in cases if _ended_by(ended, now) and ended > due)
    running_late = Counter(key for key, status, due, ended in cases
                           if _status_at(status, ended, now) == "running" and not _ended_by(ended, now)
                           and due < now)
    return {
        "tasks": {"with_deadline": len(tasks), "completed_late": done_late, "open_overdue": open_late},
        "cases": {"with_deadline": len(cases), "ended_late": sum(ended_late.values()),
                  "running_overdue": sum(running_late.values()),
                  "by_definition": {k: {"ended_late": ended_late.get(k, 0), "running_overdue": running_late.get(k, 0)}
                                    for k in sorted(set(ended_late) | set(running_late))}},
    }


def _disclosures(year: int, at: datetime, nodes: list[int]) -> dict[str, Any]:
    published = db.session.execute(select(Disclosure.category, Disclosure.supersedes_id)
                                   .where(_in_year(Disclosure.published_at, year), Disclosure.org_id.in_(nodes))).all()
    first = [_key(category, CATEGORIES) for category, supersedes in published if supersedes is None]
    withdrawn = db.session.execute(
        select(DisclosureWithdrawal.basis, Disclosure.category)
        .join(Disclosure, Disclosure.id == DisclosureWithdrawal.disclosure_id)
        .where(_in_year(DisclosureWithdrawal.withdrawn_at, year), Disclosure.org_id.in_(nodes))).all()
    requests = [case_id if started is not None and started < at else None for case_id, started in db.session.execute(
        select(CorrectionRequest.case_id, Instance.started_at)
        .outerjoin(Instance, Instance.id == CorrectionRequest.case_id)
        .where(_in_year(CorrectionRequest.created_at, year),
               CorrectionRequest.disclosure_id.in_(select(Disclosure.id).where(Disclosure.org_id.in_(nodes)))))]
    return {
        "disclosures": {"published": len(first), "by_category": _plain(Counter(first)),
                        "corrected": len(published) - len(first), "withdrawn": len(withdrawn),
                        "withdrawn_by_basis": _plain(Counter(_key(basis, WITHDRAWAL_BASES)
                                                             for basis, _ in withdrawn)),
                        "withdrawn_by_category": _plain(Counter(_key(category, CATEGORIES)
                                                                for _, category in withdrawn))},
        "correction_requests": {"received": len(requests),
                                "cases_started": sum(1 for case_id in requests if case_id is not None)},
    }


def annual_statistics(year: int, org_id: int | None = None) -> dict[str, Any]:
    """The year's enforcement figures of organisation ``org_id`` (a bureau, or a node above: its bureaus
    together; default: the platform root, every bureau) as of :func:`as_of` (the year's end once it is over,
    else now), JSON-ready.

    Keys: ``cases`` (started, by_status, by_act_type — enforcement processes only — and
    by_definition, each act type split by ``decision`` and status), ``legal_reviews`` (by
    ``review_outcome``), ``overdue`` (tasks completed late or open past due; cases ended late
    or running past due), ``disclosures`` (published, corrected, withdrawn) and
    ``correction_requests``, ``credit_reports`` (the 双公示 report of permit and penalty decisions decided in the
    year: due, reported, reported_late, pending, overdue, withheld). Cases, tasks and requests count in the year they started / were
    made; disclosures and withdrawals in the year they happened.
    """
    org_id = org_id if org_id is not None else org_scope.platform_root()
    nodes = list(orgs.subtree(org_id))
    now = clock.now()
    start, end = year_bounds(year)
    provisional = now < end
    at = as_of(year, now)
    return {
        "year": year,
        "provisional": provisional,
        "provisional_note": (f"provisional: the year runs until {year}-12-31 (Beijing); not publishable before then"
                             if provisional else None),
        "agency": org_scope.name_of(org_id) or str(current_app.config.get("AGENCY_NAME") or ""),
        "org": org_scope.code_of(org_id),
        "period": {"from": start.astimezone(clock.BEIJING).date().isoformat(),
                   "to": date(year, 12, 31).isoformat(), "timezone": "Asia/Shanghai"},
        "as_of": at.astimezone(UTC).isoformat(),
        "cases": _cases(year, at, nodes),
        "legal_reviews": _legal_reviews(year, nodes),
        "overdue": _overdue(year, at, nodes),
        **_disclosures(year, at, nodes),
        # 执法双公示: the year's permit and penalty decisions by their credit-platform report status (as of ``at``)
        "credit_reports": annual_credit(year, at, nodes),
    }


def annual_credit(year: int, at: datetime, nodes: list[int]) -> dict[str, Any]:
    """The 执法双公示 figures of ``year``: its permit and penalty decisions by report status as of ``at``."""
    return credit_reports.figures(set(nodes), date(year, 1, 1), date(year, 12, 31), at)


def publish_report(year: int, actor: str, org_id: int | None = None) -> AnnualReport:
    """Compute the year's figures of ``org_id`` (default: the platform root) and store them as a new, published
    report version of that organisation; no commit.

    Raises:
        RuleViolation: the year has not ended yet (``statistics_year_not_finished``).
        IntegrityError: a concurrent publication took the same version (409, api/errors.py).
    """
    check_year_finished(year)
    org_id = org_id if org_id is not None else org_scope.platform_root()
    # versions count per year over every organisation (each report names its own); a clash is a concurrent one
    last = db.session.scalar(select(func.max(AnnualReport.version)).where(AnnualReport.year == year)) or 0
    now = clock.now()
    report = AnnualReport(year=year, org_id=org_id, version=last + 1, content=annual_statistics(year, org_id),
                          generated_at=now, generated_by=actor, published_at=now)
    db.session.add(report)
    db.session.flush()  # the id for the event; a concurrent publication of the version clashes here (409)
    append_event(STATS_STREAM, None, "annual_report_published", actor=actor,
                 data={"year": year, "version": report.version, "report_id": report.id, "org_id": org_id})
    return report


def _final(year: int, generated_at: datetime) -> bool:
    """A report counts only when it was generated after its year had ended (never provisional figures)."""
    generated = generated_at if generated_at.tzinfo else generated_at.replace(tzinfo=UTC)
    return year_finished(year, generated) and year_finished(year)


def _of(stmt: Any, nodes: set[int] | None) -> Any:
    return stmt if nodes is None else stmt.where(AnnualReport.org_id.in_(list(nodes)))


def latest_published(year: int, nodes: set[int] | None = None) -> AnnualReport | None:
    """The newest published, final report of a finished ``year`` (of an organisation in ``nodes`` when given);
    None when there is none."""
    if not year_finished(year):
        return None
    return db.session.scalar(_of(select(AnnualReport).where(AnnualReport.year == year,
                                                            AnnualReport.published_at.is_not(None),
                                                            AnnualReport.generated_at >= year_bounds(year)[1]), nodes)
                             .order_by(AnnualReport.generated_at.desc(), AnnualReport.id.desc()).limit(1))


def published_years(nodes: set[int] | None = None) -> list[tuple[int, int, datetime]]:
    """(year, latest version, published_at of that version) for every finished year with a final report (of an
    organisation in ``nodes`` when given)."""
    rows = db.session.execute(_of(select(AnnualReport.year, AnnualReport.version, AnnualReport.published_at,
                                         AnnualReport.generated_at)
                                  .where(AnnualReport.published_at.is_not(None)), nodes)
                              .order_by(AnnualReport.year.desc(), AnnualReport.generated_at.desc(),
                                        AnnualReport.id.desc()))
    latest: dict[int, tuple[int, int, datetime]] = {}
    for year, version, published_at, generated_at in rows:
        if year not in latest and _final(year, generated_at):
            latest[year] = (year, version, published_at)
    return list(latest.values())


def ensure_annual_report(today: date) -> AnnualReport | None:
    """From 1 January on: publish the previous year's platform-wide report (by ``system``, every bureau's
    figures together) if the year has none; no commit. Each bureau publishes its own with POST
    /api/v1/statistics/<year>/publish.

    Returns the new report, or None when one exists already (one indexed query: cheap every tick).
    """
    year = today.year - 1
    root = org_scope.platform_root()
    if db.session.scalar(select(AnnualReport.id).where(AnnualReport.year == year,
                                                       AnnualReport.org_id.is_not_distinct_from(root))
                         .limit(1)) is not None:
        return None
    return publish_report(year, SYSTEM, root)
