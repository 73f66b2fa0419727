"""The list of powers (权责清单) as versioned rows, and the certificate registry. No commits here.

Every change is also an event on a hash-chained stream (``powers``, ``certificates``): who
changed what, when.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select

from engine import clock
from engine.errors import FormDataInvalid, StateConflict
from engine.forms import values_keys

from ..extensions import db
from ..models import Certificate, PowerItem, User
from ..models.registry import DEFAULT_REMEDIES
from ..services import org_scope, recording_list
from ..services.history import append_event
from . import inspection, lists

POWER_FIELDS = ("name", "category", "legal_basis", "procedure", "time_limit", "time_limit_days", "working_days",
                "remedies", "item_key", "outcome", "forward_to", "retired")
POWERS_STREAM = "powers"
CERTIFICATES_STREAM = "certificates"




def current_powers(include_retired: bool = False, org_id: int | None = None) -> list[PowerItem]:
    """The current version of every item of bureau ``org_id``'s list (default: the case being worked, else the
    caller's bureau; items set at the platform root included), by category and code; retired ones only if asked."""
    return lists.effective(PowerItem, org_id, include_retired, order=lambda p: (p.category, p.code))


def public_powers(org_id: int | None = None) -> list[PowerItem]:
    """The published list: bureau ``org_id``'s, or every organisation's own items when None."""
    return lists.every_bureau(PowerItem, org_id, order=lambda p: (p.category, p.code))


def power_versions(code: str, org_id: int | None = None) -> list[PowerItem]:
    """Every version of ``code`` in the bureau's list, oldest first. Raises NotFound (another bureau's too)."""
    return lists.versions(PowerItem, code, org_id, "power item")


def put_power(code: str, values: dict[str, Any], actor: str, client_addr: str | None = None,
              org_id: int | None = None) -> PowerItem:
    """A new version of item ``code`` (the first version creates it) in the list of ``org_id`` (default: the
    caller's bureau); no commit.

    ``values`` holds the whole item (name, category, legal_basis, ...), already validated.

    Raises:
        StateConflict: a concurrent change took the same version.
    """
    org_id = org_id if org_id is not None else org_scope.effective_org()
    fields = {k: values[k] for k in POWER_FIELDS if values.get(k) is not None}
    if fields.get("item_key") and not fields.get("retired"):
        taken = [p.code for p in current_powers(org_id=org_id) if p.item_key == fields["item_key"] and p.code != code]
        if taken:
            raise FormDataInvalid({"item_key": [f"'{fields['item_key']}' is the key of item {taken[0]} already"]})
    fields.setdefault("remedies", DEFAULT_REMEDIES)
    row = PowerItem(code=code, org_id=org_id, version=lists.next_version(PowerItem, code, org_id), changed_by=actor,
                    changed_at=clock.now(), **fields)
    db.session.add(row)
    db.session.flush()  # a unique-key clash: a concurrent change (409)
    append_event(POWERS_STREAM, None, "power_item_changed", actor=actor, client_addr=client_addr,
                 data={"code": code, "version": row.version, "org_id": org_id, **fields})
    return row


def list_certificates(nodes: Iterable[int] | None = None) -> list[tuple[Certificate, User]]:
    """The certificates of the users of ``nodes`` (a caller's read scope; None: every user)."""
    stmt = select(Certificate, User).join(User, Certificate.user_id == User.id)
    if nodes is not None:
        stmt = stmt.where(_users_of(set(nodes)))
    return list(db.session.execute(stmt.order_by(User.username, Certificate.valid_from)))


def _users_of(nodes: set[int]):
    """WHERE clause: users whose node is in ``nodes`` (a user without a node belongs to the default bureau)."""
    return org_scope.users_in_clause(nodes)


def add_certificate(username: str, number: str, category: str, area: str | None, valid_from: date,
                    valid_to: date | None, actor: str, client_addr: str | None = None,
                    nodes: Iterable[int] | None = None) -> Certificate:
    """Register an enforcement certificate (执法证) for a user (of ``nodes``, the caller's own bureau, when
    given); no commit.

    Raises:
        FormDataInvalid: unknown user (another bureau's included), or valid_to before valid_from.
        StateConflict: the number is taken.
    """
    stmt = select(User).where(User.username == username)
    if nodes is not None:
        stmt = stmt.where(_users_of(set(nodes)))
    user = db.session.scalar(stmt)
    if user is None:
        raise FormDataInvalid({"username": [f"no user '{username}'"]}, "unknown user")
    if valid_to is not None and valid_to < valid_from:
        raise FormDataInvalid({"valid_to": ["must not be before valid_from"]})
    if db.session.scalar(select(Certificate.id).where(Certificate.number == number)) is not None:
        raise StateConflict(f"certificate number {number} is already registered")
    cert = Certificate(user_id=user.id, number=number, category=category, area=area, valid_from=valid_from,
                       valid_to=valid_to)
    db.session.add(cert)
    db.session.flush()  # a unique-key clash: a concurrent change (409)
    append_event(CERTIFICATES_STREAM, None, "certificate_added", actor=actor, client_addr=client_addr,
                 data={"username": username, **cert.as_dict()})
    return cert


