"""Authentication (Bearer token or session cookie), login, logout, CSRF/Origin guard and role checks.

The user is loaded once per request and kept on ``flask.g``. Both ways in carry a random token whose sha256
is an ``ApiToken`` row: a Bearer token (kind "api") or the token a web session cookie holds (kind "web"), so a
logout, a password reset or a deactivation ends either at once, and a session cookie signed by someone who
knows (or guesses) the secret key still names no valid token.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g, has_app_context, jsonify, render_template, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import Unauthorized, error_body
from .extensions import db
from .models import ApiToken, User

csrf = CSRFProtect()
#: what a login's password is checked against when the username is unknown (same cost as a real check)
_DUMMY_HASH: list[str] = []
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: the session key holding the web session's token
SESSION_TOKEN = "tok"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:200000")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password(secrets.token_urlsafe(24)))
    return _DUMMY_HASH[0]


def authenticate(username: str, password: str, client_addr: str | None = None) -> User:
    """The active user with these credentials; the attempt is recorded (and committed) for the lockout.

    An unknown username is checked against a dummy hash, so it costs what a wrong password costs.

    Raises:
        TooManyRequests: the username is locked or the address made too many failed attempts (no check made).
        Unauthorized: unknown user, wrong password or inactive account.
    """
    from .auth import lockout

    attempt = lockout.begin(username, client_addr)
    name_ok = lockout.storable(username) == username  # a name with NUL, lone surrogates or > 64 chars is nobody's
    user = db.session.scalar(select(User).where(User.username == username)) if name_ok else None
    password_ok = lockout.storable(password, 4096) == password
    matches = check_password_hash(user.password_hash if user is not None else _dummy_hash(),
                                  password if password_ok else "")
    ok = matches and password_ok and user is not None and user.active
    lockout.finish(attempt, ok)
    if not ok:
        raise Unauthorized("wrong username or password")
    return user


def issue_token(user: User, kind: str = "api") -> str:
    """A new random token for ``user`` (only its sha256 is stored); no commit."""
    token = secrets.token_urlsafe(32)
    ttl = current_app.config["TOKEN_TTL_HOURS"]
    db.session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), kind=kind,
                            expires_at=datetime.now(UTC) + timedelta(hours=ttl)))
    return token


def start_web_session(user: User) -> None:
    """Log ``user`` in on this browser: a fresh session holding a new web token; no commit."""
    keep = session.get("lang")
    session.clear()
    session[SESSION_TOKEN] = issue_token(user, "web")
    if keep:
        session["lang"] = keep


def end_web_session() -> None:
    """Revoke the session's token and clear the session (keeping the language); no commit."""
    token = session.get(SESSION_TOKEN)
    if isinstance(token, str):
        revoke(token)
    keep = session.get("lang")
    session.clear()
    if keep:
        session["lang"] = keep
    g.pop("user", None)


def revoke(token: str) -> bool:
    """Mark the token revoked (once); False if it is unknown or already revoked. No commit."""
    if has_app_context():
        _token_cache().pop(token_digest(token), None)
    result = db.session.execute(update(ApiToken).where(ApiToken.token_hash == token_digest(token),
                                                       ApiToken.revoked_at.is_(None))
                                .values(revoked_at=datetime.now(UTC)))
    return bool(result.rowcount)


def revoke_all(user: User) -> int:
    """Revoke every live token of ``user`` (password reset, deactivation); no commit."""
    forget_users({user.id})
    result = db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                .values(revoked_at=datetime.now(UTC)))
    return result.rowcount or 0


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


# --- a short per-process cache of checked tokens -----------------------------------------------------------------
# A request with a token checked less than TOKEN_CACHE_SECONDS ago (default 2; 0: off) in this process reads no
# table: the user comes from the cache, attached to the request's session without a query. A revocation, a
# password reset, a deactivation or any change of the user made in this process drops the user's entries at once
# (revoke/revoke_all, and every flush of a User or ApiToken row); one made by another process is seen within
# TOKEN_CACHE_SECONDS. An expired token is refused from the cache as from the table.

_TOKENS = "sanxiang_token_cache"
_USER_COLUMNS = tuple(c.key for c in User.__table__.columns)


@dataclass(frozen=True)
class _Checked:
    kind: str
    expires_at: datetime | None
    user_id: int
    user: dict[str, Any]
    at: float


def _token_cache() -> dict[str, _Checked]:
    return current_app.extensions.setdefault(_TOKENS, {})


def forget_users(user_ids: set[int]) -> None:
    """Drop the cached tokens of ``user_ids`` (they changed, or their tokens were revoked)."""
    if not user_ids or not has_app_context():
        return
    cache = _token_cache()
    for digest in [d for d, hit in cache.items() if hit.user_id in user_ids]:
        cache.pop(digest, None)


def _users_written(session: Any, *args: Any) -> None:  # noqa: ARG001
    ids = {o.id for o in (*session.dirty, *session.deleted) if isinstance(o, User)}
    ids |= {o.user_id for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, ApiToken)}
    ids.discard(None)
    if ids:
        forget_users(ids)
        session.info.setdefault(_TOKENS, set()).update(ids)


def _users_committed(session: Any) -> None:
    forget_users(session.info.pop(_TOKENS, set()))  # again at the commit: a request may have cached the old row


sa_event.listen(Session, "after_flush", _users_written)
sa_event.listen(Session, "after_commit", _users_committed)


