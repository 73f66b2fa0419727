"""Settings as versioned, append-only rows, each belonging to an organisation node.

For a bureau, the value in force is its own latest version of a key, else the nearest ancestor's (county, city,
platform root), else the built-in default (api/services/settings.py). Versions count per key across every node.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .append_only import append_only
from .types import JSONType, UTCDateTime, utcnow


@append_only
class Setting(db.Model):
    __tablename__ = "settings"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_settings_key_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    #: the node the value is set for (None: a row from before organisations, read as the platform's)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    value: Mapped[object] = mapped_column(JSONType, nullable=False)
    changed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
