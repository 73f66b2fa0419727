"""Settings (admin, process owner): warning days, recording requirements, masking rules, the unknown-year policy,
calendar overrides and the year schedules, each change a new version (listed below the forms).

The same service calls as ``PUT /api/v1/settings/<key>`` and ``PUT /api/v1/calendar/years/<year>``
(api/services/settings.py, calendar_years.py): validation, the bureau scope and the ``settings`` stream are theirs."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask import render_template, request, url_for
from sqlalchemy import or_, select

from engine import clock
from engine.calendar import UNKNOWN_YEAR_POLICIES
from engine.errors import FormDataInvalid, NotFound
from engine.masking import DEFAULT_RULES

from ... import permissions
from ...extensions import db
from ...models import Setting
from ...security import client_addr
from ...services import calendar_years, org_scope, orgs
from ...services import settings as settings_service
from .. import nav, web_blp
from ..i18n import t
from .admin_common import local_time, page_user, run_change, to_login

nav.add("web.admin_settings", "admin_nav_settings", ("admin", "process_owner"), 64)

#: the settings edited on this page, in page order
KEYS = ("warning_days", "recording_requirements", "masking_rules", "calendar_unknown_year", "calendar_overrides",
        "calendar_years")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
STATUTORY = frozenset(r.name for r in DEFAULT_RULES)
#: the holiday package's names -> the statutory holidays' Chinese names
HOLIDAY_ZH = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
              "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节",
              "National Day": "国庆节", "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"}


def _bureau(user) -> int | None:
    return org_scope.write_org(user)


def _versions(org_id: int | None) -> list[dict[str, Any]]:
    """Every stored version of the page's settings that can be in force for the bureau, newest first."""
    nodes = orgs.ancestors(org_id)
    rows = db.session.scalars(select(Setting).where(Setting.key.in_(KEYS),
                                                    or_(Setting.org_id.in_(nodes), Setting.org_id.is_(None)))
                              .order_by(Setting.changed_at.desc(), Setting.version.desc()).limit(200))
    return [{"key": r.key, "version": r.version, "org": org_scope.code_of(r.org_id) or "",
             "changed_by": r.changed_by, "changed_at": local_time(r.changed_at)} for r in rows]


def _ranges(days: dict[date, str]) -> list[dict[str, str]]:
    """Consecutive days of one name as ranges ``{from, to, name}``."""
    out: list[dict[str, str]] = []
    for day in sorted(days):
        name = HOLIDAY_ZH.get(days[day], days[day]) if lang_is_zh() else days[day]
        if out and out[-1]["name"] == name and date.fromisoformat(out[-1]["to"]) + timedelta(days=1) == day:
            out[-1]["to"] = day.isoformat()
        else:
            out.append({"from": day.isoformat(), "to": day.isoformat(), "name": name})
    return out


def lang_is_zh() -> bool:
    from ..i18n import lang

    return lang() == "zh"


def _year_days(year: int, org_id: int | None) -> dict[str, Any]:
    """The official schedule of ``year`` as the bureau's calendar knows it: loaded, from the holiday package, or
    unknown; with the bureau's overrides of that year."""
    overrides = {d: v for d, v in settings_service.get("calendar_overrides", org_id).items() if d.startswith(f"{year}-")}
    loaded = settings_service.get("calendar_years", org_id).get(str(year))
    if loaded:
        return {"year": year, "source": "loaded", "notice": loaded.get("source") or "",
                "holidays": loaded.get("holidays", []), "workdays": loaded.get("workdays", []), "overrides": overrides}
    package = calendar_years.package_years()
    if year in package:
        from chinese_calendar import constants

        holidays = {d: str(n) for d, n in constants.holidays.items() if d.year == year}
        workdays = {d: str(n) for d, n in constants.workdays.items() if d.year == year and d.weekday() >= 5}
        return {"year": year, "source": "package", "notice": "", "holidays": _ranges(holidays),
                "workdays": [{"date": r["from"], "name": r["name"]} for r in _ranges(workdays)],
                "overrides": overrides}
    return {"year": year, "source": "unknown", "notice": "", "holidays": [], "workdays": [], "overrides": overrides}


