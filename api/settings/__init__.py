"""Bureau settings (versioned): recording requirements, warning days, masking rules, calendar overrides."""
from ..blueprint import Blueprint

blp = Blueprint("settings", __name__, url_prefix="/api/v1/settings", description="Bureau settings (versioned)")

from . import resources  # noqa: E402,F401
