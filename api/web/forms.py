"""Turn an HTML form post into typed data for a form-js schema (validation is the server's job)."""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from engine.forms import input_components


def _number(raw: str) -> Any:
    try:
        value = float(raw)
    except ValueError:
        return raw  # the schema reports it
    return int(value) if value.is_integer() else value


def parse_submission(form: dict[str, Any], posted: MultiDict) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for comp in input_components(form):
        key, kind = comp["key"], comp.get("type")
        if comp.get("disabled") or comp.get("readonly"):
            continue
        if kind == "checkbox":
            data[key] = posted.get(key) == "on"
        elif kind in ("checklist", "taglist"):
            data[key] = posted.getlist(key)
        elif kind == "number":
            raw = posted.get(key, "").strip()
            if raw:
                data[key] = _number(raw)
        else:
            raw = posted.get(key, "")
            if raw != "":
                data[key] = raw
    return data
