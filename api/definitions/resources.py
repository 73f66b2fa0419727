from __future__ import annotations

from flask import Response
from flask.views import MethodView
from sqlalchemy import select

from engine.errors import NotFound

from .. import permissions
from ..errors import BadRequest
from ..extensions import db
from ..inputs import filename_problem
from ..models import DefinitionFile, DefinitionVersion
from ..security import client_addr, current_user
from ..services import definition_compare, element_stats, org_scope, orgs
from ..services import definitions as service
from . import blp
from .schemas import (
    CompareQuerySchema,
    CompareResultSchema,
    DeployResultSchema,
    ElementStatsQuerySchema,
    ElementStatsSchema,
    UploadSchema,
    ValidateResultSchema,
    VersionSchema,
)


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
