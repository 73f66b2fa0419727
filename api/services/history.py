"""Appending events to a hash-chained stream."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engine import clock
from engine.history import GENESIS, event_hash

from ..extensions import db
from ..models import Event, Instance


def _stream_head(stream: str) -> tuple[int, str]:
    last = db.session.execute(select(Event.seq, Event.hash).where(Event.stream == stream)
                              .order_by(Event.seq.desc()).limit(1)).first()
    return (last[0], last[1]) if last else (0, GENESIS)


def append_event(stream: str, instance: Instance | None, type_: str, *, actor: str | None, role: str | None = None,
                 task_id: str | None = None, element_id: str | None = None, data: dict[str, Any] | None = None,
                 client_addr: str | None = None, instance_id: int | None = None,
                 refs: tuple[str | None, str | None] | None = None) -> Event:
    """Add the next event of ``stream`` (chained to its head); no commit.

    With ``instance`` the event goes on the instance's own stream, whose head is kept
    on the instance row (no query), and carries the instance's current snapshot refs
    unless ``refs`` (state_ref, data_ref) is given. Without it the head is read from the
    events table; ``instance_id`` then only tags the event (e.g. an evidence-access stream).
    """
    if instance is not None:
        seq, prev = instance.last_seq, instance.last_hash
        instance_id = instance.id
        refs = refs or (instance.state_ref, instance.data_ref)
    else:
        seq, prev = _stream_head(stream)
    state_ref, data_ref = refs or (None, None)
    ev = Event(stream=stream, seq=seq + 1, type=type_, instance_id=instance_id,
               task_id=task_id, element_id=element_id, actor=actor, role=role, at=clock.now(),
               data=data or {}, client_addr=client_addr, state_ref=state_ref, data_ref=data_ref,
               prev_hash=prev, hash="")
    ev.hash = event_hash(ev.hashed_fields(), prev)
    if instance is not None:
        instance.last_seq = ev.seq
        instance.last_hash = ev.hash
    db.session.add(ev)
    return ev


def instance_stream(instance_id: int) -> str:
    return f"instance:{instance_id}"


def current_heads() -> dict[str, list]:
    """stream -> [seq, hash] of its last event."""
    last_seq = select(Event.stream, func.max(Event.seq).label("seq")).group_by(Event.stream).subquery()
    rows = db.session.execute(select(Event.stream, Event.seq, Event.hash).join(
        last_seq, (Event.stream == last_seq.c.stream) & (Event.seq == last_seq.c.seq)))
    return {stream: [seq, digest] for stream, seq, digest in rows}
