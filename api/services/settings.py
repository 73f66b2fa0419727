"""Versioned settings of each organisation: recording requirements, warning days, masking rules, calendars.

A setting belongs to a node of the organisation tree: a bureau's value in force is its own, else its nearest
ancestor's (county, city, platform root), else the built-in default. Which node a read is for: the case being
worked (an engine step binds it, api/services/org_scope.py; the worker has no request user), else the caller's
bureau, else the platform root.

Each key has a default here and a validator; a change is a new version (and an
event on the ``settings`` stream), never an edit of the old one. A validator may return the
value's normalised form, which is what is stored (e.g. ``calendar_years`` in the year loader's
form), so nothing stored can fail a later request. Each version records when it took effect
(``changed_at``, the engine clock): :func:`at` gives the value in force at a past moment.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from copy import deepcopy
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from flask import current_app, g, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine import clock
from engine.calendar import UNKNOWN_YEAR_POLICIES, package_years
from engine.errors import FormDataInvalid, NotFound, StateConflict
from engine.holiday_schedule import normalize, normalize_years
from engine.masking import (
    DEFAULT_RULES,
    ORGANISATION_STYLES,
    PERSON_STYLES,
    replacement_problem,
    rules_from_config,
)

from ..extensions import db
from ..models import Setting
from . import org_scope, orgs
from .history import append_event

ACT_KINDS = ("site_inspection", "random_inspection", "evidence_collection", "evidence_preservation", "hearing",
             "service", "other_act")


def _recording_default() -> dict[str, Any]:
    # seed 四(二)2: A/V for on-site inspection, random inspection, evidence collection and preservation,
    # hearings and service; full-process A/V for acts touching major property rights
    required = {kind: "av" for kind in ACT_KINDS if kind != "other_act"}
    return {"acts": {**required, "other_act": "text"}, "full_process_flag": "major_property_rights"}


def _validate_recording(value: Any) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("acts"), dict):
        raise FormDataInvalid({"value": ["expected {'acts': {act kind: 'av' | 'text'}, 'full_process_flag': key}"]})
    bad = {k: v for k, v in value["acts"].items() if k not in ACT_KINDS or v not in ("av", "text")}
    if bad:
        raise FormDataInvalid({"acts": [f"unknown act kinds or levels: {bad}; kinds {ACT_KINDS}, levels av|text"]})


def _validate_warning_days(value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 30:
        raise FormDataInvalid({"value": ["warning days must be a whole number from 0 to 30"]})


def _validate_masking(value: Any) -> None:
    """The bureau's rules only add masks: each compiles, masks what it matches (a mask character, never
    ``\\g<0>``) and does not redefine a statutory rule (those always run first, engine.masking.DEFAULT_RULES)."""
    if not isinstance(value, list):
        raise FormDataInvalid({"value": ["expected a list of masking rules"]})
    try:
        rules = rules_from_config(value)
    except ValueError as exc:
        raise FormDataInvalid({"value": [str(exc)]}) from None
    statutory = {r.name: r for r in DEFAULT_RULES}
    problems = []
    for rule in rules:
        if rule.name in statutory and (rule.pattern, rule.replacement) != (statutory[rule.name].pattern,
                                                                          statutory[rule.name].replacement):
            problems.append(f"masking rule {rule.name!r}: a statutory rule always applies as built in; give your "
                            "rule another name")
        elif rule.name not in statutory and (problem := replacement_problem(rule)):
            problems.append(f"masking rule {rule.name!r}: {problem}")
    if problems:
        raise FormDataInvalid({"value": problems}, "; ".join(problems))


def _validate_party_display(value: Any) -> None:
    if (not isinstance(value, dict) or set(value) - {"person", "organisation"}
            or value.get("person", "surname") not in PERSON_STYLES
            or value.get("organisation", "full") not in ORGANISATION_STYLES):
        raise FormDataInvalid({"value": [f"expected {{'person': {' | '.join(PERSON_STYLES)}, "
                                         f"'organisation': {' | '.join(ORGANISATION_STYLES)}}}"]})


def _validate_overrides(value: Any) -> None:
    if not isinstance(value, dict):
        raise FormDataInvalid({"value": ["expected {ISO date: true (working) | false (holiday)}"]})
    problems = []
    for key, flag in value.items():
        try:
            date.fromisoformat(key)
        except (TypeError, ValueError):
            problems.append(f"{key}: not an ISO date")
        if not isinstance(flag, bool):
            problems.append(f"{key}: value must be true or false")
    if problems:
        raise FormDataInvalid({"value": problems})


def _validate_policy(value: Any) -> None:
    if value not in UNKNOWN_YEAR_POLICIES:
        raise FormDataInvalid({"value": [f"must be one of {', '.join(UNKNOWN_YEAR_POLICIES)}"]})


def normalize_years_setting(value: Any) -> dict[str, Any]:
    """The ``calendar_years`` setting value in stored form, checked as the year loader checks a year
    (calendar_years.load_year).

    Raises:
        FormDataInvalid: 422 naming the field (``2027.holidays``, ``2027.workdays[0].date``, ...).
        StateConflict: 409 when it adds or changes a year the holiday package has (corrections of single days
            go to ``calendar_overrides``).
    """
    stored, _ = current("calendar_years")
    for key in sorted(value, key=str) if isinstance(value, dict) else []:
        if (str(key).isdigit() and int(key) in package_years()
                and (key not in stored or _as_stored(int(key), value[key]) != stored[key])):
            raise StateConflict(f"the holiday package already has the official {key} schedule; "
                                "correct single days with the calendar_overrides setting")
    return normalize_years(value)


def _as_stored(year: int, schedule: Any) -> Any:
    try:
        return normalize(year, schedule)
    except FormDataInvalid:
        return None


def _default_policy() -> str:
    return str(current_app.config.get("CALENDAR_UNKNOWN_YEAR", "weekends"))


def _validate_training_months(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
        raise FormDataInvalid({"value": ["an integer number of months from 1 to 60"]})


SETTINGS: dict[str, tuple[Callable[[], Any], Callable[[Any], Any], str]] = {
    "recording_requirements": (_recording_default, _validate_recording,
                               "which enforcement acts need audio/video evidence (seed 四(二)2)"),
    "warning_days": (lambda: 2, _validate_warning_days, "yellow warning when this many working days remain or fewer"),
    "masking_rules": (lambda: [asdict(r) for r in DEFAULT_RULES], _validate_masking,
                      "masking before publication (OGI 15, APL 50, PIPL 28): the statutory rules always run first "
                      "and win; the bureau's rules only add masks"),
    "party_name_display": (lambda: {"person": "surname", "organisation": "full"}, _validate_party_display,
                           "how the party is named in every published field (natural persons 姓+某, organisations "
                           "in full by default)"),
    "calendar_overrides": (lambda: {}, _validate_overrides,
                           "bureau-maintained working-day overrides on top of the Chinese calendar"),
    "calendar_years": (lambda: {}, normalize_years_setting,
                       "official holiday schedules loaded for years the holiday package does not know "
                       "(PUT /api/v1/calendar/years/<year>)"),
    "calendar_unknown_year": (_default_policy, _validate_policy,
                              "working days in a year nobody has the holidays of: 'weekends' (Mon-Fri, flagged) "
                              "or 'strict' (refused)"),
    "reviewer_training_months": (lambda: 12, _validate_training_months,
                                 "warn where a legal review is assigned when the reviewer has no training recorded "
                                 "in this many months (定期培训, seed 四(三)2)"),
}



def _spec(key: str) -> tuple[Callable[[], Any], Callable[[Any], Any], str]:
    if key not in SETTINGS:
        raise NotFound(f"unknown setting '{key}' (known: {', '.join(SETTINGS)})")
    return SETTINGS[key]


def _org(org_id: int | None) -> int | None:
    return org_id if org_id is not None else org_scope.effective_org()


#: settings whose values are maps merged down the tree: a bureau's entries (a year's schedule, a day's override)
#: win over its ancestors' entries of the same key, the others are inherited (the State Council's schedule loaded
#: at the platform reaches every bureau, even one that loaded or corrected something of its own)
MERGED = frozenset({"calendar_years", "calendar_overrides"})


def _combine(key: str, latest: list[tuple[int, int, Any]]) -> tuple[Any, int] | None:
    """``latest``: (rank, version, value) of each node's latest version, any order -> (value, version) in force:
    the nearest node's, or for a :data:`MERGED` key the maps merged nearest-last (version: the highest)."""
    if not latest:
        return None
    latest = sorted(latest, key=lambda r: (r[0], -r[1]))
    if key not in MERGED:
        return latest[0][2], latest[0][1]
    merged: dict[str, Any] = {}
    for _, _, value in reversed(latest):
        merged.update(value if isinstance(value, dict) else {})
    return merged, max(version for _, version, _ in latest)


