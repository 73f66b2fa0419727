"""Definitions as files: every deployed version exported to a folder (or a zip of it) and such a folder imported.

The folder (docs/API.md "Definition folders", README.md "Process models in git")::

    manifest.json                      every version: kind, key, version, name, filename, path, sha256, size,
                                       org, deployment, deployed_at, deployed_by
    processes/<key>/v<N>.bpmn          version N of process <key> (a file defining two processes is in both)
    decisions/<key>/v<N>.dmn           version N of decision <key>
    forms/<key>/v<N>.form              version N of form <key>

An import checks the whole folder before it changes anything: the manifest, every file against its sha256, the
versions against this server's (a version is never overwritten: a folder whose version N differs from the server's
version N is refused), the owners, and the files of every deployment the server lacks validated as a deploy would
(structure and schema for every version; the lint rules for what ends up as the latest version, as a deploy lints
only what it uploads). Then it replays the deployments the server lacks, in their order, through the one deploy
(api/services/definitions.py): each records a ``deploy`` event on the ``definitions`` stream with the importing
actor and, under ``import``, where the versions came from. Importing the same folder twice deploys nothing.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from engine.definitions import file_kind, load_catalog, sha256
from engine.errors import DefinitionInvalid, Problem, RuleViolation, StateConflict

from ..extensions import db
from ..models import DefinitionVersion
from ..models.orgs import Organisation
from . import definitions as deploys

MANIFEST = "manifest.json"
FORMAT = "sanxiang-definitions"
FORMAT_VERSION = 1
#: kind -> folder of its files
DIRS = {"bpmn": "processes", "dmn": "decisions", "form": "forms"}
SUFFIXES = {"bpmn": ".bpmn", "dmn": ".dmn", "form": ".form"}
#: manifest fields that tell where and when a server deployed a version: an import records them in its event and
#: the importing server writes its own (every other byte of an export survives a round trip)
VOLATILE_FIELDS = ("deployed_at", "deployed_by")
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
MAX_ENTRIES = 20_000
MAX_FOLDER_BYTES = 256 * 1024 * 1024
_SHA = re.compile(r"^[0-9a-f]{64}$")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def version_path(kind: str, key: str, version: int) -> str:
    return f"{DIRS[kind]}/{key}/v{version}{SUFFIXES[kind]}"


def _key_problem(key: object) -> str | None:
    """Why a key cannot name a folder of the export (it would leave the folder or be unreadable), or None."""
    if not isinstance(key, str) or not key or len(key) > 128:
        return "must be a non-empty string of at most 128 characters"
    if key.startswith(".") or any(ch in key for ch in '/\\:*?"<>|') or any(ord(ch) < 32 or ord(ch) == 127
                                                                           for ch in key):
        return "must not start with '.' nor contain a path separator or control character"
    return None


# --- export --------------------------------------------------------------------------------------------------------

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


def _is_definition_path(rel: str) -> bool:
    top = rel.split("/", 1)[0]
    return top in DIRS.values() and file_kind(rel) is not None


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


# --- reading a folder ----------------------------------------------------------------------------------------------

def _size_problem(rel: str, size: int) -> Problem | None:
    limit = MAX_MANIFEST_BYTES if rel == MANIFEST else deploys.MAX_FILE_BYTES
    if size > limit:
        return Problem(rel, None, None, f"file is larger than {limit} bytes")
    return None


def read_folder(folder: Path) -> dict[str, bytes]:
    """path -> bytes of the manifest and every definition file under ``folder`` (hidden entries such as .git and
    other files are skipped).

    Raises:
        DefinitionInvalid: a symbolic link, a file over the size limit, too many files.
    """
    problems: list[Problem] = []
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        if path.is_symlink():
            problems.append(Problem(rel, None, None, "symbolic links are not read: copy the file into the folder"))
            continue
        if not path.is_file() or not (rel == MANIFEST or _is_definition_path(rel)):
            continue
        size = path.stat().st_size
        too_big = _size_problem(rel, size)
        if too_big:
            problems.append(too_big)
            continue
        total += size
        if len(files) >= MAX_ENTRIES or total > MAX_FOLDER_BYTES:
            raise DefinitionInvalid([Problem(None, None, None, f"the folder holds more than {MAX_ENTRIES} files "
                                             f"or {MAX_FOLDER_BYTES} bytes")], "the definition folder is refused")
        files[rel] = path.read_bytes()
    if problems:
        raise DefinitionInvalid(problems, "the definition folder is refused; nothing was imported")
    return files


def read_zip(data: bytes) -> dict[str, bytes]:
    """path -> bytes of the manifest and definition files of a zipped folder (at the zip's root or in its one
    top-level folder, as a repository download has it).

    Raises:
        DefinitionInvalid: not a zip, an encrypted entry, an unsafe name, a file over the size limit, too much.
    """
    def refuse(message: str, file: str | None = None) -> DefinitionInvalid:
        return DefinitionInvalid([Problem(file, None, None, message)], "the definition folder is refused")

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise refuse(f"not a zip file: {exc}") from None
    if len(infos) > MAX_ENTRIES:
        raise refuse(f"the zip holds more than {MAX_ENTRIES} entries")
    names = [i.filename for i in infos if not i.is_dir()]
    prefix = ""
    if MANIFEST not in names:
        tops = {n.split("/", 1)[0] for n in names}
        if len(tops) == 1 and f"{next(iter(tops))}/{MANIFEST}" in names:
            prefix = next(iter(tops)) + "/"
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        name = info.filename
        if name.startswith("/") or "\\" in name or any(part in ("", ".", "..") for part in name.split("/")):
            problems.append(Problem(name, None, None, "unsafe entry name (absolute, '..' or a backslash)"))
            continue
        if not name.startswith(prefix):
            continue
        rel = name[len(prefix):]
        if any(part.startswith(".") for part in rel.split("/")) or not (rel == MANIFEST or _is_definition_path(rel)):
            continue
        if info.flag_bits & 0x1:
            problems.append(Problem(rel, None, None, "encrypted zip entries are not read"))
            continue
        too_big = _size_problem(rel, info.file_size)
        if too_big:
            problems.append(too_big)
            continue
        total += info.file_size
        if total > MAX_FOLDER_BYTES:
            raise refuse(f"the zip unpacks to more than {MAX_FOLDER_BYTES} bytes")
        try:
            with zf.open(info) as handle:  # reads at most the declared size; a wrong CRC raises
                content = handle.read(info.file_size + 1)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
            problems.append(Problem(rel, None, None, f"cannot be read from the zip: {exc}"))
            continue
        if len(content) != info.file_size:
            problems.append(Problem(rel, None, None, "entry size differs from the zip's directory"))
            continue
        files[rel] = content
    if problems:
        raise DefinitionInvalid(problems, "the definition folder is refused; nothing was imported")
    return files


# --- import --------------------------------------------------------------------------------------------------------

@dataclass
class Entry:
    """One version listed by a manifest."""

    index: int
    kind: str
    key: str
    version: int
    name: str
    filename: str
    path: str
    sha256: str
    org: str | None
    deployment: int
    deployed_at: str | None
    deployed_by: str | None
    size: int | None = None
    org_id: int | None = None

    @property
    def ident(self) -> tuple[str, str, int]:
        return self.key, self.kind, self.version

    @property
    def where(self) -> str:
        return f"versions[{self.index}]"


@dataclass
class ImportReport:
    """What an import deployed (or, dry run, would deploy) and how many versions the server already had."""

    versions: list[dict] = field(default_factory=list)
    present: int = 0
    deployments: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {"versions": self.versions, "present": self.present, "deployments": self.deployments,
                "dry_run": self.dry_run}


def _refuse(problems: list[Problem]) -> DefinitionInvalid:
    return DefinitionInvalid(problems, "the definition folder is refused; nothing was imported")


def _read_manifest(files: dict[str, bytes]) -> tuple[list[Entry], list[Problem]]:
    problems: list[Problem] = []

    def bad(where: str | None, message: str) -> None:
        problems.append(Problem(MANIFEST, where, None, message))

    raw = files.get(MANIFEST)
    if raw is None:
        bad(None, f"the folder has no {MANIFEST} (export one with `flask --app api definitions export`)")
        return [], problems
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(Problem(MANIFEST, None, getattr(exc, "lineno", None), f"not valid JSON: {exc}"))
        return [], problems
    except RecursionError:
        bad(None, "not a definition folder manifest (nested too deeply)")
        return [], problems
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        bad(None, f"not a definition folder manifest (\"format\" must be \"{FORMAT}\")")
        return [], problems
    if manifest.get("format_version") != FORMAT_VERSION:
        bad(None, f"format_version {manifest.get('format_version')!r} is not supported (this server reads "
                  f"{FORMAT_VERSION})")
        return [], problems
    raw_versions = manifest.get("versions")
    if not isinstance(raw_versions, list):
        bad(None, "\"versions\" must be a list")
        return [], problems
    entries: list[Entry] = []
    for i, item in enumerate(raw_versions):
        where = f"versions[{i}]"
        if not isinstance(item, dict):
            bad(where, "each version must be an object")
            continue
        kind, key, version = item.get("kind"), item.get("key"), item.get("version")
        errors = []
        if kind not in DIRS:
            errors.append(f"kind {kind!r} is not one of bpmn, dmn, form")
        key_problem = _key_problem(key)
        if key_problem:
            errors.append(f"key {key!r} {key_problem}")
        for name in ("version", "deployment"):
            value = item.get(name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                errors.append(f"{name} must be a whole number from 1")
        if not isinstance(item.get("sha256"), str) or not _SHA.match(item["sha256"]):
            errors.append("sha256 must be 64 lowercase hex digits")
        filename = item.get("filename")
        if not isinstance(filename, str) or "/" in filename or "\\" in filename or file_kind(filename) != kind:
            errors.append(f"filename {filename!r} must be a plain file name ending in {SUFFIXES.get(kind, '')}")
        if not isinstance(item.get("name"), str):
            errors.append("name must be a string")
        if item.get("org") is not None and not isinstance(item.get("org"), str):
            errors.append("org must be an organisation code or null")
        if errors:
            bad(where, "; ".join(errors))
            continue
        expected = version_path(kind, key, version)
        if item.get("path") != expected:
            bad(where, f"path {item.get('path')!r} must be {expected!r}")
            continue
        entries.append(Entry(i, kind, key, version, item["name"], filename, expected, item["sha256"],
                             item.get("org"), item["deployment"], _text(item.get("deployed_at")),
                             _text(item.get("deployed_by")),
                             item["size"] if isinstance(item.get("size"), int) else None))
    return entries, problems


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _check_folder(entries: list[Entry], files: dict[str, bytes]) -> list[Problem]:
    """Files against the manifest, and the manifest's own consistency."""
    problems: list[Problem] = []
    listed = {e.path for e in entries}
    for path in sorted(set(files) - listed - {MANIFEST}):
        problems.append(Problem(path, None, None, f"file is not listed in {MANIFEST}: add it by deploying it on the "
                                                  "exporting server and exporting again"))
    seen: dict[tuple[str, str, int], Entry] = {}
    by_key: dict[tuple[str, str], list[Entry]] = {}
    for e in entries:
        if e.ident in seen:
            problems.append(Problem(MANIFEST, e.where, None, f"{e.kind} '{e.key}' version {e.version} is listed twice"))
            continue
        seen[e.ident] = e
        by_key.setdefault((e.key, e.kind), []).append(e)
        content = files.get(e.path)
        if content is None:
            problems.append(Problem(e.path, None, None, f"file listed in {MANIFEST} ({e.where}) is missing"))
        elif sha256(content) != e.sha256:
            problems.append(Problem(e.path, None, None, f"sha256 {sha256(content)} differs from {MANIFEST} "
                                                        f"({e.sha256}): the file was changed after the export"))
        elif e.size is not None and e.size != len(content):
            problems.append(Problem(e.path, None, None, f"{MANIFEST} gives its size as {e.size}, the file has "
                                                        f"{len(content)} bytes"))
    for (key, kind), versions in sorted(by_key.items()):
        versions.sort(key=lambda e: e.version)
        numbers = [e.version for e in versions]
        if numbers != list(range(1, len(numbers) + 1)):
            problems.append(Problem(MANIFEST, versions[0].where, None,
                                    f"{kind} '{key}' lists versions {numbers}: an export lists every version from 1"))
        if len({e.org for e in versions}) > 1:
            problems.append(Problem(MANIFEST, versions[0].where, None,
                                    f"{kind} '{key}' names more than one owning organisation"))
        for before, after in zip(versions, versions[1:], strict=False):
            if after.deployment <= before.deployment:
                problems.append(Problem(MANIFEST, after.where, None, f"{kind} '{key}' version {after.version} is "
                                                                     "not deployed after the version before it"))
    return problems


