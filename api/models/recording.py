"""The bureau's A/V recording list (音像记录事项和岗位清单, seed 四(二)1): which permit items, penalty items and posts
need audio/video records kept, and for which enforcement acts.

Each change of an entry is a new, append-only version (the highest version of a code is current, ``retired``
takes it off the list), owned by a bureau like the list of powers (api/registry/lists.py): entries set at the
platform root are every bureau's until a bureau writes its own version. How a case uses it:
api/services/recording_list.py.
"""
from __future__ import annotations

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .append_only import append_only
from .types import JSONType
from .versioned_list import VersionedListEntry

#: what an entry of the list is: a permit item, a penalty item (the case's ``permit_item`` / ``service_item``), or a
#: post (岗位, the case's ``service_post``)
RECORDING_ENTRY_KINDS = ("permit", "penalty", "post")


@append_only
class RecordingItem(VersionedListEntry, db.Model):
    """One version of an entry of the A/V recording list."""

    __tablename__ = "recording_items"

    # ``code`` (VersionedListEntry) is the value a case records: a permit item's key (``permit_item``), a penalty
    # item's code (``service_item``), a post's code (``service_post``)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # one of RECORDING_ENTRY_KINDS
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    #: whether acts of the item / post need an audio/video record
    av_required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: the act kinds (api/services/settings.ACT_KINDS) that need it; empty: every act of the item / post
    av_acts: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    note: Mapped[str | None] = mapped_column(Text)
