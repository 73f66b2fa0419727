"""The public web pages (no login): the search of published decisions, a page per decision (with its correction
form), the list of powers, the officers and the annual statistics.

``/public`` itself is routed in ``api/web/views.py``; its template (``public.html``) runs the search through
:func:`public_search`, offered to templates here, so the page and ``GET /api/v1/public/disclosures`` filter the
same way. Every page renders only the records the public API answers (:mod:`api.public.records`, the same
``public_view`` as ``GET /api/v1/public/disclosures/<id>``, the published report of
``GET /api/v1/public/statistics/<year>``), so a page and the API can never disagree about what is masked (OGI 15).
Strings: api/web/strings/public.py.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import abort, render_template, request

from engine.clock import BEIJING

from ..services import disclosures as service
from ..services import org_scope, stats
from ..stats.schemas import AnnualReportSchema
from ..web import web_blp
from ..web.i18n import STRINGS, t
from . import records

CATEGORIES = ("penalty", "permit", "inspection", "compulsion", "other")
STATUSES = ("all", *service.STATUSES)
PER_PAGE = 20

#: strings the task page (api/templates/task.html, not this area's) still reads under their old, unprefixed keys;
#: added only when no other module defines them
_TASK_PAGE_STRINGS = {
    "original_text": {"zh": "原文（已标出遮蔽的片段）", "en": "Original (masked spans marked)"},
    "masked_preview": {"zh": "脱敏后（发布时的样子）", "en": "Masked (as it will be published)"},
}
for _key, _text in _TASK_PAGE_STRINGS.items():
    STRINGS.setdefault(_key, _text)


def _date(text: str | None) -> tuple[date | None, bool]:
    """(the date, whether the text was bad)."""
    if not text:
        return None, False
    try:
        return date.fromisoformat(text.strip()), False
    except ValueError:
        return None, True


def public_search(args: Any) -> dict[str, Any]:
    """The public list for the query string ``args`` (q, category, date_from, date_to, status, org, page)."""
    date_from, bad_from = _date(args.get("date_from"))
    date_to, bad_to = _date(args.get("date_to"))
    reversed_range = bool(date_from and date_to and date_to < date_from)
    if reversed_range:
        date_from = date_to = None
    status = args.get("status") if args.get("status") in STATUSES else "all"
    category = args.get("category") if args.get("category") in CATEGORIES else None
    try:
        page = min(1_000_000, max(1, int(args.get("page", 1))))
    except (TypeError, ValueError):
        page = 1
    q = (args.get("q") or "").strip()[:200]
    bureaus = records.organisations()
    org = args.get("org") if args.get("org") in {b["code"] for b in bureaus} else None
    rows = records.disclosures(q=q or None, category=category, date_from=date_from, date_to=date_to, status=status,
                               page=page, per_page=PER_PAGE + 1, org=org)
    filters = {"q": q, "category": category or "", "status": status, "org": org or "",
               "date_from": args.get("date_from") or "", "date_to": args.get("date_to") or ""}
    return {"items": rows[:PER_PAGE], "has_next": len(rows) > PER_PAGE, "page": page, "bureaus": bureaus,
            "filters": filters, "searched": any(v for k, v in filters.items() if k != "status") or status != "all",
            "bad_date": bad_from or bad_to or reversed_range}


@web_blp.app_template_filter("bjdate")
def _bjdate(value: datetime | date | str | None) -> str:
    """A stored (aware UTC) timestamp as its Beijing date, YYYY-MM-DD (a date as it is)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(BEIJING).date().isoformat()
    return value.isoformat()


def label(prefix: str, code: str | None, known: tuple[str, ...]) -> str:
    """The label of a fixed-list ``code`` (``public_<prefix>_<code>``); an unknown code is 'other'."""
    return t(f"public_{prefix}_{code if code in known else 'other'}")


@web_blp.app_context_processor
def _public_helpers() -> dict[str, Any]:
    return {"public_search": public_search, "public_categories": CATEGORIES, "public_statuses": STATUSES,
            "public_label": label}


@web_blp.route("/public/decisions/<int:disclosure_id>")
def public_decision(disclosure_id: int):
    """One published decision as ``GET /api/v1/public/disclosures/<id>`` answers it, with the correction form (a
    withdrawn or corrected one stays reachable, its withdrawal or correction shown)."""
    found = service.get_disclosure(disclosure_id)  # NotFound: the 404 page
    view = service.public_view(found, service.state_of(found.id))
    names = {b["code"]: b["name"] for b in records.organisations()}
    return render_template("public/decision.html", d=view, bureau=names.get(view["org"] or "", view["agency"]))


