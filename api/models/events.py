"""The append-only history. Rows are never updated or deleted."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from engine.errors import RuleViolation

from ..extensions import db
from .types import JSONType


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("stream", "seq", name="uq_events_stream_seq"),
        Index("ix_events_instance_type", "instance_id", "type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stream: Mapped[str] = mapped_column(String(64), nullable=False)  # "instance:<id>" or "definitions"
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(128))
    actor: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    data: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)

    def hashed_fields(self) -> dict:
        return {
            "stream": self.stream, "seq": self.seq, "type": self.type, "instance_id": self.instance_id,
            "task_id": self.task_id, "element_id": self.element_id, "actor": self.actor, "role": self.role,
            "at": self.at, "data": self.data, "client_addr": self.client_addr,
            "prev_hash": self.prev_hash, "hash": self.hash,
        }


@event.listens_for(Event, "before_update")
def _refuse_update(mapper, connection, target) -> None:  # noqa: ARG001
    raise RuleViolation("history_append_only", "events are append-only: an event cannot be changed")


@event.listens_for(Event, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:  # noqa: ARG001
    raise RuleViolation("history_append_only", "events are append-only: an event cannot be deleted")
