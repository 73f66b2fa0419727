"""Working days follow the official schedule: holidays off, 调休 make-up days on."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from engine.calendar import WorkingCalendar, package_years


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.mark.parametrize("day", [date(2024, 10, d) for d in range(1, 8)])
def test_national_day_2024_is_off(cal, day):
    assert cal.is_working_day(day) is False


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2024, 9, 29), True),  # Sunday, make-up working day
        (date(2024, 10, 12), True),  # Saturday, make-up working day
        (date(2024, 9, 28), False),  # ordinary Saturday
        (date(2024, 10, 13), False),  # ordinary Sunday
        (date(2024, 10, 8), True),  # Tuesday after the holiday
    ],
)
def test_national_day_2024_make_up_and_weekends(cal, day, working):
    assert cal.is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 26), True),  # Sunday, make-up working day
        (date(2025, 2, 8), True),  # Saturday, make-up working day
        (date(2025, 1, 28), False),  # 除夕
        (date(2025, 2, 4), False),  # last day of the holiday
        (date(2025, 2, 5), True),
        (date(2025, 2, 9), False),  # ordinary Sunday
    ],
)
def test_spring_festival_2025(cal, day, working):
    assert cal.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Fri 9-27 -> 9-29(Sun,1) 9-30(2) 10-8(3) 10-9(4) 10-10(5) 10-11(6) 10-12(Sat,7)
        (date(2024, 9, 27), date(2024, 10, 12)),
        # Mon 9-30 -> 10-8(1) 9 10 11 12(Sat,5) 14(6) 15(7)
        (date(2024, 9, 30), date(2024, 10, 15)),
        # Fri 1-24 -> 1-26(Sun,1) 1-27(2) 2-5(3) 2-6(4) 2-7(5) 2-8(Sat,6) 2-10(7)
        (date(2025, 1, 24), date(2025, 2, 10)),
        # Mon 1-27 -> 2-5(1) 2-6(2) 2-7(3) 2-8(4) 2-10(5) 2-11(6) 2-12(7)
        (date(2025, 1, 27), date(2025, 2, 12)),
        # start inside the holiday: 10-8(1) ... 10-12(5) 10-14(6) 10-15(7)
        (date(2024, 10, 3), date(2024, 10, 15)),
    ],
)
def test_add_seven_working_days_across_holidays(cal, start, expected):
    assert cal.add_working_days(start, 7) == expected
    assert cal.due_date(start, 7, "working_days") == expected


def test_add_zero_returns_start_even_on_a_holiday(cal):
    assert cal.add_working_days(date(2024, 10, 1), 0) == date(2024, 10, 1)


def test_add_one_from_the_eve_lands_on_make_up_sunday(cal):
    assert cal.add_working_days(date(2024, 9, 27), 1) == date(2024, 9, 29)


def test_negative_n_is_refused(cal):
    with pytest.raises(ValueError):
        cal.add_working_days(date(2024, 10, 1), -1)
    with pytest.raises(ValueError):
        cal.due_date(date(2024, 10, 1), -1, "days")


def test_working_days_between_is_half_open(cal):
    # (9-27, 10-12]: 9-29, 9-30, 10-8..10-12 = 7
    assert cal.working_days_between(date(2024, 9, 27), date(2024, 10, 12)) == 7
    # (9-30, 10-7] is all holiday
    assert cal.working_days_between(date(2024, 9, 30), date(2024, 10, 7)) == 0
    assert cal.working_days_between(date(2024, 10, 12), date(2024, 9, 27)) == 0
    assert cal.working_days_between(date(2024, 10, 8), date(2024, 10, 8)) == 0


def test_between_inverts_add(cal):
    start = date(2025, 1, 20)
    for n in range(0, 30):
        assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


def test_due_date_in_calendar_days_ignores_holidays(cal):
    assert cal.due_date(date(2024, 9, 30), 3, "days") == date(2024, 10, 3)


def test_due_date_unknown_unit(cal):
    with pytest.raises(ValueError, match="unit"):
        cal.due_date(date(2024, 9, 30), 3, "weeks")


def test_datetime_is_cut_to_its_date(cal):
    assert cal.add_working_days(datetime(2024, 9, 27, 18, 30), 1) == date(2024, 9, 29)


def test_known_years_match_the_package(cal):
    years = cal.known_years()
    assert years == package_years()
    assert 2004 in years and 2026 in years
    assert 2027 not in years and 2003 not in years
