"""Appending events to a hash-chained stream."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.history import GENESIS, event_hash

from ..extensions import db
from ..models import Event, Instance
from ..models.types import utcnow


def _stream_head(stream: str) -> tuple[int, str]:
    last = db.session.execute(select(Event.seq, Event.hash).where(Event.stream == stream)
                              .order_by(Event.seq.desc()).limit(1)).first()
    return (last[0], last[1]) if last else (0, GENESIS)


def append_event(stream: str, instance: Instance | None, type_: str, *, actor: str | None, role: str | None = None,
                 task_id: str | None = None, element_id: str | None = None, data: dict[str, Any] | None = None,
                 client_addr: str | None = None) -> Event:
    """Add the next event of ``stream`` (chained to its head); no flush, no commit.

    For an instance stream the head is kept on the instance row, so no query is needed.
    """
    if instance is not None:
        seq, prev = instance.last_seq, instance.last_hash
    else:
        seq, prev = _stream_head(stream)
    ev = Event(stream=stream, seq=seq + 1, type=type_, instance_id=instance.id if instance else None,
               task_id=task_id, element_id=element_id, actor=actor, role=role, at=utcnow(),
               data=data or {}, client_addr=client_addr, prev_hash=prev, hash="")
    ev.hash = event_hash(ev.hashed_fields(), prev)
    if instance is not None:
        instance.last_seq = ev.seq
        instance.last_hash = ev.hash
    db.session.add(ev)
    return ev


def instance_stream(instance_id: int) -> str:
    return f"instance:{instance_id}"
