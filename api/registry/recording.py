"""The A/V recording list (音像记录事项和岗位清单) as versioned rows: permit items, penalty items and posts with
whether audio/video records are kept and for which acts. No commits here.

Every change is a new version and an event on the hash-chained ``recording_items`` stream (who changed what,
when); nothing is updated in place. The rule that reads the list: api/services/recording_list.py.
"""
from __future__ import annotations

from typing import Any

from engine import clock

from ..extensions import db
from ..models.recording import RecordingItem
from ..services import org_scope
from ..services.history import append_event
from ..services.recording_list import current_entries
from . import lists

FIELDS = ("kind", "name", "av_required", "av_acts", "note", "retired")
STREAM = "recording_items"


def current(include_retired: bool = False, org_id: int | None = None) -> list[RecordingItem]:
    """The current entries of bureau ``org_id``'s list (default: the caller's bureau), by kind and code."""
    return current_entries(org_id if org_id is not None else org_scope.effective_org(), include_retired)


def versions(code: str, org_id: int | None = None) -> list[RecordingItem]:
    """Every version of ``code`` in the bureau's list, oldest first. Raises NotFound (another bureau's too)."""
    return lists.versions(RecordingItem, code, org_id, "recording list entry")


def put(code: str, values: dict[str, Any], actor: str, client_addr: str | None = None,
        org_id: int | None = None) -> RecordingItem:
    """A new version of entry ``code`` (the first creates it) in the list of ``org_id`` (default: the caller's
    bureau), from validated values; no commit.

    Raises:
        StateConflict: a concurrent change took the same version (the flush's unique key, 409).
    """
    org_id = org_id if org_id is not None else org_scope.effective_org()
    data = {k: values[k] for k in FIELDS if values.get(k) is not None}
    data["av_acts"] = sorted(set(data.get("av_acts") or []))
    row = RecordingItem(code=code, org_id=org_id, version=lists.next_version(RecordingItem, code, org_id),
                        changed_by=actor, changed_at=clock.now(), **data)
    db.session.add(row)
    db.session.flush()  # a unique-key clash: a concurrent change (409)
    append_event(STREAM, None, "recording_item_changed", actor=actor, client_addr=client_addr,
                 data={"code": code, "version": row.version, "org_id": org_id, **data})
    return row
