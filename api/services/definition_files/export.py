"""Writing: every deployed version (or some) exported as a folder, a zip of it, or into a folder on disk."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from sqlalchemy import func, select

from engine.errors import StateConflict

from ...extensions import db
from ...models import DefinitionVersion
from ...models.orgs import Organisation
from .. import definitions as deploys
from .manifest import DIRS, FORMAT, FORMAT_VERSION, MANIFEST, _is_definition_path, version_path

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def _deployment_order() -> dict[str, int]:
    """deployment id -> its position (1, 2, …) among this server's deployments."""
    rows = db.session.execute(select(DefinitionVersion.deployment_id, func.min(DefinitionVersion.id))
                              .group_by(DefinitionVersion.deployment_id)).all()
    return {dep: n for n, (dep, _) in enumerate(sorted(rows, key=lambda r: r[1]), start=1)}


def export_folder(versions: list[DefinitionVersion] | None = None) -> dict[str, bytes]:
    """path -> bytes of the folder holding ``versions`` (default: every deployed version) and its manifest."""
    if versions is None:
        versions = list(db.session.scalars(select(DefinitionVersion).order_by(DefinitionVersion.id)))
    order = _deployment_order()
    codes = dict(db.session.execute(select(Organisation.id, Organisation.code)).all())
    contents = deploys.load_files(sorted({v.sha256 for v in versions})) if versions else {}
    files: dict[str, bytes] = {}
    entries = []
    for v in sorted(versions, key=lambda v: (order[v.deployment_id], v.kind, v.key, v.version)):
        path = version_path(v.kind, v.key, v.version)
        content = contents[v.sha256]
        files[path] = content
        entries.append({"kind": v.kind, "key": v.key, "version": v.version, "name": v.name, "filename": v.filename,
                        "path": path, "sha256": v.sha256, "size": len(content),
                        "org": codes.get(v.org_id) if v.org_id is not None else None,
                        "deployment": order[v.deployment_id],
                        "deployed_at": v.deployed_at.isoformat() if v.deployed_at else None,
                        "deployed_by": v.deployed_by})
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "versions": entries}
    files[MANIFEST] = (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
    return files


def zip_folder(files: dict[str, bytes]) -> bytes:
    """The folder as a zip: sorted entries with a fixed date, so the same folder is the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[path])
    return buf.getvalue()


def write_folder(files: dict[str, bytes], folder: Path) -> int:
    """Write an export into ``folder``: a new or empty one, or a previous export (say, a git working copy), whose
    definition files the export does not hold are removed (other files, like .git or a README, are kept).
    Returns how many files were written.

    Raises:
        StateConflict: ``folder`` holds other files but no manifest.json (it is not an export).
    """
    folder.mkdir(parents=True, exist_ok=True)
    present = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if present and not (folder / MANIFEST).is_file():
        raise StateConflict(f"{folder} is neither empty nor a definition folder (no {MANIFEST}): choose an empty "
                            "folder or a previous export")
    for kind_dir in DIRS.values():
        base = folder / kind_dir
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*"), reverse=True):
            rel = path.relative_to(folder).as_posix()
            if path.is_file() and not path.is_symlink() and _is_definition_path(rel) and rel not in files:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    for rel, content in sorted(files.items()):
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return len(files)
