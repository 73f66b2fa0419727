"""Per-app engine objects: the spec cache, the working-day calendar and the restricted script engine.

The calendar and the script engine follow the settings of an organisation (calendar overrides,
masking rules): one of each per organisation, built on first use, rebuilt when the settings cache's generation
changes (``services.settings``: a change here at the end of its transaction, another process's change (the
worker, a second server) within ``SETTINGS_RECHECK_SECONDS``). Each script engine knows the versions of the
calendar settings it was built from; every step records them (api/services/calendar_versions.py), so ``verify``
replays a step on the calendar it really ran on, however late this process saw a change.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from flask import current_app

from engine import clock, sandbox
from engine.calendar import WorkingCalendar
from engine.scripting import MaskWith, make_script_engine
from engine.specs import SpecCache

from . import settings
from .calendar_versions import recorded
from .calendars import CALENDAR_KEYS, build_calendar, calendar_settings
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


@dataclass(frozen=True)
class _Calendar:
    """A built calendar and the calendar settings' versions it was built from (and when the newest took effect)."""

    calendar: WorkingCalendar
    versions: dict[str, int]
    newest: datetime | None


#: the calendar settings' versions each script engine built here runs on, by engine (steps.run records them)
_VERSIONS: WeakKeyDictionary[Any, dict[str, int]] = WeakKeyDictionary()


def calendar_versions(engine: Any) -> dict[str, int] | None:
    """The versions of ``CALENDAR_KEYS`` the script ``engine`` was built from (None: not built here)."""
    found = _VERSIONS.get(engine)
    return dict(found) if found is not None else None


def _calendar(org_id: int | None) -> _Calendar:
    built = _built("calendars")
    if org_id not in built:
        found = calendar_settings(org_id)  # value and version read together: the versions are what was built
        stamps = [changed for _, _, changed in found.values() if changed is not None]
        built[org_id] = _Calendar(build_calendar({key: value for key, (value, _, _) in found.items()}),
                                  {key: version for key, (_, version, _) in found.items()},
                                  max(stamps, default=None))
    return built[org_id]


def calendar(org_id: int | None = None) -> WorkingCalendar:
    """The working-day calendar of ``org_id`` (default: the case being worked, else the caller's bureau)."""
    return _calendar(_scope(org_id)).calendar


def _make_engine(calendar_: WorkingCalendar, versions: dict[str, int], mask_text: Any) -> Any:
    engine = make_script_engine(calendar_, extra={"mask_text": mask_text})
    _VERSIONS[engine] = dict(versions)
    return engine


def script_engine(org_id: int | None = None):
    """The diagram script engine of ``org_id`` (its calendar and masking rules; default as :func:`calendar`).

    The engine knows the calendar versions it runs on (:func:`calendar_versions`). A version that took effect
    after the step's clock (a settings change whose request started after this step's and committed before the
    step read the settings) is not in force for the step: the step then gets the engine of the versions in
    force at its time (one settings query per settings generation), so no step runs on a version from its
    future.
    """
    org_id = _scope(org_id)
    built = _built("script_engines")
    if org_id not in built:
        rules = current_rules(org_id)  # the statutory defaults first, then the bureau's rules
        cfg = current_app.config  # the limits of diagram code run outside this process (engine/sandbox.py)
        sandbox.configure(time_seconds=cfg.get("SCRIPT_TIME_LIMIT_SECONDS"), memory_mb=cfg.get("SCRIPT_MEMORY_LIMIT_MB"))
        found = _calendar(org_id)
        built[org_id] = (_make_engine(found.calendar, found.versions, MaskWith(rules)), found.newest)
    engine, newest = built[org_id]
    now = clock.now()
    if newest is None or newest < now:  # strictly before, as settings.at: a change at the step's instant is later
        return engine
    timelines = _built("timelines")  # the versions change only with the generation: one query per generation
    if org_id not in timelines:
        timelines[org_id] = settings.timeline(CALENDAR_KEYS, org_id)
    values = {key: settings.at(timelines[org_id], key, now) for key in CALENDAR_KEYS}
    marker = (org_id, tuple(version for _, version in values.values()))
    earlier = _built("earlier_engines")
    if marker not in earlier:
        earlier[marker] = _make_engine(build_calendar({key: value for key, (value, _) in values.items()}),
                                       {key: version for key, (_, version) in values.items()},
                                       engine.environment.globals["mask_text"])
    return earlier[marker]


def script_engines_by_time(org_id: int | None = None) -> Callable[[datetime | None, dict[str, Any] | None], Any]:
    """For a replay: ``at(when, data)`` is the script engine a recorded event (its time and data) ran on: the
    calendar settings (``CALENDAR_KEYS``) of ``org_id`` (default: the case being replayed) at the versions the
    event records (``calendar_versions``, api/services/calendar_versions.py), or for an event recorded without
    them, as they stood at ``when``; so loading a year later does not change what was computed then, and a step
    that ran on a calendar its process had not yet seen change replays on that calendar. Masking follows the
    rules in force. One settings query; engines are shared between equal versions."""
    org_id = _scope(org_id)
    versions = settings.timeline(CALENDAR_KEYS, org_id)
    engines: dict[tuple[str, tuple[int, ...]], Any] = {}

    def at(when: datetime | None, data: dict[str, Any] | None = None) -> Any:
        chosen = recorded(data)
        if when is None and chosen is None:
            return script_engine(org_id)
        if chosen is not None:
            values = {key: settings.as_of(versions, key, chosen[key]) for key in CALENDAR_KEYS}
        else:
            values = {key: settings.at(versions, key, when) for key in CALENDAR_KEYS}
        marker = ("recorded" if chosen is not None else "at", tuple(version for _, version in values.values()))
        if marker not in engines:
            current = script_engine(org_id)
            engines[marker] = _make_engine(
                build_calendar({key: value for key, (value, _) in values.items()}),
                {key: version for key, (_, version) in values.items()}, current.environment.globals["mask_text"])
        return engines[marker]

    return at


def reset() -> None:
    """Forget every organisation's calendar and script engine (after a settings change)."""
    for key in ("calendars", "script_engines", "timelines", "earlier_engines"):
        _state().pop(key, None)
