"""Public, no-login endpoints: published disclosures and correction requests."""
from flask_smorest import Blueprint

blp = Blueprint("public", __name__, url_prefix="/api/v1/public", description="Published decisions (no login)")

from . import resources  # noqa: E402,F401
