"""A party's identity across cases: the unified social credit code of an organisation or the resident ID number of
a person, read in every spelling (审批与监管信息交换共享, seed 二(二)).

The identifier is read as the masker reads ID numbers (:func:`engine.people.id_digits`: spaces, dashes, full-width
digits, Chinese numerals, a lowercase x), so ``130528 19800101 123x`` and ``130528198001011238``-like spellings of one
number are one party. Cases are linked by a keyed digest of the canonical identifier (:func:`party_key`), never by the
number itself, and the number is shown only masked (:func:`masked_identifier`).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from .people import id_digits, id_number_problem, is_resident_id

PERSON = "person"
ORGANISATION = "organisation"


@dataclass(frozen=True)
class Party:
    """A party identifier in its canonical spelling (upper case, no separators) and its kind."""

    kind: str  # PERSON or ORGANISATION
    canonical: str


def identify(raw: object) -> Party | None:
    """The party an identifier names, or None when ``raw`` is not a valid ID number or credit code (any spelling)."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    canonical = id_digits(raw)
    if id_number_problem(canonical) is not None:
        return None
    return Party(PERSON if is_resident_id(canonical) else ORGANISATION, canonical)


def party_key(secret: bytes, party: Party) -> str:
    """The keyed digest (HMAC-SHA256, hex) that links cases of ``party``: equal for every spelling of the
    identifier, and not reversible by trying every ID number without the platform's key."""
    return hmac.new(secret, f"party:{party.canonical}".encode(), hashlib.sha256).hexdigest()


def masked_identifier(party: Party) -> str:
    """The identifier as a case worker may see it on another case: the region (first 6) and the last 2 characters
    of an ID number, the first 8 and last 2 of a credit code (``130528**********38``)."""
    text = party.canonical
    keep_head = 6 if party.kind == PERSON else 8
    return text[:keep_head] + "*" * (len(text) - keep_head - 2) + text[-2:]


def kind_of_masked(masked: str) -> str:
    """The kind of party a :func:`masked_identifier` names (a person's keeps 6 characters, an organisation's 8)."""
    return PERSON if len(masked) > 6 and masked[6] == "*" else ORGANISATION
