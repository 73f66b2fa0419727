"""Published (masked) decisions, their withdrawals and corrections, public correction requests, annual reports.

Every table here is append-only (OGI 41, APL 48: the public record is never silently changed):

* a **correction** is a new :class:`Disclosure` row whose ``supersedes_id`` names the old one;
* a **withdrawal** is a :class:`DisclosureWithdrawal` row (with the published reason);
* an annual statistics report is re-published as a new :class:`AnnualReport` version.

A disclosure's public ``status`` follows from those rows: ``withdrawn`` if a withdrawal
exists, else ``superseded`` if a newer row supersedes it, else ``published``.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .append_only import append_only
from .types import JSONType, UTCDateTime, utcnow

#: why a published decision is withdrawn (APL 48: changed, revoked or found illegal)
WITHDRAWAL_BASES = ("changed", "revoked", "illegal", "other")
#: what changed or revoked a published decision (APL 48)
WITHDRAWAL_EVENTS = ("reconsideration", "litigation", "self_correction", "other")


@append_only
class Disclosure(db.Model):
    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the case the decision was made in (a correction keeps the original case)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True, nullable=False)
    #: the bureau that decided (the case's organisation): the public list filters on it, ``agency`` is its name
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    category: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    decision_number: Mapped[str | None] = mapped_column(String(128))
    masked_text: Mapped[str] = mapped_column(Text, nullable=False)
    #: the party as published: an organisation's name, a natural person's masked name (张某)
    party: Mapped[str | None] = mapped_column(String(255))
    decision_date: Mapped[date | None] = mapped_column(Date)
    agency: Mapped[str] = mapped_column(String(255), nullable=False)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    #: APL 59: the main facts (主要违法事实), the penalty (kind and amount) and how and by when to fulfil it
    facts: Mapped[str | None] = mapped_column(Text)
    penalty_kind: Mapped[str | None] = mapped_column(String(32))
    fine_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    penalty: Mapped[str | None] = mapped_column(Text)
    fulfilment: Mapped[str | None] = mapped_column(Text)
    #: a correction: the row this one replaces, why, and the correction case that decided it
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("disclosures.id"), unique=True)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    correction_instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    published_by: Mapped[str] = mapped_column(String(64), nullable=False)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


@append_only
class DisclosureWithdrawal(db.Model):
    """A published decision taken down, with the reason published (APL 48). At most one per disclosure."""

    __tablename__ = "disclosure_withdrawals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id"), unique=True, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    basis: Mapped[str] = mapped_column(String(16), nullable=False)  # one of WITHDRAWAL_BASES
    withdrawn_by: Mapped[str] = mapped_column(String(64), nullable=False)
    withdrawn_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: the correction case (disclosure_correction) that decided the withdrawal
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    #: the event that changed or revoked the decision (reconsideration, litigation, self-correction) and its date,
    #: from which the 3-day limit runs (APL 48); None for older rows
    event_kind: Mapped[str | None] = mapped_column(String(32))
    event_date: Mapped[date | None] = mapped_column(Date)


@append_only
class CorrectionRequest(db.Model):
    """A member of the public asks for a published decision to be corrected (OGI 41)."""

    __tablename__ = "correction_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id"), index=True, nullable=False)
    contact: Mapped[str] = mapped_column(String(255), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    #: the disclosure_correction case started for it (None if that process was not deployed)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


@append_only
class AnnualReport(db.Model):
    """Annual enforcement statistics (published by 31 January); a re-publication is a new version."""

    __tablename__ = "annual_reports"
    __table_args__ = (UniqueConstraint("year", "version", name="uq_annual_reports_year_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the bureau the figures are of
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[dict] = mapped_column(JSONType, nullable=False)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    generated_by: Mapped[str] = mapped_column(String(64), nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
