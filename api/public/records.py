"""What the public sees, one function per public list (OGI 15, APL 50, PIPL 28; docs/DOMAIN.md §1.4 Masking).

The JSON API (:mod:`api.public.resources`) and the public web pages (:mod:`api.public.pages`) both take their records
from here, dumped through the same schema, so a page can never show a field the API masks: every text of a registry
row or a published decision goes through :mod:`api.services.public_masking` before either sees it.
"""
from __future__ import annotations

from typing import Any

from engine.masking import mask_text
from engine.masking_rules import DEFAULT_RULES

from ..registry import service as registry
from ..registry.schemas import PowerSchema
from ..services import disclosures as service
from ..services import org_scope
from ..services.public_masking import mask_public, public_records
from .schemas import DisclosureSchema, OfficerSchema

ID_RULES = tuple(r for r in DEFAULT_RULES if r.name.startswith("id_number"))

#: what the public officer list shows as it is: who the officer is and the certificate (public by law, APL 42);
#: a certificate number is not masked as a phone or account number it may look like
OFFICER_KEPT = frozenset({"display_name", "certificate_number"})


def _org(code: str | None) -> int | None:
    """``?org=<code>`` of a public list (422 for an unknown code); None: every organisation."""
    return org_scope.by_code(code).id if code else None


def powers(org: str | None = None) -> list[dict[str, Any]]:
    """The list of powers and duties (权责清单) in force — of bureau ``org`` (its own and the platform's items),
    else every organisation's own items — every text masked."""
    return public_records(registry.public_powers(_org(org)), PowerSchema().fields)


def officers(org: str | None = None) -> list[dict[str, Any]]:
    """Officers with a certificate valid today (of bureau ``org`` when given): names and certificate numbers as
    they are, every other text masked."""
    rows = [{k: v for k, v in row.items() if k != "username"}  # no login names
            for row in registry.public_officers(org_id=_org(org))]
    for row in rows:  # a name and a certificate number are kept as they are, but an ID number typed into them never is
        for key in OFFICER_KEPT:
            row[key] = mask_text(str(row.get(key) or ""), ID_RULES)
    return mask_public(rows, keep=OFFICER_KEPT)


def organisations() -> list[dict[str, Any]]:
    """The bureaus the portal filters by: code, name, kind and the parent's code."""
    return [{"code": o.code, "name": o.name, "kind": o.kind, "parent": org_scope.code_of(o.parent_id)}
            for o in org_scope.bureaus()]


def disclosures(**query: Any) -> list[dict[str, Any]]:
    """Published decisions matching ``query`` (disclosures.search), each as :func:`disclosures.public_view` masks it."""
    return service.views_of(service.search(**query))


def dumped(schema: type, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``records`` as the API answers them (``schema`` dumps them): what a page may render, field for field."""
    return schema(many=True).dump(records)


#: the schema each public list is answered with, by the API and by the pages
SCHEMAS = {"powers": PowerSchema, "officers": OfficerSchema, "disclosures": DisclosureSchema}
