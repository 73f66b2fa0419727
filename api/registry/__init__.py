"""Before-the-fact publicity (事前公开) kept by the bureau: the list of powers (权责清单) and certificates."""
from ..blueprint import Blueprint

blp = Blueprint("registry", __name__, url_prefix="/api/v1",
                description="List of powers (权责清单) and enforcement certificates (执法证)")

from . import guard, recording_resources, resources  # noqa: E402,F401  (guard: the Instance.data checks)
