"""Deployed definition files (content-addressed) and their versions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .append_only import append_only
from .types import UTCDateTime, utcnow


class DefinitionFile(db.Model):
    """A BPMN/DMN/form file, stored once by its sha256 and never changed."""

    __tablename__ = "definition_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


append_only(DefinitionFile)


class DefinitionVersion(db.Model):
    """Version ``version`` of a process, decision or form ``key``."""

    __tablename__ = "definition_versions"
    __table_args__ = (
        UniqueConstraint("key", "kind", "version", name="uq_definition_version"),
        Index("ix_definition_versions_key_kind", "key", "kind", "version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # bpmn | dmn | form
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(ForeignKey("definition_files.sha256"), nullable=False)
    deployment_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    deployed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    #: the organisation that owns the key (its subtree runs it); None: the whole platform
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


append_only(DefinitionVersion)
