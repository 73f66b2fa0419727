"""The list of powers (权责清单) as versioned rows, and the certificate registry. No commits here.

Every change is also an event on a hash-chained stream (``powers``, ``certificates``): who
changed what, when.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import func, select

from engine import clock
from engine.errors import FormDataInvalid, NotFound, StateConflict
from engine.forms import values_keys

from ..extensions import db
from ..models import Certificate, PowerItem, User
from ..models.registry import DEFAULT_REMEDIES
from ..services.flush import flush_or_conflict as _flush
from ..services.history import append_event
from . import inspection

POWER_FIELDS = ("name", "category", "legal_basis", "procedure", "time_limit", "time_limit_days", "working_days",
                "remedies", "item_key", "outcome", "forward_to", "retired")
POWERS_STREAM = "powers"
CERTIFICATES_STREAM = "certificates"




def _latest_versions():
    """Subquery: code -> highest version."""
    return (select(PowerItem.code, func.max(PowerItem.version).label("version"))
            .group_by(PowerItem.code).subquery())


def current_powers(include_retired: bool = False) -> list[PowerItem]:
    """The current version of every item, by category and code; retired items only if asked."""
    latest = _latest_versions()
    stmt = select(PowerItem).join(latest, (PowerItem.code == latest.c.code) & (PowerItem.version == latest.c.version))
    if not include_retired:
        stmt = stmt.where(PowerItem.retired.is_(False))
    return list(db.session.scalars(stmt.order_by(PowerItem.category, PowerItem.code)))


def power_versions(code: str) -> list[PowerItem]:
    """Every version of ``code``, oldest first. Raises NotFound."""
    rows = list(db.session.scalars(select(PowerItem).where(PowerItem.code == code).order_by(PowerItem.version)))
    if not rows:
        raise NotFound(f"power item '{code}' not found")
    return rows


def put_power(code: str, values: dict[str, Any], actor: str, client_addr: str | None = None) -> PowerItem:
    """A new version of item ``code`` (the first version creates it); no commit.

    ``values`` holds the whole item (name, category, legal_basis, ...), already validated.

    Raises:
        StateConflict: a concurrent change took the same version.
    """
    last = db.session.scalar(select(func.max(PowerItem.version)).where(PowerItem.code == code)) or 0
    fields = {k: values[k] for k in POWER_FIELDS if values.get(k) is not None}
    if fields.get("item_key") and not fields.get("retired"):
        taken = [p.code for p in current_powers() if p.item_key == fields["item_key"] and p.code != code]
        if taken:
            raise FormDataInvalid({"item_key": [f"'{fields['item_key']}' is the key of item {taken[0]} already"]})
    fields.setdefault("remedies", DEFAULT_REMEDIES)
    row = PowerItem(code=code, version=last + 1, changed_by=actor, changed_at=clock.now(), **fields)
    db.session.add(row)
    _flush(f"changing power item {code}")
    append_event(POWERS_STREAM, None, "power_item_changed", actor=actor, client_addr=client_addr,
                 data={"code": code, "version": row.version, **fields})
    return row


def list_certificates() -> list[tuple[Certificate, User]]:
    return list(db.session.execute(select(Certificate, User).join(User, Certificate.user_id == User.id)
                                   .order_by(User.username, Certificate.valid_from)))


def add_certificate(username: str, number: str, category: str, area: str | None, valid_from: date,
                    valid_to: date | None, actor: str, client_addr: str | None = None) -> Certificate:
    """Register an enforcement certificate (执法证) for a user; no commit.

    Raises:
        FormDataInvalid: unknown user, or valid_to before valid_from. StateConflict: the number is taken.
    """
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise FormDataInvalid({"username": [f"no user '{username}'"]}, "unknown user")
    if valid_to is not None and valid_to < valid_from:
        raise FormDataInvalid({"valid_to": ["must not be before valid_from"]})
    if db.session.scalar(select(Certificate.id).where(Certificate.number == number)) is not None:
        raise StateConflict(f"certificate number {number} is already registered")
    cert = Certificate(user_id=user.id, number=number, category=category, area=area, valid_from=valid_from,
                       valid_to=valid_to)
    db.session.add(cert)
    _flush(f"registering certificate {number}")
    append_event(CERTIFICATES_STREAM, None, "certificate_added", actor=actor, client_addr=client_addr,
                 data={"username": username, **cert.as_dict()})
    return cert


def public_officers(day: date | None = None) -> list[dict[str, Any]]:
    """Active officers with a certificate valid on ``day`` (default: today in Beijing), one row per certificate."""
    day = day or clock.today()
    rows = db.session.execute(
        select(User, Certificate).join(Certificate, Certificate.user_id == User.id)
        .where(User.active.is_(True), Certificate.valid_from <= day,
               (Certificate.valid_to.is_(None)) | (Certificate.valid_to >= day))
        .order_by(User.display_name, User.username, Certificate.number))
    return [{"username": u.username, "display_name": u.display_name, "certificate_number": c.number,
             "category": c.category, "area": c.area, "valid_to": c.valid_to}
            for u, c in rows if u.has_role("officer")]


def _label(user: User, extra: str | None = None) -> str:
    return f"{user.display_name}（{user.username}{'，' + extra if extra else ''}）"


def _people(role: str, qualified: Any = None) -> list[dict[str, Any]]:
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name, User.username))
    return [{"label": _label(u), "value": u.username} for u in users
            if u.has_role(role) and (qualified is None or qualified(u))]


def _certified_officers() -> list[dict[str, Any]]:
    """Active officers with an enforcement certificate valid today (APL 42), one entry each."""
    seen: dict[str, dict[str, Any]] = {}
    for row in public_officers():
        seen.setdefault(row["username"], {"label": f"{row['display_name']}（{row['username']}，执法证号 "
                                                    f"{row['certificate_number']}）", "value": row["username"]})
    return list(seen.values())


def _permit_items() -> list[dict[str, Any]]:
    return [{"label": f"{p.name}（{p.legal_basis}）", "value": p.item_key}
            for p in current_powers() if p.category == "permit" and p.item_key]


#: valuesKey -> the list builder (engine.form_options.REGISTRY_VALUES_KEYS names the same keys)
REGISTRY_LISTS: dict[str, Any] = {
    "registry_officers": _certified_officers,
    "registry_legal_reviewers": lambda: _people("legal_reviewer", lambda u: u.legal_qualified),
    "registry_heads": lambda: _people("head"),
    "registry_legal_counsel": lambda: _people("legal_counsel"),
    "registry_permit_items": _permit_items,
    "registry_inspection_items": inspection.item_options,
}


def registry_values(keys: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The current options (``[{"label", "value"}]``) of the registry lists named by ``keys`` (form valuesKeys).

    Officers need a certificate valid today (Beijing); reviewers the legal qualification (APL 58).
    """
    return {key: REGISTRY_LISTS[key]() for key in sorted(set(keys)) if key in REGISTRY_LISTS}


def form_registry_values(form: dict[str, Any] | None,
                         data: dict[str, Any] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The registry lists a form's choice fields use (empty for a form without valuesKey); with submitted
    ``data``, only the lists its values are checked against (no query for a field left empty)."""
    if not form or not form.get("components"):
        return {}
    return registry_values(values_keys(form, data))
