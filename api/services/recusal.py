"""Recusal (APL 43, docs/DOMAIN.md §4.1): who withdrew from a case, from the case's history.

A decided recusal is the ``task_completed`` event of a recusal decision (``recusal_outcome`` "recuse",
naming ``recused_officer``). The set of withdrawn officers is read from those events, never from the
case data, so an admin data edit (``PATCH /instances/<id>/data``) or a rewind cannot lift it; an edit
that would drop a withdrawn officer from ``recused_officers`` or name him in a field that names the
case's people is refused (403, rule ``recusal``).

The withdrawn officer may not claim or complete a task of the case, add evidence to it, be named among
its officers, present at an act, attending a discussion or hosting a hearing (:func:`check_named_people`),
nor count as an officer of the case for the recording-device rule (``rules.case_officers``).
"""
from __future__ import annotations

import re
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select

from engine.errors import RuleViolation

from ..extensions import db
from ..models import Event, Instance, User

RECUSE = "recuse"
#: data keys naming the case's people (officers present, attendees, hosts …); the recusal's own keys are not
PEOPLE_KEY = re.compile(r"officer|inspector|attendee|present|participant|host|member|staff|handler", re.I)
RECUSAL_KEYS = frozenset({"recused_officer", "recused_officers", "recused_head", "recused_officer_level"})


def names(value: Any) -> list[str]:
    """The names in a list or a comma/、-separated string."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str):
        return [v.strip() for v in value.replace("、", ",").replace("，", ",").split(",") if v.strip()]
    return []


@cache
def _recusals_statement() -> Select:
    """The recusal completions of a case (``instance_id`` bound at execution), built once: every claim and
    completion asks."""
    return select(Event.data).where(Event.instance_id == bindparam("instance_id"), Event.type == "task_completed",
                                    Event.data[("submitted", "recusal_outcome")].as_string() == RECUSE)


def recused_officers(instance: Instance) -> set[str]:
    """Everyone a recusal decision of the case's history took off it."""
    gone: set[str] = set()
    # the database picks the recusals: a long history is a short scan
    for (data,) in db.session.execute(_recusals_statement(), {"instance_id": instance.id}):
        submitted = (data or {}).get("submitted") or {}
        if submitted.get("recusal_outcome") != RECUSE:
            continue
        gone.update(names(submitted.get("recused_officer")))
        gone.update(names(submitted.get("recused_officers")))
    return gone


def check_not_recused(user: User, instance: Instance, what: str = "work on") -> None:
    """A user who withdrew from the case may not act in it any more."""
    if user.username in recused_officers(instance):
        raise RuleViolation("recusal", f"{user.username} withdrew from case {instance.id} (APL 43) and may not {what} it")


def check_named_officers(named: list[str], instance: Instance) -> None:
    barred = sorted(set(named) & recused_officers(instance))
    if barred:
        raise RuleViolation("recusal", f"{', '.join(barred)} withdrew from this case (APL 43) and may not be named "
                                       "as its officers")


def _patterns(usernames: set[str]) -> dict[str, list[re.Pattern[str]]]:
    """username -> patterns finding him in free text: the username as a word, the registry name as written."""
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(usernames)))}
    found: dict[str, list[re.Pattern[str]]] = {}
    for name in usernames:
        pats = [re.compile(rf"(?<![A-Za-z0-9_.-]){re.escape(name)}(?![A-Za-z0-9_])", re.I)]
        display = (users[name].display_name or "").strip() if name in users else ""
        if len(display) >= 2 and display != name:
            pats.append(re.compile(re.escape(display)))
        found[name] = pats
    return found


def named_in(data: dict[str, Any], usernames: set[str]) -> dict[str, list[str]]:
    """field -> the withdrawn people a people-naming field of ``data`` names (lists or free text)."""
    if not usernames:
        return {}
    patterns = _patterns(usernames)
    hits: dict[str, list[str]] = {}
    for key, value in data.items():
        if key in RECUSAL_KEYS or not PEOPLE_KEY.search(key):
            continue
        texts = [str(v) for v in value] if isinstance(value, list) else [value] if isinstance(value, str) else []
        barred = sorted(n for n, pats in patterns.items() if any(p.search(t) for p in pats for t in texts))
        if barred:
            hits[key] = barred
    return hits


def check_named_people(data: dict[str, Any], instance: Instance, recused: set[str] | None = None) -> None:
    """No field naming the case's people (officers, officers present, attendees, host …) names a withdrawn one."""
    hits = named_in(data, recused_officers(instance) if recused is None else recused)
    if hits:
        who = sorted({n for found in hits.values() for n in found})
        where = "; ".join(f"{key}: {', '.join(found)}" for key, found in sorted(hits.items()))
        raise RuleViolation("recusal", f"{', '.join(who)} withdrew from this case (APL 43) and may take no part in "
                                       f"its acts nor be named in them ({where})")


def check_data_edit(instance: Instance, changes: dict[str, Any]) -> None:
    """An admin data edit may not lift a decided recusal nor bring the withdrawn officer back (APL 43)."""
    recused = recused_officers(instance)
    if not recused:
        return
    if "recused_officers" in changes:
        dropped = sorted(recused - set(names(changes["recused_officers"])))
        if dropped:
            raise RuleViolation("recusal", f"the recusal of {', '.join(dropped)} was decided (APL 43) and is part of "
                                           "the case's history; a data edit cannot lift it")
    check_named_people(changes, instance, recused)
