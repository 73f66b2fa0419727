"""Login throttling: a lockout per username and a failure budget per client address.

Every attempt is a ``LoginAttempt`` row, written (and committed) as "pending" *before* the password is
checked, so concurrent guesses see each other: the N+1st of a burst finds N rows before it and is refused.
A username is locked when LOGIN_MAX_FAILURES attempts in a row have failed since its last success or the last
time an admin lifted the lock, until LOGIN_LOCKOUT_SECONDS after the last failure (0: until an admin lifts it).
Unknown usernames are counted the same way, so a lockout does not tell whether an account exists. An address
with LOGIN_ADDR_MAX_FAILURES failed or refused attempts in the last LOGIN_ADDR_WINDOW_SECONDS is refused too.

This module commits: the attempt must be recorded whatever the request does next.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from ..errors import TooManyRequests
from ..extensions import db
from ..models import LoginAttempt
from ..models.types import as_utc, utcnow

#: outcomes that count as a failed guess for a username / for an address
_USER_FAILS = ("failed", "pending")
_ADDR_FAILS = ("failed", "pending", "refused")
_RESETS = ("ok", "lifted")


def storable(text: str, limit: int = 64) -> str:
    """``text`` as it can be stored and compared in every database (no NUL, no lone surrogates, ``limit`` long)."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:limit]


def _lock_state(username: str, before_id: int | None = None) -> dict[str, Any]:
    """failures since the last reset, the last failure's time, and whether the username is locked now."""
    cfg = current_app.config
    scope = [LoginAttempt.username == username]
    if before_id is not None:
        scope.append(LoginAttempt.id < before_id)
    reset = db.session.scalar(select(func.max(LoginAttempt.id)).where(*scope, LoginAttempt.outcome.in_(_RESETS)))
    count, last = db.session.execute(
        select(func.count(), func.max(LoginAttempt.at))
        .where(*scope, LoginAttempt.id > (reset or 0), LoginAttempt.outcome.in_(_USER_FAILS))).one()
    locked = count >= cfg["LOGIN_MAX_FAILURES"]
    seconds = cfg["LOGIN_LOCKOUT_SECONDS"]
    until = None
    if locked and last is not None and seconds > 0:
        until = as_utc(last) + timedelta(seconds=seconds)
        locked = until > utcnow()
    return {"failures": count, "locked": locked, "locked_until": until if locked else None}


def lock_state(username: str) -> dict[str, Any]:
    """``{"failures", "locked", "locked_until"}`` of ``username`` now (for the admin's user view)."""
    return _lock_state(username)


def _addr_refused(client_addr: str | None, before_id: int) -> bool:
    if not client_addr:
        return False
    cfg = current_app.config
    since = utcnow() - timedelta(seconds=cfg["LOGIN_ADDR_WINDOW_SECONDS"])
    count = db.session.scalar(select(func.count()).where(
        LoginAttempt.client_addr == client_addr, LoginAttempt.id < before_id, LoginAttempt.at > since,
        LoginAttempt.outcome.in_(_ADDR_FAILS)))
    return count >= cfg["LOGIN_ADDR_MAX_FAILURES"]


def begin(username: str, client_addr: str | None) -> int:
    """Record a pending attempt (committed) and return its id.

    Raises:
        TooManyRequests: the username is locked, or the address is over its budget (the attempt is "refused").
    """
    addr = storable(client_addr) if client_addr else None
    row = LoginAttempt(username=storable(username), client_addr=addr, at=utcnow(), outcome="pending")
    db.session.add(row)
    db.session.commit()
    attempt_id, name = row.id, row.username
    message = None
    if _lock_state(name, attempt_id)["locked"]:
        message = ("this account is locked after too many failed logins; try again later or ask an "
                   "administrator to lift the lock")
    elif _addr_refused(addr, attempt_id):
        message = "too many failed logins from this address; try again later"
    if message is not None:
        _set(attempt_id, "refused")
        raise TooManyRequests(message)
    return attempt_id


def _set(attempt_id: int, outcome: str) -> None:
    db.session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(outcome=outcome))
    db.session.commit()


def finish(attempt_id: int, ok: bool) -> None:
    """Record the attempt's outcome (committed)."""
    _set(attempt_id, "ok" if ok else "failed")


def lift(username: str, actor: str) -> None:
    """An admin lifts the lock of ``username``: earlier failures no longer count. No commit."""
    db.session.add(LoginAttempt(username=storable(username), client_addr=None, at=utcnow(), outcome="lifted",
                                actor=actor))
