"""Auditing: chain checks, checkpoints, snapshot and definition-file checks, verifiable re-execution."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select, union

from engine import runtime
from engine.errors import NotFound
from engine.history import GENESIS, canonical_json, event_hash, verify_chain
from engine.replay import Recorded, RecordedView, replay

from ..extensions import db
from ..models import Blob, DefinitionFile, DefinitionVersion, Event, EvidenceItem, Instance
from . import calendar_versions
from .audit_row import check_row, differing_keys
from .checkpoints import (  # noqa: F401 - re-exported: the worker, the CLI and tests import them from here
    Anchor,
    CheckpointAudit,
    anchor_problems,
    audit_checkpoints,
    create_checkpoint,
    current_heads,
    export_checkpoints,
)
from .evidence import check_evidence
from .history import instance_stream
from .org_scope import bind_case
from .runtime import script_engine, script_engines_by_time, spec_cache
from .snapshots import load_view


def verify_checkpoints() -> list[dict[str, Any]]:
    """Problems in the checkpoints themselves: chain, signatures, export file (see :func:`audit_checkpoints`)."""
    return audit_checkpoints().problems


def _event_dicts(events: list[Event]) -> list[dict[str, Any]]:
    return [ev.hashed_fields() for ev in events]


def check_chain(instance: Instance, events: list[Event], anchors: list[Anchor]) -> list[dict[str, Any]]:
    stream = instance_stream(instance.id)
    own = [e for e in events if e.stream == stream]
    problems = [{"kind": "chain", **p} for p in verify_chain(_event_dicts(own))]
    head = (own[-1].seq, own[-1].hash) if own else (0, GENESIS)
    if head != (instance.last_seq, instance.last_hash):
        problems.append({"kind": "chain", "seq": head[0],
                         "problem": f"the instance's head is event {instance.last_seq} but the history ends at "
                                    f"event {head[0]}: events were removed or added"})
    problems += anchor_problems(stream, {e.seq: e.hash for e in own}, anchors)
    for other in {e.stream for e in events} - {stream}:
        chain = _event_dicts([e for e in events if e.stream == other])
        if other.endswith(f":{instance.id}"):  # the case's own side stream (e.g. access:<id>): the whole chain
            problems += [{"kind": "chain", "stream": other, **p} for p in verify_chain(chain)]
            problems += anchor_problems(other, {ev["seq"]: ev["hash"] for ev in chain}, anchors)
        else:  # a shared stream (lottery, calendar …): the case's events in it must be unaltered; the
            # stream's own continuity is the checkpoints' to check
            problems += [{"kind": "chain", "stream": other, "seq": ev.get("seq"),
                          "problem": "hash does not match the event's content"}
                         for ev in chain if event_hash(ev, ev.get("prev_hash") or "") != ev.get("hash")]
    return problems


def check_definitions(manifest: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    files: dict[str, bytes] = {}
    problems = []
    shas = list(manifest.values())
    stored = {f.sha256: f for f in db.session.scalars(select(DefinitionFile).where(DefinitionFile.sha256.in_(shas)))}
    for name, sha in manifest.items():
        row = stored.get(sha)
        if row is None:
            problems.append({"kind": "definition", "file": name, "problem": "definition file is missing"})
        elif hashlib.sha256(row.content).hexdigest() != sha:
            problems.append({"kind": "definition", "file": name, "problem": "definition file was altered"})
        else:
            files[name] = row.content
    return problems, files


def _deployed() -> list[tuple[int, dict[str, Any]]]:
    """(seq, version) of every version the ``definitions`` stream recorded a deploy of."""
    return [(seq, v) for seq, data in db.session.execute(
                select(Event.seq, Event.data).where(Event.stream == "definitions", Event.type == "deploy")
                .order_by(Event.seq))
            for v in (data or {}).get("versions") or [] if isinstance(v, dict)]


def undeployed_files(manifest: dict[str, str]) -> list[dict[str, Any]]:
    """The files of a case's manifest that no recorded deploy names: the case started on a version row changed
    behind the application's back."""
    deployed = {v.get("sha256") for _, v in _deployed()}
    return [{"kind": "definition", "file": name, "sha256": sha,
             "problem": "definition file was never deployed (no deploy event of the definitions stream names it)"}
            for name, sha in sorted(manifest.items()) if sha not in deployed]


