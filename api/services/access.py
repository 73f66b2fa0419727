"""The access stream: every read of a case's personal data is a recorded event (``access:<instance id>``).

Reads of one case may arrive together (twenty clients playing one recording): the stream's head is taken
under a named lock (api/services/locks.py), so concurrent reads queue for a moment instead of colliding on
the stream's sequence number.
"""
from __future__ import annotations

from ..models import User
from .history import append_event
from .locks import hold


def access_stream(instance_id: int) -> str:
    return f"access:{instance_id}"


def record_read(user: User, instance_id: int, what: str, *, view: str = "full", client_addr: str | None = None,
                role: str | None = None, detail: dict | None = None) -> None:
    """Record that ``user`` read ``what`` (instance, history, state, evidence, task, archive...) of a case; no
    commit (the caller commits, so a read that fails records nothing)."""
    stream = access_stream(instance_id)
    hold(stream)
    append_event(stream, None, f"{what}_read" if not what.endswith("_read") else what, actor=user.username,
                 role=role or _main_role(user), instance_id=instance_id,
                 data={"what": what, "view": view, **(detail or {})}, client_addr=client_addr)


def _main_role(user: User) -> str | None:
    roles = list(user.roles or [])
    return roles[0] if roles else None
