"""The bureau's A/V recording list (音像记录事项和岗位清单, seed 四(二)1): which permit items, penalty items and posts
need audio/video records kept, and for which enforcement acts.

Each change of an entry is a new, append-only version (the highest version of a code is current, ``retired``
takes it off the list), owned by a bureau like the list of powers (api/registry/lists.py): entries set at the
platform root are every bureau's until a bureau writes its own version. How a case uses it:
api/services/recording_list.py.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .append_only import append_only
from .registry import _OwnedByOrg
from .types import JSONType, UTCDateTime, utcnow

#: what an entry of the list is: a permit item, a penalty item (the case's ``permit_item`` / ``service_item``), or a
#: post (岗位, the case's ``service_post``)
RECORDING_ENTRY_KINDS = ("permit", "penalty", "post")


@append_only
class RecordingItem(_OwnedByOrg, db.Model):
    """One version of an entry of the A/V recording list."""

    __tablename__ = "recording_items"
    __table_args__ = (UniqueConstraint("org_id", "code", "version", name="uq_recording_items_org_code_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the bureau whose list the entry is on (the platform root: every bureau's, until a bureau changes it)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: the value a case records: a permit item's key (``permit_item``), a penalty item's code (``service_item``),
    #: a post's code (``service_post``)
    code: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # one of RECORDING_ENTRY_KINDS
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    #: whether acts of the item / post need an audio/video record
    av_required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: the act kinds (api/services/settings.ACT_KINDS) that need it; empty: every act of the item / post
    av_acts: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    retired: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    changed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
