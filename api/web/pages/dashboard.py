"""The supervision dashboard (heads, admins, auditors, the supervising justice bureau): four chart.js charts —
cases by month and act type, legal-review outcomes, overdue tasks by person, publicity deadlines met or missed —
each also an HTML table, so the figures are readable without the canvas.

Scoped like ``GET /api/v1/statistics/<year>``: the caller's bureau, or ``?org=`` a node the caller reads (the
supervised county for the justice bureau); the figures come from api/stats/dashboard.py."""
from __future__ import annotations

from typing import Any

from flask import render_template, request

from engine import clock
from engine.errors import FormDataInvalid

from ... import permissions
from ...models import User
from ...services import org_scope, orgs, stats
from ...services.credit_reports import STATUSES as CREDIT_STATES
from ...stats.dashboard import ACT_TYPES, PUBLICITY_STATES, UNCLAIMED, dashboard_figures
from .. import nav, web_blp
from ..i18n import t
from .admin_common import local_time, page_user, to_login

nav.add("web.dashboard", "dash_nav", ("head", "admin", "auditor", "supervisor"), 58)


def _choices(user: User) -> list[dict[str, Any]]:
    """The organisations whose figures the caller reads: their bureau, then the nodes it supervises."""
    out = []
    own = orgs.get(org_scope.write_org(user))
    if own is not None:
        out.append(own)
    nodes = orgs.tree()
    for node in orgs.ancestors(orgs.user_org(user)):
        supervised = nodes[node][3]
        if supervised is not None and all(o.id != supervised for o in out):
            out.append(orgs.get(supervised))
    return [{"code": o.code, "name": o.name, "id": o.id} for o in out if o is not None]


def _chart_data(figures: dict[str, Any]) -> dict[str, Any]:
    """What dashboard.js draws: labels in the page's language and the same numbers as the tables."""
    months = [t("dash_month", m=m) for m in range(1, 13)]
    return {
        "months": {"labels": months,
                   "datasets": [{"label": t(f"dash_act_{act}"), "data": figures["cases_by_month"].get(act, [0] * 12)}
                                for act in ACT_TYPES]},
        "reviews": {"labels": [t(f"dash_outcome_{k}") for k in figures["review_outcomes"]],
                    "data": list(figures["review_outcomes"].values()), "label": t("dash_reviews")},
        "overdue": {"labels": [p["display_name"] or t("dash_unclaimed") for p in figures["overdue_by_person"]],
                    "data": [p["overdue"] for p in figures["overdue_by_person"]], "label": t("dash_overdue")},
        "publicity": {"labels": [t(f"dash_pub_{k}") for k in PUBLICITY_STATES],
                      "data": [figures["publicity"][k] for k in PUBLICITY_STATES], "label": t("dash_publicity")},
    }


def _av_rows(year: int, org_id: int) -> dict[str, Any]:
    from .av_section import dashboard_rows  # the case page's module, loaded with the pages

    return dashboard_rows(year, org_id)


@web_blp.route("/dashboard")
def dashboard():
    user = page_user()
    if user is None:
        return to_login()
    permissions.require("stats.read")
    choices = _choices(user)
    code = request.args.get("org") or None
    if code is None and user.has_role("supervisor") and len(choices) > 1:
        code = choices[1]["code"]  # the justice bureau supervises the county: its figures by default
    org_id = org_scope.readable_org(user, code) or org_scope.write_org(user)
    permissions.check_org(user, org_id, "stats.read", "organisation")
    try:
        year = stats.check_year(int(request.args.get("year") or clock.today().year))
    except (ValueError, FormDataInvalid):
        year = clock.today().year
    figures = dashboard_figures(year, org_id)
    cases_total = {act: sum(figures["cases_by_month"].get(act, [])) for act in ACT_TYPES}
    return render_template("admin/dashboard.html", figures=figures, chart=_chart_data(figures), acts=ACT_TYPES,
                           cases_total=cases_total, states=PUBLICITY_STATES, credit_states=CREDIT_STATES, year=year, years=range(
                               max(stats.FIRST_YEAR, clock.today().year - 9), clock.today().year + 1)[::-1],
                           choices=choices, org_code=org_scope.code_of(org_id), unclaimed=UNCLAIMED,
                           org_name=org_scope.name_of(org_id) or "", as_of=local_time(figures["as_of"]),
                           av=_av_rows(year, org_id))
