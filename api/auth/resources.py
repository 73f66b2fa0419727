from __future__ import annotations

from flask.views import MethodView

from ..errors import Unauthorized
from ..extensions import db
from ..me.schemas import user_payload
from ..security import (
    SESSION_TOKEN,
    authenticate,
    bearer_token,
    client_addr,
    csrf_token,
    current_user,
    end_web_session,
    issue_token,
    revoke,
)
from . import blp
from .schemas import CsrfTokenSchema, TokenRequestSchema, TokenResponseSchema


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenResponseSchema)
    def post(self, args):
        """Exchange username and password for a Bearer token.

        401 on wrong credentials (an unknown user costs what a wrong password costs); 429 when the username is
        locked after too many failures or the address is over its budget of failed attempts."""
        user = authenticate(args["username"], args["password"], client_addr())
        token = issue_token(user)
        db.session.commit()
        return {"token": token, "user": user_payload(user)}


@blp.route("/logout")
class Logout(MethodView):
    @blp.response(204)
    def post(self):
        """Revoke the presented Bearer token (or end the cookie session); 401 if it is not a valid credential."""
        from flask import session

        current_user()  # 401 for a revoked, expired or unknown credential
        bearer = bearer_token()
        if bearer is not None:
            if not revoke(bearer):
                raise Unauthorized("login required")
        elif isinstance(session.get(SESSION_TOKEN), str):
            end_web_session()
        db.session.commit()


@blp.route("/csrf")
class Csrf(MethodView):
    @blp.response(200, CsrfTokenSchema)
    def get(self):
        """The CSRF token of the cookie session (for X-CSRF-Token); Bearer clients need none."""
        return {"csrf_token": csrf_token()}
