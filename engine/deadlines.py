"""Deadlines and warnings (超期预警).

A deadline is read from the case data: a task's or process's ``dueDate`` property
names the data key holding it, as an ISO date (due at the end of that day in
Beijing) or an ISO datetime. The warning is ``red`` once the deadline has passed,
``yellow`` when at most ``warning_days`` working days remain, else None.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from .calendar import WorkingCalendar
from .clock import BEIJING

END_OF_DAY = time(23, 59, 59)


def parse_due(value: Any) -> datetime | None:
    """The deadline instant for a data value; None when the value is empty or not a date."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=BEIJING)
    if isinstance(value, date):
        return datetime.combine(value, END_OF_DAY, BEIJING)
    text = str(value).strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), END_OF_DAY, BEIJING)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BEIJING)


def due_from(properties: dict[str, str], data: dict[str, Any]) -> datetime | None:
    key = properties.get("dueDate")
    return parse_due(data.get(key)) if key else None


def warning(due_at: datetime | None, now: datetime, calendar: WorkingCalendar, warning_days: int) -> str | None:
    """'red' (overdue), 'yellow' (at most ``warning_days`` working days left) or None; naive times are UTC."""
    if due_at is None:
        return None
    if due_at.tzinfo is None:
        due_at = due_at.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if now > due_at:
        return "red"
    left = calendar.working_days_between(now.astimezone(BEIJING).date(), due_at.astimezone(BEIJING).date())
    return "yellow" if left <= warning_days else None
