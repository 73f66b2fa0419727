"""GET /api/v1/me."""
from flask_smorest import Blueprint

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The logged-in user")

from . import resources  # noqa: E402,F401
