"""The organisation tree as the caller sees it (read-only)."""
from ..blueprint import Blueprint

blp = Blueprint("organisations", __name__, url_prefix="/api/v1/organisations",
                description="Organisations: the tree visible to the caller (province → city → county → bureau)")

from . import resources  # noqa: E402,F401
