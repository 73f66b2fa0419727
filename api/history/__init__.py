"""An instance's history of events (auditors)."""
from ..blueprint import Blueprint

blp = Blueprint("history", __name__, url_prefix="/api/v1/instances", description="Instance history")

from . import resources  # noqa: E402,F401
