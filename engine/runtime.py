"""Running instances: start, list ready user tasks, complete a task.

Every function works on an in-memory :class:`BpmnWorkflow`; the caller loads
it (``serializer.load_state``) and saves it afterwards. A function that fails
raises before the caller saves, so a failed step changes nothing stored.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task, TaskState

from . import sandbox, snapshots, task_data  # noqa: F401 - task_data: a new task's data copied in one pass
from .data_keys import edit_problems
from .errors import FormDataInvalid, NotFound, ScriptError, StateConflict
from .proposal import DECISION_KEY
from .roles import role_for_lane
from .specs import SpecBundle, UserTaskMeta
from .walk import DEPTH_LIMIT, ready_beyond_reach, ready_user_tasks

ENGINE_STEP_TYPES = {
    "StartEvent": "start",
    "ExclusiveGateway": "gateway",
    "InclusiveGateway": "gateway",
    "ParallelGateway": "gateway",
    "EventBasedGateway": "gateway",
    "BusinessRuleTask": "decision",
    "ScriptTask": "script",
    "ServiceTask": "script",
    "CallActivity": "call_activity_left",
    "SubWorkflowTask": "call_activity_left",
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
    view: dict[str, Any] | None = None


#: engine steps one call may run without reaching a wait state (a user task, a timer, the end): a diagram whose
#: scripts and gateways loop among themselves fails its task instead of spinning in the server (kept well below
#: the depth at which SpiffWorkflow's recursive walk of the task tree overflows: ~450 loop rounds on 3.11)
MAX_ENGINE_STEPS = 400


class StepBudgetExceeded(Exception):
    def __init__(self, task: Task) -> None:
        super().__init__(task.task_spec.name)
        self.task = task


def _engine_error(exc: Exception, task: Task | None) -> ScriptError:
    element = getattr(exc, "task_spec", None)
    element_id = getattr(element, "name", None) or (task.task_spec.name if task is not None else None)
    return ScriptError(str(exc).split("\n")[0] or type(exc).__name__, element_id=element_id,
                       line=getattr(exc, "line_number", None) or None)


def _timer_error(exc: Exception) -> ScriptError | None:
    """A ScriptError naming the timer whose value SpiffWorkflow could not read, or None when ``exc`` did not come
    from a timer. SpiffWorkflow parses a timer's value inside the timer (``datetime.fromisoformat``, the ISO
    duration parser, comparisons) and lets ValueError, TypeError or AttributeError out with no task; the task is
    the deepest frame's ``my_task`` of the traceback."""
    task, tb = None, exc.__traceback__
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get("my_task")
        if isinstance(candidate, Task):
            task = candidate
        tb = tb.tb_next
    if task is None or not isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition):
        return None
    spec = task.task_spec
    return ScriptError(f"the timer '{spec.bpmn_name or spec.name}' has a value that is no ISO 8601 instant, "
                       f"duration or cycle ({type(exc).__name__}: {str(exc)[:200]})", element_id=spec.name)


class _StepRecorder:
    """Collects StepRecords through do_engine_steps' callbacks (and a view after each, if asked)."""

    def __init__(self, workflow: BpmnWorkflow, views: bool) -> None:
        self.workflow = workflow
        self.views = views
        self.steps = 0
        self.records: list[StepRecord] = []
        self._before: dict[UUID, set[str]] = {}
        self._matched: dict[UUID, list[dict[str, Any]]] = {}
        self._decision: dict[UUID, Any] = {}
        self._subprocesses: set[UUID] = set(workflow.subprocesses)

    def will(self, task: Task) -> None:
        self.steps += 1
        if self.steps > MAX_ENGINE_STEPS:
            raise StepBudgetExceeded(task)
        self._before[task.id] = set(task.data)
        self._decision[task.id] = task.data.get(DECISION_KEY)
        dmn = getattr(task.task_spec, "dmnEngine", None)
        if dmn is not None:
            self._matched[task.id] = [
                {"rule_id": r.id, "row": r.row_number, "description": r.description} for r in dmn.decide(task)
            ]

    def did(self, task: Task) -> None:
        kind = ENGINE_STEP_TYPES.get(type(task.task_spec).__name__)
        if kind is None:
            self.check_subprocesses()
            return
        detail: dict[str, Any] = {}
        if kind == "gateway":
            detail["taken"] = [_element_name(c.task_spec.name) for c in task.children if c.has_state(_LIVE)]
        if kind in ("decision", "script"):
            new_keys = set(task.data) - self._before.get(task.id, set())
            detail["outputs"] = {k: task.data[k] for k in sorted(new_keys) if _jsonable(task.data[k])}
            if kind == "script" and DECISION_KEY not in new_keys and \
                    task.data.get(DECISION_KEY) != self._decision.get(task.id):
                detail["changed"] = [DECISION_KEY]  # a script overwrote the decision (refused by the service)
        if kind == "decision":
            detail["decision_id"] = getattr(task.task_spec.dmnEngine.decision_table, "id", None)
            detail["matched_rules"] = self._matched.pop(task.id, [])
            for out in task.task_spec.dmnEngine.decision_table.outputs:
                name = out.name or out.label
                if name in task.data and _jsonable(task.data[name]):
                    detail["outputs"][name] = task.data[name]
        if kind == "event":
            definition = getattr(task.task_spec, "event_definition", None)
            detail["event"] = type(definition).__name__ if definition is not None else None
            if isinstance(definition, TimerEventDefinition):
                kind = "timer_fired"
        self._add(StepRecord(kind, task.task_spec.name, task.task_spec.bpmn_name, task.workflow.spec.name, detail,
                             _props(task)))
        self.check_subprocesses()  # a call activity this step started is entered after the step

    def check_subprocesses(self) -> None:
        for sub_id in [s for s in self.workflow.subprocesses if s not in self._subprocesses]:
            self._subprocesses.add(sub_id)
            caller = self.workflow.get_task_from_id(sub_id)
            self._add(StepRecord("call_activity_entered", caller.task_spec.name, caller.task_spec.bpmn_name,
                                 caller.workflow.spec.name,
                                 {"called": self.workflow.subprocesses[sub_id].spec.name}, _props(caller)))

    def _add(self, record: StepRecord) -> None:
        if self.views:
            record.view = snapshots.state_view(self.workflow, instance_data(self.workflow))
        self.records.append(record)


