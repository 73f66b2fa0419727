from __future__ import annotations

from flask import g
from flask.views import MethodView
from sqlalchemy import select

from .. import permissions
from ..extensions import db
from ..models import Instance
from ..security import client_addr
from ..services import orgs
from ..services.commits import commit_keeping
from ..services.instances import open_tasks
from ..services.starts import start_instance
from . import blp
from .schemas import InstanceDetailSchema, InstanceQuerySchema, InstanceSchema, StartSchema


def _detail(instance: Instance, view: permissions.View = "full") -> dict:
    result = {c.key: getattr(instance, c.key) for c in Instance.__table__.columns}
    result["data"] = permissions.shown(instance.data, view)
    result["title"] = permissions.shown({"t": instance.title}, view)["t"]
    result["tasks"] = masked_rows(open_tasks(instance.id), view)
    result["deadlines"] = {"instance_due_at": instance.due_at, "next_timer": instance.next_due}
    return result


def masked_rows(rows: list, view: permissions.View) -> list:
    """Instance or task rows as ``view`` may see them: in the masked view their titles (typed by the officer, so
    they may carry an ID number) pass through the masking rules like the case data."""
    if view == "full":
        return rows
    return [{**{c.key: getattr(r, c.key) for c in r.__table__.columns},
             "title": permissions.shown({"t": r.title}, view)["t"]} for r in rows]


@blp.route("")
class Instances(MethodView):
    @blp.arguments(StartSchema)
    @blp.response(201, InstanceDetailSchema)
    def post(self, args):
        """Start the latest version of a process; ``data`` only with the keys the process declares (startData), 422
        naming each other key."""
        user = permissions.require("instance.start")
        role = permissions.acting_role(user, "instance.start")
        from ..services.definitions import check_startable

        check_startable(user, args["definition_key"])
        instance = start_instance(args["definition_key"], args["data"], user.username, role, client_addr(),
                                  declared_only=True, org_id=orgs.user_bureau(user), unit_id=orgs.user_org(user),
                                  trial=user.has_role("admin"))
        db.session.flush()
        g.log_instance_id = instance.id  # the request's log line names the case it made (api/request_log.py)
        result = _detail(instance)
        commit_keeping()  # the answer is what the start wrote: no second transaction (api/services/commits.py)
        return result

    @blp.arguments(InstanceQuerySchema, location="query")
    @blp.response(200, InstanceSchema(many=True))
    def get(self, args):
        """The instances the caller may read (their bureau's, their unit's, the cases they work on), newest first."""
        user = permissions.require("instance.list")
        stmt = select(Instance).where(permissions.visible_instances_clause(user))
        if args.get("definition_key"):
            stmt = stmt.where(Instance.definition_key == args["definition_key"])
        if args.get("status"):
            stmt = stmt.where(Instance.status == args["status"])
        stmt = stmt.order_by(Instance.id.desc()).limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"])
        rows = list(db.session.scalars(stmt))
        if not user.has_role("publicity_officer"):
            return rows
        return [r if permissions.case_view(user, r) == "full" else masked_rows([r], "masked")[0] for r in rows]


@blp.route("/<int:instance_id>")
class InstanceDetail(MethodView):
    @blp.response(200, InstanceDetailSchema)
    def get(self, instance_id):
        """Status, open tasks, case data and deadlines (a read recorded on the case's access stream)."""
        _, instance, view = permissions.open_case(instance_id, what="instance")
        return _detail(instance, view)