def migrated_manifests(own: list[Event]) -> list[dict[str, str]]:
    """The manifests the case's migration events moved it to, in order."""
    return [ev.data.get("to_manifest") or {} for ev in own if ev.type == "instance_migrated" and ev.data]


_VERSION_FIELDS = ("key", "kind", "version", "filename", "sha256")


def check_versions() -> list[dict[str, Any]]:
    """The deployed versions (the rows new cases start on) against the ``definitions`` stream's deploy events:
    a row changed, added or removed in SQL is reported."""
    recorded = {(v.get("key"), v.get("kind"), v.get("version")): (seq, v) for seq, v in _deployed()}
    problems: list[dict[str, Any]] = []
    seen = set()
    for row in db.session.scalars(select(DefinitionVersion).order_by(DefinitionVersion.id)):
        ident = (row.key, row.kind, row.version)
        seen.add(ident)
        found = recorded.get(ident)
        if found is None:
            problems.append({"kind": "definition", "version_id": row.id, "key": row.key, "version": row.version,
                             "problem": f"{row.kind} '{row.key}' version {row.version} has no deploy event"})
            continue
        seq, version = found
        keys = [f for f in _VERSION_FIELDS if canonical_json(getattr(row, f)) != canonical_json(version.get(f))]
        if keys:
            problems.append({"kind": "definition", "version_id": row.id, "key": row.key, "version": row.version,
                             "seq": seq, "problem": f"{row.kind} '{row.key}' version {row.version} differs from "
                                                    f"its deploy (event {seq}) in {', '.join(keys)}"})
    for ident in sorted(set(recorded) - seen, key=str):
        seq, _ = recorded[ident]
        problems.append({"kind": "definition", "key": ident[0], "version": ident[2], "seq": seq,
                         "problem": f"{ident[1]} '{ident[0]}' version {ident[2]} deployed by event {seq} is missing"})
    return problems


