"""Deploying and validating definition files; the catalog of latest versions."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import PurePosixPath

from flask import current_app
from sqlalchemy import func, select

from engine.definitions import Catalog, file_kind, load_catalog, sha256
from engine.errors import DefinitionInvalid, NotFound, Problem, RuleViolation

from ..extensions import db
from ..models import DefinitionFile, DefinitionVersion, User
from . import orgs
from .history import append_event

MAX_FILE_BYTES = 2 * 1024 * 1024


def _latest_versions() -> list[DefinitionVersion]:
    sub = (
        select(DefinitionVersion.key, DefinitionVersion.kind, func.max(DefinitionVersion.version).label("v"))
        .group_by(DefinitionVersion.key, DefinitionVersion.kind)
        .subquery()
    )
    stmt = select(DefinitionVersion).join(
        sub,
        (DefinitionVersion.key == sub.c.key) & (DefinitionVersion.kind == sub.c.kind)
        & (DefinitionVersion.version == sub.c.v),
    )
    return list(db.session.scalars(stmt))


def latest_files() -> dict[str, bytes]:
    """filename -> content of the latest version of everything deployed."""
    versions = _latest_versions()
    shas = {v.sha256 for v in versions}
    contents = dict(db.session.execute(select(DefinitionFile.sha256, DefinitionFile.content)
                                       .where(DefinitionFile.sha256.in_(shas))).all()) if shas else {}
    return {v.filename: contents[v.sha256] for v in versions}


def load_files(shas: list[str]) -> dict[str, bytes]:
    rows = db.session.execute(select(DefinitionFile.sha256, DefinitionFile.content)
                              .where(DefinitionFile.sha256.in_(shas))).all()
    return dict(rows)


def current_catalog() -> Catalog:
    """The validated catalog of latest versions, cached until the next deploy."""
    marker = db.session.scalar(select(func.max(DefinitionVersion.id)))
    state = current_app.extensions.setdefault("sanxiang", {})
    cached = state.get("catalog")
    if cached is not None and cached[0] == marker:
        return cached[1]
    catalog = load_catalog(latest_files(), lint=()) if marker is not None else Catalog(files={})
    state["catalog"] = (marker, catalog)
    return catalog


def _clean_name(filename: str) -> str:
    name = PurePosixPath(filename.replace("\\", "/")).name
    if not name or file_kind(name) is None:
        raise DefinitionInvalid([Problem(filename, None, None, "expected a .bpmn, .dmn or .form file")])
    return name


def _merge(uploads: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    if not uploads:
        raise DefinitionInvalid([Problem(None, None, None, "no files were sent (multipart field 'files')")])
    cleaned: dict[str, bytes] = {}
    for filename, content in uploads.items():
        name = _clean_name(filename)
        if len(content) > MAX_FILE_BYTES:
            raise DefinitionInvalid([Problem(name, None, None, f"file is larger than {MAX_FILE_BYTES} bytes")])
        cleaned[name] = content
    merged = latest_files()
    merged.update(cleaned)
    return cleaned, merged


def validate(uploads: dict[str, bytes]) -> Catalog:
    """Validate uploads together with what is deployed; raises DefinitionInvalid."""
    cleaned, merged = _merge(uploads)
    return load_catalog(merged, lint=cleaned)


def deploy(uploads: dict[str, bytes], actor: str, client_addr: str | None = None,
           org_id: int | None = None, may_write: Callable[[int | None], bool] | None = None,
           lint: bool = True, event_data: dict | None = None, imported: dict | None = None) -> list[dict]:
    """Validate and store new versions of every changed key; no commit.

    ``imported`` (an accepted import, :func:`accept_import`) is recorded in the deploy event: the uploaded files'
    sha256 and the accepted mapping, so the history ties the deployed files to what the owner brought in.

    ``org_id`` is the organisation that owns a new key (None: the whole platform). ``may_write`` says whether
    the deployer may add a version to a key owned by an organisation (a bureau's owner cannot change the
    province's processes or another bureau's); None lets the platform's own deploy through. ``lint`` False
    validates the files without the lint rules (an import of a definition folder lints only what ends up latest,
    api/services/definition_files/); ``event_data`` is added to the deploy event's data.

    Returns one dict per new version ``{"key", "kind", "version", "filename", "sha256"}``;
    an unchanged file creates no version.

    Raises:
        DefinitionInvalid: the files do not validate. RuleViolation: a key owned by an organisation the deployer
        may not change.
    """
    cleaned, merged = _merge(uploads)
    catalog = load_catalog(merged, lint=cleaned if lint else ())
    latest = {(v.key, v.kind): v for v in _latest_versions()}
    deployment_id = str(uuid.uuid4())
    created: list[dict] = []
    for name, content in sorted(cleaned.items()):
        digest = sha256(content)
        kind = file_kind(name)
        if db.session.get(DefinitionFile, digest) is None:
            db.session.add(DefinitionFile(sha256=digest, filename=name, kind=kind, size=len(content), content=content))
        for key in catalog.key_of(name):
            current = latest.get((key, kind))
            if current is not None and current.sha256 == digest:
                continue
            if current is not None and may_write is not None and not may_write(current.org_id):
                raise RuleViolation("definition_owner", f"'{key}' ({name}) belongs to another organisation; "
                                    "deploy it under a new process id")
            owner = current.org_id if current is not None else org_id
            version = (current.version + 1) if current else 1
            label = catalog.process_names.get(key) or catalog.forms.get(key, {}).get("id") or key
            db.session.add(DefinitionVersion(key=key, kind=kind, version=version, name=str(label), filename=name,
                                             sha256=digest, deployment_id=deployment_id, deployed_by=actor,
                                             org_id=owner))
            created.append({"key": key, "kind": kind, "version": version, "filename": name, "sha256": digest})
    if created:
        data = {**(event_data or {}), "deployment_id": deployment_id, "versions": created}
        if imported is not None:
            data["import"] = imported
        append_event("definitions", None, "deploy", actor=actor, role="process_owner", data=data,
                     client_addr=client_addr)
    db.session.flush()
    return created


def version_of(key: str, version: int | None = None, kind: str = "bpmn") -> DefinitionVersion:
    stmt = select(DefinitionVersion).where(DefinitionVersion.key == key, DefinitionVersion.kind == kind)
    stmt = stmt.where(DefinitionVersion.version == version) if version else stmt.order_by(
        DefinitionVersion.version.desc()).limit(1)
    found = db.session.scalar(stmt)
    if found is None:
        raise NotFound(f"definition '{key}'" + (f" version {version}" if version else "") + " not found")
    return found


#: processes the service starts itself (public correction requests, a bureau's withdrawal)
SERVICE_STARTED = frozenset({"disclosure_correction"})


def called_processes() -> frozenset[str]:  # the web menu's list
    """Processes other processes call (recording, legal review, disclosure): never started on their own."""
    return current_catalog().called_processes


def check_startable(user: User, key: str) -> DefinitionVersion:
    """The latest version of process ``key`` if the user's bureau runs it (a platform process, one of an
    ancestor, or one of its own subtree). Whether a client may start it on its own (not a called or service-started
    process) is checked by the start itself (``starts.check_client_start``, on the catalog it loads).

    Raises:
        NotFound: no such process, or another organisation's.
    """
    version = version_of(key)
    if version.org_id is not None and version.org_id not in orgs.visible_definition_orgs(user):
        raise NotFound(f"process '{key}' is not deployed")
    # an admin may try a called process on its own (a trial run after a deploy); nobody starts the service's own
    return version


def visible(user: User, versions: list[DefinitionVersion]) -> list[DefinitionVersion]:
    """The versions of keys the user's bureau runs or owns."""
    seen = orgs.visible_definition_orgs(user)
    return [v for v in versions if v.org_id is None or v.org_id in seen]


