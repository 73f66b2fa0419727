"""The working-day calendar the service uses, the years it knows, and loading a year's official schedule.

The calendar is the holiday package (``chinese_calendar``), plus the years a bureau loaded
(setting ``calendar_years``, one request per year: ``PUT /api/v1/calendar/years/<year>``),
plus the bureau's day overrides (``calendar_overrides``, which always win), under the
unknown-year policy (setting ``calendar_unknown_year``). A deadline reaching a year nobody
knows is computed (Monday–Friday) but flagged (``api.services.deadlines.calendar_warning``)
and listed for admins by :func:`status`. Nothing here commits.

The ``calendar_years`` setting is always stored in the loader's form: a value PUT through
``/api/v1/settings/calendar_years`` goes through the same checks (``settings.normalize_years_setting``, 422 naming
the field, 409 for a year the package has) and is stored normalised. ``calendars.build_calendar`` also
takes the settings as they stood at a past moment (the replay of ``verify``).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select

from engine import clock
from engine.calendar import package_years
from engine.errors import NotFound, StateConflict
from engine.holiday_schedule import check_year, normalize

from ..extensions import db
from ..models import Instance, TaskRow
from . import org_scope, orgs, settings
from .calendars import YEARS_KEY
from .runtime import calendar


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
