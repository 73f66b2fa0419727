"""Masking of everything the public sees (OGI 15, APL 50, PIPL 28; docs/DOMAIN.md §1.4 Masking).

One :class:`PublicMasker` per published case: the statutory defaults first (they win every
overlap), then the bureau's masking rules (the versioned ``masking_rules`` setting: a setting
only adds masks, it can never drop, redefine or undo a default one), the names of other natural persons in the case
(``third_party_names`` from registration, ``extra_masked_names`` from the review, ``minor_names``) and the party's name shown the one way the ``party_name_display``
setting says, in every field. Publication masks each field with it before storing, and
the public views mask again when they answer (so a rule added later also covers what was
published before it).

:func:`review_preview` gives the publicity officer the original text beside the masked
one, with the masked spans and their kinds (engine.masking.find_sensitive).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.masking import (
    MaskingRule,
    find_sensitive,
    mask_text,
    party_display,
    rules_from_config,
    split_names,
    with_defaults,
)

from . import settings


def current_rules(org_id: int | None = None) -> list[MaskingRule]:
    """The statutory defaults first (they win every overlap), then the bureau's rules (engine.masking.with_defaults).

    Used for publication, every public answer, the search and the diagrams' ``mask_text``. ``org_id``: whose
    rules (default: the case being worked, else the caller's bureau, else the platform's).
    """
    try:
        configured = rules_from_config(settings.get("masking_rules", org_id))
    except ValueError:  # a stored setting is validated on write; never publish unmasked because of it
        configured = []
    return with_defaults(configured)


def _names(data: dict[str, Any], party: str) -> list[str]:
    names = [*split_names(data.get("third_party_names")), *split_names(data.get("extra_masked_names")),
             *split_names(data.get("minor_names"))]
    return [n for n in names if len(n) >= 2 and n != party]


@dataclass
class PublicMasker:
    rules: list[MaskingRule]
    names: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    party: str | None = None

    def mask(self, text: Any) -> str | None:
        """``text`` as the public may see it; None stays None."""
        if text is None:
            return None
        return mask_text(str(text), self.rules, self.names, self.aliases)

    def spans(self, text: str) -> list[dict[str, Any]]:
        return [{"kind": kind, "start": start, "end": end, "text": text[start:end]}
                for kind, start, end in find_sensitive(text, self.rules, self.names, self.aliases)]


def masker_for(data: dict[str, Any], org_id: int | None = None) -> PublicMasker:
    """The masker of one case of bureau ``org_id`` (default as :func:`current_rules`): its party's name as the
    setting shows it, its other persons' names."""
    rules = current_rules(org_id)
    name = str(data.get("party_name") or "").strip()
    names = _names(data, name)
    if not name:
        return PublicMasker(rules, names)
    shown = party_display(name, data.get("party_type"), settings.get("party_name_display", org_id))
    aliases = {name: shown} if len(name) >= 2 else {}
    # the party field itself goes through the same rules, so it reads the same as in the text
    party = mask_text(shown, rules, names, {})
    return PublicMasker(rules, names, aliases, party)


def generic_masker(org_id: int | None = None) -> PublicMasker:
    """For text whose case is unknown (e.g. a withdrawal reason): the rules of ``org_id`` only."""
    return PublicMasker(current_rules(org_id))


def mask_public(value: Any, masker: PublicMasker | None = None, keep: frozenset[str] = frozenset()) -> Any:
    """``value`` (a dict, list or text of a public answer) with every text masked, except under the keys in ``keep``
    (e.g. officers' names and certificate numbers, public by law; digests and seeds, which are not text)."""
    masker = masker or generic_masker()
    if isinstance(value, str):
        return masker.mask(value)
    if isinstance(value, dict):
        return {k: v if k in keep else mask_public(v, masker, keep) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_public(v, masker, keep) for v in value]
    return value


def public_records(rows: list[Any], names: Any, keep: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Registry rows as the public sees them: the attributes ``names`` (a schema's field names) of each row, every
    text masked by the statutory and bureau rules (a note with an ID number, a phone or an address is not shown)."""
    maskers: dict[Any, PublicMasker] = {}
    out = []
    for row in rows:
        org_id = getattr(row, "org_id", None)
        if org_id not in maskers:  # each row masked by its own organisation's rules
            maskers[org_id] = generic_masker(org_id)
        out.append(mask_public({name: getattr(row, name, None) for name in names}, maskers[org_id], keep))
    return out


def review_preview(data: dict[str, Any]) -> dict[str, Any]:
    """What the publicity officer compares before release (item: original beside masked).

    ``disclosure_original`` (the unmasked text), ``masked_spans`` (kind, start, end, text in the
    original) and ``masked_preview`` (the original masked as publication will mask it).
    """
    original = str(data.get("disclosure_text") or "")
    masker = masker_for(data)
    return {"disclosure_original": original, "masked_spans": masker.spans(original),
            "masked_preview": masker.mask(original) or ""}


def review_alternatives(data: dict[str, Any]) -> tuple[str, ...]:
    """The original as the service masks it: a released text may mask it as well as the original."""
    original = str(data.get("disclosure_text") or "")
    return (masker_for(data).mask(original) or "",) if original else ()


#: forms of the publicity officer's review before release
REVIEW_FORMS = ("disclosure_review",)


def review_task_data(form_key: str | None, data: dict[str, Any]) -> dict[str, Any]:
    """Task data for a review before release: the original beside the masked text, with the spans.

    The ``masked_text`` offered for release is masked again the way publication masks it (the
    party's name as the setting says, the case's other names, the bureau's rules). Other forms'
    data is returned unchanged.
    """
    if form_key not in REVIEW_FORMS or not data.get("disclosure_text"):
        return data
    preview = review_preview(data)
    masked = masker_for(data).mask(data.get("masked_text") or preview["masked_preview"])
    return {**data, **preview, "masked_text": masked}
