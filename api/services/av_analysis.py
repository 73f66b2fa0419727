"""The A/V analysis of a case (seed 四(二)1: A/V material is analysed, not only stored; docs/DOMAIN.md §2.3, §6).

From the case's recorded ``audio_video`` evidence items, its task rows (when each task was opened and completed)
and the equipment ledger, per case:

* each recording: its running time (``duration_seconds`` as declared at upload; ``null`` and the finding
  ``duration_unknown`` when it was not recorded — items uploaded before the field existed — never guessed), its
  pauses (count, each with its reason and length; a pause without ``resumed_at`` has an unknown length), its end
  (capture start + running time + pauses, when all are known), the task it documents and where the capture falls
  against that task's window (``before_opened`` / ``while_open`` / ``after_completed``, with the gap in seconds;
  flagged past the tolerance), and who held its device at the start and at the end of the recording;
* totals, and per act (each task with an ``actKind`` or an attached recording);
* acts that needed A/V (the recording table in force when the act was completed, api/services/rules.py
  ``check_recording``) without any attached: ``pending`` while the task is open, a finding once it is completed;
* devices used, and whether each capture's device was checked out to an officer of the case;
* overlaps between recordings (same device: a finding — one device cannot record twice at once; different devices:
  reported, two officers may film one act).

Times are UTC. Nothing here writes or commits; the caller records the read (api/services/access.py).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from engine import clock
from engine.errors import NotFound

from ..extensions import db
from ..models import Device, EvidenceItem, Instance, TaskRow
from ..models.types import as_utc, utc_iso
from . import settings
from .equipment import holder_at
from .instances import bundle_for
from .rules import case_officers

#: captures further than this from their task's window are flagged (seconds; app config ``AV_GAP_TOLERANCE_SECONDS``)
DEFAULT_TOLERANCE = 3600
RECORDING_KEY = "recording_requirements"
#: findings that make a case one "with A/V gaps" in the bureau summary (the unknowns are counted on their own)
GAP_FINDINGS = ("act_without_av", "captured_long_before_task", "captured_long_after_task",
                "device_not_held_by_case_officer", "device_not_in_ledger", "same_device_overlap",
                "not_attached_to_task")
UNKNOWN_FINDINGS = ("duration_unknown", "pause_length_unknown", "definitions_unreadable")


def tolerance_seconds() -> int:
    return int(current_app.config.get("AV_GAP_TOLERANCE_SECONDS", DEFAULT_TOLERANCE))


@dataclass
class _Span:
    evidence_id: int
    device_id: str | None
    start: datetime
    end: datetime | None


def _seconds(delta: timedelta) -> int:
    return int(round(delta.total_seconds()))


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def _pauses(item: EvidenceItem) -> tuple[list[dict[str, Any]], int, int]:
    """The item's pauses as reported, the known paused seconds and how many pauses have no known length."""
    out, paused, unknown = [], 0, 0
    for pause in item.pauses or []:
        at, resumed = _parse(pause.get("at")), _parse(pause.get("resumed_at"))
        seconds = _seconds(resumed - at) if at is not None and resumed is not None else None
        if seconds is None:
            unknown += 1
        else:
            paused += seconds
        out.append({"at": pause.get("at"), "resumed_at": pause.get("resumed_at"), "seconds": seconds,
                    "reason": pause.get("reason")})
    return out, paused, unknown


def _against_task(start: datetime, task: TaskRow | None, tolerance: int) -> dict[str, Any]:
    """Where a capture starting at ``start`` falls against its task's window (opened .. completed)."""
    if task is None:
        return {"position": "no_task", "gap_seconds": None, "flagged": True}
    opened = as_utc(task.created_at)
    completed = as_utc(task.completed_at) if task.completed_at is not None else None
    if start < opened:
        position, gap = "before_opened", _seconds(opened - start)
    elif completed is not None and start > completed:
        position, gap = "after_completed", _seconds(start - completed)
    else:
        position, gap = "while_open", 0
    return {"position": position, "gap_seconds": gap, "flagged": gap > tolerance,
            "opened_at": utc_iso(opened), "completed_at": utc_iso(completed) if completed else None}


def _holder(device_id: str | None, when: datetime | None, officers: set[str]) -> dict[str, Any] | None:
    if device_id is None or when is None:
        return None
    holder = holder_at(device_id, when)
    return {"at": utc_iso(when), "checked_out_to": holder, "case_officer": holder is not None and holder in officers}


