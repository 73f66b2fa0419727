"""Evidence (A/V, photos, documents): upload to an instance, download by sha256 with Range, every read logged."""
from ..blueprint import Blueprint

blp = Blueprint("evidence", __name__, url_prefix="/api/v1", description="Evidence files (whole-process recording)")

from . import resources  # noqa: E402,F401
from .uploads import upload_blp  # noqa: E402,F401
