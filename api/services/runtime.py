"""Per-app engine objects: the spec cache, the working-day calendar and the restricted script engine.

The calendar and the script engine follow the settings of an organisation (calendar overrides,
masking rules): one of each per organisation, built on first use, rebuilt when the settings cache's generation
changes (``services.settings``: a change here at the end of its transaction, another process's change (the
worker, a second server) within ``SETTINGS_RECHECK_SECONDS``).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app

from engine import sandbox
from engine.calendar import WorkingCalendar
from engine.scripting import MaskWith, make_script_engine
from engine.specs import SpecCache

from . import settings
from .calendars import CALENDAR_KEYS, build_calendar
from .org_scope import effective_org
from .public_masking import current_rules


def _state() -> dict:
    return current_app.extensions.setdefault("sanxiang", {})


def spec_cache() -> SpecCache:
    state = _state()
    if "spec_cache" not in state:
        state["spec_cache"] = SpecCache()
    return state["spec_cache"]


def _scope(org_id: int | None) -> int | None:
    return org_id if org_id is not None else effective_org()


def _built(kind: str) -> dict:
    """The ``kind`` engines built so far, by organisation; all dropped when the settings cache's generation changed
    (a setting changed here, or in another process: :func:`settings.refresh`)."""
    state = _state()
    generation = settings.refresh()
    if state.get("settings_generation") != generation:
        reset()
        state["settings_generation"] = generation
    return state.setdefault(kind, {})


def calendar(org_id: int | None = None) -> WorkingCalendar:
    """The working-day calendar of ``org_id`` (default: the case being worked, else the caller's bureau)."""
    org_id = _scope(org_id)
    built = _built("calendars")
    if org_id not in built:
        built[org_id] = build_calendar(org_id=org_id)
    return built[org_id]


def script_engine(org_id: int | None = None):
    """The diagram script engine of ``org_id`` (its calendar and masking rules; default as :func:`calendar`)."""
    org_id = _scope(org_id)
    built = _built("script_engines")
    if org_id not in built:
        rules = current_rules(org_id)  # the statutory defaults first, then the bureau's rules
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
