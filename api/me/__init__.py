"""GET /api/v1/me."""
from ..blueprint import Blueprint

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The logged-in user")

from . import resources  # noqa: E402,F401
