"""执法双公示: permit and penalty decisions reported to the credit-information platform (docs/DOMAIN.md §6, seed 二(二)).

A :class:`CreditReport` records that a decision was handed to the platform's importer, when, by whom, in which
batch and with what content. It is append-only: a report is never changed or taken back; what the platform
received stays on record.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .append_only import append_only
from .types import JSONType, UTCDateTime, utcnow


@append_only
class CreditReport(db.Model):
    """One decision reported to the credit platform (at most one per case: the unique key makes a concurrent second
    report of the same decision a 409)."""

    __tablename__ = "credit_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the case whose decision was reported
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), unique=True, nullable=False)
    #: the published decision the record was built from
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id"), nullable=False)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    decision_date: Mapped[date] = mapped_column(Date, nullable=False)
    #: the reporting deadline: 7 working days after the decision (the disclosure's own limit)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    #: sha256 of the batch file the record was handed over in
    batch: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    #: the record exactly as the platform received it
    record: Mapped[dict] = mapped_column(JSONType, nullable=False)
    reported_by: Mapped[str] = mapped_column(String(64), nullable=False)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)
