"""Process instances: start, list, get."""
from flask_smorest import Blueprint

blp = Blueprint("instances", __name__, url_prefix="/api/v1/instances", description="Process instances")

from . import resources  # noqa: E402,F401
