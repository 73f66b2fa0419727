"""Which acts of a case need an audio/video record (seed 四(二)1, 四(二)2), read from data, not code.

An act (a task with ``actKind``) needs A/V when any of these asks for it:

* the setting ``recording_requirements`` marks its kind ``av`` (the bureau's floor per act kind), or the case's data
  sets the full-process flag (``full_process_flag``, default ``major_property_rights``);
* the case's item on the bureau's recording list (音像记录事项清单, :class:`api.models.RecordingItem`): a permit
  case's ``permit_item``, an enforcement case's ``service_item``, with ``av_required`` and the act's kind among
  ``av_acts`` (empty: every act of the item);
* the case's post on that list (``service_post``, kind ``post``), likewise.

The list read is the **one in force when the act is done** (the completion or the upload), of the case's own
bureau (its chain up to the platform root): a procedural rule applies to acts from the day it is set, and an act
done before a change kept the record the rule then asked for. Another bureau's list is never read.

Acts nothing here asks A/V for get it only after an approved legality argument (合法性论证,
:mod:`.legality`). No commits here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..models import Instance
from ..models.recording import RecordingItem
from . import settings

#: the case data keys naming the case's entries on the list: (key, the entry kinds it may name)
CASE_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("permit_item", ("permit",)), ("service_item", ("permit", "penalty")), ("service_post", ("post",)))


@dataclass(frozen=True)
class Requirement:
    """Whether an act needs A/V, and why (each reason names the rule and the entry: ``list:penalty-rra64 v2``)."""

    needs_av: bool
    reasons: tuple[str, ...] = field(default_factory=tuple)


def current_entries(org_id: int | None, include_retired: bool = False) -> list[RecordingItem]:
    """The list of bureau ``org_id`` in force now: per code, the latest version of the nearest node having it."""
    from ..registry import lists  # registry -> services: import late

    return lists.effective(RecordingItem, org_id, include_retired, order=lambda r: (r.kind, r.code))


def _entry_asks(entry: RecordingItem, act_kind: str) -> bool:
    return bool(entry.av_required) and (not entry.av_acts or act_kind in entry.av_acts)


def requirement(act_kind: str | None, instance: Instance) -> Requirement:
    """Whether an act of kind ``act_kind`` on ``instance`` needs an audio/video record now (a task without
    ``actKind`` is no act: never)."""
    if not act_kind:
        return Requirement(False)
    reasons: list[str] = []
    table = settings.get("recording_requirements", instance.org_id)
    if table.get("acts", {}).get(act_kind) == "av":
        reasons.append(f"setting recording_requirements: {act_kind}")
    flag = table.get("full_process_flag")
    if flag and instance.data.get(flag):
        reasons.append(f"full process: {flag}")
    chosen = [(str(instance.data[key]), kinds) for key, kinds in CASE_KEYS
              if isinstance(instance.data.get(key), str) and instance.data.get(key)]
    if chosen:
        by_code = {e.code: e for e in current_entries(instance.org_id)}
        for code, kinds in chosen:
            entry = by_code.get(code)
            if entry is not None and entry.kind in kinds and _entry_asks(entry, act_kind):
                reasons.append(f"recording list: {entry.kind} {entry.code} v{entry.version}")
    return Requirement(bool(reasons), tuple(reasons))


def options(kinds: tuple[str, ...], org_id: int | None = None) -> list[dict[str, Any]]:
    """The bureau's current entries of ``kinds`` as form options (``[{"label", "value"}]``)."""
    from . import org_scope

    org_id = org_id if org_id is not None else org_scope.effective_org()
    return [{"label": f"{e.name}（{'需音像记录' if e.av_required else '文字记录'}）", "value": e.code}
            for e in current_entries(org_id) if e.kind in kinds]
