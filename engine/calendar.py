"""Working-day calendar for legal time limits (公示 7/20 working days, ALL 42, ALL 82).

The official schedule comes from the ``chinese_calendar`` package, which knows
the State Council's holiday notices for a fixed range of years (2004–2026 in
version 1.11). Within that range:

* statutory holidays (法定节假日, including the days moved into them) are not
  working days;
* 调休 make-up working days (e.g. Sunday 2024-09-29, Saturday 2024-10-12) ARE
  working days;
* other Saturdays and Sundays are not working days.

**Overrides** (``date -> True`` working / ``False`` holiday) are maintained by the
bureau and always win over the package, in every year.

**Loaded years** (``schedules``: ``year -> {date: True | False}``) are official schedules a
bureau loads for a year the package does not know yet (the State Council notice: holidays
and 调休 make-up working days, see :mod:`engine.holiday_schedule`). Such a year is *known*:
its days are the schedule's, else Monday–Friday; overrides still win.

**Years neither the package nor a loaded schedule knows** follow the ``unknown_year`` policy
(a deadline falling in such a year is computed but flagged: :meth:`WorkingCalendar.unknown_years`):

* ``"weekends"`` (default): Monday–Friday are working days, Saturday and Sunday
  are not, and overrides apply. A bureau loads next year's official schedule
  as overrides (holidays as ``False``, make-up Saturdays/Sundays as ``True``)
  before the package is updated, and deadlines come out right.
* ``"strict"``: asking about such a date raises :class:`CalendarError` naming
  the year, unless that very date has an override.

Pure: no IO. Callers read overrides from wherever they keep them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import chinese_calendar

from engine.errors import CalendarError

UNKNOWN_YEAR_POLICIES = ("weekends", "strict")
UNITS = ("working_days", "days")

_PACKAGE_YEARS = range(
    min(chinese_calendar.holidays).year,
    max(chinese_calendar.holidays).year + 1,
)


def package_years() -> range:
    """The years ``chinese_calendar`` has official data for (e.g. ``range(2004, 2027)``)."""
    return _PACKAGE_YEARS


def _as_date(value: object, what: str) -> dt.date:
    """Return ``value`` as a plain date; a datetime is cut to its date.

    Raises TypeError when ``value`` is not a date.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"{what} must be a date, got {type(value).__name__}")


class WorkingCalendar:
    """Answers "is this a working day" and adds working days, with overrides.

    ``overrides`` maps a date to ``True`` (working) or ``False`` (holiday); it is
    copied, so later changes to the caller's mapping are not seen.
    ``unknown_year`` is ``"weekends"`` or ``"strict"`` (see the module docstring).
    ``schedules`` maps a loaded year to its days (``True`` working / ``False`` holiday).

    Raises TypeError for a non-date key or non-bool value in ``overrides`` or a schedule,
    ValueError for an unknown policy or a schedule day outside its year.
    """

    def __init__(
        self, overrides: Mapping[dt.date, bool] | None = None, unknown_year: str = "weekends",
        schedules: Mapping[int, Mapping[dt.date, bool]] | None = None,
    ) -> None:
        if unknown_year not in UNKNOWN_YEAR_POLICIES:
            raise ValueError(f"unknown_year must be one of {UNKNOWN_YEAR_POLICIES}, got {unknown_year!r}")
        self.unknown_year = unknown_year
        self._overrides = _day_map(overrides or {}, "override")
        self._schedules: dict[int, dict[dt.date, bool]] = {}
        for year, days in (schedules or {}).items():
            self._schedules[int(year)] = _day_map(days, f"schedule {year}")
            if any(day.year != int(year) for day in self._schedules[int(year)]):
                raise ValueError(f"schedule {year} has days outside {year}")

    @property
    def overrides(self) -> dict[dt.date, bool]:
        """A copy of the overrides in force."""
        return dict(self._overrides)

    def known_years(self) -> range:
        """Years with an official schedule from the package (overrides and loaded years not counted)."""
        return _PACKAGE_YEARS

    def loaded_years(self) -> list[int]:
        """Years with an official schedule loaded by the bureau, ascending."""
        return sorted(self._schedules)

    def is_known_year(self, year: int) -> bool:
        """True when the package or a loaded schedule has the year's official holidays."""
        return year in _PACKAGE_YEARS or year in self._schedules

    def unknown_years(self, a: dt.date, b: dt.date) -> list[int]:
        """The years from ``a`` to ``b`` (either order, both included) whose holidays nobody knows.

        A working-day count or deadline across them is a guess (Monday–Friday under the
        ``weekends`` policy) and should be flagged.
        """
        a, b = sorted((_as_date(a, "a"), _as_date(b, "b")))
        return [y for y in range(a.year, b.year + 1) if not self.is_known_year(y)]

    def with_policy(self, unknown_year: str) -> WorkingCalendar:
        """The same calendar under another unknown-year policy."""
        return WorkingCalendar(self._overrides, unknown_year, self._schedules)

    def is_working_day(self, d: dt.date) -> bool:
        """True when ``d`` is a working day.

        Raises CalendarError under the ``"strict"`` policy for a date in a year the
        package does not know and that has no override; TypeError for a non-date.
        """
        d = _as_date(d, "d")
        override = self._overrides.get(d)
        if override is not None:
            return override
        loaded = self._schedules.get(d.year)
        if loaded is not None:
            return loaded.get(d, d.weekday() < 5)
        if d.year in _PACKAGE_YEARS:
            return chinese_calendar.is_workday(d)
        if self.unknown_year == "strict":
            raise CalendarError(
                f"no official holiday schedule for year {d.year} "
                f"(known: {_PACKAGE_YEARS.start}-{_PACKAGE_YEARS.stop - 1}); "
                f"load the {d.year} schedule, add overrides for {d.year} or use the 'weekends' policy"
            )
        return d.weekday() < 5

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (``start`` itself not counted).

        ``n == 0`` returns ``start`` even when it is not a working day.
        Raises ValueError for negative ``n``, TypeError for a non-int ``n``,
        CalendarError as :meth:`is_working_day`.
        """
        start = _as_date(start, "start")
        _check_count(n)
        day = start
        remaining = n
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Number of working days in the half-open interval ``(a, b]``; 0 when ``b <= a``.

        Raises CalendarError as :meth:`is_working_day`.
        """
        a = _as_date(a, "a")
        b = _as_date(b, "b")
        count = 0
        day = a
        while day < b:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def due_date(self, start: dt.date, n: int, unit: str = "working_days") -> dt.date:
        """The date a limit of ``n`` ``unit`` starting on ``start`` falls due.

        ``unit`` is ``"working_days"`` (see :meth:`add_working_days`) or ``"days"``
        (calendar days: ``start + n``; a limit falling on a holiday is NOT moved).
        Raises ValueError for an unknown unit or negative ``n``, CalendarError as
        :meth:`is_working_day`.
        """
        adder = self._units().get(unit)
        if adder is None:
            raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
        return adder(_as_date(start, "start"), n)

    def _units(self) -> dict[str, Callable[[dt.date, int], dt.date]]:
        return {"working_days": self.add_working_days, "days": _add_calendar_days}


def _day_map(days: Mapping[dt.date, bool], what: str) -> dict[dt.date, bool]:
    out: dict[dt.date, bool] = {}
    for day, working in days.items():
        if not isinstance(working, bool):
            raise TypeError(f"{what} for {day} must be True or False, got {working!r}")
        out[_as_date(day, f"{what} key")] = working
    return out


def _check_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")


def _add_calendar_days(start: dt.date, n: int) -> dt.date:
    _check_count(n)
    return start + dt.timedelta(days=n)