@web_blp.route("/admin/settings")
def admin_settings():
    user = page_user()
    if user is None:
        return to_login()
    permissions.require("setting.edit")
    org_id = _bureau(user)
    current = {s["key"]: s for s in settings_service.describe(org_id, KEYS)}
    try:
        year = int(request.args.get("year") or clock.today().year)
        calendar_years.check_year(year)
    except (ValueError, FormDataInvalid):
        year = clock.today().year
    masking = current["masking_rules"]["value"]
    return render_template(
        "admin/settings.html", current=current, act_kinds=settings_service.ACT_KINDS, policies=UNKNOWN_YEAR_POLICIES,
        masking=[{**r, "statutory": r.get("name") in STATUTORY} for r in masking],
        overrides=sorted(current["calendar_overrides"]["value"].items()), status=calendar_years.status(org_id),
        year=year, days=_year_days(year, org_id), versions=_versions(org_id), bureau=orgs.get(org_id))


def _lines(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines() if line.strip()]


def _holiday(parts: list[str]) -> dict[str, Any]:
    """``from [to] [name]``: one holiday range of the schedule (a single day without ``to``)."""
    has_to = len(parts) > 1 and DATE.fullmatch(parts[1]) is not None
    name = " ".join(parts[2:] if has_to else parts[1:]) or None
    return {"from": parts[0], "to": parts[1] if has_to else parts[0], "name": name}


_WHOLE = re.compile(r"-?[0-9]{1,6}")


def _new_value(key: str, form, org_id: int | None) -> Any:
    """The setting's next value from its form (the service validates it)."""
    value = settings_service.get(key, org_id)
    if key == "warning_days":
        raw = form.get("value", "").strip()
        if not _WHOLE.fullmatch(raw):  # ASCII digits only (``²`` is a digit to str.isdigit, not to int)
            raise FormDataInvalid({"value": [t("admin_whole_number")]})
        return int(raw)
    if key == "recording_requirements":
        return {"acts": {kind: form.get(f"act_{kind}", "text") for kind in settings_service.ACT_KINDS},
                "full_process_flag": form.get("full_process_flag", "").strip()}
    if key == "calendar_unknown_year":
        return form.get("value", "")
    if key == "masking_rules":
        rules = [r for r in value if r.get("name") != form.get("remove")] if form.get("remove") else list(value)
        if not form.get("remove"):
            rules.append({"name": form.get("name", "").strip(), "pattern": form.get("pattern", ""),
                          "replacement": form.get("replacement", ""), "description": form.get("description", "")})
        return rules
    if key == "calendar_overrides":
        days = dict(value)
        if form.get("remove"):
            days.pop(form["remove"], None)
        else:
            days[form.get("date", "")] = form.get("kind") == "working"
        return days
    raise NotFound(f"setting '{key}' is not edited on this page")


@web_blp.route("/admin/settings/<key>", methods=["POST"])
def admin_setting_change(key: str):
    user = page_user()
    if user is None:
        return to_login()
    permissions.require("setting.edit")
    org_id = _bureau(user)
    back = url_for("web.admin_settings") + f"#set-{key}"

    def change():
        settings_service.put(key, _new_value(key, request.form, org_id), user.username, client_addr(), org_id=org_id)

    return run_change(change, "admin_setting_saved", back, label=t(f"admin_setting_{key}"))


@web_blp.route("/admin/calendar/years", methods=["POST"])
def admin_calendar_load():
    """Load a year's official schedule: holidays one per line ``from to name``, make-up working days ``date name``."""
    user = page_user()
    if user is None:
        return to_login()
    permissions.require("calendar.edit")
    form = request.form
    raw_year = form.get("year", "").strip()
    year = int(raw_year) if re.fullmatch(r"[0-9]{4}", raw_year) else 0
    back = url_for("web.admin_settings", year=year or None) + "#calendar-year"

    def load():
        if not year:
            raise FormDataInvalid({"year": [t("admin_whole_number")]})
        holidays = [_holiday(p) for p in _lines(form.get("holidays", ""))]
        workdays = [{"date": p[0], "name": " ".join(p[1:]) or None} for p in _lines(form.get("workdays", ""))]
        calendar_years.load_year(year, {"holidays": holidays, "workdays": workdays,
                                        "source": form.get("source", "").strip() or None},
                                 user.username, client_addr())

    return run_change(load, "admin_year_loaded", back, "admin_year_in_package", year=year)
