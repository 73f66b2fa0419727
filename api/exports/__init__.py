"""Exports for other systems: the supervising justice bureau's export and the 双公示 credit-platform reports."""
from ..blueprint import Blueprint

blp = Blueprint("exports", __name__, url_prefix="/api/v1/exports",
                description="Exports for the supervising justice bureau (行政执法监督) and the credit platform (执法双公示)")

from . import resources  # noqa: E402,F401