def _import_uploads(uploads: dict[str, bytes]) -> dict[str, bytes]:
    if not uploads:
        raise DefinitionInvalid([Problem(None, None, None, "no files were sent (multipart field 'files')")])
    cleaned: dict[str, bytes] = {}
    for filename, content in uploads.items():
        name = _clean_name(filename)
        if len(content) > MAX_FILE_BYTES:
            raise DefinitionInvalid([Problem(name, None, None, f"file is larger than {MAX_FILE_BYTES} bytes")])
        cleaned[name] = content
    return cleaned


def propose_import(uploads: dict[str, bytes], mapping: dict[str, str] | None = None) -> dict:
    """The import proposal for diagrams from another modeler (engine/interop/) and what validating its files
    with the deployed catalog finds: ``problems`` cannot be mapped, ``validation`` lists what the bureau's rules
    refuse in the mapped files. Changes nothing."""
    from engine import interop

    proposal = interop.propose(_import_uploads(uploads), set(current_catalog().forms), mapping)
    body = proposal.as_dict()
    validation: list[Problem] = []
    if not proposal.problems:
        merged = latest_files()
        merged.update(proposal.files)
        try:
            load_catalog(merged, lint=set(proposal.files))
        except DefinitionInvalid as exc:
            validation = exc.problems
    body["validation"] = [p.as_dict() for p in validation]
    body["acceptable"] = not proposal.problems and not validation
    return body


def accept_import(uploads: dict[str, bytes], mapping: dict[str, str] | None, actor: str,
                  client_addr: str | None = None, org_id: int | None = None,
                  may_write: Callable[[int | None], bool] | None = None) -> tuple[dict, list[dict]]:
    """Map the uploads as :func:`propose_import` does, with the owner's ``mapping``, and deploy what that gives
    (every rule of :func:`deploy` applies); no commit.

    Raises:
        DefinitionInvalid: something cannot be mapped, or the mapped files do not validate.
    """
    from engine import interop

    cleaned = _import_uploads(uploads)
    proposal = interop.propose(cleaned, set(current_catalog().forms), mapping)
    if proposal.problems:
        raise DefinitionInvalid(proposal.problems, "the diagram has parts that cannot be mapped")
    imported = {"sources": [{"filename": n, "sha256": sha256(c)} for n, c in sorted(cleaned.items())],
                "roles": [{"source": r.source, "name": r.name, "role": r.role, "reason": r.reason}
                          for r in proposal.roles],
                "forms": [{"task_id": f.task_id, "form_key": f.form_key, "source": f.source} for f in proposal.forms],
                "deadlines": [{"task_id": d.task_id, "data_key": d.data_key} for d in proposal.deadlines]}
    created = deploy(proposal.files, actor, client_addr, org_id=org_id, may_write=may_write, imported=imported)
    return proposal.as_dict(), created
