"""The legality argument (合法性论证) before audio/video of acts the recording list does not ask it for (seed
四(二)2), run as the small process ``processes/legality_argument.bpmn``: an officer's request, a legal reviewer's
argument, the head's decision.

* Completing the request (task ``kind=legality_request``): the case must be a case of the argument's own bureau,
  open, and ``act_task_id`` one of its tasks not yet completed (422 naming the field, the same for another
  bureau's case as for none); the requester must be an officer of that case (403 ``legality_argument``); an act
  that needs A/V anyway needs no argument (422 ``act_task_id``).
* The argument (``kind=legality_argument``) is never made by an officer of that case (403
  ``separation_of_duties``, APL 58 as for the legal review).
* An audio/video evidence item attached to a task that needs no A/V (:func:`recording_list.requirement`) is
  accepted only after an approved argument for that case and task (403 ``legality_argument``): read from the
  argument cases' history (their completion events, each with the lane's role), never from data a later edit
  could change: a request by an officer, then an argument ``lawful`` by a legal reviewer, then the decision
  ``approve`` by a head, in this order. An A/V item attached to no task is the case-handling premises' own
  full-process recording (办案场所全过程记录, docs/DOMAIN.md §2.2): it needs no argument.

Each check raises :class:`engine.errors.RuleViolation` (403) or ``FormDataInvalid`` (422). No commits here.
"""
from __future__ import annotations

import math
from typing import Any

from sqlalchemy import select

from engine.duties import duty_keys
from engine.errors import FormDataInvalid, RuleViolation
from engine.forms import input_components

from ..extensions import db
from ..models import Event, Instance, TaskRow, User
from . import recording_list
from .case_rules import UNDECLARED_ACT
from .history import instance_stream

PROCESS = "legality_argument"
REQUEST, ARGUMENT, DECISION = "legality_request", "legality_argument", "legality_decision"
#: the role whose lane each step must be in, whatever a redeployed diagram says
STEP_ROLES = {REQUEST: "officer", ARGUMENT: "legal_reviewer", DECISION: "head"}
CLOSED = ("completed", "terminated", "cancelled")


def _act_kind(task: TaskRow, case: Instance) -> str | None:
    from .instances import bundle_for  # instances -> steps -> rules: import late

    bundle = bundle_for(case)
    kind = bundle.task_meta(task.process_id, task.element_id).properties.get("actKind")
    if kind:
        return kind
    form = bundle.forms.get(task.form_key or "") or {}
    # a task without actKind whose form records the on-site duties is an act all the same, and always needs A/V
    # (case_rules.check_undeclared_act)
    return UNDECLARED_ACT if duty_keys(c.get("key") for c in input_components(form)) else None


def _needs_av(task: TaskRow, case: Instance) -> recording_list.Requirement:
    kind = _act_kind(task, case)
    if kind == UNDECLARED_ACT:
        return recording_list.Requirement(True, ("an act without actKind that records the on-site duties",))
    return recording_list.requirement(kind, case)


def _case_id(value: Any) -> int | None:
    """The case number as sent (a form number field gives 8.0); None unless a whole positive number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    if value != int(value) or value < 1:
        return None
    return int(value)


def _case_and_task(case_id: Any, task_id: Any, org_id: int | None) -> tuple[Instance, TaskRow]:
    number = _case_id(case_id)
    case = db.session.get(Instance, number) if number is not None else None
    if case is None or case.org_id != org_id or case.definition_key == PROCESS:
        raise FormDataInvalid({"case_id": [f"no case {case_id} of this bureau"]}, "unknown case")
    if case.status in CLOSED:
        raise FormDataInvalid({"case_id": [f"case {case_id} is {case.status}"]}, "closed case")
    task = db.session.get(TaskRow, task_id) if isinstance(task_id, str) and task_id else None
    if task is None or task.instance_id != case.id:
        raise FormDataInvalid({"act_task_id": [f"no task {task_id} in case {case_id}"]}, "unknown task")
    if task.state == "completed":
        raise FormDataInvalid({"act_task_id": [f"task {task_id} is completed: its recording time is over"]})
    return case, task


def _requested(instance: Instance) -> dict[str, Any] | None:
    """What the argument case's latest request asked for (from its history)."""
    rows = db.session.scalars(select(Event).where(Event.stream == instance_stream(instance.id),
                                                  Event.type == "task_completed").order_by(Event.seq))
    found = None
    for row in rows:
        data = row.data or {}
        if data.get("kind") == REQUEST and row.role == STEP_ROLES[REQUEST]:
            found = data.get("submitted") or {}
    return found


