"""Before-the-fact publicity (事前公开) as data: the list of powers and duties (权责清单).

Each change of an item is a new, append-only version; the highest version of a code is
current, and a version with ``retired`` set takes the item off the public list.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .append_only import append_only
from .types import UTCDateTime, utcnow

POWER_CATEGORIES = ("permit", "penalty", "inspection", "compulsion", "other")
#: 救济渠道 (DOMAIN §1): the default remedies text of an item
DEFAULT_REMEDIES = ("对本行政行为不服的，可以自知道之日起60日内依法申请行政复议，"
                    "或者自知道或者应当知道之日起6个月内依法提起行政诉讼。")


@append_only
class PowerItem(db.Model):
    __tablename__ = "power_items"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_power_items_code_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    category: Mapped[str] = mapped_column(String(16), nullable=False)  # one of POWER_CATEGORIES
    legal_basis: Mapped[str] = mapped_column(Text, nullable=False)
    procedure: Mapped[str | None] = mapped_column(Text)
    #: the time limit as published (e.g. "30日", "20个工作日"); days and their kind as data for deadlines
    time_limit: Mapped[str | None] = mapped_column(String(255))
    time_limit_days: Mapped[int | None] = mapped_column(Integer)
    working_days: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    remedies: Mapped[str] = mapped_column(Text, nullable=False, default=DEFAULT_REMEDIES)
    retired: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    changed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
