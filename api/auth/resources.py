from __future__ import annotations

from flask.views import MethodView

from ..extensions import db
from ..me.schemas import user_payload
from ..security import authenticate, issue_token
from . import blp
from .schemas import TokenRequestSchema, TokenResponseSchema


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenResponseSchema)
    def post(self, args):
        """Exchange username and password for a Bearer token."""
        user = authenticate(args["username"], args["password"])
        token = issue_token(user)
        db.session.commit()
        return {"token": token, "user": user_payload(user)}
