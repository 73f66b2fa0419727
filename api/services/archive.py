"""The case archive (案卷): a zip with a manifest, the definition files, evidence and a case file in Chinese.

The manifest lists every event of the instance's streams with all hashed fields,
the snapshots they reference and each file's sha256, so ``tools/verify_archive.py``
can check the archive offline (see ``engine/archive.py``).
"""
from __future__ import annotations

import io
import json
import mimetypes
import zipfile
from typing import Any

from flask import render_template
from sqlalchemy import select

from engine.archive import ARCHIVE_FORMAT, MANIFEST
from engine.history import canonical_time

from ..extensions import db
from ..models import Blob, DefinitionFile, Event, Instance
from ..models.types import utcnow
from .evidence import evidence_path, items_of
from .history import append_event
from .locks import hold

RETENTION = {"permanent": "永久", "30y": "30年", "10y": "10年"}
EVENT_TITLES = {"instance_started": "立案（流程启动）", "data_edited": "数据更正记录", "rewound": "流程回退记录",
                "disclosure_published": "公示发布记录"}


def _event_json(ev: Event) -> dict[str, Any]:
    fields = ev.hashed_fields()
    fields["at"] = canonical_time(ev.at)
    return fields


def _form_labels(files: dict[str, bytes]) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for name, content in files.items():
        if name.endswith(".form"):
            form = json.loads(content)

            def walk(components: list[dict[str, Any]], into: dict[str, str]) -> None:
                for comp in components:
                    if comp.get("components"):
                        walk(comp["components"], into)
                    if comp.get("key"):
                        into[comp["key"]] = comp.get("label") or comp["key"]

            walk(form.get("components") or [], labels.setdefault(name[: -len(".form")], {}))
    return labels


def _documents(events: list[Event], labels: dict[str, dict[str, str]], evidence: list[Any]) -> list[dict[str, Any]]:
    docs = []
    for ev in events:
        at = canonical_time(ev.at)
        if ev.type == "task_completed":
            form_labels = labels.get(ev.data.get("form_key") or "", {})
            fields = [(form_labels.get(k, k), _show(v)) for k, v in (ev.data.get("submitted") or {}).items()]
            docs.append({"title": ev.data.get("name") or ev.element_id, "at": at, "by": ev.actor, "sha256": ev.hash,
                         "fields": fields})
        elif ev.type in EVENT_TITLES:
            fields = [(k, _show(v)) for k, v in (ev.data or {}).items() if k not in ("manifest",)]
            docs.append({"title": EVENT_TITLES[ev.type], "at": at, "by": ev.actor, "sha256": ev.hash, "fields": fields})
    for item in evidence:
        docs.append({"title": f"证据：{item.title or item.filename or item.sha256[:12]}（{item.media_type}）",
                     "at": canonical_time(item.captured_at or item.uploaded_at), "by": item.uploaded_by,
                     "sha256": item.sha256, "fields": [(k, _show(v)) for k, v in item.metadata_dict().items() if v]})
    return docs


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def build_archive(instance: Instance, actor: str, client_addr: str | None) -> bytes:
    """The zip bytes; logs an ``archive_exported`` event on the instance's access stream (no commit)."""
    events = list(db.session.scalars(select(Event).where(Event.instance_id == instance.id)
                                     .order_by(Event.stream.desc(), Event.seq)))
    own = [e for e in events if e.stream == f"instance:{instance.id}"]
    refs = {r for e in events for r in (e.state_ref, e.data_ref) if r}
    blobs = {b.sha256: b.content for b in db.session.scalars(select(Blob).where(Blob.sha256.in_(refs)))} if refs else {}
    definitions = {f.sha256: f for f in db.session.scalars(
        select(DefinitionFile).where(DefinitionFile.sha256.in_(list(instance.manifest.values()))))}
    files = {name: definitions[sha].content for name, sha in instance.manifest.items() if sha in definitions}
    evidence = items_of(instance.id)

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        def_entries = []
        for name, content in sorted(files.items()):
            path = f"definitions/{name}"
            zf.writestr(path, content)
            def_entries.append({"path": path, "sha256": instance.manifest[name]})
        ev_entries, seen = [], set()
        for item in evidence:
            ext = mimetypes.guess_extension(item.media_type) or ".bin"
            path = f"evidence/{item.sha256}{ext}"
            if item.sha256 not in seen:
                source = evidence_path(item.sha256)
                if source.exists():
                    zf.write(source, path)
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
        data = instance.data or {}
        case_file = render_template(
            "archive_case.html", instance=instance, data=data,
            retention=RETENTION.get(str(data.get("retention")), "按局规定"), exported_by=actor,
            exported_at=manifest["exported_at"], documents=_documents(own, _form_labels(files), evidence),
            event_count=len(own), head_hash=own[-1].hash if own else "")
        zf.writestr("案卷.html", case_file)
    hold(f"access:{instance.id}")  # concurrent reads of the case queue on its access stream (services/access.py)
    append_event(f"access:{instance.id}", None, "archive_exported", actor=actor, role=None, instance_id=instance.id,
                 data={"events": len(events), "evidence": len(ev_entries)}, client_addr=client_addr)
    return buf.getvalue()
