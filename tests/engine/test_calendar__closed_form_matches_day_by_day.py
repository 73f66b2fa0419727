"""Working-day counts and additions come from cumulative ordinals (O(1) per difference), and must equal the
day-by-day count over the same calendar: random date pairs across holidays, make-up days, overrides, year
ends, loaded years and years nobody knows, under both unknown-year policies."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from engine.calendar import WorkingCalendar
from engine.errors import CalendarError


def day_by_day_between(cal: WorkingCalendar, a: dt.date, b: dt.date) -> int:
    count, day = 0, a
    while day < b:
        day += dt.timedelta(days=1)
        if cal.is_working_day(day):
            count += 1
    return count


def day_by_day_add(cal: WorkingCalendar, start: dt.date, n: int) -> dt.date:
    day, remaining = start, n
    while remaining:
        day += dt.timedelta(days=1)
        if cal.is_working_day(day):
            remaining -= 1
    return day


def outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except CalendarError as exc:
        return ("CalendarError", str(exc))


OVERRIDES = {
    dt.date(2024, 12, 31): False, dt.date(2025, 1, 1): True, dt.date(2024, 12, 28): True,  # around a year end
    dt.date(2025, 10, 1): True, dt.date(2025, 6, 4): False, dt.date(2026, 12, 31): False,
    dt.date(2027, 1, 1): True, dt.date(2027, 1, 2): True, dt.date(2027, 12, 31): False,  # an unknown year
    dt.date(2028, 2, 29): False, dt.date(2030, 6, 15): True, dt.date(2003, 12, 31): False,
}
SCHEDULE_2029 = {dt.date(2029, 1, 1): False, dt.date(2029, 2, 3): True, dt.date(2029, 10, 1): False,
                 dt.date(2029, 12, 31): False}


def calendars() -> list[WorkingCalendar]:
    return [
        WorkingCalendar(),
        WorkingCalendar(OVERRIDES),
        WorkingCalendar(OVERRIDES, schedules={2029: SCHEDULE_2029}),
        WorkingCalendar(OVERRIDES, unknown_year="strict", schedules={2029: SCHEDULE_2029}),
        WorkingCalendar(unknown_year="strict"),
    ]


def random_day(rng: random.Random) -> dt.date:
    if rng.random() < 0.25:  # a year end or start, where the per-year tables meet
        year = rng.randint(2002, 2031)
        return dt.date(year, 12, 31) - dt.timedelta(days=rng.randint(0, 3)) if rng.random() < 0.5 \
            else dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 3))
    return dt.date(2002, 1, 1) + dt.timedelta(days=rng.randint(0, 30 * 366))


@pytest.mark.parametrize("which", range(5))
def test_working_days_between_equals_the_day_by_day_count(which):
    cal = calendars()[which]
    rng = random.Random(1000 + which)
    for _ in range(1500):
        a = random_day(rng)
        b = a + dt.timedelta(days=rng.randint(-40, 800)) if rng.random() < 0.8 else random_day(rng)
        assert outcome(cal.working_days_between, a, b) == outcome(day_by_day_between, cal, a, b), (a, b)


@pytest.mark.parametrize("which", range(5))
def test_add_working_days_equals_the_day_by_day_walk(which):
    cal = calendars()[which]
    rng = random.Random(2000 + which)
    for _ in range(1500):
        start = random_day(rng)
        n = rng.choice([0, 1, 2, 5, 7, 20, rng.randint(0, 600)])
        assert outcome(cal.add_working_days, start, n) == outcome(day_by_day_add, cal, start, n), (start, n)


def test_a_datetime_counts_as_its_date_and_reversed_ranges_are_zero():
    cal = WorkingCalendar(OVERRIDES)
    a, b = dt.datetime(2024, 12, 20, 23, 59), dt.datetime(2025, 1, 10, 0, 1)
    assert cal.working_days_between(a, b) == day_by_day_between(cal, a.date(), b.date())
    assert cal.working_days_between(b, a) == 0
    assert cal.working_days_between(a, a) == 0


def test_every_pair_within_two_year_ends_matches():
    """Exhaustive over a window holding a year end, overrides on both sides and a make-up day."""
    cal = WorkingCalendar(OVERRIDES)
    days = [dt.date(2024, 12, 1) + dt.timedelta(days=i) for i in range(75)]
    for a in days:
        for b in days:
            assert cal.working_days_between(a, b) == day_by_day_between(cal, a, b), (a, b)


def test_calendars_share_a_years_table_only_when_that_years_data_is_the_same():
    """A replay builds one calendar per calendar version it meets; their per-year tables are shared by content,
    so two calendars that differ in one year's overrides or loaded schedule must still count that year apart."""
    holiday = dt.date(2025, 10, 13)  # a Monday the bureau closed
    plain = WorkingCalendar()
    again = WorkingCalendar()
    closed = WorkingCalendar({holiday: False})
    loaded_a = WorkingCalendar(schedules={2031: {dt.date(2031, 1, 2): False}})
    loaded_b = WorkingCalendar(schedules={2031: {dt.date(2031, 1, 3): False}})
    a, b = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    assert plain.working_days_between(a, b) == day_by_day_between(plain, a, b)
    assert again.working_days_between(a, b) == day_by_day_between(again, a, b)
    assert closed.working_days_between(a, b) == day_by_day_between(closed, a, b) == \
        plain.working_days_between(a, b) - 1
    assert plain._table(2025) is again._table(2025)  # the same data: built once
    assert closed._table(2025) is not plain._table(2025)
    # the other years of the calendar with a 2025 override are the plain ones
    assert closed._table(2024) is plain._table(2024)
    c, d = dt.date(2031, 1, 1), dt.date(2031, 1, 10)
    assert loaded_a.working_days_between(c, d) == day_by_day_between(loaded_a, c, d)
    assert loaded_b.working_days_between(c, d) == day_by_day_between(loaded_b, c, d)
    assert loaded_a.add_working_days(c, 1) == dt.date(2031, 1, 3)
    assert loaded_b.add_working_days(c, 1) == dt.date(2031, 1, 2)
