from __future__ import annotations

from flask.views import MethodView

from .. import permissions
from ..extensions import db
from ..security import client_addr, current_user
from ..services import org_scope
from ..services import settings as service
from . import blp
from .schemas import OrgQuerySchema, SettingSchema, SettingUpdateSchema


def _read_org(args: dict) -> int | None:
    return org_scope.readable_org(current_user(), args.get("org"))


@blp.route("")
class Settings(MethodView):
    @blp.arguments(OrgQuerySchema, location="query")
    @blp.response(200, SettingSchema(many=True))
    def get(self, args):
        """Every setting in force for the caller's bureau (or ``?org=<code>``, a node the caller reads), each
        with its version (0 = built-in default) and the organisation it is set at."""
        return service.describe(_read_org(args))


@blp.route("/<key>")
class SettingDetail(MethodView):
    @blp.arguments(OrgQuerySchema, location="query")
    @blp.response(200, SettingSchema)
    def get(self, args, key):
        """One setting in force for the caller's bureau (or ``?org=<code>``); 404 for an unknown key or another
        bureau's node."""
        org_id = _read_org(args)
        return service.describe(org_id, [key])[0]

    @blp.arguments(SettingUpdateSchema)
    @blp.arguments(OrgQuerySchema, location="query")
    @blp.response(200, SettingSchema)
    def put(self, args, query, key):
        """A new version of a setting for the caller's bureau (admin, process_owner; a platform user at the root
        sets the platform's value, inherited by every bureau without its own). ``?org=<code>``: another node
        within the caller's reach (404 outside it, 403 for a supervisor). 422 and nothing changed when invalid."""
        user = permissions.require("setting.edit")
        org_id = org_scope.writable_org(user, query.get("org"), "setting.edit")
        service.put(key, args["value"], user.username, client_addr(), org_id=org_id)
        db.session.commit()
        return service.describe(org_id, [key])[0]