class _Needs:
    """Whether a task's act needed A/V: the recording table in force when it was completed (now, while open)."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.versions = settings.timeline([RECORDING_KEY], instance.org_id)
        self.now = settings.get(RECORDING_KEY, instance.org_id)

    def __call__(self, act_kind: str | None, task: TaskRow) -> bool:
        if not act_kind:
            return False
        table = (settings.at(self.versions, RECORDING_KEY, as_utc(task.completed_at))[0]
                 if task.completed_at is not None else self.now)
        flag = table.get("full_process_flag")
        data = self.instance.data if isinstance(self.instance.data, dict) else {}
        return table.get("acts", {}).get(act_kind) == "av" or bool(flag and data.get(flag))


def analyse(instance: Instance) -> dict[str, Any]:
    """The case's A/V analysis (see the module docstring), JSON-ready."""
    tolerance = tolerance_seconds()
    items = list(db.session.scalars(select(EvidenceItem).where(EvidenceItem.instance_id == instance.id,
                                                               EvidenceItem.kind == "audio_video")
                                    .order_by(EvidenceItem.captured_at, EvidenceItem.id)))
    tasks = list(db.session.scalars(select(TaskRow).where(TaskRow.instance_id == instance.id)
                                    .order_by(TaskRow.created_at, TaskRow.id)))
    by_id = {t.id: t for t in tasks}
    officers = case_officers(instance)
    try:
        bundle = bundle_for(instance)
    except Exception:  # noqa: BLE001 - a case whose definitions cannot be rebuilt is a finding, never a crash
        bundle = None  # (the acts' kinds are then unknown; verify reports the case's definitions)
    findings: list[dict[str, Any]] = []
    recordings, spans = [], []
    now = clock.now()
    for item in items:
        start = as_utc(item.captured_at) if item.captured_at is not None else None
        pauses, paused, pauses_unknown = _pauses(item)
        duration = item.duration_seconds
        end = (start + timedelta(seconds=duration + paused)
               if start is not None and duration is not None and not pauses_unknown else None)
        task = by_id.get(item.task_id or "")
        where = _against_task(start, task, tolerance) if start is not None else {
            "position": "unknown", "gap_seconds": None, "flagged": False}
        device_start = _holder(item.device_id, start, officers)
        device_end = _holder(item.device_id, end, officers) if end is not None and end <= now else None
        in_ledger = item.device_id is not None and db.session.scalar(
            select(Device.id).where(Device.code == item.device_id)) is not None
        row = {
            "evidence_id": item.id, "title": item.title, "task_id": item.task_id,
            "task_name": task.name if task else None, "device_id": item.device_id,
            "captured_at": utc_iso(start) if start else None, "duration_seconds": duration,
            "duration": "recorded" if duration is not None else "unknown", "ended_at": utc_iso(end) if end else None,
            "pauses": pauses, "pause_count": len(pauses), "paused_seconds": paused, "pauses_unknown": pauses_unknown,
            "task": where, "device_at_start": device_start, "device_at_end": device_end, "device_in_ledger": in_ledger,
        }
        recordings.append(row)
        spans.append(_Span(item.id, item.device_id, start, end) if start is not None else None)
        findings += _recording_findings(row)
    per_act, without = _acts(tasks, items, recordings, bundle, _Needs(instance))
    findings += [{"code": "act_without_av", "task_id": a["task_id"], "task_name": a["task_name"]}
                 for a in without if a["state"] == "completed"]
    overlaps = _overlaps([s for s in spans if s is not None])
    findings += [{"code": "same_device_overlap", "evidence_ids": o["evidence_ids"], "device_id": o["device_id"]}
                 for o in overlaps if o["same_device"]]
    if bundle is None:
        findings.append({"code": "definitions_unreadable", "manifest": instance.manifest})
    counts = Counter(f["code"] for f in findings)
    return {
        "instance_id": instance.id,
        "tolerance_seconds": tolerance,
        "recordings": recordings,
        "totals": _totals(recordings),
        "per_act": per_act,
        "acts_without_av": without,
        "devices": _devices(recordings),
        "overlaps": overlaps,
        "findings": findings,
        "finding_counts": dict(sorted(counts.items())),
        "has_gaps": any(code in GAP_FINDINGS for code in counts),
    }


def _recording_findings(row: dict[str, Any]) -> list[dict[str, Any]]:
    eid = row["evidence_id"]
    out: list[dict[str, Any]] = []
    if row["duration_seconds"] is None:
        out.append({"code": "duration_unknown", "evidence_id": eid})
    if row["pauses_unknown"]:
        out.append({"code": "pause_length_unknown", "evidence_id": eid, "count": row["pauses_unknown"]})
    position = row["task"]["position"]
    if position == "no_task":
        out.append({"code": "not_attached_to_task", "evidence_id": eid})
    elif row["task"]["flagged"]:
        code = "captured_long_before_task" if position == "before_opened" else "captured_long_after_task"
        out.append({"code": code, "evidence_id": eid, "gap_seconds": row["task"]["gap_seconds"]})
    if row["device_id"] and not row["device_in_ledger"]:
        out.append({"code": "device_not_in_ledger", "evidence_id": eid, "device_id": row["device_id"]})
    else:
        for when in ("device_at_start", "device_at_end"):
            held = row[when]
            if held is not None and not held["case_officer"]:
                out.append({"code": "device_not_held_by_case_officer", "evidence_id": eid,
                            "device_id": row["device_id"], "at": held["at"], "checked_out_to": held["checked_out_to"]})
    return out


