"""Importing: a read folder checked as a whole, then the deployments this server lacks replayed in order."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from engine.definitions import file_kind, load_catalog, sha256
from engine.errors import DefinitionInvalid, Problem, RuleViolation, StateConflict

from ...extensions import db
from ...models import DefinitionVersion
from ...models.orgs import Organisation
from .. import definitions as deploys
from .manifest import MANIFEST, Entry, _read_manifest


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
