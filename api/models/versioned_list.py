"""The shape every entry of a bureau's list shares (list of powers, random-inspection items, inspection targets, the
A/V recording list): each change is a new, append-only version of a code in one bureau's list.

A model mixes in :class:`VersionedListEntry` (and is decorated with ``@append_only`` itself) and declares only its
own columns; the table keeps its column order: the entry's identity first (``id``, ``org_id``, ``code``,
``version``), the model's own columns, then who changed it (``retired``, ``changed_by``, ``changed_at``).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .types import UTCDateTime, utcnow

#: ``sort_order`` of the columns before a model's own columns (which have 0) and after them
IDENTITY_COLUMNS = -1
CHANGE_COLUMNS = 1
#: ``sort_order`` for columns a later revision added after the change columns (e.g. InspectionTarget.party_key)
LATER_COLUMNS = 2


class VersionedListEntry:
    """One version of an entry of a bureau's list: the highest ``version`` of a ``code`` in a list is current, and
    a version with ``retired`` set takes the entry off the list. Entries set at the platform root are every
    bureau's until a bureau writes its own version (api/registry/lists.py)."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        name = cls.__tablename__  # type: ignore[attr-defined]
        return (UniqueConstraint("org_id", "code", "version", name=f"uq_{name}_org_code_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=IDENTITY_COLUMNS)
    #: the bureau whose list the entry is on (the platform root: every bureau's, until a bureau changes it)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True,
                                               sort_order=IDENTITY_COLUMNS)
    code: Mapped[str] = mapped_column(String(64), nullable=False, index=True, sort_order=IDENTITY_COLUMNS)
    version: Mapped[int] = mapped_column(Integer, nullable=False, sort_order=IDENTITY_COLUMNS)
    retired: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, sort_order=CHANGE_COLUMNS)
    changed_by: Mapped[str] = mapped_column(String(64), nullable=False, sort_order=CHANGE_COLUMNS)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow,
                                                 sort_order=CHANGE_COLUMNS)

    @property
    def org(self) -> str | None:
        """The code of the organisation whose list the row is on."""
        from ..services.org_scope import code_of  # models -> services: import late

        return code_of(self.org_id)
