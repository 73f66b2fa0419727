"""UI strings per area: each module defines ``STRINGS = {key: {"zh": ..., "en": ...}}``; api/web/i18n.py merges
them all (a key defined twice is an error at start)."""
from __future__ import annotations

import importlib
import pkgutil


def collect() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, value in getattr(module, "STRINGS", {}).items():
            if key in merged and merged[key] != value:
                raise RuntimeError(f"UI string '{key}' is defined twice (api/web/strings/{info.name}.py)")
            merged[key] = value
    return merged
