from __future__ import annotations

import json

from flask import Response
from flask.views import MethodView
from sqlalchemy import select

from engine.errors import NotFound
from engine.roles import ROLES

from .. import permissions
from ..errors import BadRequest
from ..extensions import db
from ..inputs import filename_problem
from ..models import DefinitionFile, DefinitionVersion
from ..security import client_addr, current_user
from ..services import definition_compare, element_stats, migrations, org_scope, orgs
from ..services import definition_files as folders
from ..services import definitions as service
from . import blp
from .schemas import (
    CompareQuerySchema,
    CompareResultSchema,
    DeployResultSchema,
    DryRunSchema,
    ElementStatsQuerySchema,
    ElementStatsSchema,
    FolderImportResultSchema,
    FolderUploadSchema,
    ImportAcceptSchema,
    ImportFormSchema,
    ImportResultSchema,
    MigrationRequestSchema,
    MigrationResultSchema,
    UploadSchema,
    ValidateResultSchema,
    VersionSchema,
)

MIGRATE = migrations.ACTION


def _uploads(args: dict) -> dict[str, bytes]:
    files = args.get("files") or []
    uploads: dict[str, bytes] = {}
    for storage in files:
        if not storage.filename:
            raise BadRequest("every uploaded file needs a filename", {"files": ["missing filename"]})
        problem = filename_problem(storage.filename)
        if problem:
            raise BadRequest(f"file name {problem}", {"files": [f"file name {problem}"]})
        uploads[storage.filename] = storage.read()
    return uploads


@blp.route("")
class Definitions(MethodView):
    @blp.response(200, VersionSchema(many=True))
    def get(self):
        """The latest version of each process key the caller's bureau runs."""
        user = current_user()
        return sorted((v for v in service.visible(user, service._latest_versions()) if v.kind == "bpmn"),
                      key=lambda v: v.key)

    @blp.arguments(UploadSchema, location="files")
    @blp.response(201, DeployResultSchema)
    def post(self, args):
        """Deploy files (role process_owner): 201 with new versions, or 400 with problems."""
        user = permissions.require("definition.deploy")
        scope = orgs.write_scope(user)
        created = service.deploy(_uploads(args), user.username, client_addr(), org_id=orgs.user_bureau(user),
                                 may_write=lambda org: org in scope if org is not None else orgs.is_root(user))
        db.session.commit()
        return {"versions": created}


@blp.route("/validate")
class Validate(MethodView):
    @blp.arguments(UploadSchema, location="files")
    @blp.response(200, ValidateResultSchema)
    def post(self, args):
        """Dry run of a deploy: 200 when valid, 400 with problems."""
        permissions.require("definition.validate")
        catalog = service.validate(_uploads(args))
        return {"valid": True, "processes": sorted(catalog.processes), "decisions": sorted(catalog.decisions),
                "forms": sorted(catalog.forms)}


@blp.route("/export.zip")
class Export(MethodView):
    @blp.response(200, content_type="application/zip")
    def get(self):
        """Every version of every key the caller's bureau runs, as a definition folder in a zip (manifest.json,
        processes/<key>/v<N>.bpmn, decisions/<key>/v<N>.dmn, forms/<key>/v<N>.form)."""
        user = permissions.require("definition.export")
        versions = service.visible(user, list(db.session.scalars(
            select(DefinitionVersion).order_by(DefinitionVersion.id))))
        return Response(folders.zip_folder(folders.export_folder(versions)), mimetype="application/zip",
                        headers={"Content-Disposition": 'attachment; filename="sanxiang-definitions.zip"'})


#: the longest ``mapping`` field accepted (a name and a role key per lane or group)
MAX_MAPPING_CHARS = 64 * 1024


def _mapping(form: dict) -> dict[str, str] | None:
    """The owner's role per lane or candidate group: a JSON object of names to role keys."""
    raw = form.get("mapping")
    if raw in (None, ""):
        return None
    if len(raw) > MAX_MAPPING_CHARS:
        raise BadRequest("mapping is too long", {"mapping": [f"at most {MAX_MAPPING_CHARS} characters"]})
    try:
        mapping = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadRequest("mapping is not JSON", {"mapping": [f"not JSON: {exc.msg}"]}) from None
    except RecursionError:
        raise BadRequest("mapping is nested too deeply", {"mapping": ["expected {name: role}"]}) from None
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise BadRequest("mapping must be an object of names to role keys", {"mapping": ["expected {name: role}"]})
    unknown = sorted({v for v in mapping.values() if v not in ROLES})
    if unknown:
        raise BadRequest(f"unknown role {', '.join(unknown)}",
                         {"mapping": [f"unknown role '{r}' (one of {', '.join(ROLES)})" for r in unknown]})
    return mapping


@blp.route("/import.zip")
class ImportFolder(MethodView):
    @blp.arguments(FolderUploadSchema, location="files")
    @blp.arguments(DryRunSchema, location="form")
    @blp.response(200, FolderImportResultSchema)
    def post(self, args, form):
        """Import a zipped definition folder: deploy the versions this server lacks, in order (200 with them; the
        same folder again deploys nothing), or 400 with every problem and nothing changed."""
        user = permissions.require("definition.import")
        scope, seen = orgs.write_scope(user), orgs.visible_definition_orgs(user)
        upload = args["file"]
        dry_run = form["dry_run"]
        report = folders.import_folder(
            folders.read_zip(upload.read()), user.username, client_addr=client_addr(), dry_run=dry_run,
            may_read=lambda org: org is None or org in seen,
            may_write=lambda org: org in scope if org is not None else orgs.is_root(user))
        db.session.commit()
        return report.as_dict()


