"""Annual enforcement statistics: live figures for supervisors, publication of the yearly report."""
from ..blueprint import Blueprint

blp = Blueprint("statistics", __name__, url_prefix="/api/v1/statistics",
                description="Annual enforcement statistics (执法统计年报)")

from . import resources  # noqa: E402,F401
