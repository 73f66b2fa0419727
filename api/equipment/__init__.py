"""The A/V equipment ledger: register devices, check them out to officers and back, read the ledger."""
from ..blueprint import Blueprint

blp = Blueprint("equipment", __name__, url_prefix="/api/v1/devices",
                description="Recording equipment ledger (音像记录设备的配备、领用、管理)")

from . import resources  # noqa: E402,F401
