"""/api/v1/training: reviewers' training records (定期培训), kept by the admin of the reviewer's bureau."""
from ..blueprint import Blueprint

blp = Blueprint("training", __name__, url_prefix="/api/v1/training",
                description="Reviewers' training records (定期培训): append-only, corrections as new entries")

from . import resources  # noqa: E402,F401
