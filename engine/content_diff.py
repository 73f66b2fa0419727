"""What changed inside a form or a decision table between two versions (for :mod:`engine.version_diff`).

Pure: the caller hands in the parsed form JSON or the DMN file's bytes. A form is compared field by field (its
components, keyed by ``key``, ``path`` or ``id``, nested groups flattened); a decision table by hit policy, inputs,
outputs and rules (keyed by rule id). Each answer is a small JSON-able dict, empty when nothing changed.
"""
from __future__ import annotations

import json
from typing import Any

from . import xml

#: the parts of a component that are its children, not its own settings
_NESTED = ("components",)


def _component_key(component: dict[str, Any], index: str) -> str:
    return str(component.get("key") or component.get("path") or component.get("id") or index)


def form_fields(form: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every component of a form (groups flattened), by key, with its own settings (not its children)."""
    found: dict[str, dict[str, Any]] = {}
    todo: list[tuple[list[Any], str]] = [(form.get("components") or [], "")]
    while todo:
        components, prefix = todo.pop()
        for i, component in enumerate(components):
            if not isinstance(component, dict):
                continue
            key = _component_key(component, f"{prefix}{i}")
            found[key] = {k: v for k, v in component.items() if k not in _NESTED}
            nested = component.get("components")
            if isinstance(nested, list):
                todo.append((nested, f"{key}."))
    return found


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def form_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """``{"added": [keys], "removed": [keys], "changed": [{"key", "before", "after"}], "form": [settings]}``
    (only the non-empty parts); ``{}`` when the forms are the same apart from key order."""
    old, new = form_fields(before), form_fields(after)
    out: dict[str, Any] = {}
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed = [{"key": k, "before": old[k], "after": new[k]} for k in sorted(set(old) & set(new))
               if _canonical(old[k]) != _canonical(new[k])]
    settings = sorted(k for k in set(before) | set(after)
                      if k != "components" and _canonical(before.get(k)) != _canonical(after.get(k)))
    for name, value in (("added", added), ("removed", removed), ("changed", changed), ("form", settings)):
        if value:
            out[name] = value
    return out


def _text(el: Any) -> str:
    found = el.find("{*}text") if el is not None else None
    return (found.text or "").strip() if found is not None else ""


def decision_tables(content: bytes, filename: str | None = None) -> dict[str, dict[str, Any]]:
    """decision id -> its table: name, hit policy, inputs, outputs and rules (by rule id).

    Raises:
        DefinitionInvalid: the file is not well-formed XML (engine/xml.py).
    """
    tree = xml.parse(content, filename)
    tables: dict[str, dict[str, Any]] = {}
    for decision in tree.getroot().iter("{*}decision"):
        table = decision.find("{*}decisionTable")
        inputs = [] if table is None else [
            {"id": i.get("id"), "label": i.get("label"), "expression": _text(i.find("{*}inputExpression"))}
            for i in table.findall("{*}input")]
        outputs = [] if table is None else [
            {"id": o.get("id"), "name": o.get("name"), "label": o.get("label")} for o in table.findall("{*}output")]
        rules: dict[str, dict[str, Any]] = {}
        for n, rule in enumerate([] if table is None else table.findall("{*}rule"), start=1):
            description = rule.find("{*}description")
            rules[rule.get("id") or f"row {n}"] = {
                "row": n,
                "inputs": [_text(e) for e in rule.findall("{*}inputEntry")],
                "outputs": [_text(e) for e in rule.findall("{*}outputEntry")],
                "description": (description.text or "").strip() if description is not None else "",
            }
        tables[decision.get("id")] = {"name": decision.get("name"),
                                      "hit_policy": table.get("hitPolicy", "UNIQUE") if table is not None else None,
                                      "inputs": inputs, "outputs": outputs, "rules": rules}
    return tables


def decision_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """What changed in one decision's table: ``hit_policy``/``inputs``/``outputs``/``name`` as
    ``{"before", "after"}``, ``rules`` as ``{"added", "removed", "changed"}`` (a changed rule with its cells
    before and after; a rule that only moved shows its old and new row). ``{}`` when nothing changed."""
    before, after = before or {}, after or {}
    out: dict[str, Any] = {}
    for part in ("name", "hit_policy", "inputs", "outputs"):
        if _canonical(before.get(part)) != _canonical(after.get(part)):
            out[part] = {"before": before.get(part), "after": after.get(part)}
    old, new = before.get("rules") or {}, after.get("rules") or {}
    rules: dict[str, Any] = {}
    added = [{"id": k, **new[k]} for k in new if k not in old]
    removed = [{"id": k, **old[k]} for k in old if k not in new]
    changed = [{"id": k, "before": old[k], "after": new[k]} for k in new
               if k in old and _canonical(old[k]) != _canonical(new[k])]
    for name, value in (("added", added), ("removed", removed), ("changed", changed)):
        if value:
            rules[name] = value
    if rules:
        out["rules"] = rules
    return out
