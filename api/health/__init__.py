"""GET /api/v1/health: is this server process able to answer (its database reachable)? For load balancers."""
from ..blueprint import Blueprint

blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="Liveness and the database")

from . import resources  # noqa: E402,F401
