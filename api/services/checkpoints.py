"""Checkpoints: the streams' heads, chained, signed with a key outside the database, exported to a file.

A checkpoint (form :data:`DELTA`) records only the heads that moved since the checkpoint before it; what every
stream had reached at a checkpoint is the fold of the checkpoints up to it (a checkpoint made before revision 0004
holds every head and resets the fold). Each checkpoint stays small however many streams exist, and a signature
once verified for a (hash, signature) pair is not verified again by this process: an audit re-reads the small rows
(chain and hashes, so any altered, added or removed head entry is still caught) without re-doing the public-key
work of the whole history on every verify.

:func:`audit_checkpoints` checks the checkpoints table (chain and signatures) and the export file (its
signatures, and that the database still holds each exported checkpoint unchanged), and names the *anchors*:
the latest trustworthy checkpoint of each source, whose heads every stream must still reach.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from engine.errors import StateConflict
from engine.history import GENESIS, canonical_json, canonical_time

from ..extensions import db
from ..models import Checkpoint, Event
from ..models.types import utcnow
from . import restore_points, signing
from .history import current_heads  # noqa: F401 - also read from here (audit, tests)

SOURCES = {"database": "in the database", "file": "in the export file",
           "restore": "in the export file, as its restore point holds it"}


@dataclass
class Anchor:
    """A checkpoint trusted as a reference: the heads every stream must still reach."""

    source: str  # database | file
    id: int
    heads: dict[str, list]
    #: stream -> the checkpoint that recorded its head (an earlier one when the head has not moved since)
    recorded_by: dict[str, int] = field(default_factory=dict)
    #: checkpoints folded in that are not sound (altered, unlinked, badly signed): a stream whose head only such a
    #: checkpoint recorded cannot be vouched for, and verify of that stream says so (a checkpoint records only the
    #: heads that moved, so a forged one may be the only record of a case)
    unsound: frozenset[int] = frozenset()


@dataclass
class CheckpointAudit:
    problems: list[dict[str, Any]] = field(default_factory=list)
    anchors: list[Anchor] = field(default_factory=list)
    #: what every verify reports that is no failure: acknowledged restore points (api/services/restore_points.py)
    notes: list[str] = field(default_factory=list)
    #: stream -> what a restore point acknowledges it lost (shown on that stream's or case's own verify)
    lost: dict[str, list[str]] = field(default_factory=dict)
    #: the hashes of the sound restore points of the export file
    restore_points: set[str] = field(default_factory=set)


#: the form of a checkpoint holding only the heads that moved since the one before
DELTA = 2


def checkpoint_hash(at: str, heads: dict[str, Any], prev_hash: str, form: int | None = None) -> str:
    fields: dict[str, Any] = {"at": at, "heads": heads, "prev_hash": prev_hash}
    if form is not None:
        fields["form"] = form
    return hashlib.sha256(canonical_json(fields).encode()).hexdigest()


def fold(checkpoints: list[tuple[int, Any, int | None]]) -> tuple[dict[str, list], dict[str, int]]:
    """The heads every stream had reached after the last of ``checkpoints`` ((id, heads, form) in order), and the
    checkpoint that recorded each: a checkpoint of every head (form None) starts over, a :data:`DELTA` one updates
    the streams it names."""
    heads: dict[str, list] = {}
    recorded_by: dict[str, int] = {}
    for cid, cp_heads, form in checkpoints:
        if form is None:
            heads.clear()
            recorded_by.clear()
        if isinstance(cp_heads, dict):
            heads.update(cp_heads)
            recorded_by.update(dict.fromkeys(cp_heads, cid))
    return heads, recorded_by


def recorded_heads() -> dict[str, list]:
    """What the checkpoints recorded so far: stream -> [seq, hash], folded over every checkpoint."""
    return fold(list(db.session.execute(select(Checkpoint.id, Checkpoint.heads, Checkpoint.form)
                                        .order_by(Checkpoint.id))))[0]


def moved_heads() -> dict[str, list]:
    """The heads that moved since the last checkpoint (every head when there is none)."""
    recorded = recorded_heads()
    return {stream: head for stream, head in current_heads().items() if recorded.get(stream) != head}


def create_checkpoint() -> Checkpoint:
    """Record the head (seq, hash) of every stream, chained to the previous checkpoint and signed when a key
    is configured; no commit.

    Raises:
        signing.SigningKeyError: the configured private key cannot be read.
    """
    heads = moved_heads()
    prev = db.session.scalar(select(Checkpoint).order_by(Checkpoint.id.desc()).limit(1))
    prev_hash = prev.hash if prev else GENESIS
    at = utcnow()
    digest = checkpoint_hash(canonical_time(at), heads, prev_hash, DELTA)
    signature, key_id = signing.sign(digest) or (None, None)
    cp = Checkpoint(at=at, heads=heads, prev_hash=prev_hash, hash=digest, signature=signature, key_id=key_id,
                    form=DELTA)
    db.session.add(cp)
    return cp


def record(cp: Checkpoint) -> dict[str, Any]:
    """A checkpoint as one line of the export file."""
    line = {"id": cp.id, "at": canonical_time(cp.at), "heads": cp.heads, "prev_hash": cp.prev_hash, "hash": cp.hash,
            "signature": cp.signature, "key_id": cp.key_id}
    if cp.form is not None:
        line["form"] = cp.form
    return line


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
            if restore_points.is_restore_point(last):
                why = restore_points.problem(last, records[-2] if len(records) > 1 else None, signing.public_key())
                if why:
                    raise StateConflict(f"not appending to {path}: its last line is a restore point that {why} (one "
                                        "not recorded by `flask --app api audit restore-point`): an auditor must look")
            # after a restore point, the checkpoint it resumes from (none when it resumes from the start)
            digest = last.get("resumes_hash") if restore_points.is_restore_point(last) else last.get("hash")
            row = db.session.get(Checkpoint, last["id"]) if last["id"] or digest != GENESIS else None
            if (last["id"] or digest != GENESIS) and (row is None or row.hash != digest):
                state = "is missing from" if row is None else "differs from the one in"
                raise StateConflict(f"not appending to {path}: checkpoint {last['id']} of the export file {state} "
                                    "the database (one of them was altered; after a restore from an older backup, "
                                    "record the loss with `flask --app api audit restore-point`)")
            after = last["id"]
        rows = list(db.session.scalars(select(Checkpoint).where(Checkpoint.id > after).order_by(Checkpoint.id)))
        signing.append_records(handle, [record(cp) for cp in rows])
    return len(rows)


#: (public key id, digest, signature, signer) of the signatures this process verified already
_VERIFIED: set[tuple[str, str, str, str | None]] = set()
_VERIFIED_MAX = 1_000_000


def _signature_problem(key: Any, digest: str, signature: str | None, signer: str | None) -> str | None:
    """:func:`signing.signature_problem`, remembered when sound: the same digest and signature verify the same
    way every time, and a changed row has another digest or signature."""
    if not signature:
        return signing.signature_problem(key, digest, signature, signer)
    memo = (signing.key_id(key), digest, signature, signer)
    if memo in _VERIFIED:
        return None
    why = signing.signature_problem(key, digest, signature, signer)
    if why is None:
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED.add(memo)
    return why


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
    prev, stored, trusted, seen, unsound = GENESIS, {}, None, [], set()
    for cp in db.session.scalars(select(Checkpoint).order_by(Checkpoint.id)):
        sound = True
        if cp.prev_hash != prev:
            audit.problems.append(_problem("prev_hash does not link", "database", cp.id))
            sound = False
        if checkpoint_hash(canonical_time(cp.at), cp.heads, cp.prev_hash, cp.form) != cp.hash:
            audit.problems.append(_problem("checkpoint was altered", "database", cp.id))
            sound = False
        if key is not None and (cp.signature or cp.id > floor):
            why = _signature_problem(key, cp.hash, cp.signature, cp.key_id)
            if why:
                audit.problems.append(_problem(f"checkpoint {cp.id} {why}", "database", cp.id))
                sound = False
        stored[cp.id] = cp.hash
        prev = cp.hash
        seen.append((cp.id, cp.heads, cp.form))
        if sound:
            trusted = (cp.id, len(seen))
        else:
            unsound.add(cp.id)
    if trusted is not None:
        audit.anchors.append(Anchor("database", trusted[0], *fold(seen[:trusted[1]]), frozenset(unsound)))
    path = signing.export_path()
    if path is not None:
        _audit_file(audit, path, key, stored)
        _audit_recorded_restore_points(audit)
    return audit


def _audit_recorded_restore_points(audit: CheckpointAudit) -> None:
    """Every restore point the database recorded (its ``audit`` stream) must be in the export file, sound: whoever
    can rewrite the file cannot take out a restore point, and with it the record of what was lost."""
    events = db.session.execute(select(Event.seq, Event.actor, Event.data).where(
        Event.stream == restore_points.STREAM, Event.type == restore_points.EVENT).order_by(Event.seq))
    for seq, actor, data in events:
        if (data or {}).get("export_file_hash") not in audit.restore_points:
            audit.problems.append(_problem(
                f"the database records a restore point (event {seq} of the {restore_points.STREAM} stream, by "
                f"{actor}) that the export file does not hold, or not soundly: the record of what was lost is gone "
                "from the file", "file"))


def _audit_file(audit: CheckpointAudit, path, key, stored: dict[int, str]) -> None:
    records, unreadable = signing.read_records(path)
    audit.problems += [_problem(text, "file") for text in unreadable]
    abandoned, resumed = _restore_points(audit, records, key)
    before: dict[str, Any] | None = None
    seen: list[tuple[int, Any, int | None, bool]] = []
    #: each id's latest checkpoint line so far (kept or abandoned since): the one a restore point resumes from
    by_id: dict[int, dict[str, Any]] = {}
    for position, rec in enumerate(records):
        if position in abandoned:  # acknowledged lost, but still checked: the record of the loss must hold
            _check_line(audit, rec, before, key, " (abandoned at a restore point)")
            before = by_id[rec["id"]] = rec
            continue
        if restore_points.is_restore_point(rec):
            if position in resumed:  # the chain goes on from the checkpoint it names
                seen = [entry for entry in seen if entry[0] <= rec["id"]]
                before = by_id.get(rec["id"], {"hash": GENESIS})
            continue
        cid, digest = rec["id"], rec.get("hash")
        sound = _check_line(audit, rec, before, key)
        if cid not in stored:
            audit.problems.append(_problem(f"checkpoint {cid} of the export file is missing from the database",
                                           "file", cid))
        elif stored[cid] != digest:
            audit.problems.append(_problem(f"checkpoint {cid} in the database differs from the export file",
                                           "file", cid))
        before = by_id[cid] = rec
        seen.append((cid, rec.get("heads"), rec.get("form"), sound))
    sound_at = [index for index, entry in enumerate(seen) if entry[3]]
    if sound_at:
        folded = [(cid, heads, form) for cid, heads, form, _ in seen[:sound_at[-1] + 1]]
        audit.anchors.append(Anchor("file", seen[sound_at[-1]][0], *fold(folded),
                                    frozenset(cid for cid, _, _, ok in seen if not ok)))


def _check_line(audit: CheckpointAudit, rec: dict[str, Any], before: dict[str, Any] | None, key,
                what: str = "") -> bool:
    """A checkpoint line's link to the one before it, hash and signature; whether it is sound (problems noted)."""
    cid, digest, sound = rec["id"], rec.get("hash"), True
    if before is not None and rec.get("prev_hash") != before.get("hash"):
        audit.problems.append(_problem(f"checkpoint {cid} of the export file{what} does not link to the line before",
                                       "file", cid))
        sound = False
    try:
        recomputed = checkpoint_hash(rec["at"], rec["heads"], rec["prev_hash"], rec.get("form"))
    except (KeyError, TypeError):
        recomputed = None
    if recomputed != digest:
        audit.problems.append(_problem(f"checkpoint {cid} of the export file{what} was altered", "file", cid))
        sound = False
    if key is not None:
        why = _signature_problem(key, str(digest), rec.get("signature"), rec.get("key_id"))
        if why:
            audit.problems.append(_problem(f"checkpoint {cid} of the export file{what} {why}", "file", cid))
            sound = False
    return sound


