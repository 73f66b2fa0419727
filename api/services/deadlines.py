"""Deadlines on task rows and instances, and the warnings the inbox shows."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g

from engine import clock
from engine.deadlines import warning

from . import settings
from .runtime import calendar


def warning_for(due_at: datetime | None, now: datetime | None = None) -> str | None:
    """The inbox warning for a deadline (yellow when <= the bureau's warning days remain, red when overdue)."""
    if due_at is None:
        return None
    if "warning_days" not in g:
        g.warning_days = int(settings.get("warning_days"))
    return warning(due_at, now or clock.now(), calendar(), g.warning_days)


def warning_of(obj: Any, open_field: str, open_value: str) -> str | None:
    """The warning for a task row / instance (or its dict form) while it is still open."""
    def get(name: str) -> Any:
        return obj.get(name) if isinstance(obj, dict) else getattr(obj, name)

    return warning_for(get("due_at")) if get(open_field) == open_value else None
