"""Map the engine's error hierarchy to HTTP, once.

Every error body is ``{"code", "status", "message", "errors"}`` (docs/API.md).
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, jsonify
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from engine.errors import (
    CalendarError,
    DefinitionInvalid,
    FormDataInvalid,
    NotFound,
    RuleViolation,
    SanxiangError,
    ScriptError,
    StateConflict,
)

from .extensions import db


class Unauthorized(SanxiangError):
    """Not logged in (401)."""


class BadRequest(SanxiangError):
    """A malformed request (400); ``errors`` maps field to messages."""

    def __init__(self, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


STATUS: dict[type[SanxiangError], int] = {
    DefinitionInvalid: 400,
    BadRequest: 400,
    Unauthorized: 401,
    RuleViolation: 403,
    NotFound: 404,
    StateConflict: 409,
    FormDataInvalid: 422,
    ScriptError: 422,  # the deployed diagram cannot process this submission: element and line in errors
    CalendarError: 422,
}


def error_body(code: int, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "status": HTTPStatus(code).phrase, "message": message, "errors": errors or {}}


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


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(SanxiangError)
    def _sanxiang_error(exc: SanxiangError):
        code = status_of(exc)
        return jsonify(error_body(code, exc.message, _errors_of(exc))), code

    @app.errorhandler(StaleDataError)
    def _stale(exc: StaleDataError):  # noqa: ARG001
        return jsonify(error_body(409, "the instance was changed by another request; reload and retry")), 409

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError):  # noqa: ARG001
        # a concurrent request wrote the same history position or row first; nothing of this one was kept
        db.session.rollback()
        return jsonify(error_body(409, "another request changed this record at the same time; reload and retry")), 409
