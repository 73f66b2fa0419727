"""On-site duties (APL 55): what every enforcement act records (docs/DOMAIN.md §1.2).

The keys are shared by the deploy-time lint (a user task whose form collects them is an enforcement act
and must carry an ``actKind``) and the service's run-time rule (``api/services/case_rules.py``).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .text import is_blank

DUTY_PREFIX = "duty_"

#: data key -> (zh, en); the document key holds text, the others are ticks
DUTIES: dict[str, tuple[str, str]] = {
    "duty_certificates_shown": ("出示执法证件", "certificates shown"),
    "duty_document_issued": ("出具执法文书（名称及文号）", "document issued"),
    "duty_informed_reasons": ("告知理由", "reasons told"),
    "duty_informed_basis": ("告知依据", "legal basis told"),
    "duty_informed_rights": ("告知权利", "rights told"),
    "duty_informed_remedies": ("告知救济途径", "remedies told"),
}
DUTY_TEXT_KEYS = frozenset({"duty_document_issued"})


def duty_keys(keys: Iterable[str | None]) -> list[str]:
    """The on-site duty keys among ``keys`` (a form's input keys or a submission's keys)."""
    return sorted(k for k in keys if isinstance(k, str) and k.startswith(DUTY_PREFIX))


def missing_duties(submitted: dict[str, Any]) -> list[str]:
    """The duty keys ``submitted`` does not fulfil; text made only of invisible characters is missing."""
    missing = []
    for key in DUTIES:
        value = submitted.get(key)
        done = not is_blank(value) if key in DUTY_TEXT_KEYS else value is True
        if not done:
            missing.append(key)
    return missing
