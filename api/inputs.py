"""Input that breaks nothing: every request is checked once, before any view runs.

* **Path ids** (``<int:...>``) are bounded to what an ``INTEGER`` column holds on every database
  (1 .. 2**31-1): a larger number matches no route (404) instead of overflowing SQLite's or PostgreSQL's
  integer (a 500 before).
* **JSON bodies** are read once here: at most ``JSON_MAX_BYTES`` (413), at most ``JSON_MAX_DEPTH``
  levels of nesting (400; Python's parser would otherwise hit its recursion limit), and no string or key
  may hold a NUL character or a lone UTF-16 surrogate (400 naming the field): PostgreSQL refuses NUL in
  text, and a lone surrogate cannot be encoded as UTF-8 at all. The parsed body is handed on to the view
  (no second parse).
* **Query strings, path segments and url-encoded form fields** get the same NUL and surrogate checks.
  (Multipart fields are parsed by their views, under their own size limit — evidence has its own; a NUL
  there still cannot reach the database as a 500, see :func:`register`'s handlers.)
* Database errors that come from the input rather than the server (a value the column cannot hold) are 400,
  and an ``OverflowError`` (a number or date beyond what Python or the database can represent) is 400 too.

Sane date ranges: :class:`Date` and :class:`AwareDateTime` are marshmallow fields that refuse years before
``MIN_YEAR`` or after ``MAX_YEAR`` (422 naming the field), for the schemas that take dates from clients.
"""
from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, jsonify, request
from marshmallow import ValidationError, fields
from sqlalchemy.exc import DataError
from werkzeug.routing import IntegerConverter

from engine.forms import MAX_FLOAT, NUMBER_TOO_LARGE

from .errors import error_body
from .request_log import note_input_refusal

#: the largest id an INTEGER column holds on PostgreSQL (int4) — and so on every database we run on
MAX_ID = 2**31 - 1
MIN_YEAR, MAX_YEAR = 1900, 2200


class BoundedInt(IntegerConverter):
    """``<int:...>`` in a route: 0 .. MAX_ID unless the rule says otherwise; anything else is no match (404)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = 0,  # noqa: A002 - werkzeug's names
                 max: int | None = MAX_ID, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class InputRefused(Exception):
    def __init__(self, code: int, message: str, errors: dict[str, Any]) -> None:
        super().__init__(message)
        self.code, self.message, self.errors = code, message, errors


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None: a NUL character or a lone surrogate."""
    if "\x00" in text:
        return "must not contain a NUL character (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain a lone UTF-16 surrogate (not valid Unicode)"
    return None


def filename_problem(name: str) -> str | None:
    """Why an uploaded file's name is refused, or None: what :func:`text_problem` refuses, or a control character
    (a newline or a BEL in a name ends up in archives, downloads' headers and logs)."""
    problem = text_problem(name)
    if problem is None and any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        problem = "must not contain a control character"
    return problem


def _float(text: str) -> float:
    """A JSON number with a fraction or exponent; ``-0.0`` is 0.0 (jsonb keeps no negative zero: an event holding
    it would read back as another value than the one hashed)."""
    return float(text) + 0.0


