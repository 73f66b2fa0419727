"""The list of powers (权责清单) as versioned rows, and the certificate registry. No commits here.

Every change is also an event on a hash-chained stream (``powers``, ``certificates``): who
changed what, when.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine import clock
from engine.errors import FormDataInvalid, NotFound, StateConflict

from ..extensions import db
from ..models import Certificate, PowerItem, User
from ..models.registry import DEFAULT_REMEDIES
from ..services.history import append_event

POWER_FIELDS = ("name", "category", "legal_basis", "procedure", "time_limit", "time_limit_days", "working_days",
                "remedies", "retired")
POWERS_STREAM = "powers"
CERTIFICATES_STREAM = "certificates"


def _flush(what: str) -> None:
    """Flush; a unique-key clash is a concurrent change (409). The caller rolls back."""
    try:
        db.session.flush()
    except IntegrityError:
        raise StateConflict(f"{what} collided with a concurrent change; reload and retry") from None


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