def _restore_points(audit: CheckpointAudit, records: list[dict[str, Any]], key) -> tuple[set[int], set[int]]:
    """The positions in the export file of the checkpoints that sound restore points abandoned, and of those
    restore points. A restore point is sound when its hash and signature hold, it links to the line before, the
    checkpoint it resumes from is in the file's timeline with that hash, and it names exactly the checkpoints of
    the timeline after that one. One that is not is a problem, and abandons nothing."""
    abandoned: set[int] = set()
    resumed: set[int] = set()
    timeline: list[int] = []  # positions of the checkpoints of the current timeline
    anchors: list[Anchor] = []  # of the restore points so far (a later one from an older backup drops them)
    for position, rec in enumerate(records):
        if not restore_points.is_restore_point(rec):
            timeline.append(position)
            continue
        why = _restore_point_problem(rec, records, position, timeline, key)
        if why:
            audit.problems.append(_problem(f"the restore point on line {position + 1} of the export file {why}",
                                           "file"))
            continue
        dropped = [p for p in timeline if records[p]["id"] > rec["id"]]
        abandoned.update(dropped)
        resumed.add(position)
        timeline = [p for p in timeline if p not in dropped]
        audit.notes.append(restore_points.note(rec))
        audit.restore_points.add(str(rec.get("hash")))
        # what an earlier restore point held of a timeline this one leaves (a restore from an even older backup)
        # is no longer there to hold: its note stays, its anchor goes
        anchors = [anchor for anchor in anchors if anchor.id < rec["id"]]
        heads, recorded_by = restore_points.anchored_heads(rec, [records[p] for p in dropped])
        if heads:
            anchors.append(Anchor("restore", rec["id"], heads, recorded_by))
        for stream, text in restore_points.stream_notes(rec).items():
            audit.lost.setdefault(stream, []).append(text)
    audit.anchors += anchors
    return abandoned, resumed