_LIVE = TaskState.READY | TaskState.COMPLETED | TaskState.WAITING | TaskState.FUTURE | TaskState.STARTED


def _element_name(spec_name: str) -> str:
    """The diagram element behind a task spec: SpiffWorkflow puts '<task>.BoundaryEventSplit' before a task
    with boundary events."""
    for suffix in (".BoundaryEventSplit", ".BoundaryEventJoin"):
        if spec_name.endswith(suffix):
            return spec_name[: -len(suffix)]
    return spec_name


def _props(task: Task) -> dict[str, str]:
    return dict((getattr(task.task_spec, "extensions", None) or {}).get("properties", {}))


def _jsonable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list, dict))


def run_engine(workflow: BpmnWorkflow, views: bool = False, recorder: _StepRecorder | None = None) -> list[StepRecord]:
    """Run every ready engine task; return what they did (with the view after each step if ``views``).

    Raises:
        ScriptError: a script, condition or decision failed (the workflow is then unusable:
            the caller must discard it, not save it).
    """
    recorder = recorder or _StepRecorder(workflow, views)
    try:
        with sandbox.run_budget():
            workflow.do_engine_steps(will_complete_task=recorder.will, did_complete_task=recorder.did)
    except SpiffWorkflowException as exc:
        raise _engine_error(exc, getattr(exc, "task", None)) from exc
    except StepBudgetExceeded as exc:
        raise ScriptError(f"the diagram ran {MAX_ENGINE_STEPS} engine steps without reaching a user task, a timer "
                          "or its end (a loop among scripts and gateways?)", element_id=exc.task.task_spec.name) from None
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        timer = _timer_error(exc)
        if timer is None:
            raise
        raise timer from exc
    recorder.check_subprocesses()
    beyond = ready_beyond_reach(workflow)
    if beyond is not None:  # SpiffWorkflow would leave it ready for ever: the case would stall without a word
        task, depth = beyond
        raise ScriptError(f"the case's history is {depth} levels deep, deeper than the engine follows "
                          f"({DEPTH_LIMIT}): '{task.task_spec.bpmn_name or task.task_spec.name}' would never run "
                          "(a loop that went round several hundred times)", element_id=task.task_spec.name)
    return recorder.records


def start(bundle: SpecBundle, data: dict[str, Any], script_engine: Any,
          views: bool = False) -> tuple[BpmnWorkflow, list[StepRecord]]:
    """A new workflow for the bundle's process with ``data``, run to its first wait state.

    With ``views`` the first record is ``started`` with the view before any engine step.
    """
    workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=script_engine)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    recorder = _StepRecorder(workflow, views)
    if views:
        recorder._add(StepRecord("started", bundle.process_id, None, bundle.process_id, {}))
    return workflow, run_engine(workflow, views, recorder)


def ready_tasks(bundle: SpecBundle, workflow: BpmnWorkflow) -> list[ReadyTask]:
    """The user tasks that wait for a person, in tree order."""
    result = []
    for task in ready_user_tasks(workflow):
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


def complete(workflow: BpmnWorkflow, task_id: str, data: dict[str, Any], views: bool = False) -> list[StepRecord]:
    """Complete a ready user task with ``data`` and run the engine on.

    With ``views`` the first record is ``user_task`` with the view right after the task ran,
    and every record carries the view after its step.

    Raises:
        NotFound: unknown task. StateConflict: the task is not ready.
        ScriptError: a later engine step failed (discard the workflow).
    """
    task = find_task(workflow, task_id)
    if not task.task_spec.manual or not task.has_state(TaskState.READY):
        raise StateConflict(f"task {task_id} is {TaskState.get_name(task.state)}, not a ready user task")
    task.data.update(data)
    recorder = _StepRecorder(workflow, views)
    try:
        task.run()
    except SpiffWorkflowException as exc:
        raise _engine_error(exc, task) from exc
    if views:
        recorder._add(StepRecord("user_task", task.task_spec.name, task.task_spec.bpmn_name,
                                 task.workflow.spec.name, {}, _props(task)))
    return run_engine(workflow, views, recorder)


