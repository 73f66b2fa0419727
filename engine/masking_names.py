"""How persons are named in published text (OGI 15, APL 59): other natural persons as surname + 某, the
party as the ``party_name_display`` setting says (:func:`party_display`)."""
from __future__ import annotations

import re

from .masking_terms import COMPOUND_SURNAMES


def masked_name(name: str) -> str:
    """张三丰 -> 张某某, 欧阳明华 -> 欧阳某某; a name that is not Chinese -> 某某."""
    if not all("\u4e00" <= ch <= "\u9fff" for ch in name):
        return "某某"
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[0]
    return surname + "某" * (len(name) - len(surname))


#: how the party is shown (the ``party_name_display`` setting): natural persons and organisations
PERSON_STYLES = ("surname", "surname_single", "full")
ORGANISATION_STYLES = ("full", "hidden")


def party_display(name: str, party_type: str | None, style: dict[str, str] | None = None) -> str:
    """The party's name as published, by ``style`` {"person": ..., "organisation": ...}.

    Persons: ``surname`` (default, 张某 / 张某某 / 欧阳某某: one 某 per hidden character),
    ``surname_single`` (张某 / 欧阳某), ``full``. Organisations: ``full`` (default) or
    ``hidden`` (某单位). A person's name that is not Chinese becomes 某某.
    """
    style = style or {}
    name = name.strip()
    if party_type == "organisation":
        return "某单位" if style.get("organisation") == "hidden" else name
    kind = style.get("person", "surname")
    if kind == "full" or not name:
        return name
    masked = masked_name(name) if len(name) >= 2 else "某某"
    if kind == "surname_single" and masked != "某某":
        return masked.rstrip("某") + "某"
    return masked


def split_names(value: object) -> list[str]:
    """Names from a list or a text separated by commas, 、, semicolons or whitespace; blanks dropped."""
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,，、;；\s]+", str(value or ""))
    return [str(n).strip() for n in items if str(n).strip()]
