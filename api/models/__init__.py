"""Flask-SQLAlchemy models. Import from here."""
from .definitions import DefinitionFile, DefinitionVersion
from .disclosures import CorrectionRequest, Disclosure
from .events import Blob, Checkpoint, Event
from .evidence import Device, DeviceMovement, EvidenceItem
from .instances import Instance, TaskRow
from .users import ApiToken, Certificate, User

__all__ = [
    "ApiToken",
    "Blob",
    "Checkpoint",
    "Certificate",
    "CorrectionRequest",
    "DefinitionFile",
    "DefinitionVersion",
    "Device",
    "DeviceMovement",
    "Disclosure",
    "Event",
    "EvidenceItem",
    "Instance",
    "TaskRow",
    "User",
]
