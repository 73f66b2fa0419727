"""The case archive (案卷): a zip with a manifest, the definition files, evidence and a case file in Chinese.

The manifest lists every event of the instance's streams with all hashed fields,
the snapshots they reference and each file's sha256, so ``tools/verify_archive.py``
can check the archive offline (see ``engine/archive.py``).
"""
from __future__ import annotations

import json
import mimetypes
import shutil
import tempfile
import time
import zipfile
from typing import IO, Any

from flask import render_template
from sqlalchemy import select

from engine.archive import ARCHIVE_FORMAT, MANIFEST
from engine.errors import StateConflict
from engine.history import canonical_time

from ..extensions import db
from ..models import Blob, DefinitionFile, Event, Instance
from ..models.types import utcnow
from . import case_file
from .evidence import items_of
from .evidence_store import store
from .history import append_event
from .locks import hold


def archive_text(key: str) -> str:
    """The case file in the zip is a Chinese document whatever the exporter's page language."""
    from ..web.i18n import STRINGS

    return STRINGS.get(key, {}).get("zh", key)


RETENTION = {"permanent": "永久", "30y": "30年", "10y": "10年"}
RETENTION_EN = {"permanent": "Permanent", "30y": "30 years", "10y": "10 years"}


def _event_json(ev: Event) -> dict[str, Any]:
    fields = ev.hashed_fields()
    fields["at"] = canonical_time(ev.at)
    return fields


def case_file_context(instance: Instance, events: list[Event], files: dict[str, bytes], evidence: list[Any],
                      lang: str = "zh") -> dict[str, Any]:
    """What the case file (案卷) shows, in ``lang``: labels instead of codes, Beijing local times."""
    forms = case_file.form_fields(files)
    every = case_file.all_fields(forms)
    names = case_file.display_names({e.actor for e in events} | {i.uploaded_by for i in evidence}
                                    | {instance.started_by})
    data = instance.data or {}
    retention = str(data.get("retention"))
    return {
        "instance": instance, "data": data,
        "party": case_file.show(data.get("party_name"), every.get("party_name"), lang),
        "act_type": case_file.show(data.get("act_type"), every.get("act_type"), lang),
        "status": case_file.status_label(instance.status, lang),
        "started_at": case_file.local_time(instance.started_at, with_seconds=False),
        "ended_at": case_file.local_time(instance.ended_at, with_seconds=False) if instance.ended_at else None,
        "retention": (RETENTION if lang == "zh" else RETENTION_EN).get(retention)
                     or ("按局规定" if lang == "zh" else "as the bureau rules"),
        "started_by": case_file.person(instance.started_by, names, lang),
        "documents": case_file.documents(events, forms, evidence, names, lang),
        "event_count": len(events), "head_hash": events[-1].hash if events else "",
    }


def earlier_files(own: list[Event], current: dict[str, str]) -> list[tuple[str, str]]:
    """(filename, sha256) of the files a migrated case ran on before (its start's and each migration's ``from``
    files) that its current files do not include, sorted."""
    found = set()
    for ev in own:
        if ev.type in ("instance_started", "instance_migrated") and isinstance(ev.data, dict):
            manifest = ev.data.get("manifest" if ev.type == "instance_started" else "from_manifest")
            if isinstance(manifest, dict):
                found |= {(name, sha) for name, sha in manifest.items() if current.get(name) != sha}
    return sorted(found)


