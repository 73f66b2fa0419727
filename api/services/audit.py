"""Auditing: chain checks, checkpoints, snapshot and definition-file checks, verifiable re-execution."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import func, select

from engine.errors import NotFound
from engine.history import GENESIS, canonical_json, canonical_time, event_hash, verify_chain
from engine.replay import Recorded, replay

from ..extensions import db
from ..models import Blob, Checkpoint, DefinitionFile, Event, Instance
from ..models.types import utcnow
from .evidence import check_evidence
from .history import instance_stream
from .runtime import script_engine, script_engines_by_time, spec_cache
from .snapshots import load_view


def _checkpoint_hash(at: str, heads: dict[str, Any], prev_hash: str) -> str:
    body = canonical_json({"at": at, "heads": heads, "prev_hash": prev_hash})
    return hashlib.sha256(body.encode()).hexdigest()


def current_heads() -> dict[str, list]:
    """stream -> [seq, hash] of its last event."""
    last_seq = select(Event.stream, func.max(Event.seq).label("seq")).group_by(Event.stream).subquery()
    rows = db.session.execute(select(Event.stream, Event.seq, Event.hash).join(
        last_seq, (Event.stream == last_seq.c.stream) & (Event.seq == last_seq.c.seq)))
    return {stream: [seq, digest] for stream, seq, digest in rows}


def create_checkpoint() -> Checkpoint:
    """Record the head (seq, hash) of every stream, chained to the previous checkpoint; no commit."""
    heads = current_heads()
    prev = db.session.scalar(select(Checkpoint).order_by(Checkpoint.id.desc()).limit(1))
    prev_hash = prev.hash if prev else GENESIS
    at = utcnow()
    cp = Checkpoint(at=at, heads=heads, prev_hash=prev_hash, hash=_checkpoint_hash(canonical_time(at), heads, prev_hash))
    db.session.add(cp)
    return cp


def verify_checkpoints() -> list[dict[str, Any]]:
    """Problems in the checkpoint chain itself."""
    problems = []
    prev = GENESIS
    for cp in db.session.scalars(select(Checkpoint).order_by(Checkpoint.id)):
        if cp.prev_hash != prev:
            problems.append({"kind": "checkpoint", "checkpoint": cp.id, "problem": "prev_hash does not link"})
        if _checkpoint_hash(canonical_time(cp.at), cp.heads, cp.prev_hash) != cp.hash:
            problems.append({"kind": "checkpoint", "checkpoint": cp.id, "problem": "checkpoint was altered"})
        prev = cp.hash
    return problems


def _event_dicts(events: list[Event]) -> list[dict[str, Any]]:
    return [ev.hashed_fields() for ev in events]


def check_chain(instance: Instance, events: list[Event]) -> list[dict[str, Any]]:
    stream = instance_stream(instance.id)
    own = [e for e in events if e.stream == stream]
    problems = [{"kind": "chain", **p} for p in verify_chain(_event_dicts(own))]
    head = (own[-1].seq, own[-1].hash) if own else (0, GENESIS)
    if head != (instance.last_seq, instance.last_hash):
        problems.append({"kind": "chain", "seq": head[0],
                         "problem": f"the instance's head is event {instance.last_seq} but the history ends at "
                                    f"event {head[0]}: events were removed or added"})
    for cp in db.session.scalars(select(Checkpoint).order_by(Checkpoint.id.desc()).limit(1)):
        recorded = cp.heads.get(stream)
        if recorded is None:
            continue
        seq, digest = recorded
        match = next((e for e in own if e.seq == seq), None)
        if match is None:
            problems.append({"kind": "checkpoint", "seq": seq,
                             "problem": f"checkpoint {cp.id} recorded event {seq} of this instance; it is gone"})
        elif match.hash != digest:
            problems.append({"kind": "checkpoint", "seq": seq,
                             "problem": f"event {seq} differs from the one checkpoint {cp.id} recorded"})
    for other in {e.stream for e in events} - {stream}:
        chain = _event_dicts([e for e in events if e.stream == other])
        if other.endswith(f":{instance.id}"):  # the case's own side stream (e.g. access:<id>): the whole chain
            problems += [{"kind": "chain", "stream": other, **p} for p in verify_chain(chain)]
        else:  # a shared stream (lottery, calendar …): the case's events in it must be unaltered; the
            # stream's own continuity is the checkpoints' to check
            problems += [{"kind": "chain", "stream": other, "seq": ev.get("seq"),
                          "problem": "hash does not match the event's content"}
                         for ev in chain if event_hash(ev, ev.get("prev_hash") or "") != ev.get("hash")]
    return problems


def check_definitions(instance: Instance) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    files: dict[str, bytes] = {}
    problems = []
    shas = list(instance.manifest.values())
    stored = {f.sha256: f for f in db.session.scalars(select(DefinitionFile).where(DefinitionFile.sha256.in_(shas)))}
    for name, sha in instance.manifest.items():
        row = stored.get(sha)
        if row is None:
            problems.append({"kind": "definition", "file": name, "problem": "definition file is missing"})
        elif hashlib.sha256(row.content).hexdigest() != sha:
            problems.append({"kind": "definition", "file": name, "problem": "definition file was altered"})
        else:
            files[name] = row.content
    return problems, files


def check_snapshots(events: list[Event]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    refs = {r for e in events for r in (e.state_ref, e.data_ref) if r}
    blobs = {b.sha256: b.content for b in db.session.scalars(select(Blob).where(Blob.sha256.in_(refs)))} if refs else {}
    problems, values = [], {}
    for ref in sorted(refs):
        content = blobs.get(ref)
        if content is None:
            problems.append({"kind": "snapshot", "ref": ref, "problem": "snapshot is missing"})
        elif hashlib.sha256(content.encode("utf-8")).hexdigest() != ref:
            seqs = [e.seq for e in events if ref in (e.state_ref, e.data_ref)]
            problems.append({"kind": "snapshot", "ref": ref, "seq": seqs[0] if seqs else None,
                             "problem": f"snapshot was altered (used by events {seqs})"})
        else:
            values[ref] = json.loads(content)
    return problems, values


def verify_instance(instance_id: int, checkpoint_problems: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Check chain, checkpoints, definition files, snapshots, evidence, then replay from the start.

    ``checkpoint_problems`` (from :func:`verify_checkpoints`) lets a caller verifying many
    instances check the global checkpoint chain once.
    """
    instance = db.session.get(Instance, instance_id)
    events = list(db.session.scalars(select(Event).where(Event.instance_id == instance_id)
                                     .order_by(Event.stream, Event.seq)))
    if checkpoint_problems is None:
        checkpoint_problems = verify_checkpoints()
    chain = check_chain(instance, events) + checkpoint_problems
    own = [e for e in events if e.stream == instance_stream(instance_id)]
    definition_problems, files = check_definitions(instance)
    snapshot_problems, values = check_snapshots(own)
    evidence_problems = check_evidence(instance_id)
    replay_problems: list[dict[str, Any]] = []
    replayed = 0
    if definition_problems:
        replay_problems.append({"kind": "replay", "problem": "not replayed: the definition files do not verify"})
    else:
        # every file matched its sha256 above, so the parsed bundle for this manifest may come from the cache
        by_sha = {instance.manifest[name]: content for name, content in files.items()}
        bundle = spec_cache().get(instance.definition_key, instance.manifest, by_sha.__getitem__)
        recorded = [Recorded(e.seq, e.type, e.element_id, e.task_id, e.data or {},
                             _view(e, values), e.at) for e in own]
        # the calendar as it stood when each event was recorded, not today's (a year loaded since then)
        result = replay(bundle, recorded, script_engine(), engine_at=script_engines_by_time())
        replayed = result.steps
        if not result.ok:
            replay_problems.append({"kind": "replay", **result.problem})
    problems = chain + definition_problems + snapshot_problems + evidence_problems + replay_problems
    return {
        "instance_id": instance_id,
        "events": len(own),
        "replayed": replayed,
        "chain_ok": not chain,
        "replay_ok": not replay_problems and not snapshot_problems,
        "definitions_ok": not definition_problems,
        "evidence_ok": not evidence_problems,
        "ok": not problems,
        "problems": problems,
    }


def _view(ev: Event, values: dict[str, Any]) -> dict[str, Any] | None:
    if not ev.state_ref or ev.state_ref not in values or ev.data_ref not in values:
        return None
    return {"elements": values[ev.state_ref], "data": values[ev.data_ref]}


def state_after(instance_id: int, seq: int) -> dict[str, Any]:
    """The instance as it was after event ``seq`` (from the stored snapshot, no re-run)."""
    ev = db.session.scalar(select(Event).where(Event.stream == instance_stream(instance_id), Event.seq == seq))
    if ev is None:
        raise NotFound(f"event {seq} of instance {instance_id} not found")
    view = load_view(ev.state_ref, ev.data_ref)
    elements = [{"process_id": p, "element_id": e, "state": s} for p, e, s in view["elements"] or []]
    return {"instance_id": instance_id, "seq": seq, "type": ev.type, "at": ev.at, "elements": elements,
            "data": view["data"]}
