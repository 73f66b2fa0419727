"""form-js JSON → marshmallow schema: lint the form, validate task data on the server.

Supported input types: textfield, textarea, number, checkbox, radio, select,
checklist, taglist, datetime (subtype date / datetime / time). ``group``
nests components: with a ``path`` (or ``key``) its children live in a nested
object, without one they are top-level keys. Display-only types (text, image,
spacer, separator, button, html, iframe) produce no field.

Rules the server applies (mirroring the form-js viewer where it is sound):

* unknown keys are rejected;
* a required field is missing when absent, ``null``, a blank string, an empty
  list (checklist/taglist) or ``false`` (checkbox);
* minLength/maxLength count the stripped text, ``pattern`` is searched (like
  JavaScript ``RegExp.test``); both skip an empty non-required value;
* a field with a ``conditional.hide`` expression is never required (the
  viewer drops hidden values and the engine does not evaluate FEEL);
* ``disabled``/``readonly`` fields may not be set by the client: a value is
  rejected with "read-only field", unless ``current`` is given and the value
  equals it (the form-js viewer submits read-only values back unchanged); such
  unchanged values are dropped from the cleaned data;
* dates come back as ``YYYY-MM-DD``, datetimes as ISO 8601, times as sent:
  the cleaned data stays JSON-serializable;
* a choice component may take its options from the registry instead of a
  ``values`` list: form-js's ``valuesKey`` names one of :data:`REGISTRY_VALUES_KEYS`;
  the caller passes the current lists (``values=``) and only their values are
  accepted (the engine reads no registry itself).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, missing, validate

from engine import people
from engine.data_keys import HELPER_NAMES, SERIALIZER_MARKER
from engine.errors import DefinitionInvalid, FormDataInvalid, Problem
from engine.form_options import REGISTRY_VALUES_KEYS, registry_errors

REQUIRED_MESSAGE = "Missing data for required field."
READ_ONLY_MESSAGE = "read-only field"
DISPLAY_TYPES = frozenset({"text", "image", "spacer", "separator", "button", "html", "iframe"})
CHOICE_TYPES = frozenset({"radio", "select", "checklist", "taglist"})
DATETIME_SUBTYPES = ("date", "datetime", "time")
VALIDATION_TYPES = {
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "phone": re.compile(r"^\+?[\d\s()-]{5,20}$"),
}
#: validation types checked by code (form-js viewers ignore them; the server applies them):
#: ``idNumber`` is a resident ID number with its check character or a unified social credit code
VALIDATION_CHECKS: dict[str, Callable[[str], str | None]] = {"idNumber": people.id_number_problem}
_CACHE_SIZE = 128


class _ReadOnly(fields.Field):
    """Refuses any value, even null; absence is fine."""

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any) -> Any:
        if value is missing:
            return missing
        raise ValidationError(READ_ONLY_MESSAGE)


class _StrictBoolean(fields.Field):
    default_error_messages = {"invalid": "Not a valid boolean."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


#: the most digits a whole number in a form may have: int() of "1e999999999" runs for minutes, and an int over 4,300
#: digits cannot be written as JSON (engine/sandbox.py: MAX_RESULT_INT_BITS)
MAX_WHOLE_DIGITS = 4_000


#: the size from which a number with a fraction or exponent is refused: Python writes 1e16 and above in exponent
#: form, which PostgreSQL's jsonb reads back as an integer (10000000000000000), so data hashed as written would not
#: match what is read back (api/inputs.py refuses them in every JSON body too)
MAX_FLOAT = 1e16
NUMBER_TOO_LARGE = "must be less than 10^16 in size (a larger number with a fraction is not stored as written)"


class _StoredFloat(fields.Float):
    """A number with a fraction: finite, under :data:`MAX_FLOAT` in size, negative zero read as zero."""

    def _validated(self, value: Any) -> float:
        number = super()._validated(value)
        if number is None:
            return number
        if abs(number) >= MAX_FLOAT:
            raise ValidationError(NUMBER_TOO_LARGE)
        return number + 0.0


class _WholeNumber(fields.Integer):
    """An integer; refuses 1.5 and "1.5" instead of truncating them."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        try:
            number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
        except (InvalidOperation, TypeError, ValueError) as exc:
            raise self.make_error("invalid") from exc
        if not number.is_finite() or number.adjusted() >= MAX_WHOLE_DIGITS or number != number.to_integral_value():
            raise self.make_error("invalid")
        return int(number)


