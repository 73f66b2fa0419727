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

import bisect
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


#: per-year cumulative tables shared between calendars with the same data for that year (see
#: :meth:`WorkingCalendar._table`); never mutated once built
_SHARED_TABLES: dict[tuple, list[int]] = {}
_SHARED_TABLES_MAX = 512


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
        # years whose working days are not plain Monday–Friday somewhere, and their per-day tables (lazily)
        self._special_set = set(_PACKAGE_YEARS) | set(self._schedules) | {d.year for d in self._overrides}
        self._special = sorted(self._special_set)
        self._tables: dict[int, list[int] | None] = {}

    def __getstate__(self) -> dict:
        """Pickled (to the script sandbox) without the per-year tables: they are rebuilt on use."""
        return {**self.__dict__, "_tables": {}}

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

        ``n == 0`` returns ``start`` even when it is not a working day. Whole years are skipped by their
        working-day totals and the day inside the last one is found by bisection over the cumulative
        counts (see :meth:`working_days_between`); the result is the day-by-day walk's.
        Raises ValueError for negative ``n``, TypeError for a non-int ``n``,
        CalendarError as :meth:`is_working_day`.
        """
        start = _as_date(start, "start")
        _check_count(n)
        day, remaining = start, n  # ``day``: the last day counted
        while remaining:
            year = (day + dt.timedelta(days=1)).year
            if not self._countable(year):
                return self._walk_add(start, n)  # strict policy, a year nobody knows: the walk raises as before
            year_end = dt.date(year, 12, 31)
            left_in_year = self._count(day, year_end)
            if left_in_year < remaining:
                remaining -= left_in_year
                day = year_end
                continue
            low, high = 1, (year_end - day).days  # the smallest offset whose count reaches ``remaining``
            while low < high:
                middle = (low + high) // 2
                if self._count(day, day + dt.timedelta(days=middle)) >= remaining:
                    high = middle
                else:
                    low = middle + 1
            return day + dt.timedelta(days=low)
        return day

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Number of working days in the half-open interval ``(a, b]``; 0 when ``b <= a``.

        Closed form: Monday–Friday days by arithmetic on the ordinals, plus each year's departures from
        Monday–Friday (holidays, make-up days, overrides, loaded schedules) as cumulative per-day tables built
        once per year and calendar, so a difference costs O(1) per year spanned that has departures.
        Raises CalendarError as :meth:`is_working_day`.
        """
        a = _as_date(a, "a")
        b = _as_date(b, "b")
        if b <= a:
            return 0
        if not all(self._countable(year) for year in range(a.year, b.year + 1)):
            return self._walk_between(a, b)  # strict policy over a year nobody knows: the walk raises as before
        return self._count(a, b)

    def _countable(self, year: int) -> bool:
        """True when every day of ``year`` has an answer without raising (the closed form may be used)."""
        return self.unknown_year == "weekends" or self.is_known_year(year)

    def _count(self, a: dt.date, b: dt.date) -> int:
        """Working days in ``(a, b]`` for ``a <= b`` in countable years: weekdays plus the years' departures."""
        count = _weekdays_through(b) - _weekdays_through(a)
        if a.year == b.year:
            return count + self._departures(b) - self._departures(a)
        if (a.month, a.day) != (12, 31):  # the rest of a's year (none left on 31 December: no table needed)
            count += self._year_departures(a.year) - self._departures(a)
        count += self._departures(b)
        for year in self._special_years(a.year + 1, b.year):
            count += self._year_departures(year)
        return count

    def _special_years(self, first: int, stop: int) -> list[int]:
        """Years in ``[first, stop)`` whose working days differ from Monday–Friday somewhere."""
        special = self._special
        return special[bisect.bisect_left(special, first):bisect.bisect_left(special, stop)]

    def _departures(self, d: dt.date) -> int:
        """Working days minus Monday–Friday days from 1 January of ``d``'s year to ``d`` (both included)."""
        table = self._table(d.year)
        return table[d.toordinal() - dt.date(d.year, 1, 1).toordinal() + 1] if table else 0

    def _year_departures(self, year: int) -> int:
        table = self._table(year)
        return table[-1] if table else 0

    def _table(self, year: int) -> list[int] | None:
        """The cumulative departures of ``year`` by day of the year (index 0: none yet); None when none.

        A year's table depends only on that year's overrides, its loaded schedule and the package's data, so
        calendars built with the same ones (a replay builds one per calendar version it meets) share it."""
        if year not in self._tables:
            table = None
            if year in self._special_set:
                key = (year, self.unknown_year, tuple(sorted((d, v) for d, v in self._overrides.items() if d.year == year)),
                       tuple(sorted(self._schedules[year].items())) if year in self._schedules else None)
                table = _SHARED_TABLES.get(key)
                if table is None:
                    table = [0]
                    day = dt.date(year, 1, 1)
                    while day.year == year:
                        table.append(table[-1] + int(self.is_working_day(day)) - int(day.weekday() < 5))
                        day += dt.timedelta(days=1)
                    if len(_SHARED_TABLES) >= _SHARED_TABLES_MAX:
                        _SHARED_TABLES.clear()
                    _SHARED_TABLES[key] = table
            self._tables[year] = table
        return self._tables[year]

    def _walk_add(self, start: dt.date, n: int) -> dt.date:
        day, remaining = start, n
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def _walk_between(self, a: dt.date, b: dt.date) -> int:
        count, day = 0, a
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


def _weekdays_through(d: dt.date) -> int:
    """Monday–Friday days from 0001-01-01 (a Monday) to ``d``, both included."""
    weeks, rest = divmod(d.toordinal(), 7)
    return 5 * weeks + min(rest, 5)


def _add_calendar_days(start: dt.date, n: int) -> dt.date:
    _check_count(n)
    return start + dt.timedelta(days=n)