def _expired(expires: datetime | None) -> bool:
    return expires is not None and expires.replace(tzinfo=expires.tzinfo or UTC) < datetime.now(UTC)


def _from_cache(digest: str, kind: str) -> User | None:
    ttl = float(current_app.config.get("TOKEN_CACHE_SECONDS") or 0)
    hit = _token_cache().get(digest) if ttl > 0 else None
    if hit is None or hit.kind != kind or time.monotonic() - hit.at >= ttl or _expired(hit.expires_at):
        return None
    user = User(**{key: deepcopy(value) for key, value in hit.user.items()})
    make_transient_to_detached(user)
    return db.session.merge(user, load=False)  # persistent in this request's session, no query


def _token_user(token: str, kind: str) -> User | None:
    digest = token_digest(token)
    cached = _from_cache(digest, kind)
    if cached is not None:
        return cached
    read_at = time.monotonic()  # the cache entry is as old as the read, not as the moment it was stored
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or row.kind != kind or row.revoked_at is not None:
        return None
    if _expired(row.expires_at):
        return None
    if not row.user.active:
        return None
    if current_app.config.get("TOKEN_CACHE_SECONDS"):
        _token_cache()[digest] = _Checked(kind, row.expires_at, row.user.id,
                                          {key: deepcopy(getattr(row.user, key)) for key in _USER_COLUMNS},
                                          read_at)
    return row.user


def _load_user() -> User | None:
    bearer = bearer_token()
    if bearer is not None:
        return _token_user(bearer, "api")
    token = session.get(SESSION_TOKEN)
    if isinstance(token, str):
        return _token_user(token, "web")
    return None


def current_user(required: bool = True) -> User | None:
    """The logged-in user (cached per request).

    Raises:
        Unauthorized: if ``required`` and nobody is logged in.
    """
    if "user" not in g:
        g.user = _load_user()
        g.username = g.user.username if g.user is not None else None  # for the request log, read after the commit
    if g.user is None and required:
        raise Unauthorized("login required")
    return g.user


def login_required(fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        current_user()
        return fn(*args, **kwargs)

    return wrapper


def client_addr() -> str | None:
    return request.remote_addr


# --- cross-site request guard ------------------------------------------------------------------------------

def _foreign_origin() -> str | None:
    """The Origin (or, without one, the Referer) of this request if it is not this server nor a trusted origin."""
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if origin is None:
        return None
    try:
        parts, own = urlsplit(origin), urlsplit(request.host_url).netloc
    except ValueError:  # not a URL (e.g. an unclosed IPv6 bracket): nobody's origin, so a foreign one
        return origin[:200]
    if parts.scheme in ("http", "https") and parts.netloc and parts.netloc == own:
        return None
    trusted = {o.rstrip("/") for o in current_app.config.get("TRUSTED_ORIGINS") or []}
    if parts.scheme and parts.netloc and f"{parts.scheme}://{parts.netloc}" in trusted:
        return None
    return origin[:200]


def _refuse(code: int, message: str, rule: str):
    from .request_log import note_guard_refusal

    note_guard_refusal(code, rule, "cross-site request refused (a foreign Origin)" if rule == "csrf_origin"
                       else "CSRF check failed")
    if request.path.startswith("/api/"):
        return jsonify(error_body(code, message, {"rule": rule})), code
    from .web.i18n import t

    key = "csrf_refused_origin" if rule == "csrf_origin" else "csrf_refused_token"
    return render_template("message.html", message=t(key)), code


def _guard_cross_site():
    """Before every request: a state-changing request that may ride on the browser's cookie is refused when it
    comes from a foreign Origin/Referer (403) or lacks the session's CSRF token (400). A request that
    authenticates with a Bearer token carries no ambient credential and passes; so does a cookie-less call to the
    JSON API (e.g. POST /api/v1/auth/token)."""
    if request.method not in UNSAFE_METHODS or bearer_token() is not None:
        return None
    origin = _foreign_origin()
    if origin is not None:
        return _refuse(403, f"cross-site request refused (Origin {origin})", "csrf_origin")
    if request.path.startswith("/api/") and not isinstance(session.get(SESSION_TOKEN), str):
        return None
    try:
        csrf.protect()
    except CSRFError as exc:
        return _refuse(400, f"CSRF check failed: {exc.description} (send the X-CSRF-Token header or the form's "
                            "csrf_token)", "csrf_token")
    return None


#: every answer: no framing (clickjacking), images from this origin only (no tracking pixel in typed text), no
#: plugins, no <base> moved elsewhere; a route's own policy (e.g. ``sandbox`` on a stored file) is kept and
#: gets ``frame-ancestors`` added
CONTENT_SECURITY_POLICY = "frame-ancestors 'none'; img-src 'self' data: blob:; object-src 'none'; base-uri 'self'"


def _security_headers(resp):
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    policy = resp.headers.get("Content-Security-Policy")
    if policy is None:
        resp.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    elif "frame-ancestors" not in policy:
        resp.headers["Content-Security-Policy"] = f"{policy}; frame-ancestors 'none'"
    return resp


def install_request_guards(app: Flask) -> None:
    """CSRF tokens for every form (``csrf_token()`` in templates), the cross-site guard on every request and the
    security headers on every answer."""
    csrf.init_app(app)
    app.before_request(_guard_cross_site)
    app.after_request(_security_headers)


def csrf_token() -> str:
    """The CSRF token of this session (for the X-CSRF-Token header of cookie-authenticated API calls)."""
    return generate_csrf()
