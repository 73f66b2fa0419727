"""The calendar a step ran on, recorded in the step's cause event and checked by ``verify``.

A step's script engine is built from the calendar settings (``CALENDAR_KEYS``) this process had in its cache: a
change made in another process reaches it up to SETTINGS_RECHECK_SECONDS late, and a change takes effect at its
request's start but commits later. So the time-based rule (the versions changed before the event) cannot tell
which calendar a step used. Every step records it instead, in the data of the event that caused it (hashed with
it): ``"calendar_versions": {key: version}`` (version 0: the built-in default). The replay runs such an event on
exactly those versions (``runtime.script_engines_by_time``); an event without them (recorded before) on the
versions in force at its time. :func:`problems` reports a recorded version that cannot be true.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..models import Event
from . import settings
from .calendars import CALENDAR_KEYS

#: the field of a cause event's data naming the calendar settings' versions the step ran on
FIELD = "calendar_versions"


def recorded(data: dict[str, Any] | None) -> dict[str, int] | None:
    """The versions an event's data records, when it records one (a whole number >= 0) for every calendar key;
    None otherwise (an event from before the field, or a malformed record, which :func:`problems` reports)."""
    versions = (data or {}).get(FIELD)
    if not isinstance(versions, dict):
        return None
    if not all(_is_version(versions.get(key)) for key in CALENDAR_KEYS):
        return None
    return {key: versions[key] for key in CALENDAR_KEYS}


def _is_version(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def problems(events: Iterable[Event], org_id: int | None) -> list[dict[str, Any]]:
    """The recorded versions of ``events`` (a case's stream) that cannot be what its step used: malformed, not a
    version of that key at the case's bureau or an ancestor of it, or changed after the event (a step cannot run
    on a version from its future). One settings query, when any event records versions."""
    found: list[dict[str, Any]] = []
    timeline: settings.Timeline | None = None
    for ev in events:
        data = ev.data or {}
        if FIELD not in data:
            continue
        versions = data[FIELD]
        if not isinstance(versions, dict):
            found.append(_problem(ev.seq, None, f"event {ev.seq} records its calendar versions malformed"))
            continue
        for key in sorted(set(versions) - set(CALENDAR_KEYS), key=str):
            found.append(_problem(ev.seq, key, f"event {ev.seq} records a version of {key!r}, which is not a "
                                               "calendar setting"))
        for key in CALENDAR_KEYS:
            version = versions.get(key)
            if not _is_version(version):
                found.append(_problem(ev.seq, key, f"event {ev.seq} records no valid version of {key!r} "
                                                   f"(found {version!r})"))
                continue
            if version == 0:  # the built-in default: in force before any version, never changed
                continue
            if timeline is None:
                timeline = settings.timeline(CALENDAR_KEYS, org_id)
            changed = next((at for at, number, _, _ in timeline[key] if number == version), None)
            if changed is None:
                found.append(_problem(ev.seq, key, f"event {ev.seq} ran on version {version} of {key!r}, which "
                                                   "does not exist for the case's bureau"))
            elif ev.at is not None and changed > ev.at:
                found.append(_problem(ev.seq, key, f"event {ev.seq} ran on version {version} of {key!r}, changed "
                                                   f"after the event ({changed.isoformat()} > "
                                                   f"{ev.at.isoformat()})"))
    return found


def _problem(seq: int, key: str | None, text: str) -> dict[str, Any]:
    return {"kind": "calendar", "seq": seq, "key": key, "problem": text}
