"""The working-day calendar the service uses, the years it knows, and loading a year's official schedule.

The calendar is the holiday package (``chinese_calendar``), plus the years a bureau loaded
(setting ``calendar_years``, one request per year: ``PUT /api/v1/calendar/years/<year>``),
plus the bureau's day overrides (``calendar_overrides``, which always win), under the
unknown-year policy (setting ``calendar_unknown_year``). A deadline reaching a year nobody
knows is computed (Monday–Friday) but flagged (``api.services.deadlines.calendar_warning``)
and listed for admins by :func:`status`. Nothing here commits.

The ``calendar_years`` setting is always stored in the loader's form: a value PUT through
``/api/v1/settings/calendar_years`` goes through the same checks (:func:`normalize_setting`, 422 naming
the field, 409 for a year the package has) and is stored normalised. :func:`build_calendar` also takes
the settings as they stood at a past moment (the replay of ``verify``).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from flask import current_app
from sqlalchemy import select

from engine import clock
from engine.calendar import WorkingCalendar, package_years
from engine.errors import FormDataInvalid, NotFound, StateConflict
from engine.holiday_schedule import check_year, days, normalize, normalize_years

from ..extensions import db
from ..models import Instance, TaskRow
from . import settings

YEARS_KEY = "calendar_years"
POLICY_KEY = "calendar_unknown_year"
OVERRIDES_KEY = "calendar_overrides"
#: the settings the working-day calendar is built from
CALENDAR_KEYS = (OVERRIDES_KEY, YEARS_KEY, POLICY_KEY)


def _schedules(value: Any) -> dict[int, dict[date, bool]]:
    """The loaded years' days; a year stored before the current checks that fails them counts as not loaded
    (its deadlines are flagged) instead of failing every request."""
    out: dict[int, dict[date, bool]] = {}
    for year, schedule in (value or {}).items():
        try:
            out[int(year)] = days(normalize(int(year), schedule))
        except (FormDataInvalid, TypeError, ValueError, KeyError):
            current_app.logger.warning("calendar_years: the stored %s schedule is invalid; the year is treated "
                                       "as not loaded", year)
    return out


def build_calendar(values: dict[str, Any] | None = None, org_id: int | None = None) -> WorkingCalendar:
    """A calendar from the app's config and the settings in force for ``org_id`` (default: the case being worked,
    else the caller's bureau), or the given ``values`` of ``CALENDAR_KEYS`` (e.g. as they stood at a past moment;
    see the module docstring)."""
    values = values if values is not None else {key: settings.get(key, org_id) for key in CALENDAR_KEYS}
    overrides = dict(current_app.config["CALENDAR_OVERRIDES"])
    overrides.update(values[OVERRIDES_KEY] or {})
    return WorkingCalendar(overrides={date.fromisoformat(k): bool(v) for k, v in overrides.items()},
                           unknown_year=values[POLICY_KEY], schedules=_schedules(values[YEARS_KEY]))


def normalize_setting(value: Any) -> dict[str, Any]:
    """The ``calendar_years`` setting value in stored form, checked as the year loader checks a year.

    Raises:
        FormDataInvalid: 422 naming the field (``2027.holidays``, ``2027.workdays[0].date``, ...).
        StateConflict: 409 when it adds or changes a year the holiday package has (corrections of single days
            go to ``calendar_overrides``).
    """
    stored, _ = settings.current(YEARS_KEY)
    for key in sorted(value, key=str) if isinstance(value, dict) else []:
        if (str(key).isdigit() and int(key) in package_years()
                and (key not in stored or _as_stored(int(key), value[key]) != stored[key])):
            raise StateConflict(f"the holiday package already has the official {key} schedule; "
                                "correct single days with the calendar_overrides setting")
    return normalize_years(value)


def _as_stored(year: int, schedule: Any) -> Any:
    try:
        return normalize(year, schedule)
    except FormDataInvalid:
        return None


def loaded_year(year: int) -> dict[str, Any]:
    """The stored schedule of a loaded year with the setting version; NotFound when not loaded."""
    check_year(year)
    value, version = settings.current(YEARS_KEY)
    if str(year) not in value:
        raise NotFound(f"no holiday schedule loaded for {year}"
                       + (" (the holiday package has it)" if year in package_years() else ""))
    return {"year": year, "version": version, **value[str(year)]}


def load_year(year: int, body: Any, actor: str, client_addr: str | None) -> dict[str, Any]:
    """Store ``year``'s official schedule as a new version of ``calendar_years``; no commit.

    Raises:
        FormDataInvalid: 422 naming the bad field (nothing stored).
        StateConflict: the holiday package already has the year (corrections go to ``calendar_overrides``).
    """
    check_year(year)
    if year in package_years():
        raise StateConflict(f"the holiday package already has the official {year} schedule; "
                            "correct single days with the calendar_overrides setting")
    schedule = normalize(year, body)
    value, _ = settings.current(YEARS_KEY)
    settings.put(YEARS_KEY, {**value, str(year): schedule}, actor, client_addr)
    return loaded_year(year)


def _beijing_year(at: datetime) -> int:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(clock.BEIJING).year


def status(org_id: int | None = None) -> dict[str, Any]:
    """What the calendar of ``org_id`` (default: the caller's bureau) knows, and the unknown years that the open
    deadlines of its cases fall in (for admins)."""
    from . import org_scope, orgs
    from .runtime import calendar

    org_id = org_id if org_id is not None else org_scope.effective_org()
    nodes = list(orgs.subtree(org_id))
    cal = calendar(org_id)
    today = clock.today()
    first_unknown = min((y for y in range(today.year, today.year + 50) if not cal.is_known_year(y)), default=None)
    in_use: dict[int, dict[str, int]] = {}
    if first_unknown is not None:
        since = datetime.combine(date(first_unknown, 1, 1), time(0), clock.BEIJING).astimezone(UTC)
        tasks = db.session.scalars(select(TaskRow.due_at).where(TaskRow.state == "ready", TaskRow.due_at >= since,
                                                                TaskRow.org_id.in_(nodes)))
        cases = db.session.scalars(select(Instance.due_at).where(Instance.status == "running",
                                                                 Instance.due_at >= since, Instance.org_id.in_(nodes)))
        for what, dues in (("tasks", tasks), ("instances", cases)):
            for due in dues:
                for year in cal.unknown_years(today, date(_beijing_year(due), 1, 1)):
                    entry = in_use.setdefault(year, {"tasks": 0, "instances": 0})
                    entry[what] += 1
    return {
        "today": today.isoformat(),
        "unknown_year_policy": cal.unknown_year,
        "package_years": {"from": package_years().start, "to": package_years().stop - 1},
        "loaded_years": cal.loaded_years(),
        "unknown_years_in_use": [{"year": y, "message": message(y, "en"), "message_zh": message(y, "zh"), **n}
                                 for y, n in sorted(in_use.items())],
        "current_year_known": cal.is_known_year(today.year),
        "next_year_known": cal.is_known_year(today.year + 1),
    }


def message(year: int, lang: str = "en") -> str:
    """The flag text for a year whose holidays are not loaded."""
    return f"{year}年节假日安排未载入" if lang == "zh" else f"calendar for {year} not loaded"
