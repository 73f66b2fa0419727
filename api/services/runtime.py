"""Per-app engine objects: the spec cache, the working-day calendar and the restricted script engine.

The calendar and the script engine follow the bureau settings (calendar overrides,
masking rules); a settings change drops them (``services.settings.put``) and they are
rebuilt on next use. With several server processes, each rebuilds after its own restart
or its own settings change.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app

from engine.calendar import WorkingCalendar
from engine.masking import mask_text
from engine.scripting import make_script_engine
from engine.specs import SpecCache


def _state() -> dict:
    return current_app.extensions.setdefault("sanxiang", {})


def spec_cache() -> SpecCache:
    state = _state()
    if "spec_cache" not in state:
        state["spec_cache"] = SpecCache()
    return state["spec_cache"]


def calendar() -> WorkingCalendar:
    state = _state()
    if "calendar" not in state:
        from .calendar_years import build_calendar  # overrides, loaded years and the unknown-year policy

        state["calendar"] = build_calendar()
    return state["calendar"]


def script_engine():
    state = _state()
    if "script_engine" not in state:
        from .public_masking import current_rules  # the statutory defaults first, then the bureau's rules

        rules = current_rules()
        state["script_engine"] = make_script_engine(
            calendar(), extra={"mask_text": lambda text, names=(): mask_text(text, rules, names)})
    return state["script_engine"]


def script_engines_by_time() -> Callable[[datetime | None], Any]:
    """For a replay: ``at(when)`` is the script engine with the calendar settings (``CALENDAR_KEYS``) as they
    stood at ``when`` (a recorded event's time), so loading a year later does not change what was computed
    then; masking follows the rules in force. One settings query; engines are shared between equal versions."""
    from . import settings
    from .calendar_years import CALENDAR_KEYS, build_calendar

    versions = settings.timeline(CALENDAR_KEYS)
    engines: dict[tuple[int, ...], Any] = {}

    def at(when: datetime | None) -> Any:
        if when is None:
            return script_engine()
        values = {key: settings.at(versions, key, when) for key in CALENDAR_KEYS}
        marker = tuple(version for _, version in values.values())
        if marker not in engines:
            current = script_engine()
            engines[marker] = make_script_engine(
                build_calendar({key: value for key, (value, _) in values.items()}),
                extra={"mask_text": current.environment.globals["mask_text"]})
        return engines[marker]

    return at


def reset() -> None:
    """Forget the calendar and script engine (after a settings change)."""
    for key in ("calendar", "script_engine"):
        _state().pop(key, None)