def resolve(key: str, org_id: int | None = None) -> tuple[Any, int, int | None]:
    """(value, version, node it is set at) in force for ``org_id`` (default: the case being worked, else the
    caller's bureau, else the platform): the node's own latest version, else its nearest ancestor's (a
    :data:`MERGED` key: every ancestor's merged under the node's own); version 0 (node None) is the built-in
    default."""
    value, version, node, _ = _resolved(key, org_id)
    return value, version, node


def _resolved(key: str, org_id: int | None) -> tuple[Any, int, int | None, datetime | None]:
    """:func:`resolve`'s answer and when its version took effect (None: the built-in default), from the cache."""
    _spec(key)
    org_id = _org(org_id)
    if db.session.info.get(_CHANGED):  # this transaction changed a setting: read what it sees, cache nothing
        return _resolve(key, org_id)
    generation = refresh()
    cache = _cache()
    found = cache["values"].get((key, org_id))
    if found is None:
        found = _resolve(key, org_id)
        if cache["generation"] == generation:  # not dropped meanwhile (a change committed by another thread)
            cache["values"][(key, org_id)] = found
    return deepcopy(found)


def _resolve(key: str, org_id: int | None) -> tuple[Any, int, int | None, datetime | None]:
    default, _, _ = _spec(key)
    ranks = {node: i for i, node in enumerate(orgs.ancestors(org_id))}
    found = db.session.execute(
        select(Setting.org_id, func.max(Setting.version)).where(
            Setting.key == key, or_(Setting.org_id.in_(list(ranks)), Setting.org_id.is_(None)))
        .group_by(Setting.org_id)).all()
    if not found:
        return default(), 0, None, None
    rows = {row.version: row for row in db.session.scalars(
        select(Setting).where(Setting.key == key, Setting.version.in_([v for _, v in found])))}
    combined = _combine(key, [(ranks.get(org, len(ranks)), v, rows[v].value) for org, v in found])
    nearest = min(found, key=lambda r: (ranks.get(r[0], len(ranks)), -r[1]))
    return combined[0], combined[1], rows[nearest[1]].org_id, rows[combined[1]].changed_at


