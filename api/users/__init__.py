"""/api/v1/users: admins manage users, roles, legal qualification, certificates, passwords and lockouts."""
from ..blueprint import Blueprint

blp = Blueprint("users", __name__, url_prefix="/api/v1/users",
                description="User administration (admin): every change is an event on the 'users' stream")

from . import resources  # noqa: E402,F401