def public_officers(day: date | None = None, org_id: int | None = None) -> list[dict[str, Any]]:
    """Active officers with a certificate valid on ``day`` (default: today in Beijing), one row per certificate;
    with ``org_id``, only the officers of that organisation's subtree (a bureau's officers)."""
    day = day or clock.today()
    stmt = (select(User, Certificate).join(Certificate, Certificate.user_id == User.id)
            .where(User.active.is_(True), Certificate.valid_from <= day,
                   (Certificate.valid_to.is_(None)) | (Certificate.valid_to >= day)))
    if org_id is not None:
        stmt = stmt.where(org_scope.users_clause(org_id))
    rows = db.session.execute(stmt.order_by(User.display_name, User.username, Certificate.number))
    return [{"username": u.username, "display_name": u.display_name, "certificate_number": c.number,
             "category": c.category, "area": c.area, "valid_to": c.valid_to}
            for u, c in rows if u.has_role("officer")]


def _label(user: User, extra: str | None = None) -> str:
    return f"{user.display_name}（{user.username}{'，' + extra if extra else ''}）"


def _people(role: str, qualified: Any = None, org_id: int | None = None) -> list[dict[str, Any]]:
    """Active users of the bureau (default: the case being worked, else the caller's) holding ``role``."""
    bureau = org_id if org_id is not None else org_scope.effective_org()
    users = db.session.scalars(select(User).where(User.active.is_(True), org_scope.users_clause(bureau))
                               .order_by(User.display_name, User.username))
    return [{"label": _label(u), "value": u.username} for u in users
            if u.has_role(role) and (qualified is None or qualified(u))]


def _certified_officers(org_id: int | None = None) -> list[dict[str, Any]]:
    """Active officers of the bureau with an enforcement certificate valid today (APL 42), one entry each."""
    seen: dict[str, dict[str, Any]] = {}
    bureau = org_id if org_id is not None else org_scope.effective_org()
    for row in public_officers(org_id=bureau):
        seen.setdefault(row["username"], {"label": f"{row['display_name']}（{row['username']}，执法证号 "
                                                    f"{row['certificate_number']}）", "value": row["username"]})
    return list(seen.values())


def _permit_items(org_id: int | None = None) -> list[dict[str, Any]]:
    return [{"label": f"{p.name}（{p.legal_basis}）", "value": p.item_key}
            for p in current_powers(org_id=org_id) if p.category == "permit" and p.item_key]


#: valuesKey -> the list builder of a bureau (engine.form_options.REGISTRY_VALUES_KEYS names the same keys)
REGISTRY_LISTS: dict[str, Any] = {
    "registry_officers": _certified_officers,
    "registry_legal_reviewers": lambda org: _people("legal_reviewer", lambda u: u.legal_qualified, org),
    "registry_heads": lambda org: _people("head", org_id=org),
    "registry_legal_counsel": lambda org: _people("legal_counsel", org_id=org),
    "registry_permit_items": _permit_items,
    "registry_inspection_items": inspection.item_options,
    "registry_service_items": lambda org: recording_list.options(("permit", "penalty"), org),
    "registry_service_posts": lambda org: recording_list.options(("post",), org),
}


def registry_values(keys: Iterable[str], org_id: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """The current options (``[{"label", "value"}]``) of the registry lists named by ``keys`` (form valuesKeys)
    of bureau ``org_id`` (default: the case being worked, else the caller's bureau): its people, its lists.

    Officers need a certificate valid today (Beijing); reviewers the legal qualification (APL 58).
    """
    org_id = org_id if org_id is not None else org_scope.effective_org()
    return {key: REGISTRY_LISTS[key](org_id) for key in sorted(set(keys)) if key in REGISTRY_LISTS}


def form_registry_values(form: dict[str, Any] | None,
                         data: dict[str, Any] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The registry lists a form's choice fields use (empty for a form without valuesKey); with submitted
    ``data``, only the lists its values are checked against (no query for a field left empty)."""
    if not form or not form.get("components"):
        return {}
    return registry_values(values_keys(form, data))
