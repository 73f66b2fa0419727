"""Per-element figures of one process version, for the heatmap on the diagram
(GET /api/v1/definitions/<key>/versions/<v>/stats).

For every flow node of the version's process (``key``; elements inside its embedded subprocesses included, the
called processes of its call activities not — they have diagrams of their own), over the cases of that version
in the organisation nodes asked for:

* ``active``: cases now at the element — an open (ready) user task row, a call activity entered and not yet
  left in a running case, or an intermediate catch event (timer, message, signal, …) or receive task the running
  case's saved workflow waits at;
* ``passed``: cases that completed the element at least once (a completed user task row; the engine's step event
  for a script, gateway, decision, event, end, or a call activity left), ``completions`` how many times in all
  (a loop counts each round);
* ``median_seconds``: the median time from a user task's opening to its completion, or from entering a call
  activity to leaving it, over every completed round. Engine steps take no time of their own: None (a catch
  event's wait has no recorded start: nothing is recorded when the case arrives; it is passed when it fires).

Times are the recorded ones: a task row's ``created_at``/``completed_at`` are stamped with the step's clock, as
the step's events are. Six queries whatever the number of cases (no workflow is loaded): the cases' statuses,
the task rows grouped by element, their medians (a window query: no median aggregate exists on both databases),
the engine step events grouped by element, the call activity spans (two: the cases inside, the medians), and
the saved task entries of running cases in the waiting state (narrowed in SQL, read only for catch events).
"""
from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Float, Integer, case, cast, distinct, func, or_, select
from sqlalchemy.sql import ColumnElement, Select

from engine import clock, version_diff

from ..extensions import db
from ..models import DefinitionFile, DefinitionVersion, Event, Instance, TaskRow, WorkflowTask

#: the engine step events that mean an element was passed (engine/runtime.py ENGINE_STEP_TYPES)
PASSED_EVENTS = ("engine_start", "engine_gateway", "engine_decision", "engine_script", "engine_event",
                 "engine_timer_fired", "engine_end", "engine_call_activity_left")
ENTERED, LEFT = "engine_call_activity_entered", "engine_call_activity_left"
_NODE_TYPES = ("task", "callActivity", "subProcess", "transaction")
#: elements a case waits at without a task row (the engine holds them WAITING until their event comes)
_CATCHING = ("intermediateCatchEvent", "receiveTask")
#: how a waiting entry reads in the saved JSON (engine/serializer.dumps_json: compact separators)
_WAITING_TEXT = (f'%"state":{int(TaskState.WAITING)},%', f'%"state":{int(TaskState.WAITING)}}}%')


def _is_node(kind: str) -> bool:
    return kind in _NODE_TYPES or kind.endswith(("Task", "Event", "Gateway"))