def _walk(value: Any, where: str, depth: int, limit: int) -> None:
    """Check a parsed JSON value iteratively: depth, and every key and string."""
    stack = [(value, where, depth)]
    while stack:
        item, path, level = stack.pop()
        if level > limit:
            raise InputRefused(400, f"the JSON body is nested deeper than {limit} levels",
                               {"body": [f"nested deeper than {limit} levels"]})
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                raise InputRefused(400, f"{path or 'body'}: {problem}", {path or "body": [problem]})
        elif isinstance(item, float) and not math.isfinite(item):  # NaN, Infinity, 1e999: not JSON, not storable
            problem = "must be a finite number (not NaN or Infinity)"
            raise InputRefused(400, f"{path or 'body'}: {problem}", {path or "body": [problem]})
        elif isinstance(item, float) and abs(item) >= MAX_FLOAT:
            # PostgreSQL's jsonb gives 1e16 back as the integer 10000000000000000: a hash taken over what was
            # written would no longer match what is read (an event that never verifies again)
            problem = NUMBER_TOO_LARGE
            raise InputRefused(400, f"{path or 'body'}: {problem}", {path or "body": [problem]})
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = text_problem(key)
                if problem:
                    raise InputRefused(400, f"a key in {path or 'the body'}: {problem}",
                                       {path or "body": [f"a key {problem}"]})
                stack.append((child, f"{path}.{key}" if path else key, level + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]", level + 1) for i, child in enumerate(item))


def _depth_before_parse(raw: bytes, limit: int) -> bool:
    """True if the brackets outside strings nest deeper than ``limit`` (a cheap scan before parsing)."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def _check_json() -> None:
    limit = int(current_app.config["JSON_MAX_BYTES"])
    if request.content_length is not None and request.content_length > limit:
        raise InputRefused(413, f"the JSON body is larger than the limit of {limit} bytes",
                           {"body": [f"larger than {limit} bytes"]})
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise InputRefused(413, f"the JSON body is larger than the limit of {limit} bytes",
                           {"body": [f"larger than {limit} bytes"]})
    if not raw.strip():
        return
    depth = int(current_app.config["JSON_MAX_DEPTH"])
    if _depth_before_parse(raw, depth):
        raise InputRefused(400, f"the JSON body is nested deeper than {depth} levels",
                           {"body": [f"nested deeper than {depth} levels"]})
    try:
        data = json.loads(raw, parse_float=_float)
    except (ValueError, RecursionError) as exc:
        raise InputRefused(400, f"the body is not valid JSON: {exc}", {"body": ["not valid JSON"]}) from None
    _walk(data, "", 0, depth)
    request._cached_json = (data, data)  # the view's get_json() returns what was checked (werkzeug's cache)


def _check_texts(values: Any, what: str) -> None:
    for key, value in values:
        for text, name in ((key, f"{what} parameter name"), (value, f"{what} parameter '{key}'")):
            if isinstance(text, str):
                problem = text_problem(text)
                if problem:
                    raise InputRefused(400, f"{name}: {problem}", {str(key): [problem]})


def check_request() -> Any:
    """The before_request hook: None to go on, or the error response."""
    try:
        _check_texts(request.args.items(multi=True), "query")
        _check_texts((request.view_args or {}).items(), "path")
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            if request.mimetype == "application/json" or request.mimetype.endswith("+json"):
                _check_json()
            elif request.mimetype == "application/x-www-form-urlencoded":
                _check_texts(request.form.items(multi=True), "form")
    except InputRefused as exc:
        note_input_refusal(exc.code, "InputRefused", exc.errors, exc.message)
        return jsonify(error_body(exc.code, exc.message, exc.errors)), exc.code
    return None


def _year_check(value: date | datetime | None, field_name: str | None) -> None:
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(f"the year must be between {MIN_YEAR} and {MAX_YEAR}", field_name)


class Date(fields.Date):
    """A date whose year is between MIN_YEAR and MAX_YEAR."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        result = super()._deserialize(value, attr, data, **kwargs)
        _year_check(result, None)
        return result


class AwareDateTime(fields.AwareDateTime):
    """An aware date-time whose year is between MIN_YEAR and MAX_YEAR."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        result = super()._deserialize(value, attr, data, **kwargs)
        _year_check(result, None)
        return result


def register(app: Flask) -> None:
    """Install the checks: call before any blueprint is registered (routes bind their converters then)."""
    app.config.setdefault("JSON_MAX_BYTES", 1 << 20)
    app.config.setdefault("JSON_MAX_DEPTH", 32)
    app.url_map.converters["int"] = BoundedInt
    app.before_request(check_request)
    from .redact import install as install_log_redaction

    install_log_redaction(app)

    @app.errorhandler(DataError)
    def _data_error(exc: DataError):  # noqa: ARG001 - its text holds the parameters: never echoed
        from .extensions import db

        db.session.rollback()
        message = "a value in the request cannot be stored (out of range, or a character the database refuses)"
        return jsonify(error_body(400, message)), 400

    @app.errorhandler(OverflowError)
    def _overflow(exc: OverflowError):  # noqa: ARG001
        from .extensions import db

        db.session.rollback()
        return jsonify(error_body(400, "a number or date in the request is out of range")), 400

