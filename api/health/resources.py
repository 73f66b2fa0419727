from __future__ import annotations

import logging

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

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
            with _probe_engine().connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            log.warning("health: database unreachable (%s)", type(exc).__name__)
            return {"status": "unavailable", "database": "unreachable"}, 503
        return {"status": "ok", "database": "ok"}


def _probe_engine() -> Engine:
    """The engine the probe connects with: on PostgreSQL a new connection each time (no pool), under the connect
    timeout (DATABASE_CONNECT_TIMEOUT_SECONDS). A pooled connection to a database that stopped answering (a frozen
    host or proxy: the socket stays open) would hold the probe as long as TCP does; a new one gives up in seconds.
    Elsewhere (SQLite, a file): the app's own engine."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return engine
    probes = current_app.extensions.setdefault("sanxiang_health_engines", {})
    if engine not in probes:
        options = current_app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        probes[engine] = create_engine(engine.url, poolclass=NullPool, hide_parameters=True,
                                       connect_args=dict(options.get("connect_args") or {}))
    return probes[engine]
