"""The inbox: list, get, claim, unclaim, complete."""
from ..blueprint import Blueprint

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="User tasks (the inbox)")

from . import resources  # noqa: E402,F401
