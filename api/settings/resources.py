from __future__ import annotations

from flask.views import MethodView

from ..extensions import db
from ..security import client_addr, current_user, require_role
from ..services import settings as service
from . import blp
from .schemas import SettingSchema, SettingUpdateSchema

EDITORS = ("admin", "process_owner")


@blp.route("")
class Settings(MethodView):
    @blp.response(200, SettingSchema(many=True))
    def get(self):
        """Every setting with the version in force (version 0 = built-in default)."""
        current_user()
        return service.describe()


@blp.route("/<key>")
class SettingDetail(MethodView):
    @blp.response(200, SettingSchema)
    def get(self, key):
        """One setting with the version in force; 404 for an unknown key."""
        current_user()
        service.current(key)  # raises NotFound for an unknown key
        return next(s for s in service.describe() if s["key"] == key)

    @blp.arguments(SettingUpdateSchema)
    @blp.response(200, SettingSchema)
    def put(self, args, key):
        """A new version of a setting (admin, process_owner); 422 and nothing changed when invalid."""
        user = require_role(*EDITORS)
        service.put(key, args["value"], user.username, client_addr())
        db.session.commit()
        return next(s for s in service.describe() if s["key"] == key)
