"""Users: list, create, change (roles, active, legal qualification, organisation), password, certificates, lockout.

Only the role ``admin``; an admin sees and manages the users of their own organisation's subtree.
"""
from __future__ import annotations

from flask.views import MethodView

from .. import permissions
from ..extensions import db
from ..security import client_addr
from . import blp
from . import service as users
from .schemas import (
    PasswordSchema,
    UserCertificateInSchema,
    UserChangeSchema,
    UserCreateSchema,
    UserSchema,
)


def _commit_and_show(user) -> dict:
    db.session.commit()
    return users.as_dict(user)


@blp.route("")
class Users(MethodView):
    @blp.response(200, UserSchema(many=True))
    def get(self):
        """The users of the admin's organisations, with roles, certificates and login lock state."""
        admin = permissions.require("user.manage")
        return [users.as_dict(u) for u in users.list_users(admin)]

    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, args):
        """Create a user in an organisation of the admin's subtree; 409 if the username is taken."""
        admin = permissions.require("user.manage")
        return _commit_and_show(users.create_user(admin, args, client_addr()))


@blp.route("/<username>")
class UserOne(MethodView):
    @blp.response(200, UserSchema)
    def get(self, username: str):
        """One user; 404 if unknown or outside the admin's organisations."""
        admin = permissions.require("user.manage")
        return users.as_dict(users.get_user(admin, username))

    @blp.arguments(UserChangeSchema)
    @blp.response(200, UserSchema)
    def patch(self, args, username: str):
        """Change display name, roles, legal_qualified, active or organisation (recorded with before/after).

        Deactivating ends the user's tokens and web sessions; 409 if it would leave no active admin."""
        admin = permissions.require("user.manage")
        return _commit_and_show(users.change_user(admin, username, args, client_addr()))


@blp.route("/<username>/password")
class UserPassword(MethodView):
    @blp.arguments(PasswordSchema)
    @blp.response(200, UserSchema)
    def put(self, args, username: str):
        """Set a new password (at least PASSWORD_MIN_LENGTH characters); every token and session of the user ends."""
        admin = permissions.require("user.manage")
        return _commit_and_show(users.reset_password(admin, username, args["password"], client_addr()))


@blp.route("/<username>/certificates")
class UserCertificates(MethodView):
    @blp.arguments(UserCertificateInSchema)
    @blp.response(201, UserSchema)
    def post(self, args, username: str):
        """Register an enforcement certificate (执法证) for the user; 409 if the number is taken."""
        admin = permissions.require("user.manage")
        cert = users.add_certificate(admin, username, args, client_addr())
        db.session.commit()
        return users.as_dict(cert.user)


@blp.route("/<username>/lockout")
class UserLockout(MethodView):
    @blp.response(200, UserSchema)
    def delete(self, username: str):
        """Lift the user's login lock (recorded with the failures it cleared)."""
        admin = permissions.require("user.manage")
        return _commit_and_show(users.lift_lockout(admin, username, None, client_addr()))

