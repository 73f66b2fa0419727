"""User administration. No commits here.

Every change is an attributed event on the hash-chained ``users`` stream (who, when, from where, what changed,
before and after); a password never reaches the stream, not even hashed. An admin manages the users of their
own organisation's subtree only; the CLI (``actor`` None) manages every user.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import func, select

from engine.errors import FormDataInvalid, NotFound, RuleViolation, StateConflict

from ..auth import lockout
from ..extensions import db
from ..models import Certificate, User
from ..security import hash_password, revoke_all
from ..services import locks, orgs
from ..services.history import append_event

STREAM = "users"
#: the fields an admin may change with PATCH, and how they are recorded
CHANGEABLE = ("display_name", "roles", "legal_qualified", "active", "org_id")


def _scope(admin: User | None) -> set[int] | None:
    """The organisation ids ``admin`` manages (None: every user, for the CLI)."""
    return None if admin is None else orgs.subtree(orgs.user_org(admin))


def _in_scope(admin: User | None, user: User) -> bool:
    scope = _scope(admin)
    return scope is None or orgs.user_org(user) in scope


def _record(type_: str, admin: User | None, client_addr: str | None, data: dict[str, Any]) -> None:
    append_event(STREAM, None, type_, actor=admin.username if admin else "cli", role="admin" if admin else None,
                 client_addr=client_addr, data=data)
    db.session.flush()  # a unique-key clash: a concurrent change (409)


def org_code(org_id: int | None) -> str | None:
    org = orgs.get(org_id)
    return org.code if org is not None else None


def as_dict(user: User) -> dict[str, Any]:
    state = lockout.lock_state(user.username)
    return {
        "username": user.username, "display_name": user.display_name, "roles": list(user.roles or []),
        "legal_qualified": user.legal_qualified, "active": user.active, "demo": bool(user.demo),
        "org_id": user.org_id, "org": org_code(user.org_id),
        "certificates": [c.as_dict() for c in sorted(user.certificates, key=lambda c: (c.valid_from, c.number))],
        "locked": state["locked"], "locked_until": state["locked_until"], "failed_logins": state["failures"],
        "created_at": user.created_at,
    }


def list_users(admin: User | None) -> list[User]:
    users = db.session.scalars(select(User).order_by(User.username))
    return [u for u in users if _in_scope(admin, u)]


def get_user(admin: User | None, username: str) -> User:
    """The user ``username`` if ``admin`` manages them.

    Raises:
        NotFound: no such user, or one outside the admin's organisations.
    """
    user = None
    if lockout.storable(username) == username:
        user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not _in_scope(admin, user):
        raise NotFound(f"user '{lockout.storable(username)}' not found")
    return user


def _org_id(admin: User | None, values: dict[str, Any]) -> int | None:
    """The organisation ``values`` name (org code or org_id), checked against the admin's scope.

    Raises:
        FormDataInvalid: an unknown organisation. RuleViolation (org_scope): outside the admin's subtree.
    """
    if values.get("org") is None and values.get("org_id") is None and admin is None:
        return None  # the CLI may create a user before any organisation exists (the default bureau then)
    if values.get("org") is not None:
        org, field = orgs.by_code(values["org"]), "org"
    else:
        org, field = orgs.get(values["org_id"]), "org_id"
    if org is None:
        raise FormDataInvalid({field: ["no such organisation"]}, "unknown organisation")
    scope = _scope(admin)
    if scope is not None and org.id not in scope:
        raise RuleViolation("org_scope", f"organisation '{org.code}' is outside your organisation's subtree")
    return org.id


def _check_password(username: str, password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    problems = []
    if len(password) < minimum:
        problems.append(f"at least {minimum} characters")
    if lockout.storable(password, 4096) != password:
        problems.append("no NUL or invalid unicode")
    if password.strip().lower() in (username.lower(), "demo") or len(set(password)) < 4:
        problems.append("not the username, 'demo' or a repeated character")
    if problems:
        raise FormDataInvalid({"password": problems}, "the password is too weak")


def _keeps_an_admin(user: User, roles: list[str], active: bool) -> None:
    """Raises StateConflict if the change would leave the platform without an active admin.

    Call it after :func:`_lock_admins`: the users are read as the last such change committed them, so two admins
    removing each other at once cannot both pass."""
    if user.has_role("admin") and user.active and not ("admin" in roles and active):
        rows = db.session.execute(select(User.roles).where(User.active.is_(True), User.id != user.id))
        if not any("admin" in (row_roles or []) for (row_roles,) in rows):
            raise StateConflict("this is the last active admin; make another admin first")


def _lock_admins(user: User) -> None:
    """Serialise changes of roles and active flags (see _keeps_an_admin), then re-read ``user``."""
    locks.hold("users:admins")
    db.session.refresh(user)


def create_user(admin: User | None, values: dict[str, Any], client_addr: str | None = None) -> User:
    """A new user (validated ``values``: username, display_name, password, roles, org/org_id, ...).

    Raises:
        StateConflict: the username is taken. FormDataInvalid: weak password, unknown organisation.
        RuleViolation (org_scope): an organisation outside the admin's subtree.
    """
    username = values["username"]
    org_id = _org_id(admin, values)
    _check_password(username, values["password"])
    taken = db.session.scalar(select(User.username).where(func.lower(User.username) == username.lower()))
    if taken is not None:  # OFFICER1 beside officer1 would read as the same person in lists and case data
        raise StateConflict(f"username '{username}' is taken" + (f" (as '{taken}')" if taken != username else ""))
    user = User(username=username, display_name=values["display_name"].strip(), roles=list(values["roles"]),
                legal_qualified=values.get("legal_qualified", False), active=values.get("active", True),
                password_hash=hash_password(values["password"]), org_id=org_id, demo=False)
    db.session.add(user)
    db.session.flush()  # a unique-key clash: a concurrent change (409)
    _record("user_created", admin, client_addr, {
        "username": username, "display_name": user.display_name, "roles": user.roles,
        "legal_qualified": user.legal_qualified, "active": user.active, "org_id": org_id, "org": org_code(org_id)})
    return user


def change_user(admin: User | None, username: str, values: dict[str, Any], client_addr: str | None = None) -> User:
    """Change display name, roles, legal qualification, active flag or organisation; deactivating revokes
    the user's tokens and web sessions.

    Raises:
        NotFound, RuleViolation (org_scope), FormDataInvalid, StateConflict (the last active admin).
    """
    user = get_user(admin, username)
    wanted = {k: v for k, v in values.items() if k in CHANGEABLE}
    if values.get("org") is not None or values.get("org_id") is not None:
        wanted["org_id"] = _org_id(admin, values)
    if "roles" in wanted or "active" in wanted:
        _lock_admins(user)
        _keeps_an_admin(user, list(wanted.get("roles", user.roles or [])), wanted.get("active", user.active))
    changes = {}
    for key, after in wanted.items():
        before = getattr(user, key)
        before = list(before or []) if key == "roles" else before
        if before != after:
            changes[key] = {"before": before, "after": after}
            setattr(user, key, list(after) if key == "roles" else after)
    if not changes:
        return user
    revoked = revoke_all(user) if changes.get("active", {}).get("after") is False else 0
    _record("user_changed", admin, client_addr, {"username": user.username, "changes": changes,
                                                 "reason": values.get("reason"), "tokens_revoked": revoked})
    return user


def reset_password(admin: User | None, username: str, password: str, client_addr: str | None = None) -> User:
    """Set a new password and revoke every token and web session of the user (the hash is not recorded)."""
    user = get_user(admin, username)
    _check_password(user.username, password)
    user.password_hash = hash_password(password)
    was_demo, user.demo = bool(user.demo), False  # the published demo password is gone
    revoked = revoke_all(user)
    _record("user_password_reset", admin, client_addr, {"username": user.username, "tokens_revoked": revoked,
                                                        "demo_password_replaced": was_demo})
    return user


def add_certificate(admin: User | None, username: str, values: dict[str, Any],
                    client_addr: str | None = None) -> Certificate:
    """Register an enforcement certificate for a user the admin manages (recorded on the certificates stream)."""
    from ..registry import service as registry

    user = get_user(admin, username)
    return registry.add_certificate(user.username, values["number"].strip(), values["category"].strip(),
                                    values.get("area"), values["valid_from"], values.get("valid_to"),
                                    admin.username if admin else "cli", client_addr)


def lift_lockout(admin: User | None, username: str, reason: str | None, client_addr: str | None = None) -> User:
    """Lift the login lock of a user: earlier failures no longer count."""
    user = get_user(admin, username)
    before = lockout.lock_state(user.username)
    lockout.lift(user.username, admin.username if admin else "cli")
    _record("user_lockout_lifted", admin, client_addr, {"username": user.username, "failures": before["failures"],
                                                        "was_locked": before["locked"], "reason": reason})
    return user