def _sum(rows: list[dict[str, Any]]) -> dict[str, int]:
    known = [r["duration_seconds"] for r in rows if r["duration_seconds"] is not None]
    return {"recordings": len(rows), "duration_seconds": sum(known), "durations_unknown": len(rows) - len(known),
            "pauses": sum(r["pause_count"] for r in rows), "paused_seconds": sum(r["paused_seconds"] for r in rows),
            "pauses_unknown": sum(r["pauses_unknown"] for r in rows)}


def _totals(recordings: list[dict[str, Any]]) -> dict[str, int]:
    """The case's totals: known seconds summed, and how many recordings / pauses have an unknown length."""
    return _sum(recordings)


def _acts(tasks: list[TaskRow], items: list[EvidenceItem], recordings: list[dict[str, Any]], bundle: Any,
          needs: _Needs) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per act (a task with an ``actKind`` or with a recording attached): its recordings' totals; and the acts
    that needed A/V and have none (``state``: ``ready`` = still open, ``completed``)."""
    attached: dict[str, list[dict[str, Any]]] = {}
    for item, row in zip(items, recordings, strict=True):
        if item.task_id:
            attached.setdefault(item.task_id, []).append(row)
    per_act, without = [], []
    for task in tasks:
        if task.state == "cancelled":
            continue
        try:
            act_kind = (bundle.task_meta(task.process_id, task.element_id).properties.get("actKind")
                        if bundle is not None else None)
        except NotFound:
            act_kind = None
        rows = attached.get(task.id, [])
        needed = needs(act_kind, task)
        if not act_kind and not rows:
            continue
        head = {"task_id": task.id, "task_name": task.name, "element_id": task.element_id, "act_kind": act_kind,
                "state": task.state, "needs_av": needed}
        per_act.append({**head, **_sum(rows)})
        if needed and not rows:
            without.append(head)
    return per_act, without


def _devices(recordings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    codes = sorted({r["device_id"] for r in recordings if r["device_id"]})
    known = {d.code: d for d in db.session.scalars(select(Device).where(Device.code.in_(codes)))} if codes else {}
    out = []
    for code in codes:
        rows = [r for r in recordings if r["device_id"] == code]
        holds = [r[w] for r in rows for w in ("device_at_start", "device_at_end") if r[w] is not None]
        device = known.get(code)
        out.append({"device_id": code, "name": device.name if device else None, "kind": device.kind if device else None,
                    "in_ledger": device is not None, "recordings": len(rows),
                    "duration_seconds": sum(r["duration_seconds"] or 0 for r in rows),
                    "checked_out_to": sorted({h["checked_out_to"] for h in holds if h["checked_out_to"]}),
                    "all_held_by_case_officers": device is not None and all(h["case_officer"] for h in holds)})
    return out


def _overlaps(spans: list[_Span]) -> list[dict[str, Any]]:
    """Pairs of recordings whose times overlap: the earlier one's end must be known; a later one whose own end is
    unknown overlaps at least from its start to the earlier one's end (``at_least``)."""
    out = []
    ordered = sorted(spans, key=lambda s: (s.start, s.evidence_id))
    for i, a in enumerate(ordered):
        if a.end is None:
            continue
        for b in ordered[i + 1:]:
            if b.start >= a.end:
                break
            until = a.end if b.end is None else min(a.end, b.end)
            same = a.device_id is not None and a.device_id == b.device_id
            out.append({"evidence_ids": [a.evidence_id, b.evidence_id], "seconds": _seconds(until - b.start),
                        "at_least": b.end is None, "same_device": same, "device_id": a.device_id if same else None})
    return out


def bureau_summary(year: int, org_id: int) -> dict[str, Any]:
    """The A/V figures of organisation ``org_id``'s subtree for the cases started in ``year`` (Beijing), each case
    analysed as :func:`analyse` does: recordings, known running and paused time, unknown lengths, the cases with
    A/V gaps (any of :data:`GAP_FINDINGS`) and how many of each finding."""
    from . import org_scope, orgs, stats  # stats imports much of the service layer: import late

    nodes = list(orgs.subtree(org_id))
    cases = list(db.session.scalars(select(Instance).where(stats._in_year(Instance.started_at, year),
                                                           Instance.org_id.in_(nodes)).order_by(Instance.id)))
    totals = dict.fromkeys(("recordings", "duration_seconds", "durations_unknown", "pauses", "paused_seconds",
                            "pauses_unknown"), 0)
    counts: Counter[str] = Counter()
    with_av, gaps = 0, []
    for instance in cases:
        report = analyse(instance)
        for key in totals:
            totals[key] += report["totals"][key]
        with_av += bool(report["recordings"])
        counts.update(report["finding_counts"])
        if report["has_gaps"]:
            gaps.append({"instance_id": instance.id, "definition_key": instance.definition_key,
                         "findings": {k: v for k, v in report["finding_counts"].items() if k in GAP_FINDINGS}})
    return {"year": year, "org": org_scope.code_of(org_id), "as_of": utc_iso(clock.now()), "cases": len(cases),
            "cases_with_av": with_av, **totals, "cases_with_gaps": len(gaps), "gap_cases": gaps,
            "findings": dict(sorted(counts.items())), "tolerance_seconds": tolerance_seconds()}
