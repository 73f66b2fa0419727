from __future__ import annotations

from flask.views import MethodView

from ..security import current_user
from . import blp
from .schemas import MeSchema, user_payload


@blp.route("")
class Me(MethodView):
    @blp.response(200, MeSchema)
    def get(self):
        """Who am I: roles and the certificate valid today."""
        return user_payload(current_user())