def check_completion(kind: str | None, user: User, instance: Instance, submitted: dict[str, Any]) -> None:
    """The legality argument's own rules at its request and argument steps (none for other tasks)."""
    if kind == REQUEST:
        case, task = _case_and_task(submitted.get("case_id"), submitted.get("act_task_id"), instance.org_id)
        from .rules import case_officers  # rules -> recording_list: import late

        if user.username not in case_officers(case):
            raise RuleViolation("legality_argument",
                                f"{user.username} is not an officer of case {case.id}: only its officers ask to record")
        needed = _needs_av(task, case)
        if needed.needs_av:
            raise FormDataInvalid({"act_task_id": [
                f"'{task.name}' needs audio/video anyway ({'; '.join(needed.reasons)}): no argument is needed"]})
    elif kind == ARGUMENT:
        asked = _requested(instance) or {}
        number = _case_id(asked.get("case_id"))
        case = db.session.get(Instance, number) if number is not None else None
        from .rules import case_officers

        if case is not None and user.username in case_officers(case):
            raise RuleViolation("separation_of_duties",
                                f"{user.username} is an officer of case {case.id} and may not argue its recording")


def approved(case: Instance, task_id: str) -> bool:
    """An argument case of the case's bureau approved audio/video of task ``task_id`` of ``case`` (request by an
    officer, then ``lawful`` by a legal reviewer, then ``approve`` by a head; from the history)."""
    ids = list(db.session.scalars(select(Instance.id).where(Instance.definition_key == PROCESS,
                                                            Instance.org_id.is_not_distinct_from(case.org_id))))
    if not ids:
        return False
    rows = db.session.scalars(select(Event).where(Event.stream.in_([instance_stream(i) for i in ids]),
                                                  Event.type == "task_completed").order_by(Event.stream, Event.seq))
    state: dict[str, dict[str, Any]] = {}
    for row in rows:
        data = row.data or {}
        kind, submitted = data.get("kind"), data.get("submitted") or {}
        if kind not in STEP_ROLES or row.role != STEP_ROLES[kind]:
            continue
        if kind == REQUEST:
            state[row.stream] = {"case": _case_id(submitted.get("case_id")), "task": submitted.get("act_task_id")}
        elif kind == ARGUMENT and row.stream in state:
            state[row.stream]["lawful"] = submitted.get("argument_outcome") == "lawful"
        elif kind == DECISION and state.get(row.stream, {}).get("lawful"):
            state[row.stream]["approved"] = submitted.get("legality_decision") == "approve"
    return any(s.get("approved") and s.get("case") == case.id and s.get("task") == task_id for s in state.values())


def check_av_upload(instance: Instance, meta: dict[str, Any]) -> None:
    """An audio/video item for a task that needs none is accepted only after an approved argument (seed 四(二)2)."""
    if meta.get("kind") != "audio_video" or not meta.get("task_id"):
        return
    task = db.session.get(TaskRow, meta["task_id"])
    if task is None or task.instance_id != instance.id:
        return  # _check_references refuses it (422 task_id)
    if _needs_av(task, instance).needs_av:
        return
    if not approved(instance, task.id):
        raise RuleViolation(
            "legality_argument",
            f"'{task.name}' is not on the recording list: audio/video of it is kept only after a legality argument "
            f"(合法性论证) approved by the head (start '{PROCESS}' with case_id={instance.id}, act_task_id={task.id})")
