"""Evidence items and the A/V equipment ledger. Rows are never updated or deleted.

An evidence item is one record of a file (by sha256) on one instance, with its capture
metadata; the bytes live in the evidence store (see ``api/services/evidence_store.py``).
Devices and their movements (checkout/return) form the equipment-use ledger
(设备配备、领用、管理). Correcting any of them means adding a new row, never changing one.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .append_only import append_only
from .types import JSONType, UTCDateTime, utc_iso, utcnow


class EvidenceItem(db.Model):
    __tablename__ = "evidence_items"
    __table_args__ = (Index("ix_evidence_items_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), index=True, nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    media_type: Mapped[str] = mapped_column(String(64), nullable=False)
    filename: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # audio_video | photo | document
    title: Mapped[str | None] = mapped_column(String(255))
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # UTC
    place: Mapped[str | None] = mapped_column(String(255))
    device_id: Mapped[str | None] = mapped_column(String(48))  # Device.code
    officers: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    opening_statement: Mapped[str | None] = mapped_column(Text)
    pauses: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)  # [{"at", "reason"[, "resumed_at"]}]
    task_id: Mapped[str | None] = mapped_column(String(36))
    uploaded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    #: an audio_video recording's playing time in seconds as declared at upload (pauses not included); None: not
    #: recorded (items before revision 0009, photos, documents) — reported as unknown, never guessed
    duration_seconds: Mapped[int | None] = mapped_column(Integer)

    def metadata_dict(self) -> dict:
        """The capture metadata as JSON values (times in UTC ISO 8601)."""
        captured = self.captured_at
        extra = {} if self.duration_seconds is None else {"duration_seconds": self.duration_seconds}
        return {
            **extra, "kind": self.kind, "title": self.title, "place": self.place, "device_id": self.device_id,
            "captured_at": utc_iso(captured) if captured else None, "officers": list(self.officers or []),
            "opening_statement": self.opening_statement, "pauses": list(self.pauses or []),
            "task_id": self.task_id, "filename": self.filename,
        }


class Device(db.Model):
    """A recording device the bureau has equipped (配备)."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True, nullable=False)
    #: the bureau that equipped it: only its officers check it out; other bureaus do not see it
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # camera | recorder | body_cam
    registered_by: Mapped[str] = mapped_column(String(64), nullable=False)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class DeviceMovement(db.Model):
    """One checkout (领用) or return (归还) of a device; ``at`` is the server's UTC time."""

    __tablename__ = "device_movements"
    __table_args__ = (Index("ix_device_movements_device_at", "device_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(8), nullable=False)  # checkout | return
    officer: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    by: Mapped[str] = mapped_column(String(64), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)


for _model in (EvidenceItem, Device, DeviceMovement):
    append_only(_model)
