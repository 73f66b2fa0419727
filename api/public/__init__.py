"""Public, no-login endpoints: published disclosures, correction requests, the list of powers,
certified officers and the annual statistics; plus the public web pages."""
from ..blueprint import Blueprint

blp = Blueprint("public", __name__, url_prefix="/api/v1/public", description="Published decisions (no login)")

from . import pages, resources, withdrawals  # noqa: E402,F401
