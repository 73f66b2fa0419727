"""A loaded year's official schedule makes the year known; unknown years are named (deadline flag)."""
from __future__ import annotations

from datetime import date

import pytest

from engine.calendar import WorkingCalendar
from engine.errors import CalendarError, FormDataInvalid
from engine.holiday_schedule import days, normalize, validate_years

SCHEDULE = {"holidays": [{"from": "2027-01-01", "to": "2027-01-03", "name": "元旦"},
                         {"from": "2027-02-06", "to": "2027-02-12", "name": "春节"}, {"date": "2027-04-05", "name": "清明"},
                         {"date": "2027-05-01", "name": "劳动节"}, {"date": "2027-06-09", "name": "端午节"},
                         {"from": "2027-09-15", "to": "2027-09-15", "name": "中秋节"},
                         {"from": "2027-10-01", "to": "2027-10-07", "name": "国庆节"}],
            "workdays": [{"date": "2027-01-09", "name": "调休"}]}


def test_loaded_year_is_known_and_its_days_count__calendar_load_year():
    cal = WorkingCalendar(schedules={2027: days(normalize(2027, SCHEDULE))}, unknown_year="strict")
    assert cal.is_known_year(2027) and not cal.is_known_year(2028) and cal.loaded_years() == [2027]
    assert cal.is_working_day(date(2027, 1, 1)) is False  # holiday, a Friday
    assert cal.is_working_day(date(2027, 1, 9)) is True  # make-up Saturday
    assert cal.is_working_day(date(2027, 1, 4)) is True  # ordinary Monday, no error under strict
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    with pytest.raises(CalendarError, match="2028"):
        cal.is_working_day(date(2028, 1, 3))


def test_overrides_still_win_over_a_loaded_year():
    cal = WorkingCalendar({date(2027, 1, 4): False}, schedules={2027: days(normalize(2027, SCHEDULE))})
    assert cal.is_working_day(date(2027, 1, 4)) is False


def test_unknown_years_between_two_dates__calendar_unknown_year():
    cal = WorkingCalendar()
    assert cal.unknown_years(date(2026, 11, 30), date(2027, 2, 28)) == [2027]
    assert cal.unknown_years(date(2028, 3, 1), date(2026, 1, 1)) == [2027, 2028]
    assert cal.unknown_years(date(2026, 1, 1), date(2026, 12, 31)) == []
    loaded = WorkingCalendar(schedules={2027: {}})
    assert loaded.unknown_years(date(2026, 11, 30), date(2028, 1, 5)) == [2028]


def test_schedule_validation_names_the_field():
    with pytest.raises(FormDataInvalid) as exc:
        normalize(2027, {"holidays": ["2027-13-01", "2026-12-31"], "workdays": ["2027-01-02", "2027-01-05"],
                         "extra": 1})
    errors = exc.value.errors
    assert set(errors) == {"holidays[0].date", "holidays[1].date", "workdays[1]", "extra", "holidays"}
    with pytest.raises(FormDataInvalid) as exc:
        normalize(2027, {"holidays": [{"from": "2027-01-01", "to": "2027-01-03"}], "workdays": ["2027-01-02"]})
    assert "also a holiday" in exc.value.errors["workdays[0]"][0]
    with pytest.raises(FormDataInvalid, match="year"):
        validate_years({"next": SCHEDULE})
    assert validate_years({"2027": normalize(2027, SCHEDULE)})[2027][date(2027, 1, 2)] is False


def test_schedule_days_must_lie_in_their_year():
    with pytest.raises(ValueError, match="outside"):
        WorkingCalendar(schedules={2027: {date(2028, 1, 1): False}})


def test_a_partial_year_is_refused_naming_the_missing_holidays__calendar_load_year():
    with pytest.raises(FormDataInvalid) as exc:
        normalize(2027, {"holidays": [{"date": "2027-10-01", "name": "国庆节"}, "2027-01-01"]})
    message = " ".join(exc.value.errors["holidays"])
    assert "元旦" in message and "春节" in message and "清明节" in message and "国庆节" not in message
    combined = {**SCHEDULE, "holidays": [h for h in SCHEDULE["holidays"] if h["name"] not in ("中秋节", "国庆节")]
                + [{"from": "2027-10-01", "to": "2027-10-08", "name": "国庆节、中秋节"}]}
    with pytest.raises(FormDataInvalid):
        normalize(2027, {**SCHEDULE, "holidays": SCHEDULE["holidays"][1:]})
    assert normalize(2027, combined)["holidays"][-1]["name"] == "国庆节、中秋节"  # one period may name two
