"""Authentication (Bearer token or session cookie) and role checks.

The user is loaded once per request and kept on ``flask.g``.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from flask import current_app, g, request, session
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from engine.errors import RuleViolation

from .errors import Unauthorized
from .extensions import db
from .models import ApiToken, User


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:200000")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(username: str, password: str) -> User:
    """The active user with these credentials.

    Raises:
        Unauthorized: unknown user, wrong password or inactive account.
    """
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        raise Unauthorized("wrong username or password")
    return user


def issue_token(user: User) -> str:
    token = secrets.token_urlsafe(32)
    ttl = current_app.config["TOKEN_TTL_HOURS"]
    db.session.add(ApiToken(user_id=user.id, token_hash=token_digest(token),
                            expires_at=datetime.now(UTC) + timedelta(hours=ttl)))
    return token


def _load_user() -> User | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(header[7:].strip())))
        if row is None:
            return None
        expires = row.expires_at
        if expires is not None and expires.replace(tzinfo=expires.tzinfo or UTC) < datetime.now(UTC):
            return None
        return row.user if row.user.active else None
    uid = session.get("uid")
    if uid is not None:
        user = db.session.get(User, uid)
        return user if user is not None and user.active else None
    return None


def current_user(required: bool = True) -> User | None:
    """The logged-in user (cached per request).

    Raises:
        Unauthorized: if ``required`` and nobody is logged in.
    """
    if "user" not in g:
        g.user = _load_user()
    if g.user is None and required:
        raise Unauthorized("login required")
    return g.user


def require_role(*roles: str) -> User:
    """The current user, if they hold one of ``roles``.

    Raises:
        Unauthorized: not logged in. RuleViolation: none of the roles.
    """
    user = current_user()
    if not any(user.has_role(r) for r in roles):
        raise RuleViolation("role", f"this needs one of the roles: {', '.join(roles)}")
    return user


def login_required(fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        current_user()
        return fn(*args, **kwargs)

    return wrapper


def client_addr() -> str | None:
    return request.remote_addr
