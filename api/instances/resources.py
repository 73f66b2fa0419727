from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from ..extensions import db
from ..models import Instance
from ..security import client_addr, current_user, require_role
from ..services.instances import get_instance, open_tasks, start_instance
from . import blp
from .schemas import InstanceDetailSchema, InstanceQuerySchema, InstanceSchema, StartSchema

STARTERS = ("officer", "admin")


def _detail(instance: Instance) -> dict:
    result = {c.key: getattr(instance, c.key) for c in Instance.__table__.columns}
    result["tasks"] = open_tasks(instance.id)
    result["deadlines"] = {"instance_due_at": instance.due_at, "next_timer": instance.next_due}
    return result


@blp.route("")
class Instances(MethodView):
    @blp.arguments(StartSchema)
    @blp.response(201, InstanceDetailSchema)
    def post(self, args):
        """Start the latest version of a process; ``data`` only with the keys the process declares (startData), 422
        naming each other key."""
        user = require_role(*STARTERS)
        role = next((r for r in STARTERS if user.has_role(r)), None)
        instance = start_instance(args["definition_key"], args["data"], user.username, role, client_addr(),
                                  declared_only=True)
        db.session.commit()
        return _detail(instance)

    @blp.arguments(InstanceQuerySchema, location="query")
    @blp.response(200, InstanceSchema(many=True))
    def get(self, args):
        """Instances, newest first."""
        current_user()
        stmt = select(Instance)
        if args.get("definition_key"):
            stmt = stmt.where(Instance.definition_key == args["definition_key"])
        if args.get("status"):
            stmt = stmt.where(Instance.status == args["status"])
        stmt = stmt.order_by(Instance.id.desc()).limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"])
        return list(db.session.scalars(stmt))


@blp.route("/<int:instance_id>")
class InstanceDetail(MethodView):
    @blp.response(200, InstanceDetailSchema)
    def get(self, instance_id):
        """Status, open tasks, case data and deadlines."""
        current_user()
        return _detail(get_instance(instance_id))
