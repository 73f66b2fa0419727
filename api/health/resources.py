from __future__ import annotations

import logging

from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from . import blp

log = logging.getLogger("sanxiang.health")


class HealthSchema(Schema):
    status = fields.String(metadata={"description": "`ok` or `unavailable`"})
    database = fields.String(metadata={"description": "`ok` or `unreachable`"})


@blp.route("")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="the database is unreachable")
    def get(self):
        """200 when the database answers, 503 when it does not; no login, no versions, no names."""
        try:
            db.session.execute(text("SELECT 1"))
            db.session.rollback()
        except SQLAlchemyError as exc:
            db.session.rollback()
            log.warning("health: database unreachable (%s)", type(exc).__name__)
            return {"status": "unavailable", "database": "unreachable"}, 503
        return {"status": "ok", "database": "ok"}
