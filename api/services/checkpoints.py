"""Checkpoints: every stream's head, chained, signed with a key outside the database, exported to a file.

:func:`audit_checkpoints` checks the checkpoints table (chain and signatures) and the export file (its
signatures, and that the database still holds each exported checkpoint unchanged), and names the *anchors*:
the latest trustworthy checkpoint of each source, whose heads every stream must still reach.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from engine.errors import StateConflict
from engine.history import GENESIS, canonical_json, canonical_time

from ..extensions import db
from ..models import Checkpoint, Event
from ..models.types import utcnow
from . import signing

SOURCES = {"database": "in the database", "file": "in the export file"}


@dataclass
class Anchor:
    """A checkpoint trusted as a reference: the heads every stream must still reach."""

    source: str  # database | file
    id: int
    heads: dict[str, list]


@dataclass
class CheckpointAudit:
    problems: list[dict[str, Any]] = field(default_factory=list)
    anchors: list[Anchor] = field(default_factory=list)


def checkpoint_hash(at: str, heads: dict[str, Any], prev_hash: str) -> str:
    body = canonical_json({"at": at, "heads": heads, "prev_hash": prev_hash})
    return hashlib.sha256(body.encode()).hexdigest()


def current_heads() -> dict[str, list]:
    """stream -> [seq, hash] of its last event."""
    last_seq = select(Event.stream, func.max(Event.seq).label("seq")).group_by(Event.stream).subquery()
    rows = db.session.execute(select(Event.stream, Event.seq, Event.hash).join(
        last_seq, (Event.stream == last_seq.c.stream) & (Event.seq == last_seq.c.seq)))
    return {stream: [seq, digest] for stream, seq, digest in rows}


def create_checkpoint() -> Checkpoint:
    """Record the head (seq, hash) of every stream, chained to the previous checkpoint and signed when a key
    is configured; no commit.

    Raises:
        signing.SigningKeyError: the configured private key cannot be read.
    """
    heads = current_heads()
    prev = db.session.scalar(select(Checkpoint).order_by(Checkpoint.id.desc()).limit(1))
    prev_hash = prev.hash if prev else GENESIS
    at = utcnow()
    digest = checkpoint_hash(canonical_time(at), heads, prev_hash)
    signature, key_id = signing.sign(digest) or (None, None)
    cp = Checkpoint(at=at, heads=heads, prev_hash=prev_hash, hash=digest, signature=signature, key_id=key_id)
    db.session.add(cp)
    return cp


def record(cp: Checkpoint) -> dict[str, Any]:
    """A checkpoint as one line of the export file."""
    return {"id": cp.id, "at": canonical_time(cp.at), "heads": cp.heads, "prev_hash": cp.prev_hash, "hash": cp.hash,
            "signature": cp.signature, "key_id": cp.key_id}


def export_checkpoints() -> int:
    """Append the checkpoints the export file lacks (``CHECKPOINT_FILE``); returns how many. 0 when no file is
    configured.

    Raises:
        StateConflict: the file's last checkpoint is missing from or differs in the database (someone altered
            one of them: nothing is appended until an auditor looks).
    """
    path = signing.export_path()
    if path is None:
        return 0
    with signing.locked(path) as handle:
        records, unreadable = signing.read_records(path)
        if unreadable:
            raise StateConflict(f"not appending to {path}: {unreadable[0]}")
        after = 0
        if records:
            last = records[-1]
            row = db.session.get(Checkpoint, last["id"])
            if row is None or row.hash != last.get("hash"):
                state = "is missing from" if row is None else "differs from the one in"
                raise StateConflict(f"not appending to {path}: checkpoint {last['id']} of the export file {state} "
                                    "the database (one of them was altered)")
            after = last["id"]
        rows = list(db.session.scalars(select(Checkpoint).where(Checkpoint.id > after).order_by(Checkpoint.id)))
        signing.append_records(handle, [record(cp) for cp in rows])
    return len(rows)


def _problem(text: str, source: str, checkpoint: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": "checkpoint", "source": source, "problem": text}
    if checkpoint is not None:
        out["checkpoint"] = checkpoint
    return out


def audit_checkpoints() -> CheckpointAudit:
    """Check the checkpoint chain, the signatures (with the public key only) and the export file."""
    audit = CheckpointAudit()
    try:
        key = signing.public_key()
    except signing.SigningKeyError as exc:
        audit.problems.append(_problem(str(exc), "config"))
        key = None
    floor = int(current_app.config.get("CHECKPOINT_UNSIGNED_UNTIL") or 0)
    prev, stored, trusted = GENESIS, {}, None
    for cp in db.session.scalars(select(Checkpoint).order_by(Checkpoint.id)):
        sound = True
        if cp.prev_hash != prev:
            audit.problems.append(_problem("prev_hash does not link", "database", cp.id))
            sound = False
        if checkpoint_hash(canonical_time(cp.at), cp.heads, cp.prev_hash) != cp.hash:
            audit.problems.append(_problem("checkpoint was altered", "database", cp.id))
            sound = False
        if key is not None and (cp.signature or cp.id > floor):
            why = signing.signature_problem(key, cp.hash, cp.signature, cp.key_id)
            if why:
                audit.problems.append(_problem(f"checkpoint {cp.id} {why}", "database", cp.id))
                sound = False
        stored[cp.id] = cp.hash
        prev = cp.hash
        if sound:
            trusted = cp
    if trusted is not None:
        audit.anchors.append(Anchor("database", trusted.id, trusted.heads))
    path = signing.export_path()
    if path is not None:
        _audit_file(audit, path, key, stored)
    return audit


def _audit_file(audit: CheckpointAudit, path, key, stored: dict[int, str]) -> None:
    records, unreadable = signing.read_records(path)
    audit.problems += [_problem(text, "file") for text in unreadable]
    before, trusted = None, None
    for rec in records:
        cid, digest, sound = rec["id"], rec.get("hash"), True
        if before is not None and rec.get("prev_hash") != before.get("hash"):
            audit.problems.append(_problem(f"checkpoint {cid} of the export file does not link to the line before",
                                           "file", cid))
            sound = False
        try:
            recomputed = checkpoint_hash(rec["at"], rec["heads"], rec["prev_hash"])
        except (KeyError, TypeError):
            recomputed = None
        if recomputed != digest:
            audit.problems.append(_problem(f"checkpoint {cid} of the export file was altered", "file", cid))
            sound = False
        if key is not None:
            why = signing.signature_problem(key, str(digest), rec.get("signature"), rec.get("key_id"))
            if why:
                audit.problems.append(_problem(f"checkpoint {cid} of the export file {why}", "file", cid))
                sound = False
        if cid not in stored:
            audit.problems.append(_problem(f"checkpoint {cid} of the export file is missing from the database",
                                           "file", cid))
        elif stored[cid] != digest:
            audit.problems.append(_problem(f"checkpoint {cid} in the database differs from the export file",
                                           "file", cid))
        before = rec
        if sound:
            trusted = rec
    if trusted is not None:
        audit.anchors.append(Anchor("file", trusted["id"], trusted["heads"]))


def anchor_problems(stream: str, hashes: dict[int, str], anchors: list[Anchor]) -> list[dict[str, Any]]:
    """Where ``stream`` (its event hashes by seq) no longer reaches what the anchors recorded of it."""
    problems = []
    for anchor in anchors:
        recorded = anchor.heads.get(stream)
        if recorded is None:
            continue
        seq, digest = recorded
        where = f"checkpoint {anchor.id} ({SOURCES[anchor.source]})"
        base = {"kind": "checkpoint", "source": anchor.source, "checkpoint": anchor.id, "stream": stream, "seq": seq}
        if seq not in hashes:
            problems.append(base | {"problem": f"{where} recorded event {seq} of {stream}; it is gone"})
        elif hashes[seq] != digest:
            problems.append(base | {"problem": f"event {seq} of {stream} differs from the one {where} recorded"})
    return problems