def build_archive(instance: Instance, actor: str, client_addr: str | None) -> IO[bytes]:
    """The zip, made in an unnamed temporary file (gone when closed) and returned at its start: a case's
    recordings may be several GB, so neither they nor the zip are held in memory. The caller streams and closes
    it. Recordings and other evidence are stored as they are (media does not deflate); the text is deflated.
    Logs an ``archive_exported`` event on the instance's access stream (no commit)."""
    events = list(db.session.scalars(select(Event).where(Event.instance_id == instance.id)
                                     .order_by(Event.stream.desc(), Event.seq)))
    own = [e for e in events if e.stream == f"instance:{instance.id}"]
    refs = {r for e in events for r in (e.state_ref, e.data_ref) if r}
    blobs = {b.sha256: b.content for b in db.session.scalars(select(Blob).where(Blob.sha256.in_(refs)))} if refs else {}
    earlier = earlier_files(own, instance.manifest)  # the files the case ran on before a migration
    definitions = {f.sha256: f for f in db.session.scalars(select(DefinitionFile).where(
        DefinitionFile.sha256.in_(list(instance.manifest.values()) + [sha for _, sha in earlier])))}
    files = {name: definitions[sha].content for name, sha in instance.manifest.items() if sha in definitions}
    evidence = items_of(instance.id)

    buf = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    try:
        _write_zip(buf, instance, actor, events, own, blobs, earlier, definitions, files, evidence)
    except BaseException:
        buf.close()
        raise
    hold(f"access:{instance.id}")  # concurrent reads of the case queue on its access stream (services/access.py)
    append_event(f"access:{instance.id}", None, "archive_exported", actor=actor, role=None, instance_id=instance.id,
                 data={"events": len(events), "evidence": len(evidence)}, client_addr=client_addr)
    buf.seek(0)
    return buf


def _write_zip(buf: IO[bytes], instance: Instance, actor: str, events: list[Event], own: list[Event],
               blobs: dict[str, str], earlier: list[tuple[str, str]], definitions: dict[str, DefinitionFile],
               files: dict[str, bytes], evidence: list[Any]) -> None:
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        def_entries = []
        for name, content in sorted(files.items()):
            path = f"definitions/{name}"
            zf.writestr(path, content)
            def_entries.append({"path": path, "sha256": instance.manifest[name]})
        for name, sha in earlier:
            if sha in definitions:
                path = f"definitions/earlier/{sha}/{name}"
                zf.writestr(path, definitions[sha].content)
                def_entries.append({"path": path, "sha256": sha})
        ev_entries, seen = [], set()
        for item in evidence:
            ext = mimetypes.guess_extension(item.media_type) or ".bin"
            path = f"evidence/{item.sha256}{ext}"
            if item.sha256 not in seen:
                # checked as a download is (the bytes re-hashed against the recorded sha256): an altered or missing
                # file is refused by name, never packed as the evidence (found from outside: altered bytes were)
                problem, reader = store().open_checked(item.sha256)
                if problem or reader is None:
                    raise StateConflict(f"evidence file {item.sha256} is {problem or 'missing'} in the store; the "
                                        "archive was not made (GET /instances/<id>/verify names every such file)")
                entry = zipfile.ZipInfo(path, date_time=time.localtime()[:6])  # as writestr dates
                entry.compress_type, entry.external_attr = zipfile.ZIP_STORED, 0o600 << 16
                with reader as source, zf.open(entry, "w", force_zip64=True) as target:
                    shutil.copyfileobj(source, target, 1 << 20)
                seen.add(item.sha256)
            ev_entries.append({"path": path, "sha256": item.sha256, "size": item.size, "media_type": item.media_type,
                               "metadata": item.metadata_dict()})
        heads: dict[str, dict[str, Any]] = {}
        for ev in events:
            heads[ev.stream] = {"seq": ev.seq, "hash": ev.hash}
        manifest = {
            "format": ARCHIVE_FORMAT,
            "instance": {"id": instance.id, "definition_key": instance.definition_key, "version": instance.version,
                         "title": instance.title, "status": instance.status, "manifest": instance.manifest},
            "exported_by": actor,
            "exported_at": canonical_time(utcnow()),
            "heads": heads,
            "events": [_event_json(e) for e in events],
            "snapshots": blobs,
            "definitions": def_entries,
            "evidence": ev_entries,
        }
        zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, default=str))
        names = case_file.display_names({actor})
        page = render_template(
            "archive_case.html", **case_file_context(instance, own, files, evidence, "zh"),
            tr=archive_text, exported_by=case_file.person(actor, names), exported_at=case_file.local_time(utcnow()))
        zf.writestr("案卷.html", page)
