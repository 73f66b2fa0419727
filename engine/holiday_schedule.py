"""A year's official holiday schedule (国务院办公厅关于某年部分节假日安排的通知), as a bureau loads it.

The body names the year's statutory holidays (single days or ``from``–``to`` periods, each
with a name such as 春节) and its 调休 make-up working days (Saturdays or Sundays that are
worked). :func:`normalize` checks it and returns the stored form; :func:`days` turns the
stored form into ``{date: True (working) | False (holiday)}`` for
:class:`engine.calendar.WorkingCalendar`. Pure: no IO.

Accepted items: ``"2027-01-01"``, ``{"date": "2027-01-01", "name": "元旦"}`` or
``{"from": "2027-02-06", "to": "2027-02-12", "name": "春节"}`` (holidays only).

A schedule is complete or refused: it names every statutory holiday of the year (元旦, 春节, 清明节,
劳动节, 端午节, 中秋节, 国庆节 — 全国年节及纪念日放假办法 art. 2), each with at least one date in the
year; one item may name several (``"国庆节、中秋节"``). A year loaded with only some of its
holidays would count as known and hide the deadlines computed on a guess.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from .errors import FormDataInvalid

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_PERIOD_DAYS = 31
MAX_NAME = 50
FIELDS = ("holidays", "workdays", "source")
WEEKDAYS_ZH = "一二三四五六日"
#: the statutory holidays every year's schedule names: (name, what an item's name may say instead)
STATUTORY_HOLIDAYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("元旦", ("元旦", "new year's day")),
    ("春节", ("春节", "spring festival")),
    ("清明节", ("清明", "tomb-sweeping day", "qingming")),
    ("劳动节", ("劳动节", "五一", "labour day", "labor day")),
    ("端午节", ("端午", "dragon boat festival")),
    ("中秋节", ("中秋", "mid-autumn festival")),
    ("国庆节", ("国庆", "national day")),
)


def check_year(year: Any) -> int:
    """The year as an int; FormDataInvalid (422, field ``year``) outside 2000–2100."""
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise FormDataInvalid({"year": [f"must be a year from {FIRST_YEAR} to {LAST_YEAR}"]},
                              "the year is invalid")
    return year


def _date(value: Any, year: int, where: str, errors: dict[str, list[str]]) -> dt.date | None:
    if not isinstance(value, str):
        errors.setdefault(where, []).append("expected a date as YYYY-MM-DD")
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        errors.setdefault(where, []).append(f"'{value}' is not a date (YYYY-MM-DD)")
        return None
    if len(value.strip()) != 10:
        errors.setdefault(where, []).append(f"'{value}' is not a date (YYYY-MM-DD)")
        return None
    if day.year != year:
        errors.setdefault(where, []).append(f"{day.isoformat()} is outside {year}")
        return None
    return day


def _name(item: dict[str, Any], where: str, errors: dict[str, list[str]]) -> str | None:
    name = item.get("name")
    if name is None:
        return None
    if not isinstance(name, str) or len(name.strip()) > MAX_NAME:
        errors.setdefault(f"{where}.name", []).append(f"must be text of at most {MAX_NAME} characters")
        return None
    return name.strip() or None


def _holiday(item: Any, year: int, where: str, errors: dict[str, list[str]]) -> dict[str, Any] | None:
    if isinstance(item, str):
        item = {"date": item}
    if not isinstance(item, dict):
        errors.setdefault(where, []).append("expected a date or {date | from, to, name}")
        return None
    unknown = sorted(set(item) - {"date", "from", "to", "name"})
    if unknown:
        errors.setdefault(where, []).append(f"unknown fields: {', '.join(unknown)}")
    if "date" in item and ("from" in item or "to" in item):
        errors.setdefault(where, []).append("give either date or from/to, not both")
        return None
    if "date" in item:
        start = end = _date(item["date"], year, f"{where}.date", errors)
    elif "from" in item and "to" in item:
        start = _date(item["from"], year, f"{where}.from", errors)
        end = _date(item["to"], year, f"{where}.to", errors)
    else:
        errors.setdefault(where, []).append("needs date, or from and to")
        return None
    name = _name(item, where, errors)
    if start is None or end is None:
        return None
    if end < start:
        errors.setdefault(where, []).append(f"from {start.isoformat()} is after to {end.isoformat()}")
        return None
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        errors.setdefault(where, []).append(f"a holiday period of more than {MAX_PERIOD_DAYS} days")
        return None
    return {"from": start.isoformat(), "to": end.isoformat(), "name": name}


def _workday(item: Any, year: int, where: str, errors: dict[str, list[str]]) -> dict[str, Any] | None:
    if isinstance(item, str):
        item = {"date": item}
    if not isinstance(item, dict) or "date" not in item:
        errors.setdefault(where, []).append("expected a date or {date, name}")
        return None
    unknown = sorted(set(item) - {"date", "name"})
    if unknown:
        errors.setdefault(where, []).append(f"unknown fields: {', '.join(unknown)}")
    day = _date(item["date"], year, f"{where}.date", errors)
    name = _name(item, where, errors)
    if day is None:
        return None
    if day.weekday() < 5:
        errors.setdefault(where, []).append(
            f"{day.isoformat()} is a weekday (星期{WEEKDAYS_ZH[day.weekday()]}), already a working day; "
            "a make-up working day (调休) is a Saturday or Sunday")
        return None
    return {"date": day.isoformat(), "name": name}


def _span(start: str, end: str) -> list[dt.date]:
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


def normalize(year: Any, body: Any) -> dict[str, Any]:
    """The stored form of a year's schedule: ``{"holidays": [{from, to, name}], "workdays": [{date, name}],
    "source": str | None}``.

    Raises:
        FormDataInvalid: 422 naming each bad field (``holidays[2].to``, ``workdays[0]``, ...): not a date,
            outside the year, from after to, a workday on a weekday, a day both holiday and workday,
            no holidays, unknown fields. Nothing is stored then.
    """
    year = check_year(year)
    if not isinstance(body, dict):
        raise FormDataInvalid({"body": ["expected {holidays: [...], workdays: [...], source}"]})
    errors: dict[str, list[str]] = {}
    for key in sorted(set(body) - set(FIELDS)):
        errors[key] = ["unknown field"]
    holidays_in, workdays_in = body.get("holidays"), body.get("workdays", [])
    if not isinstance(holidays_in, list) or not holidays_in:
        errors.setdefault("holidays", []).append("required: a non-empty list of holiday dates or periods")
        holidays_in = []
    if not isinstance(workdays_in, list):
        errors.setdefault("workdays", []).append("expected a list of make-up working days")
        workdays_in = []
    source = body.get("source")
    if source is not None and (not isinstance(source, str) or len(source) > 200):
        errors.setdefault("source", []).append("must be text of at most 200 characters (the notice's title)")
    holidays = [_holiday(item, year, f"holidays[{i}]", errors) for i, item in enumerate(holidays_in)]
    workdays = [_workday(item, year, f"workdays[{i}]", errors) for i, item in enumerate(workdays_in)]
    off: dict[dt.date, str] = {}
    for i, period in enumerate(holidays):
        if period is not None:
            for day in _span(period["from"], period["to"]):
                off.setdefault(day, f"holidays[{i}]" + (f" {period['name']}" if period["name"] else ""))
    for i, work in enumerate(workdays):
        if work is not None and dt.date.fromisoformat(work["date"]) in off:
            errors.setdefault(f"workdays[{i}]", []).append(
                f"{work['date']} is also a holiday ({off[dt.date.fromisoformat(work['date'])]})")
    named = " ".join((p["name"] or "").lower() for p in holidays if p is not None)
    missing = [name for name, spellings in STATUTORY_HOLIDAYS if not any(s in named for s in spellings)]
    if missing and "holidays" not in errors:
        errors["holidays"] = [f"incomplete: the official schedule names every statutory holiday; missing "
                              f"{'、'.join(missing)} (give each item its name, e.g. {{\"from\": ..., \"to\": ..., "
                              f"\"name\": \"{missing[0]}\"}})"]
    if errors:
        raise FormDataInvalid(errors, f"the {year} holiday schedule is invalid")
    return {"holidays": holidays, "workdays": workdays, "source": (source or "").strip() or None}


def days(schedule: dict[str, Any]) -> dict[dt.date, bool]:
    """``{date: False}`` for every holiday, ``{date: True}`` for every make-up working day."""
    out: dict[dt.date, bool] = {}
    for period in schedule.get("holidays") or []:
        for day in _span(period["from"], period["to"]):
            out[day] = False
    for work in schedule.get("workdays") or []:
        out[dt.date.fromisoformat(work["date"])] = True
    return out


def normalize_years(value: Any) -> dict[str, dict[str, Any]]:
    """The stored form of a whole ``calendar_years`` setting value ``{"2027": schedule, ...}``: each year's
    schedule as :func:`normalize` returns it, under its year as a string.

    Raises:
        FormDataInvalid: a key is not a year or a schedule is invalid (fields prefixed with the year, e.g.
            ``2027.holidays[0]``); nothing is stored then.
    """
    if not isinstance(value, dict):
        raise FormDataInvalid({"value": ["expected {year: {holidays, workdays, source}}"]})
    out: dict[str, dict[str, Any]] = {}
    errors: dict[str, Any] = {}
    for key, schedule in value.items():
        try:
            year = int(key)
            if str(year) != str(key):
                raise ValueError
            out[str(year)] = normalize(year, schedule)
        except ValueError:
            errors[str(key)] = ["not a year"]
        except FormDataInvalid as exc:
            errors.update({f"{key}.{field}": msgs for field, msgs in exc.errors.items()})
    if errors:
        raise FormDataInvalid(errors, "the calendar years are invalid")
    return out


def validate_years(value: Any) -> dict[int, dict[dt.date, bool]]:
    """Check a whole ``calendar_years`` setting value; return its days per year (see :func:`normalize_years`)."""
    return {int(year): days(schedule) for year, schedule in normalize_years(value).items()}
