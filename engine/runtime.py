"""Running instances: start, list ready user tasks, complete a task.

Every function works on an in-memory :class:`BpmnWorkflow`; the caller loads
it (``serializer.load_state``) and saves it afterwards. A function that fails
raises before the caller saves, so a failed step changes nothing stored.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task, TaskState

from .errors import NotFound, ScriptError, StateConflict
from .roles import role_for_lane
from .specs import SpecBundle, UserTaskMeta

ENGINE_STEP_TYPES = {
    "ExclusiveGateway": "gateway",
    "InclusiveGateway": "gateway",
    "ParallelGateway": "gateway",
    "BusinessRuleTask": "decision",
    "ScriptTask": "script",
    "CallActivity": "call_activity",
    "IntermediateCatchEvent": "event",
    "BoundaryEvent": "event",
    "EndEvent": "end",
}


@dataclass
class ReadyTask:
    """A user task waiting for a person."""

    id: str
    meta: UserTaskMeta
    role: str | None
    data: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass
class StepRecord:
    """One engine step that decided or did something (for the history)."""

    type: str
    element_id: str
    element_name: str | None
    process_id: str
    detail: dict[str, Any]
    properties: dict[str, str] = field(default_factory=dict)


def _engine_error(exc: Exception, task: Task | None) -> ScriptError:
    element = getattr(exc, "task_spec", None)
    element_id = getattr(element, "name", None) or (task.task_spec.name if task is not None else None)
    return ScriptError(f"{type(exc).__name__}: {exc}".split("\n")[0], element_id=element_id,
                       line=getattr(exc, "line_number", None) or None)


class _StepRecorder:
    """Collects StepRecords through do_engine_steps' callbacks."""

    def __init__(self) -> None:
        self.records: list[StepRecord] = []
        self._before: dict[UUID, set[str]] = {}

    def will(self, task: Task) -> None:
        self._before[task.id] = set(task.data)

    def did(self, task: Task) -> None:
        kind = ENGINE_STEP_TYPES.get(type(task.task_spec).__name__)
        if kind is None:
            return
        detail: dict[str, Any] = {}
        if isinstance(task.task_spec, ExclusiveGateway) or kind == "gateway":
            detail["taken"] = [
                c.task_spec.name for c in task.children if c.has_state(TaskState.READY | TaskState.COMPLETED |
                                                                         TaskState.WAITING | TaskState.FUTURE)
            ]
        if kind in ("decision", "script"):
            new_keys = set(task.data) - self._before.get(task.id, set())
            detail["outputs"] = {k: task.data[k] for k in sorted(new_keys) if _jsonable(task.data[k])}
            if kind == "decision":
                for key in ("is_major", "major_rule"):
                    if key in task.data:
                        detail["outputs"][key] = task.data[key]
        props = dict((getattr(task.task_spec, "extensions", None) or {}).get("properties", {}))
        self.records.append(StepRecord(kind, task.task_spec.name, task.task_spec.bpmn_name,
                                       task.workflow.spec.name, detail, props))


def _jsonable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list, dict))


def run_engine(workflow: BpmnWorkflow) -> list[StepRecord]:
    """Run every ready engine task; return what they did.

    Raises:
        ScriptError: a script, condition or decision failed (the workflow is then unusable:
            the caller must discard it, not save it).
    """
    recorder = _StepRecorder()
    try:
        workflow.do_engine_steps(will_complete_task=recorder.will, did_complete_task=recorder.did)
    except SpiffWorkflowException as exc:
        raise _engine_error(exc, getattr(exc, "task", None)) from exc
    except ScriptError:
        raise
    return recorder.records


def start(bundle: SpecBundle, data: dict[str, Any], script_engine: Any) -> tuple[BpmnWorkflow, list[StepRecord]]:
    """A new workflow for the bundle's process with ``data``, run to its first wait state."""
    workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=script_engine)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    return workflow, run_engine(workflow)


def ready_tasks(bundle: SpecBundle, workflow: BpmnWorkflow) -> list[ReadyTask]:
    """The user tasks that wait for a person, in tree order."""
    result = []
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        meta = bundle.task_meta(task.workflow.spec.name, task.task_spec.name)
        result.append(ReadyTask(str(task.id), meta, role_for_lane(meta.lane), task.data))
    return result


def find_task(workflow: BpmnWorkflow, task_id: str) -> Task:
    """The task with this id.

    Raises:
        NotFound: no such task in this workflow.
    """
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, TypeError):
        task = None
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises TaskNotFoundException
        task = None
    if task is None:
        raise NotFound(f"task {task_id} not found")
    return task


def complete(workflow: BpmnWorkflow, task_id: str, data: dict[str, Any]) -> list[StepRecord]:
    """Complete a ready user task with ``data`` and run the engine on.

    Raises:
        NotFound: unknown task. StateConflict: the task is not ready.
        ScriptError: a later engine step failed (discard the workflow).
    """
    task = find_task(workflow, task_id)
    if not task.task_spec.manual or not task.has_state(TaskState.READY):
        raise StateConflict(f"task {task_id} is {TaskState.get_name(task.state)}, not a ready user task")
    task.data.update(data)
    try:
        task.run()
    except SpiffWorkflowException as exc:
        raise _engine_error(exc, task) from exc
    return run_engine(workflow)


def instance_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The case data as it stands: the ready user tasks' data, else the last completed task's."""
    data: dict[str, Any] = {}
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        data.update(task.data)
    if not data and workflow.last_task is not None:
        data.update(workflow.last_task.data)
    return data


def waiting_timers(workflow: BpmnWorkflow) -> list[Any]:
    """The UTC fire times of pending timers (earliest first)."""
    times = []
    for waiting in workflow.waiting_events():
        value = getattr(waiting, "value", None)
        if value is not None:
            times.append(value)
    return sorted(times)
