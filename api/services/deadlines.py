"""Deadlines on task rows and instances, the warnings the inbox shows, and the calendar flag.

``calendar_warning``: a deadline that reaches a year whose holidays neither the holiday
package nor a loaded schedule knows is computed (Monday–Friday) but flagged, e.g.
"calendar for 2027 not loaded" / "2027年节假日安排未载入" (api/services/calendar_years.py).
The flag is computed when read. Once the year is loaded, a case that carried a deadline computed while
the year was unknown keeps a flag "deadline computed before the 2027 calendar was loaded — check it" on
every open deadline of it reaching that year (the guess, a later task on it, a deadline derived from it)
until a person confirms the case's deadlines (api/services/calendar_rechecks.py).
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import g, has_request_context

from engine import clock
from engine.deadlines import warning
from engine.errors import CalendarError

from . import settings
from .calendar_rechecks import recheck_warning
from .calendar_years import message
from .runtime import calendar


def warning_for(due_at: datetime | None, now: datetime | None = None, org_id: int | None = None,
                cal: Any = None) -> str | None:
    """The inbox warning for a deadline (yellow when <= the bureau's warning days remain, red when overdue);
    ``org_id``: the case's bureau (default: the case being worked, else the caller's bureau); ``cal``: its
    calendar when the caller has it at hand (a page of rows looks each bureau's up once).

    Under the ``strict`` policy a deadline in an unknown year still gets a warning, counted Monday–Friday
    (the deadline carries the calendar flag); the inbox never fails on it.
    """
    if due_at is None:
        return None
    days = g.setdefault("warning_days", {})
    if org_id not in days:
        days[org_id] = int(settings.get("warning_days", org_id))
    cal = cal or calendar(org_id)
    try:
        return warning(due_at, now or clock.now(), cal, days[org_id])
    except CalendarError:
        return warning(due_at, now or clock.now(), cal.with_policy("weekends"), days[org_id])


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def warning_of(obj: Any, open_field: str, open_value: str) -> str | None:
    """The warning for a task row / instance (or its dict form) while it is still open."""
    if _get(obj, open_field) != open_value:
        return None
    return warning_for(_get(obj, "due_at"), org_id=_get(obj, "org_id"))


def unknown_years(due_at: datetime | None, org_id: int | None = None, cal: Any = None) -> list[int]:
    """The years from today to the deadline (Beijing dates) whose holidays nobody knows (``cal``: the bureau's
    calendar when the caller has it at hand)."""
    if due_at is None:
        return []
    due = (due_at if due_at.tzinfo else due_at.replace(tzinfo=UTC)).astimezone(clock.BEIJING).date()
    return (cal or calendar(org_id)).unknown_years(clock.today(), due)


def calendar_warning(due_at: datetime | None, lang: str = "en", org_id: int | None = None,
                     cal: Any = None) -> str | None:
    """'calendar for 2027 not loaded' (zh: '2027年节假日安排未载入') when the deadline reaches such a year."""
    years = unknown_years(due_at, org_id, cal)
    if not years:
        return None
    return ("、" if lang == "zh" else "; ").join(message(y, lang) for y in years)


def calendar_warning_of(obj: Any, open_field: str, open_value: str, lang: str = "en", cal: Any = None) -> str | None:
    """The calendar flag of a task row / instance (or its dict form) while it is still open: the year is not
    loaded, or the deadline was computed before it was and nobody has checked it since."""
    if _get(obj, open_field) != open_value:
        return None
    due = _get(obj, "due_at")
    if isinstance(due, str):
        due = datetime.fromisoformat(due)
    org_id = _get(obj, "org_id")
    cal = (cal or calendar(org_id)) if due is not None else None
    flag = calendar_warning(due, lang, org_id, cal)
    if flag or due is None:
        return flag
    due_year = (due if due.tzinfo else due.replace(tzinfo=UTC)).astimezone(clock.BEIJING).year
    if not any(y <= due_year for y in cal.loaded_years()):
        return None  # only a loaded year the deadline reaches can have been guessed (no query)
    instance_id = _get(obj, "instance_id") if open_field == "state" else _get(obj, "id")
    return recheck_warning(instance_id, due, lang)


class PageFlags:
    """:func:`warning_for` and :func:`calendar_warning_of` for the open task rows of one page: the clock read
    once, each bureau's calendar and warning days looked up once, and the calendar flag's years part computed
    once per bureau and deadline year (it depends on nothing else); the per-case recheck is asked per row as
    :func:`calendar_warning_of` does."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.now = clock.now()
        self._calendars: dict[int | None, Any] = {}
        self._years: dict[tuple[int | None, int], tuple[str | None, bool]] = {}

    def calendar(self, org_id: int | None) -> Any:
        if org_id not in self._calendars:
            self._calendars[org_id] = calendar(org_id)
        return self._calendars[org_id]

    def warning(self, due_at: datetime | None, org_id: int | None) -> str | None:
        return warning_for(due_at, self.now, org_id, self.calendar(org_id)) if due_at is not None else None

    def calendar_flag(self, due_at: datetime | None, org_id: int | None, instance_id: int) -> str | None:
        if due_at is None:
            return None
        due = due_at if due_at.tzinfo else due_at.replace(tzinfo=UTC)
        key = (org_id, due.astimezone(clock.BEIJING).year)
        if key not in self._years:
            cal = self.calendar(org_id)
            flag = calendar_warning(due, self.lang, org_id, cal)
            self._years[key] = (flag, not flag and any(y <= key[1] for y in cal.loaded_years()))
        flag, may_be_guessed = self._years[key]
        return recheck_warning(instance_id, due, self.lang) if may_be_guessed else flag


def page_flags(lang: str = "en") -> PageFlags:
    """The request's :class:`PageFlags` for ``lang`` (one per request: the rows of one response share the clock
    reading and each bureau's calendar); outside a request (a command, a worker's long app context) a new one, so
    no clock reading outlives the moment it was taken for."""
    if not has_request_context():
        return PageFlags(lang)
    flags = g.setdefault("page_flags", {})
    if lang not in flags:
        flags[lang] = PageFlags(lang)
    return flags[lang]

