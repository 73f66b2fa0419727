"""POST /api/v1/auth/token."""
from ..blueprint import Blueprint

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Log in and get an API token")

from . import resources  # noqa: E402,F401
