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
from ..models import Checkpoint, Event
from ..models.types import utcnow
from . import signing
from .history import append_event, current_heads

KIND = "restore_point"
#: what a restore point's signature signs: this prefix and its hash (never a checkpoint's or a manifest's)
DOMAIN = "sanxiang-restore-point-v1:"
STREAM = "audit"
EVENT = "restore_point_recorded"
#: the fields of a restore point its hash covers
HASHED = ("id", "kind", "at", "by", "reason", "resumes_hash", "abandoned", "lost", "position", "prev_hash")
#: the lost streams a note names (the restore point in the export file names them all)
NOTE_STREAMS = 10


def is_restore_point(record: dict[str, Any]) -> bool:
    return record.get("kind") == KIND


def restore_point_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json({k: record.get(k) for k in HASHED}).encode()).hexdigest()


def problem(record: dict[str, Any], previous: dict[str, Any] | None, key: Any) -> str | None:
    """Why a restore point cannot be trusted (altered, not signed by the configured key, not linked to the line
    before it in the file), or None."""
    if restore_point_hash(record) != record.get("hash"):
        return "was altered"
    if key is not None:
        why = signing.signature_problem(key, str(record.get("hash")), record.get("signature"), record.get("key_id"),
                                        DOMAIN)
        if why:
            return why
    if record.get("prev_hash") != (previous.get("hash") if previous is not None else GENESIS):
        return "does not link to the line before"
    return None


def shared_prefix(records: list[dict[str, Any]], stored: dict[int, str],
                  key: Any = None) -> tuple[int, str, list[dict[str, Any]]]:
    """The last checkpoint of the file's current timeline that the database holds unchanged, with every one
    before it (id, hash; 0 and GENESIS when none), and the checkpoints of that timeline after it. Only sound
    restore points (:func:`problem`) start a new timeline: one appended by whoever can write the file but not sign
    moves nothing."""
    timeline: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        if is_restore_point(record):
            if problem(record, records[index - 1] if index else None, key) is None:
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
    try:
        key = signing.public_key()
    except signing.SigningKeyError as exc:
        raise StateConflict(f"the checkpoint key cannot be read: {exc}") from exc
    with signing.locked(path) as handle:
        records, unreadable = signing.read_records(path)
        if unreadable:
            raise StateConflict(f"not appending to {path}: {unreadable[0]}")
        shared, digest, abandoned = shared_prefix(records, stored, key)
        if not abandoned:
            raise StateConflict(f"every checkpoint of {path} is in the database unchanged: there is no loss to record "
                                "(a restore point is only for a database restored from an older backup)")
        point: dict[str, Any] = {
            "id": shared, "kind": KIND, "at": canonical_time(utcnow()), "by": by[:200], "reason": reason[:2000],
            "resumes_hash": digest, "abandoned": [r["id"] for r in abandoned], "lost": lost_streams(abandoned),
            # its line among the file's records: no line before it can be taken out later (an earlier restore
            # point with the checkpoints it abandoned, which the database restored from an older backup no longer
            # records) without this one saying so
            "position": len(records), "prev_hash": records[-1].get("hash") if records else GENESIS}
        point["hash"] = restore_point_hash(point)
        signed = signing.sign(point["hash"], DOMAIN)
        point["signature"], point["key_id"] = signed or (None, None)
        append_event(STREAM, None, EVENT, actor=by[:200], data={
            "reason": point["reason"], "resumes_after_checkpoint": shared, "abandoned_checkpoints": point["abandoned"],
            "lost": point["lost"], "export_file_hash": point["hash"]})
        db.session.flush()
        signing.append_records(handle, [point])
    return point


def lost_streams(abandoned: list[dict[str, Any]]) -> list[list[Any]]:
    """[stream, seq the abandoned checkpoints recorded, seq and hash of the database's head] of every stream whose
    recorded head the database no longer holds (its events after the database's head are gone, or the event at that seq is not
    the recorded one): what the restore point acknowledges as lost, stream by stream, so that no deletion passes
    for a restore unnamed."""
    recorded: dict[str, list] = {}
    for record in abandoned:
        if isinstance(record.get("heads"), dict):
            recorded.update(record["heads"])
    heads = current_heads()
    lost = []
    for stream, head in sorted(recorded.items()):
        seq, digest = (head + [None, None])[:2] if isinstance(head, list) else (None, None)
        held, held_hash = heads.get(stream, [0, None])
        if not isinstance(seq, int):
            continue
        if held < seq or db.session.scalar(
                db.select(Event.hash).where(Event.stream == stream, Event.seq == seq)) != digest:
            # gone after the database's head, or the event at that seq is another one (replaced after the restore);
            # with the head the database held then, which verify holds it to from now on
            lost.append([stream, seq, held, held_hash])
    return lost


def anchored_heads(point: dict[str, Any], abandoned: list[dict[str, Any]]) -> tuple[dict[str, list], dict[str, int]]:
    """What every stream must still reach after this restore point, and the checkpoint (or the restore point's
    resumed-from id) that recorded it: the heads the abandoned checkpoints recorded of the streams that lost
    nothing, and the head the database held then of each stream that lost events. A deletion after the restore
    point, of events it did not name, fails verify as any deletion does."""
    heads: dict[str, list] = {}
    recorded_by: dict[str, int] = {}
    for record in abandoned:
        if isinstance(record.get("heads"), dict):
            heads.update(record["heads"])
            recorded_by.update(dict.fromkeys(record["heads"], record["id"]))
    for entry in point.get("lost") or []:
        stream, held, held_hash = entry[0], entry[2], entry[3] if len(entry) > 3 else None
        heads.pop(stream, None)
        recorded_by.pop(stream, None)
        if held and held_hash:
            heads[stream] = [held, held_hash]
            recorded_by[stream] = point.get("id", 0)
    return heads, recorded_by


def note(point: dict[str, Any]) -> str:
    """How verify reports an acknowledged restore point: by whom, why, and which streams lost what."""
    ids = point.get("abandoned") or []
    span = f"{ids[0]}–{ids[-1]}" if len(ids) > 1 else str(ids[0]) if ids else "none"
    lost = point.get("lost") or []
    named = "; ".join(f"{stream}: recorded up to event {seq}, {held} in the database"
                      for stream, seq, held, *_ in lost[:NOTE_STREAMS])
    more = f"; and {len(lost) - NOTE_STREAMS} more (the export file names them all)" if len(lost) > NOTE_STREAMS else ""
    return (f"restore point of {point.get('at')} by {point.get('by')} ({point.get('reason')}): checkpoint(s) {span} "
            f"of the export file abandoned, the database resuming from checkpoint {point.get('id')}; "
            f"{len(lost)} stream(s) lost recorded events" + (f": {named}{more}" if lost else ""))


def stream_notes(point: dict[str, Any]) -> dict[str, str]:
    """stream -> what the restore point acknowledges it lost (for that stream's own verify)."""
    by = f"acknowledged lost by the restore point of {point.get('at')} by {point.get('by')} ({point.get('reason')})"
    return {stream: (f"events {held + 1}–{seq} of this history, recorded by the export file's checkpoints, are not "
                     f"in the database: {by}" if held < seq else
                     f"event {seq} of this history is not the one the export file's checkpoints recorded: {by}")
            for stream, seq, held, *_ in point.get("lost") or []}
