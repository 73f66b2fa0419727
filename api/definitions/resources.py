from __future__ import annotations

from flask import Response
from flask.views import MethodView
from sqlalchemy import select

from ..errors import BadRequest
from ..extensions import db
from ..models import DefinitionFile, DefinitionVersion
from ..security import client_addr, current_user, require_role
from ..services import definitions as service
from . import blp
from .schemas import DeployResultSchema, UploadSchema, ValidateResultSchema, VersionSchema


def _uploads(args: dict) -> dict[str, bytes]:
    files = args.get("files") or []
    uploads: dict[str, bytes] = {}
    for storage in files:
        if not storage.filename:
            raise BadRequest("every uploaded file needs a filename", {"files": ["missing filename"]})
        uploads[storage.filename] = storage.read()
    return uploads


@blp.route("")
class Definitions(MethodView):
    @blp.response(200, VersionSchema(many=True))
    def get(self):
        """The latest version of each process key."""
        current_user()
        return sorted((v for v in service._latest_versions() if v.kind == "bpmn"), key=lambda v: v.key)

    @blp.arguments(UploadSchema, location="files")
    @blp.response(201, DeployResultSchema)
    def post(self, args):
        """Deploy files (role process_owner): 201 with new versions, or 400 with problems."""
        user = require_role("process_owner")
        created = service.deploy(_uploads(args), user.username, client_addr())
        db.session.commit()
        return {"versions": created}


@blp.route("/validate")
class Validate(MethodView):
    @blp.arguments(UploadSchema, location="files")
    @blp.response(200, ValidateResultSchema)
    def post(self, args):
        """Dry run of a deploy: 200 when valid, 400 with problems."""
        require_role("process_owner")
        catalog = service.validate(_uploads(args))
        return {"valid": True, "processes": sorted(catalog.processes), "decisions": sorted(catalog.decisions),
                "forms": sorted(catalog.forms)}


@blp.route("/<key>")
class DefinitionVersions(MethodView):
    @blp.response(200, VersionSchema(many=True))
    def get(self, key):
        """All versions of a key, newest first."""
        current_user()
        versions = list(db.session.scalars(select(DefinitionVersion).where(DefinitionVersion.key == key)
                                           .order_by(DefinitionVersion.kind, DefinitionVersion.version.desc())))
        if not versions:
            service.version_of(key)  # raises NotFound
        return versions


@blp.route("/<key>/versions/<int:version>/bpmn")
class DefinitionXml(MethodView):
    @blp.response(200, content_type="application/xml")
    def get(self, key, version):
        """The BPMN XML of one version."""
        current_user()
        ver = service.version_of(key, version)
        content = db.session.get(DefinitionFile, ver.sha256).content
        return Response(content, mimetype="application/xml")
