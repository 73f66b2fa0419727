"""Bureau overrides win; years the package does not know follow the policy."""

from __future__ import annotations

from datetime import date

import pytest

from engine.calendar import WorkingCalendar
from engine.errors import CalendarError


def test_override_turns_a_working_day_into_a_holiday():
    cal = WorkingCalendar({date(2024, 10, 9): False})
    assert cal.is_working_day(date(2024, 10, 9)) is False
    # Fri 9-27 + 7: 9-29, 9-30, 10-8, 10-10, 10-11, 10-12, 10-14
    assert cal.add_working_days(date(2024, 9, 27), 7) == date(2024, 10, 14)


def test_override_turns_a_holiday_into_a_working_day():
    cal = WorkingCalendar({date(2024, 10, 7): True})
    assert cal.is_working_day(date(2024, 10, 7)) is True
    assert cal.add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 7)


def test_overrides_are_copied():
    source = {date(2024, 10, 9): False}
    cal = WorkingCalendar(source)
    source[date(2024, 10, 9)] = True
    assert cal.is_working_day(date(2024, 10, 9)) is False


def test_override_values_must_be_bool():
    with pytest.raises(TypeError):
        WorkingCalendar({date(2024, 10, 9): "no"})


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="unknown_year"):
        WorkingCalendar(unknown_year="guess")


def test_unknown_year_weekends_policy_uses_mon_to_fri():
    cal = WorkingCalendar()
    assert cal.is_working_day(date(2027, 1, 4)) is True  # Monday
    assert cal.is_working_day(date(2027, 1, 1)) is True  # Friday; no package data, no override
    assert cal.is_working_day(date(2027, 1, 2)) is False  # Saturday
    assert cal.is_working_day(date(2027, 1, 3)) is False  # Sunday
    # Thu 2026-12-31 + 2: Fri 2027-01-01, Mon 2027-01-04
    assert cal.add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 4)


def test_unknown_year_weekends_policy_with_loaded_schedule():
    # a bureau loads New Year 2027 before the package knows it
    cal = WorkingCalendar({date(2027, 1, 1): False, date(2027, 1, 2): True})
    assert cal.is_working_day(date(2027, 1, 1)) is False
    assert cal.is_working_day(date(2027, 1, 2)) is True
    assert cal.add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 4)


def test_unknown_year_strict_policy_raises_naming_the_year():
    cal = WorkingCalendar(unknown_year="strict")
    with pytest.raises(CalendarError, match="2027"):
        cal.is_working_day(date(2027, 1, 4))
    with pytest.raises(CalendarError, match="2027"):
        cal.add_working_days(date(2026, 12, 30), 3)
    # inside known years strict changes nothing
    assert cal.add_working_days(date(2024, 9, 27), 7) == date(2024, 10, 12)


def test_unknown_year_strict_policy_accepts_overridden_dates():
    cal = WorkingCalendar({date(2027, 1, 4): True}, unknown_year="strict")
    assert cal.is_working_day(date(2027, 1, 4)) is True
    with pytest.raises(CalendarError):
        cal.is_working_day(date(2027, 1, 5))


def test_years_before_the_package_follow_the_policy_too():
    assert WorkingCalendar().is_working_day(date(2003, 12, 29)) is True  # Monday
    with pytest.raises(CalendarError, match="2003"):
        WorkingCalendar(unknown_year="strict").is_working_day(date(2003, 12, 29))