def check_snapshots(events: list[Event], stream: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The snapshot problems of ``events`` (the stream ``stream``), and the verified blob texts by sha256."""
    refs = {r for e in events for r in (e.state_ref, e.data_ref) if r}
    blobs: dict[str, str] = {}
    if refs:  # columns, not Blob objects: a long history has hundreds of snapshots. The refs are named by a
        # subquery, not hundreds of parameters: one short statement PostgreSQL prepares (a list is parsed anew)
        named = union(select(Event.state_ref).where(Event.stream == stream),
                      select(Event.data_ref).where(Event.stream == stream))
        blobs = {sha: content for sha, content in db.session.execute(
            select(Blob.sha256, Blob.content).where(Blob.sha256.in_(named))) if sha in refs}
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
            values[ref] = content  # decoded only when a replayed view differs (see _view)
    return problems, values


def verify_instance(instance_id: int, checkpoints: CheckpointAudit | None = None) -> dict[str, Any]:
    """Check chain, checkpoints, definition files, snapshots, evidence, the calendar versions the steps recorded,
    replay from the start, then compare the replayed result with the instance row.

    ``checkpoints`` (from :func:`audit_checkpoints`) lets a caller verifying many instances check the
    checkpoints (signatures, export file) once.
    """
    instance = db.session.get(Instance, instance_id)
    if instance is None:
        raise NotFound(f"instance {instance_id} not found")
    bind_case(instance.org_id)  # the replay runs with the case's bureau calendar and rules
    events = list(db.session.scalars(select(Event).where(Event.instance_id == instance_id)
                                     .order_by(Event.stream, Event.seq)))
    if checkpoints is None:
        checkpoints = audit_checkpoints()
    chain = check_chain(instance, events, checkpoints.anchors) + checkpoints.problems
    own = [e for e in events if e.stream == instance_stream(instance_id)]
    # the definition the history says the case started on (the row's columns are checked against it below)
    started = own[0].data if own and own[0].type == "instance_started" else {}
    key = started.get("definition_key") or instance.definition_key
    manifest = started.get("manifest") or instance.manifest
    definition_problems, files = check_definitions(manifest)
    definition_problems += undeployed_files(manifest)
    by_sha = {manifest[name]: content for name, content in files.items()}
    for moved in migrated_manifests(own):  # the files each migration moved the case to (replayed from there)
        found, moved_files = check_definitions(moved)
        definition_problems += [p for p in found + undeployed_files(moved) if p not in definition_problems]
        by_sha.update({moved[name]: content for name, content in moved_files.items()})
    snapshot_problems, values = check_snapshots(own, instance_stream(instance_id))
    evidence_problems = check_evidence(instance_id) + check_evidence_rows(instance_id, own)
    calendar_problems = calendar_versions.problems(own, instance.org_id)
    replay_problems: list[dict[str, Any]] = []
    replayed = 0
    bundle = workflow = None
    if definition_problems:
        replay_problems.append({"kind": "replay", "problem": "not replayed: the definition files do not verify"})
    else:
        # every file matched its sha256 above, so the parsed bundle for this manifest may come from the cache
        try:
            bundle = spec_cache().get(key, manifest, by_sha.__getitem__)
        except Exception as exc:  # noqa: BLE001 - e.g. a manifest without the process: a finding, not a crash
            replay_problems.append({"kind": "replay", "problem": f"not replayed: process '{key}' does not load "
                                                                f"from its files ({type(exc).__name__})"})
        else:
            recorded = [Recorded(e.seq, e.type, e.element_id, e.task_id, e.data or {},
                                 _view(e, values), e.at) for e in own]
            # the calendar each step ran on (recorded in its event), else as it stood at the event's time; not
            # today's (a year loaded since then)
            result = replay(bundle, recorded, script_engine(), engine_at=script_engines_by_time(),
                            bundles=lambda data: spec_cache().get(key, data.get("to_manifest") or {},
                                                                  by_sha.__getitem__))
            replayed = result.steps
            if not result.ok:
                replay_problems.append({"kind": "replay", **result.problem})
            workflow = result.workflow
            bundle = result.bundle or bundle
    row_problems = check_row(instance, own, bundle, workflow)
    runtime.discard(workflow)
    problems = (chain + definition_problems + snapshot_problems + evidence_problems + calendar_problems
                + replay_problems + row_problems)
    return {
        "instance_id": instance_id,
        "events": len(own),
        "replayed": replayed,
        "chain_ok": not chain,
        "replay_ok": not replay_problems and not snapshot_problems,
        "definitions_ok": not definition_problems,
        "evidence_ok": not evidence_problems,
        "calendar_ok": not calendar_problems,
        "row_ok": not row_problems,
        "ok": not problems,
        "problems": problems,
        # acknowledged restore points: no failure, never hidden (this case's own losses first)
        "notes": checkpoints.lost.get(instance_stream(instance_id), []) + list(checkpoints.notes),
    }


#: what an ``evidence_uploaded`` event records of its item besides the capture metadata
_EVIDENCE_FILE_FIELDS = ("sha256", "size", "media_type")
#: capture metadata an ``evidence_uploaded`` event holds only when it was given (revision 0009)
_EVIDENCE_OPTIONAL_FIELDS = ("duration_seconds",)


def check_evidence_rows(instance_id: int, own: list[Event]) -> list[dict[str, Any]]:
    """The case's evidence rows against its ``evidence_uploaded`` events: an item changed (file reference or
    capture metadata), removed, moved to another case or added without an event is reported. The rows are what
    the evidence list, the device rule, the A/V gate and the archive read."""
    recorded = {ev.data.get("evidence_id"): ev for ev in own if ev.type == "evidence_uploaded" and ev.data}
    items = {item.id: item for item in db.session.scalars(
        select(EvidenceItem).where(EvidenceItem.instance_id == instance_id).order_by(EvidenceItem.id))}
    problems: list[dict[str, Any]] = []
    for item_id, item in items.items():
        event = recorded.get(item_id)
        if event is None:
            problems.append({"kind": "evidence", "evidence_id": item_id, "sha256": item.sha256,
                             "problem": f"evidence item {item_id} is on the case but no event recorded its "
                                        "upload (added, or moved here from another case)"})
            continue
        # a field recorded only when given (older events lack it): compared when the event or the row has it
        optional = [k for k in _EVIDENCE_OPTIONAL_FIELDS if k in event.data or getattr(item, k) is not None]
        row = {"sha256": item.sha256, "size": item.size, "media_type": item.media_type, **item.metadata_dict(),
               **{k: getattr(item, k) for k in optional}}
        expected = {k: event.data.get(k) for k in (*_EVIDENCE_FILE_FIELDS, *item.metadata_dict(), *optional)}
        keys = differing_keys(row, expected)
        if keys:
            problems.append({"kind": "evidence", "evidence_id": item_id, "seq": event.seq, "sha256": item.sha256,
                             "problem": f"evidence item {item_id} differs from its upload (event {event.seq}) in "
                                        f"{', '.join(keys)}"})
    for item_id in sorted(set(recorded) - set(items), key=str):
        event = recorded[item_id]
        problems.append({"kind": "evidence", "evidence_id": item_id, "seq": event.seq,
                         "sha256": event.data.get("sha256"),
                         "problem": f"evidence item {item_id} recorded by event {event.seq} is missing from the "
                                    "case (removed, or moved to another case)"})
    return problems


_STREAM_COLUMNS = (Event.stream, Event.seq, Event.type, Event.instance_id, Event.task_id, Event.element_id,
                   Event.actor, Event.role, Event.at, Event.data, Event.client_addr, Event.state_ref, Event.data_ref,
                   Event.prev_hash, Event.hash)


def verify_streams(checkpoints: CheckpointAudit | None = None) -> list[dict[str, Any]]:
    """Every stream in the events table (and every stream a checkpoint or an instance row names), each checked
    on its own: chain from event 1, the anchors' heads, and for an instance's stream the row's head.

    Returns one report per stream, sorted by name: ``{"stream", "events", "head": [seq, hash], "ok",
    "problems"}``; the events are read in batches, never all at once.
    """
    if checkpoints is None:
        checkpoints = audit_checkpoints()
    rows = {instance_stream(iid): (seq, digest) for iid, seq, digest in
            db.session.execute(select(Instance.id, Instance.last_seq, Instance.last_hash))}
    reports: dict[str, dict[str, Any]] = {}

    def finish(stream: str, chain: list[dict[str, Any]]) -> None:
        problems = [{"kind": "chain", **p} for p in verify_chain(chain)]
        head = [chain[-1]["seq"], chain[-1]["hash"]] if chain else [0, GENESIS]
        problems += anchor_problems(stream, {ev["seq"]: ev["hash"] for ev in chain}, checkpoints.anchors)
        if stream in rows and tuple(head) != rows[stream]:
            problems.append({"kind": "chain", "seq": head[0],
                             "problem": f"the instance's head is event {rows[stream][0]} but the stream ends at "
                                        f"event {head[0]}: events were removed or added"})
        if stream.startswith("instance:") and chain and stream not in rows:
            problems.append({"kind": "row", "problem": "the stream's instance row is missing: the case was "
                                                       "removed behind the application's back"})
        if stream == "definitions":
            problems += check_versions()
        reports[stream] = {"stream": stream, "events": len(chain), "head": head, "ok": not problems,
                           "problems": problems}

    names = [c.key for c in _STREAM_COLUMNS]
    current: str | None = None
    chain: list[dict[str, Any]] = []
    result = db.session.execute(select(*_STREAM_COLUMNS).order_by(Event.stream, Event.seq)
                                .execution_options(yield_per=2000))
    for row in result:
        ev = dict(zip(names, row, strict=True))
        if ev["stream"] != current:
            if current is not None:
                finish(current, chain)
            current, chain = ev["stream"], []
        chain.append(ev)
    if current is not None:
        finish(current, chain)
    named = {s for anchor in checkpoints.anchors for s in anchor.heads} | {s for s, head in rows.items() if head[0]}
    for stream in sorted(named - set(reports)):  # a stream whose every event is gone
        finish(stream, [])
    return [reports[name] for name in sorted(reports)]


def _view(ev: Event, values: dict[str, str]) -> RecordedView | None:
    """The event's recorded view by its refs (both blobs verified against their sha256 in check_snapshots)."""
    if not ev.state_ref or ev.state_ref not in values or ev.data_ref not in values:
        return None
    state_ref, data_ref = ev.state_ref, ev.data_ref
    return RecordedView(state_ref, data_ref, lambda: {"elements": json.loads(values[state_ref]),
                                                      "data": json.loads(values[data_ref])},
                        values[state_ref], values[data_ref])


def state_after(instance_id: int, seq: int) -> dict[str, Any]:
    """The instance as it was after event ``seq`` (from the stored snapshot, no re-run)."""
    ev = db.session.scalar(select(Event).where(Event.stream == instance_stream(instance_id), Event.seq == seq))
    if ev is None:
        raise NotFound(f"event {seq} of instance {instance_id} not found")
    view = load_view(ev.state_ref, ev.data_ref)
    elements = [{"process_id": p, "element_id": e, "state": s} for p, e, s in view["elements"] or []]
    return {"instance_id": instance_id, "seq": seq, "type": ev.type, "at": ev.at, "elements": elements,
            "data": view["data"]}
