"""Choice options from the server's registry (form-js ``valuesKey``), checked without reading any registry.

A form's select/radio/checklist/taglist may name one of :data:`REGISTRY_VALUES_KEYS`
instead of listing its ``values``; the service fills the current lists (``[{"label",
"value"}]``) into the task data it shows and passes the same lists to validation, so a
value is accepted only while the registry offers it (e.g. an officer whose certificate
expired is neither offered nor accepted).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: options the server fills from its registry (form-js ``valuesKey``): key -> what the list holds
REGISTRY_VALUES_KEYS: dict[str, str] = {
    "registry_officers": "active officers with an enforcement certificate valid today",
    "registry_legal_reviewers": "active legal reviewers with the legal qualification",
    "registry_heads": "active heads (负责人)",
    "registry_legal_counsel": "active legal counsel (法律顾问/公职律师)",
    "registry_permit_items": "permit items of the list of powers (权责清单)",
    "registry_inspection_items": "items of the random-inspection list (随机抽查事项清单)",
    "registry_service_items": "permit and penalty items of the A/V recording list (音像记录事项清单)",
    "registry_service_posts": "posts of the A/V recording list (音像记录岗位清单)",
}
NO_OPTIONS_MESSAGE = "no options are available for this field"


def registry_errors(data: Any, fields: Iterable[tuple[tuple[str, ...], str, bool]],
                    values: dict[str, list[dict[str, Any]]], errors: dict[str, Any]) -> None:
    """Add to ``errors`` every registry field of ``data`` whose value is not offered by ``values``.

    ``fields`` are (path, valuesKey, many); a key the schema already refused keeps its own message.
    """
    for path, key, many in fields:
        message = _registry_problem(data, path, [o.get("value") for o in values.get(key) or []], many)
        if message and not _has_error(errors, path):
            _set_error(errors, path, message)


def _registry_problem(data: Any, path: tuple[str, ...], allowed: list[Any], many: bool) -> str | None:
    """Why the value at ``path`` is not among ``allowed`` (None when it is, or when nothing was sent)."""
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    chosen = data if many and isinstance(data, list) else [data]
    if data is None or (many and not isinstance(data, list)):
        return None  # the schema reports a null or a wrong type
    wrong = [v for v in chosen if not any(v == a and isinstance(v, bool) == isinstance(a, bool) for a in allowed)]
    if not wrong:
        return None
    if not allowed:
        return NO_OPTIONS_MESSAGE
    return f"not offered: {', '.join(map(str, wrong))}; must be one of: {', '.join(map(str, allowed))}."


def _has_error(errors: dict[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = errors
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _set_error(errors: dict[str, Any], path: tuple[str, ...], message: str) -> None:
    node: Any = errors
    for part in path[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            return  # the group itself already failed
    node[path[-1]] = [message]
