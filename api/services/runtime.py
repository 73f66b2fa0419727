"""Per-app engine objects: the spec cache and the restricted script engine."""
from __future__ import annotations

from datetime import date

from flask import current_app

from engine.calendar import WorkingCalendar
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
        overrides = {date.fromisoformat(k): bool(v) for k, v in current_app.config["CALENDAR_OVERRIDES"].items()}
        state["calendar"] = WorkingCalendar(overrides=overrides, unknown_year=current_app.config["CALENDAR_UNKNOWN_YEAR"])
    return state["calendar"]


def script_engine():
    state = _state()
    if "script_engine" not in state:
        state["script_engine"] = make_script_engine(calendar())
    return state["script_engine"]
