"""What the task page shows around the form: the A/V evidence panel's settings and the review rounds (the previous
round's opinion, the handler's fix note, what changed since, in labels). No routes here."""
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select

from engine.forms import input_components

from ... import permissions
from ...extensions import db
from ...models import Event, Instance, TaskRow, User
from ...services import recording_list, rules
from ...services.history import instance_stream
from ...services.snapshots import load_blob
from ..forms import display

#: keys never listed as a change between rounds: the reviewer's own answers and the bookkeeping of the rounds
_ROUND_KEYS = frozenset({"fix_description", "proposal_changes", "proposal_changes_text", "proposal_before_fix",
                         "previous_review_opinion", "review_round", "handler_disputes", "dispute_reason"})


def needs_av(act_kind: str | None, instance: Instance) -> bool:
    """The same reading as the service's check (api/services/rules.check_recording)."""
    return recording_list.requirement(act_kind, instance).needs_av


def evidence_panel(user: User, task: TaskRow, instance: Instance, act_kind: str | None) -> dict[str, Any] | None:
    """The evidence panel of an enforcement act's task (None for other tasks or users who cannot upload)."""
    if not act_kind or task.state != "ready" or not permissions.can(user, "evidence.upload"):
        return None
    names = sorted(rules.case_officers(instance))
    people = {u.username: u.display_name for u in db.session.scalars(select(User).where(User.username.in_(names)))}
    return {"needs_av": needs_av(act_kind, instance), "instance_id": instance.id, "task_id": task.id,
            "officers": [{"value": n, "label": people.get(n, n)} for n in names],
            "upload_url": f"/api/v1/instances/{instance.id}/evidence", "devices_url": "/api/v1/devices",
            # a file larger than one chunk goes as a resumable tus upload (api/evidence/uploads.py)
            "tus_url": f"/api/v1/instances/{instance.id}/evidence/uploads",
            "chunk_bytes": int(current_app.config["EVIDENCE_CHUNK_BYTES"])}


def _known_at(event: Event) -> dict[str, Any]:
    """The case data as known right after ``event``: the saved case data, with what every task submitted up to
    then (a called process's own data, e.g. the review's draft decision, is kept only in what its forms sent)."""
    known: dict[str, Any] = {}
    earlier = db.session.scalars(select(Event).where(Event.stream == event.stream, Event.type == "task_completed",
                                                     Event.seq <= event.seq).order_by(Event.seq))
    for row in earlier:
        submitted = (row.data or {}).get("submitted")
        if isinstance(submitted, dict):
            known.update(submitted)
    saved = load_blob(event.data_ref)
    return {**known, **saved} if isinstance(saved, dict) else known


def _field_labels(forms: dict[str, dict[str, Any]]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for form in forms.values():
        for c in input_components(form) if isinstance(form, dict) else []:
            if c.get("key") and c.get("label"):
                labels.setdefault(c["key"], str(c["label"]).split("（")[0])
    return labels


def review_round(task: TaskRow, values: dict[str, Any], forms: dict[str, dict[str, Any]],
                 labels: dict[str, dict[str, str]], lang: str, view: permissions.View) -> dict[str, Any] | None:
    """For a task met again (a second review round): the previous completion's opinion, the fix note and the
    case data that changed since then (label, before, after), compared with the data saved after that completion."""
    previous = db.session.scalars(
        select(Event).where(Event.stream == instance_stream(task.instance_id), Event.type == "task_completed",
                            Event.element_id == task.element_id, Event.task_id != task.id)
        .order_by(Event.seq.desc()).limit(1)).first()
    if previous is None:
        return None
    before = permissions.shown(_known_at(previous), view)
    submitted = previous.data.get("submitted") or {}
    field_labels = _field_labels(forms)
    own = set(submitted)
    changes = []
    for key in sorted(set(before) | set(values)):
        if key in _ROUND_KEYS or key in own or key not in field_labels:
            continue
        old, new = before.get(key), values.get(key)
        if old != new and display(old, key, labels, lang) != display(new, key, labels, lang):
            changes.append({"key": key, "label": field_labels[key], "before": display(old, key, labels, lang),
                            "after": display(new, key, labels, lang)})
    opinion = submitted.get("review_opinion") or values.get("previous_review_opinion")
    outcome = submitted.get("review_outcome")
    return {"opinion": opinion or "", "outcome": display(outcome, "review_outcome", labels, lang),
            "problem": display(submitted.get("problem_code"), "problem_code", labels, lang),
            "by": previous.actor, "fix": display(values.get("fix_description"), "fix_description", labels, lang),
            "changes": changes}
