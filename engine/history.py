"""History hashing: each event is chained to the previous one of its stream.

``hash = sha256(canonical_json(event fields + prev_hash))``. Canonical JSON is
key-sorted, compact, UTF-8, and times are UTC ISO 8601 with microseconds, so
the same event always hashes the same on SQLite and PostgreSQL.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = ("stream", "seq", "type", "instance_id", "task_id", "element_id", "actor", "role", "at",
                 "data", "client_addr", "state_ref", "data_ref")


def canonical_time(value: datetime) -> str:
    """UTC ISO 8601 with microseconds; a naive datetime is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    """The hash of an event given its fields (see HASHED_FIELDS) and the previous hash."""
    body = {name: fields.get(name) for name in HASHED_FIELDS}
    if isinstance(body["at"], datetime):
        body["at"] = canonical_time(body["at"])
    body["prev_hash"] = prev_hash
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def verify_chain(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Problems in a stream's chain (empty when intact): gaps, broken links, altered events."""
    problems: list[dict[str, Any]] = []
    prev = GENESIS
    expected_seq = 1
    for ev in events:
        seq = ev.get("seq")
        if seq != expected_seq:
            problems.append({"seq": seq, "problem": f"expected seq {expected_seq}, found {seq}"})
        if ev.get("prev_hash") != prev:
            problems.append({"seq": seq, "problem": "prev_hash does not match the previous event"})
        if event_hash(ev, ev.get("prev_hash") or "") != ev.get("hash"):
            problems.append({"seq": seq, "problem": "hash does not match the event's content"})
        prev = ev.get("hash") or ""
        expected_seq = (seq or expected_seq) + 1
    return problems
