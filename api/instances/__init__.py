"""Process instances: start, list, get."""
from ..blueprint import Blueprint

blp = Blueprint("instances", __name__, url_prefix="/api/v1/instances", description="Process instances")

from . import resources  # noqa: E402,F401