def _seconds(start: Any, end: Any) -> ColumnElement:
    """``end - start`` in seconds, in SQL."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.extract("epoch", end - start), Float)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _medians(rows: Select) -> dict[str, float]:
    """element id -> the median of ``d`` over ``rows`` (columns ``element_id``, ``d``), by a window query: the
    middle row of each element's ordered durations (the mean of the two middle ones for an even count)."""
    sub = rows.subquery()
    ranked = select(sub.c.element_id, sub.c.d,
                    func.row_number().over(partition_by=sub.c.element_id, order_by=sub.c.d).label("rn"),
                    func.count().over(partition_by=sub.c.element_id).label("n")).subquery()
    rn, n = cast(ranked.c.rn, Integer), cast(ranked.c.n, Integer)
    stmt = (select(ranked.c.element_id, func.avg(ranked.c.d))
            .where(rn >= (n + 1) // 2, rn <= (n + 2) // 2).group_by(ranked.c.element_id))
    return {element: round(float(value), 3) for element, value in db.session.execute(stmt) if value is not None}


def _diagram(ver: DefinitionVersion) -> tuple[dict[str, version_diff.Element], set[str]]:
    """The version's flow nodes of process ``key`` by id, and the process ids its tasks run under (the process
    and its embedded subprocesses)."""
    content = db.session.get(DefinitionFile, ver.sha256).content
    elements = {i: el for i, el in version_diff.describe(content, ver.filename).items()
                if el.process == ver.key and _is_node(el.type)}
    return elements, {ver.key} | {i for i, el in elements.items() if el.type in ("subProcess", "transaction")}


def _task_rows(cases: tuple[Any, ...], process_ids: set[str]) -> tuple[dict[str, list[int]], dict[str, float]]:
    where = (*cases, TaskRow.process_id.in_(sorted(process_ids)))
    on = Instance.id == TaskRow.instance_id
    counts = {element: [active, passed, done] for element, active, passed, done in db.session.execute(
        select(TaskRow.element_id,
               func.count(distinct(case((TaskRow.state == "ready", TaskRow.instance_id)))),
               func.count(distinct(case((TaskRow.state == "completed", TaskRow.instance_id)))),
               func.count(case((TaskRow.state == "completed", 1))))
        .join(Instance, on).where(*where).group_by(TaskRow.element_id))}
    medians = _medians(select(TaskRow.element_id.label("element_id"),
                              _seconds(TaskRow.created_at, TaskRow.completed_at).label("d"))
                       .join(Instance, on).where(*where, TaskRow.completed_at.is_not(None)))  # completed rows only
    return counts, medians


def _engine_steps(cases: tuple[Any, ...], process_ids: set[str]) -> dict[str, list[int]]:
    pid = Event.data["process_id"].as_string()
    found: dict[str, list[int]] = {}
    for element, process, passed, done in db.session.execute(
            select(Event.element_id, pid, func.count(distinct(Event.instance_id)), func.count())
            .join(Instance, Instance.id == Event.instance_id).where(*cases, Event.type.in_(PASSED_EVENTS))
            .group_by(Event.element_id, pid)):
        if process in process_ids and element:
            entry = found.setdefault(element, [0, 0])
            entry[0] += passed
            entry[1] += done
    return found


def _call_spans(cases: tuple[Any, ...]) -> tuple[dict[str, int], dict[str, float]]:
    """Call activities: running cases inside each (entered, not left), and the median time inside. Each entered
    event is paired with the event after it of the same case and element (a window ``lead``, one pass: no
    self-join): a left event closes the span, none means the case is still inside."""
    partition = {"partition_by": (Event.instance_id, Event.element_id), "order_by": Event.seq}
    spans = (select(Event.instance_id, Event.element_id, Event.type, Event.at, Instance.status,
                    func.lead(Event.type).over(**partition).label("next_type"),
                    func.lead(Event.at).over(**partition).label("next_at"))
             .join(Instance, Instance.id == Event.instance_id)
             .where(*cases, Event.type.in_((ENTERED, LEFT))).subquery())
    active = dict(db.session.execute(
        select(spans.c.element_id, func.count(distinct(spans.c.instance_id)))
        .where(spans.c.type == ENTERED, spans.c.next_type.is_(None), spans.c.status == "running")
        .group_by(spans.c.element_id)).all())
    medians = _medians(select(spans.c.element_id.label("element_id"),
                              _seconds(spans.c.at, spans.c.next_at).label("d"))
                       .where(spans.c.type == ENTERED, spans.c.next_type == LEFT))
    return active, medians


def _waiting(cases: tuple[Any, ...], catching: set[str]) -> dict[str, int]:
    """Running cases whose saved workflow waits at each catch event of ``catching`` (element ids): the saved task
    entries in the waiting state, narrowed by their text in SQL, then read."""
    if not catching:
        return {}
    at: dict[str, set[int]] = {}
    for instance_id, entry in db.session.execute(
            select(WorkflowTask.instance_id, WorkflowTask.entry)
            .join(Instance, Instance.id == WorkflowTask.instance_id)
            .where(*cases, Instance.status == "running", or_(*(WorkflowTask.entry.like(t) for t in _WAITING_TEXT)))):
        task = json.loads(entry)
        if task.get("state") == TaskState.WAITING and task.get("task_spec") in catching:
            at.setdefault(task["task_spec"], set()).add(instance_id)
    return {element: len(ids) for element, ids in at.items()}


def element_stats(ver: DefinitionVersion, nodes: set[int]) -> dict[str, Any]:
    """The figures of version ``ver`` over the cases of organisation ``nodes`` (see the module docstring):
    ``{"key", "version", "as_of", "cases": {status: n, "total": n}, "elements": [{"element_id", "type", "name",
    "active", "passed", "completions", "median_seconds"}]}`` in the diagram's order."""
    elements, process_ids = _diagram(ver)
    # the version's cases in the nodes: every query joins the instances with these conditions (a join plans
    # well on a freshly filled table, where an IN (subquery) gave PostgreSQL a nested loop of 20 s)
    cases = (Instance.definition_key == ver.key, Instance.version == ver.version, Instance.org_id.in_(sorted(nodes)))
    statuses = dict(db.session.execute(
        select(Instance.status, func.count()).where(*cases).group_by(Instance.status)).all())
    rows, row_medians = _task_rows(cases, process_ids)
    steps = _engine_steps(cases, process_ids)
    in_calls, call_medians = _call_spans(cases)
    waiting = _waiting(cases, {i for i, el in elements.items() if el.type in _CATCHING})
    out = []
    for element_id, el in elements.items():
        active, passed, done = rows.get(element_id, [0, 0, 0])
        step_passed, step_done = steps.get(element_id, [0, 0])
        out.append({"element_id": element_id, "type": el.type, "name": el.name,
                    "active": active + in_calls.get(element_id, 0) + waiting.get(element_id, 0),
                    "passed": passed + step_passed,
                    "completions": done + step_done,
                    "median_seconds": row_medians.get(element_id, call_medians.get(element_id))})
    return {"key": ver.key, "version": ver.version, "as_of": clock.now(),
            "cases": {**statuses, "total": sum(statuses.values())}, "elements": out}
