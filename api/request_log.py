"""Structured request logs: one JSON line per request on the logger ``sanxiang.request``, and one per refusal on
``sanxiang.refusal``.

A request line: ``{"request_id", "method", "path", "route", "status", "duration_ms", "user", "instance_id",
"task_id", "error", "rule"}`` (``instance_id``/``task_id`` when the route names them — a task route also gives its
task's instance —, ``error``/``rule`` when the answer was a refusal). The request id comes from a sane incoming
``X-Request-Id`` (a proxy's) or is made here, and is sent back as ``X-Request-Id``.

A refusal line (a ``SanxiangError`` answered 4xx, e.g. ``RuleViolation`` 403 or ``FormDataInvalid`` 422):
``{"event": "refusal", "request_id", "status", "error", "rule", "fields", "element_id", "message", ...}`` —
the rule's code, the names of the refused fields (never their values), the message passed through the public
masking rules. No request body, query string or header value is logged (personal data: see api/redact.py).

Outside tests the lines go to stderr (gunicorn's and Celery's error log), one JSON object a line
(``LOG_JSON``); in tests they reach pytest's ``caplog``.
"""
from __future__ import annotations

import json
import logging
import re
import secrets
import string
import sys
import time
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import event

from engine.errors import FormDataInvalid, RuleViolation, SanxiangError, ScriptError
from engine.masking import mask_text

log = logging.getLogger("sanxiang.request")
refusal_log = logging.getLogger("sanxiang.refusal")

#: an incoming X-Request-Id is kept only if it looks like an id (a proxy's); else one is made
INCOMING_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
#: a task id as the API gives it out (a SpiffWorkflow task's UUID)
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: a run of digits as long as a phone number: an incoming request id with one is replaced
LONG_DIGITS = re.compile(r"\d{11,}")
#: made ids are letters only, so no masking rule (ID numbers, phone numbers: digits) ever touches them
_ALPHABET = string.ascii_lowercase


def new_request_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(20))


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def _ids() -> dict[str, Any]:
    args = request.view_args or {}
    out: dict[str, Any] = {}
    instance_id = args.get("instance_id", g.get("log_instance_id"))
    if instance_id is not None:
        out["instance_id"] = instance_id
    task_id = args.get("task_id")
    if task_id is not None:
        # the id is typed by the client: masked like any text (an ID number typed as a task id stays out of the
        # log), a task row's number kept as a number
        text = str(task_id)[:64]
        if UUID_TEXT.fullmatch(text):  # the task ids the API hands out: kept as they are, without the masking scan
            out["task_id"] = text
        else:
            masked = mask_text(text)
            out["task_id"] = int(text) if text.isdigit() and len(text) <= 10 and masked == text else masked
    return out


def _user() -> str | None:
    """The user of the request: the name noted when the user was loaded (the user row itself expired at the commit,
    and reading it here would cost every request one more statement); for a request refused before it loaded its
    user (a query or path refused first), its token is looked up now — only then, and only if it sent one."""
    if "username" not in g:
        from .security import current_user

        try:
            current_user(required=False)
        except Exception:  # noqa: BLE001 - the log line is written whatever the database says
            g.username = None
    return g.get("username")


def _incoming_id(value: str) -> str | None:
    """A proxy's X-Request-Id, if it looks like one and carries nothing the masking rules would hide (an ID or
    phone number sent as a request id is not written to the log, nor sent back)."""
    joined = re.sub(r"[._:-]", "", value)  # digits split by separators ("110101:19900307:7777") count as one run
    if not INCOMING_ID.fullmatch(value) or mask_text(value) != value or LONG_DIGITS.search(joined):
        return None
    return value


def _emit(logger: logging.Logger, level: int, fields: dict[str, Any]) -> None:
    logger.log(level, json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=str),
               extra={"fields": fields})


def note_refusal(exc: SanxiangError, status: int) -> None:
    """Log a refusal (called by the error handler of api/errors.py) and mark the request line with it."""
    if not has_request_context():
        return
    rule = exc.rule if isinstance(exc, RuleViolation) else None
    errors = getattr(exc, "errors", None)
    extra = {"element_id": exc.element_id, "line": exc.line} if isinstance(exc, ScriptError) else {}
    _note(status, type(exc).__name__, rule,
          errors if isinstance(exc, FormDataInvalid) or isinstance(errors, dict) else None, exc.message, extra)


def note_input_refusal(status: int, error: str, errors: dict[str, Any] | None, message: str) -> None:
    """Log a refusal made before any view ran (the input guards of api/inputs.py, werkzeug's and webargs' 4xx)."""
    if has_request_context():
        _note(status, error, None, errors, message, {})


def note_guard_refusal(status: int, rule: str, message: str) -> None:
    """Log a refusal of the request guards (api/security.py: a cross-site request, a missing CSRF token) with its
    rule; ``message`` must name no header value (the Origin is the client's text)."""
    if has_request_context():
        _note(status, "RuleViolation", rule, None, message, {})


def _note(status: int, error: str, rule: str | None, errors: dict[str, Any] | None, message: str,
          extra: dict[str, Any]) -> None:
    g.log_error, g.log_rule = error, rule
    fields: dict[str, Any] = {"event": "refusal", "request_id": request_id(), "method": request.method,
                              "path": mask_text(request.path), "status": status, "error": error,
                              "rule": rule, "user": _user(), **_ids()}
    if errors is not None:
        # the names come from the client (an unknown key may be anything it typed): masked like any text
        fields["fields"] = sorted(mask_text(str(key))[:100] for key in errors)
    fields.update(extra)
    fields["message"] = mask_text(message)[:500]
    _emit(refusal_log, logging.WARNING if status in (403, 409, 422) else logging.INFO, fields)


def _start() -> None:
    g.request_id = _incoming_id(request.headers.get("X-Request-Id", "")) or new_request_id()
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    rid = g.get("request_id") or new_request_id()
    response.headers["X-Request-Id"] = rid
    started = g.get("request_started")
    fields: dict[str, Any] = {
        "request_id": rid, "method": request.method, "path": mask_text(request.path),
        "route": request.url_rule.rule if request.url_rule is not None else None,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started is not None else None,
        "user": _user(), **_ids()}
    if g.get("log_error"):
        fields["error"], fields["rule"] = g.log_error, g.log_rule
    _emit(log, logging.INFO, fields)
    return response


def _task_loaded(target: Any, context: Any) -> None:  # noqa: ARG001
    """A task route's task row, once loaded, names its instance for the log line (no extra query)."""
    if not has_request_context() or "log_instance_id" in g:
        return
    task_id = (request.view_args or {}).get("task_id")
    if task_id is not None and str(target.id) == str(task_id):
        g.log_instance_id = target.instance_id


_listening = False


def install(app: Flask) -> None:
    """Give every request an id and a log line; call first in the app factory (its hook runs before the guards)."""
    global _listening
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    for logger in (log, refusal_log):
        logger.setLevel(logging.INFO)
        if app.config.get("LOG_JSON", not app.config.get("TESTING")) and not logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)
            logger.propagate = False
    if not _listening:
        from .models import TaskRow

        event.listen(TaskRow, "load", _task_loaded)
        _listening = True
