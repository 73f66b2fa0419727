"""Judging whether free text says anything (shared by the rules that need a non-empty record).

A value made only of invisible characters — Unicode format characters (category Cf: zero-width space,
joiners, direction marks, BOM), control characters (Cc), other C* characters (surrogates, private use,
unassigned) and separators (Z*: spaces of every width, line and paragraph separators) — is empty.
"""
from __future__ import annotations

import unicodedata
from typing import Any


def visible_text(value: Any) -> str:
    """``value`` as text with every invisible character (categories C* and Z*) removed."""
    if value is None:
        return ""
    return "".join(ch for ch in str(value) if unicodedata.category(ch)[0] not in ("C", "Z"))


def is_blank(value: Any) -> bool:
    """True when ``value`` has no visible character (None, "", whitespace, zero-width characters …)."""
    return not visible_text(value)
