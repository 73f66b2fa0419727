"""Flask-SQLAlchemy models. Import from here."""
from .credit import CreditReport
from .definitions import DefinitionFile, DefinitionVersion
from .disclosures import AnnualReport, CorrectionRequest, Disclosure, DisclosureWithdrawal
from .events import Blob, Checkpoint, Event
from .evidence import Device, DeviceMovement, EvidenceItem
from .instances import Instance, TaskRow, WorkflowTask
from .locks import Lock
from .orgs import Organisation
from .parties import PartyLink, TrainingRecord
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
    "CreditReport",
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
    "PartyLink",
    "PowerItem",
    "RecordingItem",
    "Setting",
    "TaskRow",
    "TrainingRecord",
    "User",
    "WorkflowTask",
]