def _resolve_orgs(entries: list[Entry]) -> list[Problem]:
    codes = {e.org for e in entries if e.org is not None}
    ids = dict(db.session.execute(select(Organisation.code, Organisation.id)
                                  .where(Organisation.code.in_(codes))).all()) if codes else {}
    problems = []
    for code in sorted(codes - ids.keys()):
        problems.append(Problem(MANIFEST, None, None, f"organisation '{code}' does not exist on this server"))
    for e in entries:
        e.org_id = ids.get(e.org) if e.org is not None else None
    return problems


def _server_versions(entries: list[Entry]) -> dict[tuple[str, str, int], DefinitionVersion]:
    keys = {e.key for e in entries}
    rows = db.session.scalars(select(DefinitionVersion).where(DefinitionVersion.key.in_(keys))) if keys else []
    return {(r.key, r.kind, r.version): r for r in rows}


def _conflicts(entries: list[Entry], server: dict[tuple[str, str, int], DefinitionVersion]) -> list[Problem]:
    problems = []
    for e in entries:
        row = server.get(e.ident)
        if row is None:
            continue
        if row.sha256 != e.sha256:
            problems.append(Problem(e.path, None, None, (
                f"{e.kind} '{e.key}' version {e.version} on this server (sha256 {row.sha256[:12]}…, deployed by "
                f"{row.deployed_by}) differs from the folder's (sha256 {e.sha256[:12]}…): a deployed version is never "
                "replaced; deploy the change as a new version where the folder was exported, export again and "
                "import that")))
        elif row.org_id != e.org_id:
            problems.append(Problem(e.path, None, None, f"{e.kind} '{e.key}' belongs to another organisation on "
                                                        f"this server than the folder's '{e.org}'"))
    return problems