def _restore_point_problem(rec: dict[str, Any], records: list[dict[str, Any]], position: int, timeline: list[int],
                           key) -> str | None:
    why = restore_points.problem(rec, records[position - 1] if position else None, key)
    if why:
        return why
    if rec.get("position") != position:  # signed with it: no line before it was taken out or put in since
        return (f"was recorded as line {rec.get('position', -1) + 1 if isinstance(rec.get('position'), int) else '?'}"
                " of the file: lines before it were removed or added")
    resumes = [records[p] for p in timeline if records[p]["id"] == rec["id"]]
    expected = resumes[-1].get("hash") if resumes else GENESIS if rec["id"] == 0 else None
    if expected is None or rec.get("resumes_hash") != expected:
        return f"resumes from checkpoint {rec['id']}, which the file does not hold with that hash"
    if rec.get("abandoned") != [records[p]["id"] for p in timeline if records[p]["id"] > rec["id"]]:
        return "does not name exactly the checkpoints after the one it resumes from"
    return None


def anchor_problems(stream: str, hashes: dict[int, str], anchors: list[Anchor]) -> list[dict[str, Any]]:
    """Where ``stream`` (its event hashes by seq) no longer reaches what the anchors recorded of it."""
    problems = []
    for anchor in anchors:
        recorded = anchor.heads.get(stream)
        if recorded is None:
            continue
        seq, digest = recorded
        checkpoint = anchor.recorded_by.get(stream, anchor.id)
        where = f"checkpoint {checkpoint} ({SOURCES[anchor.source]})"
        base = {"kind": "checkpoint", "source": anchor.source, "checkpoint": checkpoint, "stream": stream, "seq": seq}
        if checkpoint in anchor.unsound:
            problems.append(base | {"problem": f"{where}, the record of event {seq} of {stream}, is not sound "
                                               "(altered, unlinked or badly signed): this stream cannot be vouched for"})
        if seq not in hashes:
            problems.append(base | {"problem": f"{where} recorded event {seq} of {stream}; it is gone"})
        elif hashes[seq] != digest:
            problems.append(base | {"problem": f"event {seq} of {stream} differs from the one {where} recorded"})
    return problems
