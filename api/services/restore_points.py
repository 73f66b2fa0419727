"""Restore points: what an operator records after restoring the database from a backup older than the last
checkpoint in the export file.

The export file (outside the database) then holds checkpoints the restored database never had: exactly what it is
there to catch when records are removed, so verify fails and no checkpoint is appended. After a restore that loss
is real and known. ``flask --app api audit restore-point --by NAME --reason TEXT`` appends one line to the export
file, chained to the line before and signed in its own domain (when a key is configured), naming the last
checkpoint the database and the file still share and the checkpoints abandoned after it; and records the same as
an event of the ``audit`` stream in the database. From then on the audit treats the abandoned checkpoints as
acknowledged — reported as a note on every verify, never as passed — the file's chain resumes from the shared
checkpoint, and checkpoints are exported again. Nothing is removed from the file.
"""
from __future__ import annotations

import hashlib
from typing import Any

from engine.errors import RuleViolation, StateConflict
from engine.history import GENESIS, canonical_json, canonical_time

from ..extensions import db
from ..models import Checkpoint
from ..models.types import utcnow
from . import signing
from .history import append_event

KIND = "restore_point"
#: what a restore point's signature signs: this prefix and its hash (never a checkpoint's or a manifest's)
DOMAIN = "sanxiang-restore-point-v1:"
STREAM = "audit"
EVENT = "restore_point_recorded"
#: the fields of a restore point its hash covers
HASHED = ("id", "kind", "at", "by", "reason", "resumes_hash", "abandoned", "prev_hash")


def is_restore_point(record: dict[str, Any]) -> bool:
    return record.get("kind") == KIND


def restore_point_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json({k: record.get(k) for k in HASHED}).encode()).hexdigest()


def shared_prefix(records: list[dict[str, Any]], stored: dict[int, str]) -> tuple[int, str, list[dict[str, Any]]]:
    """The last checkpoint of the file's current timeline that the database holds unchanged, with every one
    before it (id, hash; 0 and GENESIS when none), and the checkpoints of that timeline after it."""
    timeline: list[dict[str, Any]] = []
    for record in records:
        if is_restore_point(record):
            timeline = [r for r in timeline if r["id"] <= record["id"]]
        else:
            timeline.append(record)
    shared, digest = 0, GENESIS
    for index, record in enumerate(timeline):
        if stored.get(record["id"]) != record.get("hash"):
            return shared, digest, timeline[index:]
        shared, digest = record["id"], record["hash"]
    return shared, digest, []


def record_restore_point(by: str, reason: str) -> dict[str, Any]:
    """Append a restore point to the export file and its event to the ``audit`` stream; the caller commits.

    Raises:
        RuleViolation: ``by`` or ``reason`` is empty.
        StateConflict: no export file is configured, or it holds no checkpoint the database lacks (nothing to
            acknowledge), or it cannot be read.
    """
    by, reason = by.strip(), reason.strip()
    if not by or not reason:
        raise RuleViolation("restore_point", "a restore point names who records it (--by) and why (--reason)")
    path = signing.export_path()
    if path is None:
        raise StateConflict("no checkpoint export file is configured (SANXIANG_CHECKPOINT_FILE): there is nothing "
                            "to reconcile")
    stored = {cid: digest for cid, digest in db.session.execute(db.select(Checkpoint.id, Checkpoint.hash))}
    with signing.locked(path) as handle:
        records, unreadable = signing.read_records(path)
        if unreadable:
            raise StateConflict(f"not appending to {path}: {unreadable[0]}")
        shared, digest, abandoned = shared_prefix(records, stored)
        if not abandoned:
            raise StateConflict(f"every checkpoint of {path} is in the database unchanged: there is no loss to record "
                                "(a restore point is only for a database restored from an older backup)")
        point: dict[str, Any] = {
            "id": shared, "kind": KIND, "at": canonical_time(utcnow()), "by": by[:200], "reason": reason[:2000],
            "resumes_hash": digest, "abandoned": [r["id"] for r in abandoned],
            "prev_hash": records[-1].get("hash") if records else GENESIS}
        point["hash"] = restore_point_hash(point)
        signed = signing.sign(point["hash"], DOMAIN)
        point["signature"], point["key_id"] = signed or (None, None)
        append_event(STREAM, None, EVENT, actor=by[:200], data={
            "reason": point["reason"], "resumes_after_checkpoint": shared, "abandoned_checkpoints": point["abandoned"],
            "export_file_hash": point["hash"]})
        db.session.flush()
        signing.append_records(handle, [point])
    return point


def note(point: dict[str, Any]) -> str:
    """How verify reports an acknowledged restore point."""
    ids = point.get("abandoned") or []
    span = f"{ids[0]}–{ids[-1]}" if len(ids) > 1 else str(ids[0]) if ids else "none"
    return (f"restore point of {point.get('at')} by {point.get('by')} ({point.get('reason')}): the database was "
            f"restored from a backup taken before checkpoint(s) {span} of the export file; what was recorded after "
            f"checkpoint {point.get('id')} and before the restore is not in this database")