@blp.route("/import")
class Import(MethodView):
    @blp.arguments(UploadSchema, location="files")
    @blp.arguments(ImportFormSchema, location="form")
    @blp.response(200, ImportResultSchema)
    def post(self, args, form):
        """Propose how diagrams from another modeler (Camunda 7/8, bpmn.io) and their Camunda forms map onto
        roles, forms and deadlines; changes nothing."""
        permissions.require("definition.validate")
        return service.propose_import(_uploads(args), _mapping(form))


@blp.route("/import/accept")
class ImportAccept(MethodView):
    @blp.arguments(UploadSchema, location="files")
    @blp.arguments(ImportFormSchema, location="form")
    @blp.response(201, ImportAcceptSchema)
    def post(self, args, form):
        """Accept the proposal (with the owner's mapping) and deploy the mapped files: 201, or 400 with problems."""
        user = permissions.require("definition.deploy")
        scope = orgs.write_scope(user)
        proposal, created = service.accept_import(
            _uploads(args), _mapping(form), user.username, client_addr(), org_id=orgs.user_bureau(user),
            may_write=lambda org: org in scope if org is not None else orgs.is_root(user))
        db.session.commit()
        return {"versions": created, "proposal": proposal}


@blp.route("/<key>")
class DefinitionVersions(MethodView):
    @blp.response(200, VersionSchema(many=True))
    def get(self, key):
        """All versions of a key, newest first."""
        user = current_user()
        versions = service.visible(user, list(db.session.scalars(
            select(DefinitionVersion).where(DefinitionVersion.key == key)
            .order_by(DefinitionVersion.kind, DefinitionVersion.version.desc()))))
        if not versions:
            raise NotFound(f"definition '{key}' not found")
        return versions


@blp.route("/<key>/versions/<int:version>/bpmn")
class DefinitionXml(MethodView):
    @blp.response(200, content_type="application/xml")
    def get(self, key, version):
        """The BPMN XML of one version."""
        user = current_user()
        ver = service.version_of(key, version)
        if not service.visible(user, [ver]):
            raise NotFound(f"definition '{key}' version {version} not found")
        content = db.session.get(DefinitionFile, ver.sha256).content
        return Response(content, mimetype="application/xml")


def _selection(args: dict) -> tuple[int, int, list[int] | None, str | None]:
    return args["from_version"], args["to_version"], args.get("instance_ids"), args.get("status")


@blp.route("/<key>/migrations/preview")
class MigrationPreview(MethodView):
    @blp.arguments(MigrationRequestSchema)
    @blp.response(200, MigrationResultSchema)
    def post(self, args, key):
        """Whether each selected running case of ``key`` (of the caller's bureau) can move to the newest version,
        and why not (process owner or admin); changes nothing."""
        user = permissions.require(MIGRATE)
        return migrations.preview(user, key, *_selection(args))


@blp.route("/<key>/migrations")
class Migrations(MethodView):
    @blp.arguments(MigrationRequestSchema)
    @blp.response(200, MigrationResultSchema)
    def post(self, args, key):
        """Move the selected cases to the newest version, each in its own transaction; a case that cannot move is
        reported with the reason and left as it was (process owner or admin)."""
        user = permissions.require(MIGRATE)
        return migrations.migrate(user, permissions.acting_role(user, MIGRATE), key, *_selection(args),
                                  client_addr())
@blp.route("/<key>/compare")
class DefinitionCompare(MethodView):
    @blp.arguments(CompareQuerySchema, location="query")
    @blp.response(200, CompareResultSchema)
    def get(self, query, key):
        """What changed from version ``a`` to version ``b``: elements added, removed and changed (name,
        documentation, scripts, conditions, timers, lanes, properties, the forms and decision tables they use),
        each change with its before and after; 404 for a version the caller's bureau does not run, 422 without
        ``a`` or ``b``."""
        return definition_compare.compare(current_user(), key, query["a"], query["b"])


@blp.route("/<key>/versions/<int:version>/stats")
class DefinitionStats(MethodView):
    @blp.arguments(ElementStatsQuerySchema, location="query")
    @blp.response(200, ElementStatsSchema)
    def get(self, query, key, version):
        """Per element of the version: cases now there, cases that passed it, and the median time spent there
        (for a heatmap), over the caller's bureau's cases (``?org=<code>``: a node the caller reads, e.g. the
        county a justice bureau supervises); 404 for a version or organisation the caller does not reach."""
        user = permissions.require("definition.stats")
        ver = service.version_of(key, version)
        if not service.visible(user, [ver]):
            raise NotFound(f"definition '{key}' version {version} not found")
        org_id = org_scope.readable_org(user, query.get("org")) or org_scope.write_org(user)
        permissions.check_org(user, org_id, "definition.stats", "organisation")
        figures = element_stats.element_stats(ver, orgs.subtree(org_id))
        return {**figures, "org": org_scope.code_of(org_id)}