def _map_problems(problems: list[Problem], paths: dict[str, str]) -> list[Problem]:
    """Problems of a validation, their deploy file names replaced by the folder's paths."""
    return [Problem(paths.get(p.file or "", p.file), p.element_id, p.line, p.message) for p in problems]


def _plan(missing: list[Entry], files: dict[str, bytes]) -> tuple[list[list[Entry]], list[Problem]]:
    """The deployments to replay (the missing versions by their deployment, in order), each validated against
    this server's latest files as a deploy would; problems carry the folder's paths."""
    groups: dict[int, list[Entry]] = {}
    for e in missing:
        groups.setdefault(e.deployment, []).append(e)
    plan = [groups[n] for n in sorted(groups)]
    latest = {(v.key, v.kind): v for v in deploys._latest_versions()}
    contents = deploys.load_files(sorted({v.sha256 for v in latest.values()})) if latest else {}
    # (key, kind) -> (file name, sha256, version, bytes, the folder's path when the import brings it)
    state: dict[tuple[str, str], tuple[str, str, int, bytes, str | None]] = {
        ident: (v.filename, v.sha256, v.version, contents[v.sha256], None) for ident, v in latest.items()}
    problems: list[Problem] = []
    for group in plan:
        number = group[0].deployment
        uploads: dict[str, bytes] = {}
        paths: dict[str, str] = {}
        for e in group:
            content = files[e.path]
            if e.filename in uploads and uploads[e.filename] != content:
                problems.append(Problem(e.path, None, None, f"deployment {number} holds two different files named "
                                                            f"{e.filename}"))
                continue
            uploads[e.filename], paths[e.filename] = content, e.path
        if len({e.org_id for e in group if e.version == 1}) > 1:
            problems.append(Problem(MANIFEST, group[0].where, None,
                                    f"deployment {number} adds keys of more than one organisation"))
        merged = {item[0]: item[3] for item in state.values()}
        merged.update(uploads)
        try:
            catalog = load_catalog(merged, lint=())
        except DefinitionInvalid as exc:
            problems.extend(_map_problems(exc.problems, paths))
            catalog = None
        if catalog is not None:  # what the deploy will create must be exactly what the manifest lists
            would: dict[tuple[str, str, int, str], str] = {}
            for name, content in uploads.items():
                kind, digest = file_kind(name), sha256(content)
                for key in catalog.key_of(name):
                    current = state.get((key, kind))
                    if current is None or current[1] != digest:
                        would[(key, kind, current[2] + 1 if current else 1, digest)] = paths[name]
            listed = {(e.key, e.kind, e.version, e.sha256): e.path for e in group}
            for (key, kind, version, _), path in sorted(would.items()):
                if (key, kind, version, _) not in listed:
                    problems.append(Problem(path, key, None, f"deploying deployment {number} would make version "
                                                             f"{version} of {kind} '{key}', which {MANIFEST} does "
                                                             "not list"))
            for (key, kind, version, _), path in sorted(listed.items()):
                if (key, kind, version, _) not in would:
                    problems.append(Problem(path, key, None, f"deploying deployment {number} would not make "
                                                             f"version {version} of {kind} '{key}' as {MANIFEST} "
                                                             "lists it (the file does not define it, or it does "
                                                             "not follow this server's version before it)"))
        for e in group:
            state[(e.key, e.kind)] = (e.filename, e.sha256, e.version, files[e.path], e.path)
    if plan and not problems:  # the lint rules, on the imported versions new cases will start on
        imported = {item[0]: item[4] for item in state.values() if item[4] is not None}
        try:
            load_catalog({item[0]: item[3] for item in state.values()}, lint=set(imported))
        except DefinitionInvalid as exc:
            problems.extend(_map_problems(exc.problems, imported))
    return plan, problems


