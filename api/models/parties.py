"""Party links (审批与监管信息交换共享) and reviewers' training records (定期培训): both append-only.

A :class:`PartyLink` says that a case concerns a party: the keyed digest of the party's identifier
(engine/parties.py ``party_key``; the number itself is not stored here) and its masked spelling. A case is linked
when its party is registered (permit application, enforcement case) or its targets are drawn (random inspection).

A :class:`TrainingRecord` is one training a reviewer attended; a correction is a new row naming the row it
replaces (``corrects_id``), a withdrawal a new row with ``withdrawn`` set: the record in force is every row no later
row corrects (api/services/training.py).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .append_only import append_only
from .types import UTCDateTime, utcnow


@append_only
class PartyLink(db.Model):
    __tablename__ = "party_links"
    __table_args__ = (UniqueConstraint("instance_id", "party_key", name="uq_party_links_instance_party"),
                      Index("ix_party_links_party_org", "party_key", "org_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), nullable=False, index=True)
    #: the case's bureau (the sharing scope is the bureau: docs/ACCESS.md)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    party_key: Mapped[str] = mapped_column(String(64), nullable=False)
    party_kind: Mapped[str] = mapped_column(String(16), nullable=False)  # person | organisation
    party_masked: Mapped[str] = mapped_column(String(32), nullable=False)
    #: the case's process (permit_application, random_inspection, enforcement_case)
    process_key: Mapped[str] = mapped_column(String(128), nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


@append_only
class TrainingRecord(db.Model):
    __tablename__ = "training_records"
    __table_args__ = (Index("ix_training_records_user_day", "user_id", "trained_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    #: the reviewer's bureau when the entry was recorded (its admin manages it)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    trained_on: Mapped[date] = mapped_column(Date, nullable=False)
    topic: Mapped[str] = mapped_column(String(255), nullable=False)
    hours: Mapped[float] = mapped_column(Float, nullable=False)
    organiser: Mapped[str] = mapped_column(String(255), nullable=False)
    certificate: Mapped[str | None] = mapped_column(String(128))
    #: the earlier entry this one replaces (a correction) or withdraws (``withdrawn``)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("training_records.id"), unique=True)
    withdrawn: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
