"""The working-day calendar: which years' holidays are known, and loading a year's official schedule."""
from ..blueprint import Blueprint

blp = Blueprint("calendar", __name__, url_prefix="/api/v1/calendar",
                description="Working-day calendar: known years, loading a year's holidays (节假日安排)")

from . import resources  # noqa: E402,F401
