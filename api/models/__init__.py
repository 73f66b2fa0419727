"""Flask-SQLAlchemy models. Import from here."""
from .definitions import DefinitionFile, DefinitionVersion
from .disclosures import AnnualReport, CorrectionRequest, Disclosure, DisclosureWithdrawal
from .events import Blob, Checkpoint, Event
from .evidence import Device, DeviceMovement, EvidenceItem
from .instances import Instance, TaskRow, WorkflowTask
from .locks import Lock
from .orgs import Organisation
from .recording import RecordingItem
from .registry import PowerItem
from .settings import Setting
from .users import ApiToken, Certificate, LoginAttempt, User

__all__ = [
    "AnnualReport",
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
    "DisclosureWithdrawal",
    "Event",
    "EvidenceItem",
    "Instance",
    "Lock",
    "LoginAttempt",
    "Organisation",
    "PowerItem",
    "RecordingItem",
    "Setting",
    "TaskRow",
    "User",
    "WorkflowTask",
]
