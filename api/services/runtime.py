"""Per-app engine objects: the spec cache, the working-day calendar and the restricted script engine.

The calendar and the script engine follow the bureau settings (calendar overrides,
masking rules); a settings change drops them (``services.settings.put``) and they are
rebuilt on next use. With several server processes, each rebuilds after its own restart
or its own settings change.
"""
from __future__ import annotations

from flask import current_app

from engine.calendar import WorkingCalendar
from engine.masking import mask_text, rules_from_config
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
        from . import settings

        rules = rules_from_config(settings.get("masking_rules"))
        state["script_engine"] = make_script_engine(
            calendar(), extra={"mask_text": lambda text, names=(): mask_text(text, rules, names)})
    return state["script_engine"]


def reset() -> None:
    """Forget the calendar and script engine (after a settings change)."""
    for key in ("calendar", "script_engine"):
        _state().pop(key, None)
