"""Building the working-day calendar from the calendar settings (the cached calendars live in runtime.py).

The calendar is the holiday package (``chinese_calendar``), plus the years a bureau loaded (setting
``calendar_years``), plus its day overrides (``calendar_overrides``, which always win), under the unknown-year
policy (``calendar_unknown_year``). :func:`build_calendar` also takes the settings as they stood at a past moment
(the replay of ``verify``). Loading years and the calendar status are in calendar_years.py.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app

from engine.calendar import WorkingCalendar
from engine.errors import FormDataInvalid
from engine.holiday_schedule import days, normalize

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


def calendar_settings(org_id: int | None = None) -> dict[str, tuple[Any, int, datetime | None]]:
    """Each of ``CALENDAR_KEYS`` in force for ``org_id`` (default as :func:`build_calendar`): (value, version,
    when that version took effect; None for the built-in default, version 0)."""
    return {key: settings.stamped(key, org_id) for key in CALENDAR_KEYS}


def build_calendar(values: dict[str, Any] | None = None, org_id: int | None = None) -> WorkingCalendar:
    """A calendar from the app's config and the settings in force for ``org_id`` (default: the case being worked,
    else the caller's bureau), or the given ``values`` of ``CALENDAR_KEYS`` (e.g. as they stood at a past moment)."""
    values = values if values is not None else {key: settings.get(key, org_id) for key in CALENDAR_KEYS}
    overrides = dict(current_app.config["CALENDAR_OVERRIDES"])
    overrides.update(values[OVERRIDES_KEY] or {})
    return WorkingCalendar(overrides={date.fromisoformat(k): bool(v) for k, v in overrides.items()},
                           unknown_year=values[POLICY_KEY], schedules=_schedules(values[YEARS_KEY]))