@web_blp.route("/public/powers")
def public_powers():
    """The list of powers as ``GET /api/v1/public/powers`` answers it."""
    powers = records.dumped(records.SCHEMAS["powers"], records.powers())
    return render_template("public/powers.html", powers=powers)


@web_blp.route("/public/officers")
def public_officers():
    """The officers as ``GET /api/v1/public/officers`` answers them (names and certificates, no login names)."""
    officers = records.dumped(records.SCHEMAS["officers"], records.officers())
    return render_template("public/officers.html", officers=officers)


# --- annual statistics -----------------------------------------------------------------------------------------

CASE_STATUSES = ("running", "completed", "cancelled", "failed", "other")
ACT_KEYS = (*CATEGORIES, "none")
REVIEW_KEYS = ("agree", "problems", "other", "none")
BASIS_KEYS = ("changed", "revoked", "illegal", "other", "none")


def _series(counts: dict[str, Any], keys: tuple[str, ...], prefix: str) -> tuple[list[str], list[int]]:
    """Labels and counts of ``counts`` in the order of ``keys`` (every key shown, 0 when absent); a key not on the
    list is added to the last one."""
    values = {k: 0 for k in keys}
    for key, value in (counts or {}).items():
        number = value.get("started", 0) if isinstance(value, dict) else value
        values[key if key in values else keys[-1]] += int(number or 0)
    shown = [k for k in keys if values[k] or k not in ("none", "failed")]
    return [label(prefix, k, keys) for k in shown], [values[k] for k in shown]


def charts_of(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's charts: each an id, a title, labels and counts (the page draws and tabulates the same)."""
    cases, reviews = content.get("cases") or {}, content.get("legal_reviews") or {}
    published = content.get("disclosures") or {}
    specs = (("cases_by_act", cases.get("by_act_type"), ACT_KEYS, "cat"),
             ("cases_by_status", cases.get("by_status"), CASE_STATUSES, "case"),
             ("disclosures", published.get("by_category"), (*CATEGORIES,), "cat"),
             ("withdrawn", published.get("withdrawn_by_basis"), BASIS_KEYS, "basis"),
             ("reviews", reviews.get("by_outcome"), REVIEW_KEYS, "review"))
    charts = []
    for key, counts, keys, prefix in specs:
        labels, values = _series(counts or {}, keys, prefix)
        charts.append({"id": f"chart-{key.replace('_', '-')}", "title": t(f"public_chart_{key}"),
                       "labels": labels, "values": values})
    return charts


def summary_of(content: dict[str, Any]) -> list[tuple[str, int]]:
    """The report's key figures as (label, number)."""
    cases, published = content.get("cases") or {}, content.get("disclosures") or {}
    late = content.get("overdue") or {}
    tasks, late_cases = late.get("tasks") or {}, late.get("cases") or {}
    figures = (("cases", cases.get("started")), ("reviews", (content.get("legal_reviews") or {}).get("total")),
               ("published", published.get("published")), ("corrected", published.get("corrected")),
               ("withdrawn", published.get("withdrawn")),
               ("requests", (content.get("correction_requests") or {}).get("received")),
               ("tasks_late", tasks.get("completed_late")), ("tasks_open", tasks.get("open_overdue")),
               ("cases_late", late_cases.get("ended_late")), ("cases_running", late_cases.get("running_overdue")))
    return [(t(f"public_sum_{key}"), int(value or 0)) for key, value in figures]


@web_blp.route("/public/statistics")
def public_statistics():
    """The latest published annual report of the chosen year (``?year=``, default the newest; ``?org=``: one
    bureau's), as ``GET /api/v1/public/statistics/<year>`` answers it: charts and the same figures as tables."""
    bureaus = records.organisations()
    org = request.args.get("org") if request.args.get("org") in {b["code"] for b in bureaus} else ""
    nodes = {org_scope.by_code(org).id} if org else None
    years = [year for year, _, _ in stats.published_years(nodes)]
    try:
        year = int(request.args.get("year") or (years[0] if years else 0))
    except ValueError:
        abort(404)
    report = stats.latest_published(year, nodes) if 1900 <= year <= 2200 else None
    data = AnnualReportSchema().dump(report) if report is not None else None
    content = (data or {}).get("content") or {}
    return render_template("public/statistics.html", years=years, year=year, org=org, bureaus=bureaus,
                           report=data, content=content, charts=charts_of(content) if data else [],
                           summary=summary_of(content) if data else [])