def current(key: str, org_id: int | None = None) -> tuple[Any, int]:
    """(value, version) in force (see :func:`resolve`); version 0 is the built-in default."""
    value, version, _ = resolve(key, org_id)
    return value, version


def stamped(key: str, org_id: int | None = None) -> tuple[Any, int, datetime | None]:
    """(value, version, when that version took effect) in force (see :func:`resolve`); the built-in default
    (version 0) took effect at None."""
    value, version, _, changed_at = _resolved(key, org_id)
    return value, version, changed_at


def get(key: str, org_id: int | None = None) -> Any:
    return resolve(key, org_id)[0]


Timeline = dict[str, list[tuple[datetime, int, Any, int]]]


def timeline(keys: Iterable[str], org_id: int | None = None) -> Timeline:
    """key -> the versions that can be in force for ``org_id`` as (changed_at, version, value, rank), oldest
    first; rank 0 is the node's own, 1 its parent's ... (one query)."""
    keys = list(keys)
    for key in keys:
        _spec(key)
    ranks = {node: i for i, node in enumerate(orgs.ancestors(_org(org_id)))}
    out: Timeline = {key: [] for key in keys}
    stmt = (select(Setting).where(Setting.key.in_(keys), or_(Setting.org_id.in_(list(ranks)), Setting.org_id.is_(None)))
            .order_by(Setting.key, Setting.version))
    for row in db.session.scalars(stmt):
        out[row.key].append((row.changed_at, row.version, row.value, ranks.get(row.org_id, len(ranks))))
    return out


def at(versions: Timeline, key: str, when: datetime) -> tuple[Any, int]:
    """(value, version) of ``key`` in force at ``when``, as :func:`resolve` combines them, of the versions
    changed strictly before it (a change at the very instant of an event came after it); version 0 is the
    built-in default."""
    latest: dict[int, tuple[int, int, Any]] = {}
    for changed_at, version, value, rank in versions.get(key, []):
        if changed_at < when:
            latest[rank] = (rank, version, value)  # oldest first: the last one before ``when`` per node
    combined = _combine(key, list(latest.values()))
    return combined if combined is not None else (_spec(key)[0](), 0)


def as_of(versions: Timeline, key: str, version: int) -> tuple[Any, int]:
    """(value, version) of ``key`` in force when ``version`` was the one :func:`resolve` gave (a step's recorded
    version): each node's latest version up to it, combined as :func:`resolve` combines them. Versions are
    numbered per key in commit order without gaps (unique), so this is exactly what was read: a plain key's value
    is that version's, a :data:`MERGED` key's the maps of every node as they stood then. Version 0 is the built-in
    default."""
    latest: dict[int, tuple[int, int, Any]] = {}
    for _, number, value, rank in versions.get(key, []):
        if number <= version:
            latest[rank] = (rank, number, value)  # oldest first: the last one up to ``version`` per node
    combined = _combine(key, list(latest.values()))
    return combined if combined is not None else (_spec(key)[0](), 0)