def instance_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The case data as it stands: the ready user tasks' data, else the last completed task's."""
    data: dict[str, Any] = {}
    for task in ready_user_tasks(workflow):
        data.update(task.data)
    if not data and workflow.last_task is not None:
        data.update(workflow.last_task.data)
    return data


def discard(workflow: BpmnWorkflow | None) -> None:
    """Take apart a workflow nobody will use again (a verify's replay and reloaded row), so that reference
    counting frees it at once; it is unusable afterwards.

    A workflow is a web of reference cycles (each task points at its workflow, which holds every task; each
    subprocess at the top workflow), which only the garbage collector can free: a long case's tens of thousands of
    objects outlive the young generation's passes made while they are alive and pile up until an older
    generation's pass walks them all (measured on a 200-event case: about 3 ms per verify, in pauses of 200 ms).
    The specs and the script engine are shared and left alone.
    """
    if workflow is None:
        return
    for each in (workflow, *getattr(workflow, "subprocesses", {}).values()):
        for task in each.tasks.values():
            task.__dict__.clear()
        each.__dict__.clear()


def waiting_timers(workflow: BpmnWorkflow) -> list[datetime]:
    """The UTC fire times of pending timers (earliest first)."""
    times = []
    for waiting in workflow.waiting_events():
        value = getattr(waiting, "value", None)
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                continue
        if isinstance(value, datetime):
            times.append(value if value.tzinfo else value.replace(tzinfo=UTC))
    return sorted(t.astimezone(UTC) for t in times)


def edit_data(workflow: BpmnWorkflow, changes: dict[str, Any]) -> dict[str, Any]:
    """Set ``changes`` on the data of every ready task; returns the previous values.

    Raises:
        FormDataInvalid: a key is not a data key or holds the serializer's marker (engine/data_keys.py).
        StateConflict: no task is ready (a finished instance's data is not edited).
    """
    problems = edit_problems(changes)
    if problems:
        raise FormDataInvalid({"changes": problems}, "the request is invalid: changes")
    ready = workflow.get_tasks(state=TaskState.READY)
    if not ready:
        raise StateConflict("no ready task carries the instance's data; nothing to edit")
    before = {key: instance_data(workflow).get(key) for key in changes}
    for task in ready:
        task.data.update(changes)
    return before


def rewind(workflow: BpmnWorkflow, element_id: str, views: bool = False) -> list[StepRecord]:
    """Make the latest completed user task ``element_id`` ready again (the branch after it is dropped).

    The caller keeps the history; SpiffWorkflow's reset removes the later branch from the tree.

    Raises:
        NotFound: no completed user task with that element id.
    """
    done = [t for t in workflow.get_tasks(state=TaskState.COMPLETED, manual=True) if t.task_spec.name == element_id]
    if not done:
        raise NotFound(f"no completed user task '{element_id}' to rewind to")
    target = max(done, key=lambda t: t.last_state_change)
    workflow.reset_from_task_id(target.id)
    # SpiffWorkflow leaves ``completed`` set after a reset, on the workflow and on a called process the target is
    # in: its call activity, set back to started, would then end again at the next step with the reopened process
    # still running beside the steps after it (two branches; the parent's gateways run again)
    reopened = target.workflow
    while reopened is not None:
        reopened.completed = False
        parent = reopened.parent_task_id
        reopened = workflow.get_task_from_id(parent).workflow if parent is not None else None
    _forget_orphan_waiters(workflow)
    recorder = _StepRecorder(workflow, views)
    if views:
        recorder._add(StepRecord("rewound", element_id, target.task_spec.bpmn_name, target.workflow.spec.name, {}))
    return run_engine(workflow, views, recorder)


def _forget_orphan_waiters(workflow: BpmnWorkflow) -> None:
    """A reset drops the later branch from the tree but SpiffWorkflow's event manager keeps the timers and
    catching events that waited there; the next timer refresh would fail on them. A cold load rebuilds the
    manager from the tree, so forgetting them keeps a hot workflow like its stored copy."""
    manager = workflow.event_manager
    for task in list(manager.tasks.values()):
        if task.workflow.tasks.get(task.id) is not task or (
                task.workflow is not workflow and task.workflow not in workflow.subprocesses.values()):
            manager.remove_task(task)


def fire_timers(workflow: BpmnWorkflow, views: bool = False) -> list[StepRecord]:
    """Fire the timers that are due at the engine clock's time and run the engine on.

    With ``views`` the first record is ``timer_tick`` with the view before anything fired.
    """
    recorder = _StepRecorder(workflow, views)
    if views:
        recorder._add(StepRecord("timer_tick", workflow.spec.name, None, workflow.spec.name, {}))
    try:
        workflow.refresh_timers()
    except SpiffWorkflowException as exc:
        raise _engine_error(exc, getattr(exc, "task", None)) from exc
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        timer = _timer_error(exc)
        if timer is None:
            raise
        raise timer from exc
    return run_engine(workflow, views, recorder)
