"""Per-app engine objects: the spec cache, the working-day calendar and the restricted script engine.

The calendar and the script engine follow the settings of an organisation (calendar overrides,
masking rules): one of each per organisation, built on first use. A settings change drops them all
(``services.settings.put``); another process (the worker, a second server) notices the change within
``SETTINGS_RECHECK_SECONDS`` (one ``max(id)`` query at most that often) and rebuilds too.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app, g

from engine import sandbox
from engine.calendar import WorkingCalendar
from engine.scripting import MaskWith, make_script_engine
from engine.specs import SpecCache


def _state() -> dict:
    return current_app.extensions.setdefault("sanxiang", {})


def spec_cache() -> SpecCache:
    state = _state()
    if "spec_cache" not in state:
        state["spec_cache"] = SpecCache()
    return state["spec_cache"]


def _scope(org_id: int | None) -> int | None:
    from .org_scope import effective_org

    return org_id if org_id is not None else effective_org()


def _built(kind: str) -> dict:
    """The ``kind`` engines built so far, by organisation; all dropped when another process (the worker, a
    second server) changed a setting since they were built. Checked at most every ``SETTINGS_RECHECK_SECONDS``
    (one ``max(id)`` query; default 5 s, tests: never unless set), once per app context at most."""
    state = _state()
    interval = current_app.config.get("SETTINGS_RECHECK_SECONDS", None if current_app.testing else 5.0)
    now = time.monotonic()
    if interval is not None and not g.get("_sx_settings_checked") and now - state.get("settings_checked_at", -1e9) >= interval:
        from .settings import versions_marker

        g._sx_settings_checked = True
        state["settings_checked_at"] = now
        marker = versions_marker()
        if state.get("settings_marker") != marker:
            reset()
            state["settings_marker"] = marker
    return state.setdefault(kind, {})


def calendar(org_id: int | None = None) -> WorkingCalendar:
    """The working-day calendar of ``org_id`` (default: the case being worked, else the caller's bureau)."""
    org_id = _scope(org_id)
    built = _built("calendars")
    if org_id not in built:
        from .calendar_years import build_calendar  # overrides, loaded years and the unknown-year policy

        built[org_id] = build_calendar(org_id=org_id)
    return built[org_id]


def script_engine(org_id: int | None = None):
    """The diagram script engine of ``org_id`` (its calendar and masking rules; default as :func:`calendar`)."""
    org_id = _scope(org_id)
    built = _built("script_engines")
    if org_id not in built:
        from .public_masking import current_rules  # the statutory defaults first, then the bureau's rules

        rules = current_rules(org_id)
        cfg = current_app.config  # the limits of diagram code run outside this process (engine/sandbox.py)
        sandbox.configure(time_seconds=cfg.get("SCRIPT_TIME_LIMIT_SECONDS"), memory_mb=cfg.get("SCRIPT_MEMORY_LIMIT_MB"))
        built[org_id] = make_script_engine(
            calendar(org_id), extra={"mask_text": MaskWith(rules)})
    return built[org_id]


def script_engines_by_time(org_id: int | None = None) -> Callable[[datetime | None], Any]:
    """For a replay: ``at(when)`` is the script engine with the calendar settings (``CALENDAR_KEYS``) of ``org_id``
    (default: the case being replayed) as they stood at ``when`` (a recorded event's time), so loading a year
    later does not change what was computed then; masking follows the rules in force. One settings query;
    engines are shared between equal versions."""
    from . import settings
    from .calendar_years import CALENDAR_KEYS, build_calendar

    org_id = _scope(org_id)
    versions = settings.timeline(CALENDAR_KEYS, org_id)
    engines: dict[tuple[int, ...], Any] = {}

    def at(when: datetime | None) -> Any:
        if when is None:
            return script_engine(org_id)
        values = {key: settings.at(versions, key, when) for key in CALENDAR_KEYS}
        marker = tuple(version for _, version in values.values())
        if marker not in engines:
            current = script_engine(org_id)
            engines[marker] = make_script_engine(
                build_calendar({key: value for key, (value, _) in values.items()}),
                extra={"mask_text": current.environment.globals["mask_text"]})
        return engines[marker]

    return at


def reset() -> None:
    """Forget every organisation's calendar and script engine (after a settings change)."""
    for key in ("calendars", "script_engines"):
        _state().pop(key, None)
