"""The append-only history. Rows are never updated or deleted."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .append_only import append_only
from .types import JSONType, UTCDateTime


def _new_id() -> str:
    return str(uuid.uuid4())


class Event(db.Model):
    """One recorded step. The id is made client-side so a request's events go in one batched INSERT."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("stream", "seq", name="uq_events_stream_seq"),
        Index("ix_events_instance_type", "instance_id", "type"),
        Index("ix_events_at", "at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    stream: Mapped[str] = mapped_column(String(64), nullable=False)  # "instance:<id>" or "definitions"
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(128))
    actor: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    data: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    state_ref: Mapped[str | None] = mapped_column(String(64))  # blob: element states after the event
    data_ref: Mapped[str | None] = mapped_column(String(64))  # blob: case data after the event
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)

    def hashed_fields(self) -> dict:
        return {
            "stream": self.stream, "seq": self.seq, "type": self.type, "instance_id": self.instance_id,
            "task_id": self.task_id, "element_id": self.element_id, "actor": self.actor, "role": self.role,
            "at": self.at, "data": self.data, "client_addr": self.client_addr,
            "state_ref": self.state_ref, "data_ref": self.data_ref,
            "prev_hash": self.prev_hash, "hash": self.hash,
        }


class Blob(db.Model):
    """Content-addressed snapshot parts (element states, case data): written once, never changed."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[str] = mapped_column(Text, nullable=False)


class Checkpoint(db.Model):
    """A periodic record of every stream's head, itself hash-chained and signed (see api/services/signing.py)."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    heads: Mapped[dict] = mapped_column(JSONType, nullable=False)  # stream -> [seq, hash]
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    #: Ed25519 signature (hex) of the hash by a key the database does not hold, and that key's fingerprint
    signature: Mapped[str | None] = mapped_column(String(128))
    key_id: Mapped[str | None] = mapped_column(String(64))
    #: None: ``heads`` holds every stream's head (checkpoints made before revision 0004); 2: only the streams whose
    #: head moved since the checkpoint before (api/services/checkpoints.py), and the form is part of the hash
    form: Mapped[int | None] = mapped_column(Integer)


for _model in (Event, Blob, Checkpoint):
    append_only(_model)