def versions_marker() -> tuple[int, int]:
    """Changes whenever any setting gets a new version (count and highest id: a version committed late with a
    lower id still changes the count)."""
    count, highest = db.session.execute(select(func.count(Setting.id), func.coalesce(func.max(Setting.id), 0))).one()
    return int(count), int(highest or 0)


# --- this process's cache of the values in force ------------------------------------------------------------------
# Values are kept by (key, organisation) with a generation that changes whenever they may have changed: at once on
# this process's own change once its transaction ends (committed or rolled back), and within
# SETTINGS_RECHECK_SECONDS for another process's change (:func:`refresh` compares the version marker, one query at
# most that often and once per app context; default 5 s; tests: never unless set). Objects built from settings
# (the calendars and script engines of runtime.py) are rebuilt when the generation changes.

_CACHE = "sanxiang_settings"
#: session.info flag: this transaction wrote a setting (its reads bypass the cache; its end drops the cache)
_CHANGED = "sanxiang_settings_changed"


def _cache() -> dict[str, Any]:
    return current_app.extensions.setdefault(_CACHE, {"values": {}, "generation": 0, "marker": None,
                                                      "checked_at": -1e9})


def _drop() -> None:
    cache = _cache()
    cache["values"] = {}
    cache["generation"] += 1


def refresh() -> int:
    """The generation of this process's settings cache, after checking (at most every SETTINGS_RECHECK_SECONDS)
    whether another process changed a setting."""
    cache = _cache()
    if g.get("_sx_settings_checked"):  # decided once per request (an inbox page asks for each of its rows)
        return cache["generation"]
    g._sx_settings_checked = True
    interval = current_app.config.get("SETTINGS_RECHECK_SECONDS", None if current_app.testing else 5.0)
    now = time.monotonic()
    if interval is not None and now - cache["checked_at"] >= interval:
        cache["checked_at"] = now
        marker = versions_marker()
        if cache["marker"] != marker:
            _drop()
            cache["marker"] = marker
    return cache["generation"]


def _transaction_ended(session: Any, transaction: Any) -> None:
    """After the outermost transaction ends (commit, rollback or close) in which this process changed a setting."""
    if transaction.parent is None and session.info.pop(_CHANGED, False) and has_app_context():
        _drop()
        cache = _cache()
        cache["marker"], cache["checked_at"] = None, -1e9  # the marker moved by this change: read it afresh


sa_event.listen(Session, "after_transaction_end", _transaction_ended)


#: key -> what runs before a new version of it is stored (registered at app start: calendar_years' rechecks)
_BEFORE_PUT = "sanxiang_settings_before_put"


def before_put(app: Any, key: str, action: Callable[[Any, str, str | None], Any]) -> None:
    """Register ``action(new value, actor, client_addr)`` to run (in the node's scope) before ``key`` changes."""
    app.extensions.setdefault(_BEFORE_PUT, {})[key] = action


def put(key: str, value: Any, actor: str, client_addr: str | None = None, org_id: int | None = None) -> Setting:
    """A new version of ``key`` at node ``org_id`` (default: the caller's bureau, see :func:`resolve`); raises
    FormDataInvalid (422) and changes nothing when invalid. No commit."""
    _, validate, _ = _spec(key)
    org_id = _org(org_id)
    with org_scope.case(org_id):  # a validator comparing with the value in force compares with this node's
        normalised = validate(value)
    value = value if normalised is None else normalised
    version = db.session.scalar(select(func.coalesce(func.max(Setting.version), 0)).where(Setting.key == key)) or 0
    action = current_app.extensions.get(_BEFORE_PUT, {}).get(key)
    if action is not None:  # calendar_years: deadlines guessed before a year is loaded stay flagged
        with org_scope.case(org_id):  # the cases of the node's subtree, against its calendar
            action(value, actor, client_addr)
    row = Setting(key=key, org_id=org_id, version=version + 1, value=value, changed_by=actor, changed_at=clock.now())
    db.session.add(row)
    append_event("settings", None, "setting_changed", actor=actor,
                 data={"key": key, "version": version + 1, "value": value, "org_id": org_id},
                 client_addr=client_addr)
    _drop()
    db.session.info[_CHANGED] = True
    return row


def describe(org_id: int | None = None, keys: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Each setting in force for ``org_id`` (see :func:`resolve`), with the code of the node it is set at
    (None: the built-in default)."""
    out = []
    for key in keys or SETTINGS:
        _, _, text = _spec(key)
        value, version, node = resolve(key, org_id)
        found = orgs.get(node)
        out.append({"key": key, "version": version, "description": text, "value": value,
                    "org": found.code if found else None})
    return out
