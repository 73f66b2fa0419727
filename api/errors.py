"""Map the engine's error hierarchy to HTTP, once.

Every error body is ``{"code", "status", "message", "errors"}`` (docs/API.md).
"""
from __future__ import annotations

import base64
import binascii
import re
from http import HTTPStatus
from typing import Any

from flask import Flask, g, has_request_context, jsonify, request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from engine.errors import (
    CalendarError,
    DefinitionInvalid,
    FormDataInvalid,
    NotFound,
    RuleViolation,
    SanxiangError,
    ScriptError,
    StateConflict,
    Unavailable,
)
from engine.masking import DEFAULT_RULES, fold, mask_text

from .extensions import db
from .request_log import note_input_refusal, note_refusal


class Unauthorized(SanxiangError):
    """Not logged in (401)."""


class TooManyRequests(SanxiangError):
    """Refused for now: too many failed attempts (429). ``retry_after`` (seconds) becomes the Retry-After header."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadRequest(SanxiangError):
    """A malformed request (400); ``errors`` maps field to messages."""

    def __init__(self, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


STATUS: dict[type[SanxiangError], int] = {
    DefinitionInvalid: 400,
    BadRequest: 400,
    Unauthorized: 401,
    TooManyRequests: 429,
    RuleViolation: 403,
    NotFound: 404,
    StateConflict: 409,
    FormDataInvalid: 422,
    ScriptError: 422,  # the deployed diagram cannot process this submission: element and line in errors
    CalendarError: 422,
    Unavailable: 503,  # the evidence store down, misconfigured or refusing the credentials
}


#: PostgreSQL: deadlock detected, serialization failure, lock not available
CONTENTION_SQLSTATES = {"40P01", "40001", "55P03"}
#: werkzeug's and webargs' refusals that get a refusal log line (not 404 and 405: a scanner's misses)
LOGGED_HTTP_REFUSALS = frozenset({400, 413, 415, 422})


#: the masks applied to every error body: an ID number typed into a request (a path, a header, a key, a value) is
#: never echoed back whole in the refusal (nor in a log line quoting it)
ECHO_MASKS = tuple(rule for rule in DEFAULT_RULES if rule.name in ("id_number", "id_number_15"))


#: the masks for the phone numbers a request carried: applied to what the request typed only (matched exactly), not
#: to every run of digits, since a sha256 or a task id the server writes may hold one by chance
PHONE_MASKS = tuple(rule for rule in DEFAULT_RULES if rule.name in ("mobile", "landline"))


#: a run of hex digits and dashes this long is a hash or an id the server wrote (a sha256, a UUID), not a phone
_HEX_RUN = re.compile(r"[0-9A-Fa-f-]{32,}")


def _strings_of(value: Any) -> list[str]:
    """Every key and string of a parsed JSON value (escaped characters compared as they read, not the raw bytes)."""
    out, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            out.extend(str(k) for k in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out


def _typed_phones() -> dict[str, str]:
    """The phone numbers the current request carried (its path, query, JSON body or form) -> their masked form."""
    if not has_request_context():
        return {}
    known = g.get("sanxiang_typed_phones")
    if known is not None:
        return known
    texts = [request.path, request.query_string.decode("utf-8", "replace"), request.headers.get("Origin", "")]
    texts += _upload_metadata_texts(request.headers.get("Upload-Metadata", ""))  # a tus upload's, as sent
    texts += g.get("sanxiang_request_texts", [])  # what a view read on the request's behalf (a stored upload's)
    # only what was read already: reading here could consume an upload's stream (a tus PATCH) or parse a form
    parsed = getattr(request, "_cached_json", (Ellipsis, Ellipsis))[0]  # a JSON body checked by api/inputs.py
    if parsed is not Ellipsis:
        texts.extend(_strings_of(parsed))
    if "form" in request.__dict__:  # a form werkzeug parsed for the view
        texts.extend(f"{k} {v}" for k, v in request.form.items(multi=True))
    found: dict[str, str] = {}
    for text in texts:
        folded = fold(text)  # read as the publication masks read it: full-width digits (an IME's) as ASCII
        hashes = [m.span() for m in _HEX_RUN.finditer(folded)]
        for rule in PHONE_MASKS:
            for match in rule.regex.finditer(folded):
                if not any(start <= match.start() and match.end() <= end for start, end in hashes):
                    typed = text[match.start():match.end()]  # fold keeps positions: the span as the client typed it
                    found[typed] = mask_text(typed, PHONE_MASKS)
    g.sanxiang_typed_phones = found
    return found


def _upload_metadata_texts(header: str) -> list[str]:
    """The keys and decoded values of a tus ``Upload-Metadata`` header (``key base64,…``), as well as they
    decode: a message may quote a value the client sent base64-encoded, or a key, or a value that did not decode."""
    texts = []
    for pair in header.split(",")[:200]:
        key, _, encoded = pair.strip().partition(" ")
        texts.append(pair)
        try:
            texts.append(f"{key} {base64.b64decode(encoded.strip(), validate=False).decode('utf-8', 'replace')}")
        except (ValueError, binascii.Error):
            continue
    return texts


def _masked(text: str, phones: dict[str, str]) -> str:
    text = mask_text(text, ECHO_MASKS)
    for phone, masked in phones.items():
        text = text.replace(phone, masked)
    return text


def unechoed(value: Any, phones: dict[str, str] | None = None) -> Any:
    """``value`` (a message, or an ``errors`` tree) with every ID number masked, and every phone number the request
    carried, keys included; every key is text (marshmallow names a list's items by their index:
    ``{"pauses": {0: {...}, "_schema": [...]}}``, whose mixed keys JSON encoding with sorted keys cannot order)."""
    phones = _typed_phones() if phones is None else phones
    if isinstance(value, str):
        return _masked(value, phones)
    if isinstance(value, dict):
        return {unechoed(str(k), phones): unechoed(v, phones) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [unechoed(v, phones) for v in value]
    return value


#: the longest message an error body carries: a message quoting what the client sent (a 60,000-character path or
#: id) is cut, with an ellipsis
MAX_MESSAGE = 1_000


def error_body(code: int, message: str, errors: dict[str, Any] | None = None,
               status: str | None = None) -> dict[str, Any]:
    """The one error body; an ID number the client typed is never echoed whole (``ECHO_MASKS``), nor a message
    longer than :data:`MAX_MESSAGE` characters."""
    text = unechoed(message)
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE - 1] + "…"
    return {"code": code, "status": status or HTTPStatus(code).phrase, "message": text,
            "errors": unechoed(errors or {})}


def _errors_of(exc: SanxiangError) -> dict[str, Any]:
    if isinstance(exc, DefinitionInvalid):
        return {"problems": [p.as_dict() for p in exc.problems]}
    if isinstance(exc, (FormDataInvalid, BadRequest)):
        return exc.errors
    if isinstance(exc, RuleViolation):
        return {"rule": exc.rule}
    if isinstance(exc, ScriptError):
        return {"element_id": exc.element_id, "line": exc.line}
    return {}


def status_of(exc: SanxiangError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


#: PostgreSQL's connection exceptions (class 08) and its shutting down or starting up
_UNREACHABLE_SQLSTATES = ("57P01", "57P02", "57P03")


def _unreachable(exc: OperationalError) -> bool:
    """Whether the database could not be reached (as against a statement it refused)."""
    orig = getattr(exc, "orig", None)
    if exc.connection_invalidated:
        return True
    if hasattr(orig, "sqlstate"):  # psycopg: a failed connect has no SQLSTATE
        state = orig.sqlstate
        return state is None or state.startswith("08") or state in _UNREACHABLE_SQLSTATES
    return "unable to open database" in str(orig)  # SQLite: its file is gone or unreadable


def register_error_handlers(app: Flask) -> None:
    from .web.error_pages import is_browser_request, render_error

    def _answer(code: int, message: str, errors: dict[str, Any] | None = None, headers: dict | None = None):
        """The API's JSON error body, or an error page for a browser route."""
        if is_browser_request():
            page, status = render_error(code, message)
            return page, status, headers or {}
        return jsonify(error_body(code, message, errors)), code, headers or {}

    @app.errorhandler(SanxiangError)
    def _sanxiang_error(exc: SanxiangError):
        code = status_of(exc)
        note_refusal(exc, code)  # the refusal's log line, with its rule (api/request_log.py)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is None and code == 503:
            retry_after = 5  # a store or service down for now, as for the database (below)
        headers = {"Retry-After": str(max(1, int(retry_after)))} if retry_after is not None else {}
        return _answer(code, exc.message, _errors_of(exc), headers)

    @app.errorhandler(StaleDataError)
    def _stale(exc: StaleDataError):  # noqa: ARG001
        db.session.rollback()
        return _answer(409, "the instance was changed by another request; reload and retry")

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError):  # noqa: ARG001
        # the one IntegrityError -> 409 mapping: a concurrent request wrote the same history position or unique key
        # first; nothing of this one was kept. Local catches remain only where they do more (a retry of an evidence
        # read's access log, api/evidence/resources.py; a flashed message on the admin pages, web/pages/admin_common)
        db.session.rollback()
        return _answer(409, "another request changed this record at the same time; reload and retry")

    @app.errorhandler(OperationalError)
    def _contention(exc: OperationalError):
        # SQLite's "database is locked" after its wait, PostgreSQL's deadlock / serialization failure: a
        # concurrent request held what this one needed; nothing of this one was kept (anything else stays a 500)
        db.session.rollback()
        orig = getattr(exc, "orig", None)
        if getattr(orig, "sqlstate", None) in CONTENTION_SQLSTATES or "database is locked" in str(orig):
            return _answer(409, "another request was changing the same records; retry")
        if _unreachable(exc):
            # the database cannot be reached (down, restarting, refusing connections): nothing was kept; the health
            # check says the same (503). The cause goes to the log, not to the client (it names hosts and ports)
            app.logger.warning("database unavailable: %s", type(orig or exc).__name__)
            return _answer(503, "the database cannot be reached just now; nothing was changed, retry shortly",
                           headers={"Retry-After": "5"})
        raise exc  # anything else (a missing table, a bad statement) is a bug: 500, logged

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        # werkzeug's and webargs' errors (no route, 405, 413, 422 from a schema) in the API's error body, with a
        # message: an id beyond what a database integer holds matches no route and lands here as a 404
        if exc.code is None:
            return exc
        if is_browser_request() and not request.path.startswith("/static/"):
            return render_error(exc.code, None if exc.code >= 500 else exc.description)
        if not request.path.startswith("/api/"):
            from .extensions import api

            return api.handle_http_exception(exc)
        data = getattr(exc, "data", None) or {}
        errors = data.get("errors") or data.get("messages") or {}
        message = data.get("message") or _describe(errors) or f"{request.method} {request.path}: {exc.description}"
        if exc.code in LOGGED_HTTP_REFUSALS:  # a query or body the schema refused, a body too large
            note_input_refusal(exc.code, type(exc).__name__, errors if isinstance(errors, dict) else None, message)
        return jsonify(error_body(exc.code, message, errors)), exc.code, data.get("headers") or {}


def _describe(errors: dict[str, Any]) -> str | None:
    """'the request is invalid: page, instance_id' from webargs' errors (nested under their location)."""
    names = [name for value in errors.values() for name in (value if isinstance(value, dict) else {})]
    return f"the request is invalid: {', '.join(map(str, names))}" if names else None
