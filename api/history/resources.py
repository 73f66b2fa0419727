from __future__ import annotations

import os

from flask import Response, request
from flask.views import MethodView
from sqlalchemy import select
from werkzeug.wsgi import wrap_file

from .. import permissions
from ..extensions import db
from ..instances.schemas import InstanceSchema
from ..models import Event
from ..security import client_addr
from ..services import audit, corrections
from ..services.access import access_stream
from ..services.archive import build_archive
from ..services.history import instance_stream
from . import blp
from .schemas import (
    CancelSchema,
    DataEditSchema,
    EventSchema,
    HistoryQuerySchema,
    RewindSchema,
    StateSchema,
    VerifySchema,
)


@blp.route("/<int:instance_id>/history")
class History(MethodView):
    @blp.arguments(HistoryQuerySchema, location="query")
    @blp.response(200, EventSchema(many=True))
    def get(self, args, instance_id):
        """Every event of the instance (its own stream first, then its access stream: reads of its personal data and
        evidence downloads), with hashes; ``stream`` picks one of them. This read is itself recorded."""
        permissions.open_case(instance_id, "instance.history", what="history")
        stmt = select(Event).where(Event.instance_id == instance_id)
        if args["stream"] == "case":
            stmt = stmt.where(Event.stream == instance_stream(instance_id))
        elif args["stream"] == "access":
            stmt = stmt.where(Event.stream == access_stream(instance_id))
        return list(db.session.scalars(stmt.order_by(Event.stream.desc(), Event.seq)))


@blp.route("/<int:instance_id>/history/<int:seq>/state")
class StateAfter(MethodView):
    @blp.response(200, StateSchema)
    def get(self, instance_id, seq):
        """The instance as it was after event ``seq``: element states and data (stored snapshot)."""
        permissions.open_case(instance_id, "instance.history", what="state")
        return audit.state_after(instance_id, seq)


@blp.route("/<int:instance_id>/verify")
class Verify(MethodView):
    @blp.response(200, VerifySchema)
    def get(self, instance_id):
        """Check the chain, checkpoints, definition files, snapshots and evidence; re-run the instance."""
        permissions.open_case(instance_id, "instance.verify")
        return audit.verify_instance(instance_id)


@blp.route("/<int:instance_id>/archive")
class Archive(MethodView):
    @blp.response(200, content_type="application/zip")
    def get(self, instance_id):
        """The case archive (案卷) as a zip: manifest, BPMN, evidence, case file in Chinese."""
        user, instance, _ = permissions.open_case(instance_id, "instance.archive")
        archive = build_archive(instance, user.username, client_addr())
        try:
            db.session.commit()
            size = os.fstat(archive.fileno()).st_size
        except BaseException:
            archive.close()
            raise
        response = Response(wrap_file(request.environ, archive), mimetype="application/zip",
                            direct_passthrough=True, headers={
                                "Content-Disposition": f'attachment; filename="case-{instance_id}-archive.zip"'})
        response.content_length = size  # streamed from its temporary file, which closes (and goes) with the response
        return response


@blp.route("/<int:instance_id>/data")
class DataEdit(MethodView):
    @blp.arguments(DataEditSchema)
    @blp.response(200, InstanceSchema)
    def patch(self, args, instance_id):
        """Admin correction of case data: a new event with before/after; nothing is overwritten in history."""
        user, _, _ = permissions.open_case(instance_id, "instance.edit_data")
        instance = corrections.edit_data(instance_id, args["changes"], args["reason"], user, client_addr())
        db.session.commit()
        return instance


@blp.route("/<int:instance_id>/rewind")
class Rewind(MethodView):
    @blp.arguments(RewindSchema)
    @blp.response(200, InstanceSchema)
    def post(self, args, instance_id):
        """Admin rewind to an earlier user task: a new event; the history before it stays."""
        user, _, _ = permissions.open_case(instance_id, "instance.rewind")
        instance = corrections.rewind(instance_id, args["element_id"], args["reason"], user, client_addr())
        db.session.commit()
        return instance


@blp.route("/<int:instance_id>/cancel")
class Cancel(MethodView):
    @blp.arguments(CancelSchema)
    @blp.response(200, InstanceSchema)
    def post(self, args, instance_id):
        """Admin: stop a running case for good with a reason (a new event; state and history stay)."""
        user, _, _ = permissions.open_case(instance_id, "instance.cancel")
        instance = corrections.cancel(instance_id, args["reason"], user, client_addr())
        db.session.commit()
        return instance