def import_folder(files: dict[str, bytes], actor: str, *, client_addr: str | None = None,
                  may_write: Callable[[int | None], bool] | None = None,
                  may_read: Callable[[int | None], bool] | None = None, dry_run: bool = False) -> ImportReport:
    """Deploy the versions of a definition folder (``files``: path -> bytes, as :func:`read_folder` or
    :func:`read_zip` give) that this server lacks; no commit. Everything is checked before anything is written.

    ``may_read``/``may_write`` (None: the platform's own import, from the command line) say whether the importer
    sees and may add versions to keys of an organisation.

    Raises:
        DefinitionInvalid: every problem of the folder (manifest, tampered or missing files, versions that differ
        from this server's, validation with file, element and line). RuleViolation ``definition_owner``: the
        folder holds keys of an organisation the importer may not see or change.
    """
    entries, problems = _read_manifest(files)
    if not problems:
        problems += _check_folder(entries, files)
        problems += _resolve_orgs(entries)
    if problems:
        raise _refuse(problems)
    if may_read is not None:
        hidden = sorted({e.org or "-" for e in entries if not may_read(e.org_id)})
        if hidden:
            raise RuleViolation("definition_owner", "the folder holds definitions of organisation(s) "
                                f"{', '.join(hidden)}, which you do not run: export only your own")
    server = _server_versions(entries)
    problems = _conflicts(entries, server)
    if problems:
        raise _refuse(problems)
    missing = [e for e in entries if e.ident not in server]
    if may_write is not None:
        foreign = sorted({e.key for e in missing if not may_write(e.org_id)})
        if foreign:
            raise RuleViolation("definition_owner", f"'{', '.join(foreign)}' belong(s) to an organisation whose "
                                "definitions you may not change")
    plan, problems = _plan(missing, files)
    if problems:
        raise _refuse(problems)
    report = ImportReport(present=len(entries) - len(missing), deployments=len(plan), dry_run=dry_run)
    if dry_run:
        report.versions = [{"key": e.key, "kind": e.kind, "version": e.version, "filename": e.filename,
                            "sha256": e.sha256} for group in plan for e in group]
        return report
    manifest_sha = sha256(files[MANIFEST])
    for group in plan:
        uploads = {e.filename: files[e.path] for e in group}
        new_org = next((e.org_id for e in group if e.version == 1), None)
        source = [{"key": e.key, "kind": e.kind, "version": e.version, "deployed_at": e.deployed_at,
                   "deployed_by": e.deployed_by} for e in group]
        created = deploys.deploy(uploads, actor, client_addr, org_id=new_org, may_write=may_write, lint=False,
                                 event_data={"import": {"manifest_sha256": manifest_sha,
                                                        "deployment": group[0].deployment, "source": source}})
        made = {(c["key"], c["kind"], c["version"], c["sha256"]) for c in created}
        if made != {(e.key, e.kind, e.version, e.sha256) for e in group}:  # a deploy between the check and now
            raise StateConflict("the server's definitions changed during the import; nothing was imported, "
                                "import the folder again")
        report.versions.extend(created)
    return report
