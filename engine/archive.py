"""Checking a case archive's contents offline (no server, no database).

An archive is a zip with ``manifest.json`` and the files it lists. The
manifest holds every event (all hashed fields, ``prev_hash`` and ``hash``),
the definition files, snapshot blobs and evidence files with their sha256.
:func:`verify_contents` re-computes every hash and every chain link; the
caller reads the zip (see ``tools/verify_archive.py``).
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from .history import verify_chain

MANIFEST = "manifest.json"
ARCHIVE_FORMAT = 1


def verify_contents(manifest: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
    """Problems found in an archive (empty list when it verifies) and the chain heads to compare.

    ``files`` maps archive member names to their bytes.
    """
    problems: list[dict[str, Any]] = []
    if manifest.get("format") != ARCHIVE_FORMAT:
        problems.append({"kind": "format", "problem": f"unknown archive format {manifest.get('format')!r}"})
    streams: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ev in manifest.get("events", []):
        streams[ev.get("stream")].append(ev)
    heads = {}
    for stream, events in sorted(streams.items()):
        events.sort(key=lambda e: e.get("seq") or 0)
        problems += [{"kind": "chain", "stream": stream, **p} for p in verify_chain(events)]
        heads[stream] = {"seq": events[-1].get("seq"), "hash": events[-1].get("hash")}
    declared = manifest.get("heads", {})
    for stream, head in declared.items():
        if heads.get(stream) != head:
            problems.append({"kind": "chain", "stream": stream,
                             "problem": f"manifest head {head} does not match its events {heads.get(stream)}"})
    for section in ("definitions", "evidence"):
        for item in manifest.get(section, []):
            name, digest = item.get("path"), item.get("sha256")
            content = files.get(name)
            if content is None:
                problems.append({"kind": section, "path": name, "problem": "file is missing from the archive"})
            elif hashlib.sha256(content).hexdigest() != digest:
                problems.append({"kind": section, "path": name, "problem": "file does not match its sha256"})
    for ref, text in (manifest.get("snapshots") or {}).items():
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != ref:
            problems.append({"kind": "snapshot", "ref": ref, "problem": "snapshot does not match its sha256"})
    refs = {r for ev in manifest.get("events", []) for r in (ev.get("state_ref"), ev.get("data_ref")) if r}
    for ref in sorted(refs - set(manifest.get("snapshots") or {})):
        problems.append({"kind": "snapshot", "ref": ref, "problem": "snapshot referenced by an event is missing"})
    return {"ok": not problems, "problems": problems, "heads": heads}