#: the years a date in case data may have: deadlines are computed from them, and 9999-12-31 + 3 days overflows
YEARS = (1900, 2200)


def _sane_year(value: Any) -> Any:
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValidationError(f"the year must be between {YEARS[0]} and {YEARS[1]}")
    return value


class _IsoDate(fields.Date):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return _sane_year(super()._deserialize(value, attr, data, **kwargs)).isoformat()


class _IsoDateTime(fields.DateTime):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return _sane_year(super()._deserialize(value, attr, data, **kwargs)).isoformat()


class _IsoTime(fields.Time):
    """Validated as an ISO time; returned as sent, so a UTC offset is kept."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        super()._deserialize(value, attr, data, **kwargs)
        return value


def _not_empty(value: Any) -> None:
    """A required value may not be blank text, an empty list or an unticked checkbox."""
    blank = value.strip() == "" if isinstance(value, str) else value is False or value == []
    if blank:
        raise ValidationError(REQUIRED_MESSAGE)


def _length(min_len: int | None, max_len: int | None) -> Callable[[str], None]:
    def check(value: str) -> None:
        size = len(value.strip())
        if size and min_len is not None and size < min_len:
            raise ValidationError(f"Must have at least {min_len} characters.")
        if size and max_len is not None and size > max_len:
            raise ValidationError(f"Must have at most {max_len} characters.")

    return check


def _search(pattern: re.Pattern[str], message: str) -> Callable[[str], None]:
    def check(value: str) -> None:
        if value.strip() and not pattern.search(value):
            raise ValidationError(message)

    return check


def _one_of(choices: list[Any]) -> Callable[[Any], None]:
    """Like OneOf, but 1 is not True and a list is not hashed."""

    def check(value: Any) -> None:
        if not any(value == c and isinstance(value, bool) == isinstance(c, bool) for c in choices):
            raise ValidationError(f"Must be one of: {', '.join(map(str, choices))}.")

    return check


FieldFactory = Callable[..., fields.Field]


def _text(c: dict[str, Any]) -> tuple[FieldFactory, list[Any]]:
    rules = c.get("validate") or {}
    checks: list[Any] = []
    if "minLength" in rules or "maxLength" in rules:
        checks.append(_length(rules.get("minLength"), rules.get("maxLength")))
    if rules.get("pattern"):
        checks.append(_search(re.compile(rules["pattern"]), f"Must match pattern {rules['pattern']}."))
    if rules.get("validationType") in VALIDATION_TYPES:
        kind = rules["validationType"]
        checks.append(_search(VALIDATION_TYPES[kind], f"Not a valid {kind}."))
    if rules.get("validationType") in VALIDATION_CHECKS:
        checks.append(_checked(VALIDATION_CHECKS[rules["validationType"]]))
    return fields.String, checks


def _checked(problem: Callable[[str], str | None]) -> Callable[[str], None]:
    def check(value: str) -> None:
        found = problem(value) if value.strip() else None
        if found:
            raise ValidationError(found)

    return check


def _number(c: dict[str, Any]) -> tuple[FieldFactory, list[Any]]:
    rules = c.get("validate") or {}
    checks = []
    if rules.get("min") is not None or rules.get("max") is not None:
        checks.append(validate.Range(min=rules.get("min"), max=rules.get("max")))
    return (_WholeNumber if c.get("decimalDigits") == 0 else partial(_StoredFloat, allow_nan=False)), checks


def _choice(c: dict[str, Any]) -> tuple[FieldFactory, list[Any]]:
    if c.get("valuesKey"):
        return fields.Raw, []  # checked against the caller's registry list (_check_registry_values)
    return fields.Raw, [_one_of([v.get("value") for v in c["values"]])]


def _choices(c: dict[str, Any]) -> tuple[FieldFactory, list[Any]]:
    if c.get("valuesKey"):
        return partial(fields.List, fields.Raw()), []
    each = fields.Raw(validate=_one_of([v.get("value") for v in c["values"]]))
    return partial(fields.List, each), []


FIELD_MAKERS: dict[str, Callable[[dict[str, Any]], tuple[FieldFactory, list[Any]]]] = {
    "textfield": _text,
    "textarea": _text,
    "number": _number,
    "checkbox": lambda c: (_StrictBoolean, []),
    "radio": _choice,
    "select": _choice,
    "checklist": _choices,
    "taglist": _choices,
    "datetime": lambda c: ({"date": _IsoDate, "datetime": _IsoDateTime, "time": _IsoTime}[c["subtype"]], []),
}


def _group_key(c: dict[str, Any]) -> str | None:
    return c.get("path") or c.get("key") or None


def _element_id(c: Any) -> str | None:
    return (c.get("id") or c.get("key")) if isinstance(c, dict) else None


def lint_form(form: dict[str, Any], filename: str) -> list[Problem]:
    """Structural problems of a form-js form; an empty list when it is sound. Never raises."""
    problems: list[Problem] = []

    def add(c: Any, message: str) -> None:
        problems.append(Problem(filename, _element_id(c), None, message))

    if not isinstance(form, dict):
        return [Problem(filename, None, None, "form must be a JSON object")]
    if form.get("type") != "default":
        add(None, f"top-level type must be 'default', got {form.get('type')!r}")
    if not isinstance(form.get("components"), list):
        add(None, "top-level 'components' list is missing")
        return problems
    _lint_scope(form, add, "")
    return problems


def _lint_scope(scope: dict[str, Any], add: Callable[[Any, str], None], where: str) -> None:
    seen: set[str] = set()
    for c in _all_in_scope(scope, add):
        ctype = c.get("type")
        if ctype in DISPLAY_TYPES:
            continue
        key = _group_key(c) if ctype == "group" else c.get("key")
        if ctype != "group" and ctype not in FIELD_MAKERS:
            add(c, f"unknown component type {ctype!r}")
            continue
        if not isinstance(key, str) or not key.strip():
            add(c, f"{ctype} component has no key")
            continue
        if "." in key:
            add(c, f"key {key!r}: dotted paths are not supported; use a group with a path")
        if key == SERIALIZER_MARKER:
            add(c, f"key {key!r} is reserved by the workflow serializer (engine/data_keys.py)")
        if key in HELPER_NAMES:
            add(c, f"key {key!r} is the name of a script helper, a builtin or a Python keyword: scripts could not run "
                   "on this case's data")
        if key in seen:
            add(c, f"duplicate key {where}{key!r}")
        seen.add(key)
        for flag in ("readonly", "disabled"):
            if flag in c and not isinstance(c[flag], bool):
                add(c, f"{key}: '{flag}' must be true or false (expressions are not evaluated server-side)")
        if ctype == "group":
            _lint_scope(c, add, f"{where}{key}.")
        else:
            _lint_field(c, key, add)


def _all_in_scope(scope: dict[str, Any], add: Callable[[Any, str], None]) -> Iterator[dict[str, Any]]:
    """Components of one data scope: unkeyed groups are flattened, keyed groups yielded whole."""
    for c in scope.get("components") or []:
        if not isinstance(c, dict) or not isinstance(c.get("type"), str):
            add(c, "component must be an object with a 'type'")
        elif c["type"] == "group" and not isinstance(c.get("components", []), list):
            add(c, "group 'components' must be a list")
        elif c["type"] == "group" and not _group_key(c):
            yield from _all_in_scope(c, add)
        else:
            yield c


def _lint_field(c: dict[str, Any], key: str, add: Callable[[Any, str], None]) -> None:
    ctype = c["type"]
    rules = c.get("validate") or {}
    if not isinstance(rules, dict):
        add(c, f"{key}: 'validate' must be an object")
        return
    if ctype in CHOICE_TYPES and "valuesKey" in c:
        if c["valuesKey"] not in REGISTRY_VALUES_KEYS:
            add(c, f"{key}: valuesKey must be one of {', '.join(REGISTRY_VALUES_KEYS)} (the server's registry lists), "
                   f"got {c['valuesKey']!r}")
        if c.get("values"):
            add(c, f"{key}: give either 'values' or 'valuesKey', not both")
    elif ctype in CHOICE_TYPES:
        values = c.get("values")
        if not isinstance(values, list) or not values:
            extra = " (valuesExpression is not supported)" if "valuesExpression" in c else ""
            add(c, f"{key}: {ctype} needs a non-empty 'values' list or a registry 'valuesKey'{extra}")
        elif not all(isinstance(v, dict) and "value" in v for v in values):
            add(c, f"{key}: every entry of 'values' needs a 'value'")
    if ctype == "datetime" and c.get("subtype") not in DATETIME_SUBTYPES:
        add(c, f"{key}: datetime subtype must be one of {DATETIME_SUBTYPES}, got {c.get('subtype')!r}")
    if rules.get("pattern"):
        try:
            re.compile(rules["pattern"])
        except (re.error, TypeError) as exc:
            add(c, f"{key}: pattern {rules['pattern']!r} does not compile: {exc}")
    if rules.get("validationType") not in (None, "", *VALIDATION_TYPES, *VALIDATION_CHECKS):
        add(c, f"{key}: unknown validationType {rules['validationType']!r}")
    for low, high in (("min", "max"), ("minLength", "maxLength")):
        bounds = [rules.get(low), rules.get(high)]
        if any(b is not None and (isinstance(b, bool) or not isinstance(b, int | float)) for b in bounds):
            add(c, f"{key}: {low}/{high} must be numbers")
        elif None not in bounds and bounds[0] > bounds[1]:
            add(c, f"{key}: {low} {bounds[0]} is greater than {high} {bounds[1]}")


@dataclass(frozen=True)
class _Compiled:
    schema: Schema
    read_only: tuple[tuple[str, ...], ...]
    #: (path, valuesKey, many) of every choice field whose options come from the registry
    registry: tuple[tuple[tuple[str, ...], str, bool], ...] = ()


def build_schema(form: dict[str, Any]) -> Schema:
    """A new marshmallow Schema INSTANCE for ``form`` (unknown keys: RAISE).

    Raises DefinitionInvalid with the lint problems when the form is unsound.
    """
    return _compile(form).schema


def _compile(form: dict[str, Any]) -> _Compiled:
    problems = lint_form(form, str(form.get("id") or "<form>") if isinstance(form, dict) else "<form>")
    if problems:
        raise DefinitionInvalid(problems, "form definition is invalid")
    read_only: list[tuple[str, ...]] = []
    schema = _scope_schema(form, (), read_only, optional=False, locked=False)
    return _Compiled(schema, tuple(read_only), tuple(_registry_fields(form, ())))


def _registry_fields(scope: dict[str, Any], prefix: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str, bool]]:
    for c in _all_in_scope(scope, _ignore):
        if c["type"] == "group":
            yield from _registry_fields(c, (*prefix, _group_key(c)))
        elif c["type"] in CHOICE_TYPES and c.get("valuesKey") and not (c.get("readonly") or c.get("disabled")):
            yield (*prefix, c["key"]), c["valuesKey"], c["type"] in ("checklist", "taglist")


def values_keys(form: dict[str, Any], data: dict[str, Any] | None = None) -> set[str]:
    """The registry lists (``valuesKey``) a form's choice fields take their options from; with ``data``,
    only those of fields that carry a value in it (what validating ``data`` needs)."""
    return {key for path, key, _ in _cached(form).registry if data is None or _value_at(data, path) is not None}


def _value_at(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _scope_schema(
    scope: dict[str, Any],
    prefix: tuple[str, ...],
    read_only: list[tuple[str, ...]],
    optional: bool,
    locked: bool,
) -> Schema:
    declared: dict[str, fields.Field] = {}
    for c in _all_in_scope(scope, _ignore):
        if c["type"] in DISPLAY_TYPES:
            continue
        is_optional = optional or bool((c.get("conditional") or {}).get("hide"))
        is_locked = locked or c.get("readonly") is True or c.get("disabled") is True
        if c["type"] == "group":
            key = _group_key(c)
            child = _scope_schema(c, (*prefix, key), read_only, is_optional, is_locked)
            needed = any(f.required for f in child.fields.values())
            declared[key] = fields.Nested(child, required=needed, unknown=RAISE)
        elif is_locked:
            read_only.append((*prefix, c["key"]))
            declared[c["key"]] = _ReadOnly()
        else:
            required = bool((c.get("validate") or {}).get("required")) and not is_optional
            declared[c["key"]] = _make_field(c, required)
    return Schema.from_dict(declared, name="FormSchema")(unknown=RAISE)


def _ignore(c: Any, message: str) -> None:
    """Problem sink for walks over an already linted form."""


def input_components(form: dict[str, Any]) -> list[dict[str, Any]]:
    """The components that produce a top-level data key (unkeyed groups flattened, display-only left out)."""
    return [c for c in _all_in_scope(form, _ignore)
            if c["type"] not in DISPLAY_TYPES and (_group_key(c) if c["type"] == "group" else c.get("key"))]


def _make_field(c: dict[str, Any], required: bool) -> fields.Field:
    factory, checks = FIELD_MAKERS[c["type"]](c)
    if not required:
        return factory(allow_none=True, validate=checks)
    messages = {"null": REQUIRED_MESSAGE, "required": REQUIRED_MESSAGE}
    return factory(required=True, validate=[_not_empty, *checks], error_messages=messages)


_cache: dict[tuple[str, str], _Compiled] = {}
_cache_lock = threading.Lock()


def _cached(form: dict[str, Any]) -> _Compiled:
    if not isinstance(form, dict):
        raise DefinitionInvalid([Problem(None, None, None, "form must be a JSON object")])
    text = json.dumps(form, sort_keys=True, ensure_ascii=False, default=str)
    key = (str(form.get("id")), hashlib.sha256(text.encode()).hexdigest())
    compiled = _cache.get(key)
    if compiled is None:
        compiled = _compile(form)
        with _cache_lock:
            if len(_cache) >= _CACHE_SIZE:
                _cache.pop(next(iter(_cache)))
            _cache[key] = compiled
    return compiled


def validate_form_data(
    form: dict[str, Any],
    data: dict[str, Any],
    partial: bool = False,
    current: dict[str, Any] | None = None,
    values: dict[str, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """Check ``data`` submitted for ``form`` and return the cleaned, JSON-serializable data.

    ``partial`` allows required keys to be absent (a draft save). ``current`` is the
    data the task was shown with: read-only values equal to it are dropped instead
    of refused. ``values`` maps a registry ``valuesKey`` to its current options
    (``[{"label", "value"}]``); a field whose list is not in it accepts no value. With
    ``values=None`` (engine-only use, no registry at hand) such fields are checked for type
    only; the service always passes its lists.
    Raises FormDataInvalid(errors: key → messages, nested for groups and list items)
    on any problem, DefinitionInvalid when the form itself is unsound.
    """
    compiled = _cached(form)
    for path in compiled.read_only if current is not None else ():
        data = _drop_unchanged(data, current, path)
    errors: dict[str, Any] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned = compiled.schema.load(data, partial=partial)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    if values is not None:
        registry_errors(data, compiled.registry, values, errors)
    if errors:
        raise FormDataInvalid(errors)
    return cleaned


def _drop_unchanged(data: Any, current: Any, path: tuple[str, ...]) -> Any:
    """``data`` without the value at ``path`` when ``current`` holds the same value there."""
    head, rest = path[0], path[1:]
    if not (isinstance(data, dict) and isinstance(current, dict) and head in data and head in current):
        return data
    if rest:
        return {**data, head: _drop_unchanged(data[head], current[head], rest)}
    same = type(data[head]) is type(current[head]) and data[head] == current[head]
    return {k: v for k, v in data.items() if k != head} if same else data
