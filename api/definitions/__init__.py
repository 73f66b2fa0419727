"""Process definitions: list, versions, deploy, validate, BPMN XML."""
from ..blueprint import Blueprint

blp = Blueprint("definitions", __name__, url_prefix="/api/v1/definitions",
                description="Process definitions (BPMN, DMN, forms) and their versions")

from . import resources  # noqa: E402,F401
