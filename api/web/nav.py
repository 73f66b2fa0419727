"""The header menu: page modules add their entries (endpoint, label key, roles); base.html shows those the user's
roles reach, in order. A role of ``None`` is anyone logged in; ``"public"`` is everyone."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: str  # a key of the UI strings (api/web/strings)
    roles: tuple[str, ...] | None = None
    order: int = 50


ENTRIES: list[NavEntry] = []


def add(endpoint: str, label: str, roles: tuple[str, ...] | None = None, order: int = 50) -> None:
    if not any(e.endpoint == endpoint for e in ENTRIES):
        ENTRIES.append(NavEntry(endpoint, label, roles, order))
        ENTRIES.sort(key=lambda e: (e.order, e.endpoint))


def visible(user) -> list[NavEntry]:
    out = []
    for entry in ENTRIES:
        if entry.roles == ("public",):
            out.append(entry)
        elif user is not None and (entry.roles is None or any(user.has_role(r) for r in entry.roles)):
            out.append(entry)
    return out
