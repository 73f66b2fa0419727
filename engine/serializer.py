"""Workflow state (de)serialization with the spec stored by reference.

SpiffWorkflow embeds the whole spec in every serialized instance. Here the
top-level workflow's ``spec`` and ``subprocess_specs`` are replaced by the
bundle's process id; on load the parsed specs come from the
:class:`~engine.specs.SpecBundle` (cached), so only the task tree is stored.

Every saved state carries :data:`STATE_VERSION`; an upgrade step per bump
lives in :data:`UPGRADES` (like SpiffWorkflow's ``serializer/migration``).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from copy import deepcopy
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task

from .errors import StateConflict
from .specs import SpecBundle
from .task_data import DeltaTaskConverter

STATE_VERSION = 1
#: from-version -> function upgrading a state dict in place to from-version + 1
UPGRADES: dict[int, Callable[[dict], None]] = {}


class SpecByReferenceConverter(BpmnWorkflowConverter):
    """Serializes a BpmnWorkflow without its specs; restores with specs handed in."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["spec"] = workflow.spec.name
        dct["subprocess_specs"] = sorted(workflow.subprocess_specs)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict) -> BpmnWorkflow:
        spec, subprocess_specs = dct.pop("_bundle_specs")
        dct.pop("spec", None)
        dct.pop("subprocess_specs", None)
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    config = deepcopy(SPIFF_CONFIG)
    config[BpmnWorkflow] = SpecByReferenceConverter
    config[Task] = DeltaTaskConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_SERIALIZER = _make_serializer()


def dump_state(workflow: BpmnWorkflow) -> dict:
    """The workflow's state as a JSON-ready dict (no specs), tagged with STATE_VERSION."""
    dct = _SERIALIZER.to_dict(workflow)
    dct["state_version"] = STATE_VERSION
    return dct


def dumps_state(workflow: BpmnWorkflow) -> str:
    """The workflow's state as compact JSON text.

    Keys are NOT sorted: SpiffWorkflow restores each task's data as a delta
    against its parent, so tasks must come back in tree (insertion) order.
    """
    return json.dumps(dump_state(workflow), ensure_ascii=False, separators=(",", ":"), default=_json_default)


def _json_default(value: object) -> object:
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


#: the ``layout`` of a header whose tasks are stored one entry per task (:func:`dump_header`, :func:`assemble`)
PER_TASK = "per-task"


class _Counter:
    """How many task entries this process serialized (tests count them per step)."""

    entries = 0


COUNTER = _Counter()


def _workflow_header(workflow: Any) -> dict:
    registry = _SERIALIZER.registry
    return {"data": registry.convert(registry.clean(workflow.data)), "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success, "completed": workflow.completed, "root": str(workflow.task_tree.id)}


def dump_header(workflow: BpmnWorkflow) -> dict:
    """The workflow's state without its tasks (the same keys as :func:`dump_state` otherwise), ``layout``
    :data:`PER_TASK`: the tasks are stored apart, one :func:`dump_task` entry each, and put back by
    :func:`assemble`. Its size depends on the subprocesses, not on the tasks."""
    head = _workflow_header(workflow)
    head["spec"] = workflow.spec.name
    head["subprocess_specs"] = sorted(workflow.subprocess_specs)
    head["subprocesses"] = {str(sub_id): {**_workflow_header(sub), "parent_task_id": str(sub.parent_task_id),
                                          "spec": sub.spec.name, "typename": type(sub).__name__}
                            for sub_id, sub in workflow.subprocesses.items()}
    head["bpmn_events"] = _SERIALIZER.registry.convert(workflow.bpmn_events)
    head["typename"] = type(workflow).__name__
    head["state_version"] = STATE_VERSION
    head["layout"] = PER_TASK
    return head


def dump_task(task: Any) -> dict:
    """One task's entry, exactly as :func:`dump_state` writes it in its workflow's ``tasks``."""
    COUNTER.entries += 1
    return _SERIALIZER.registry.convert(task)


def dumps_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def assemble(head: dict, tasks: dict[str, list[tuple[str, dict]]]) -> dict:
    """The full state (as :func:`dump_state` gives it) from a :func:`dump_header` header and the task entries
    by workflow (``""`` the top workflow, else the subprocess's id), each list in the tasks' saved order."""
    dct = {k: v for k, v in head.items() if k not in ("layout", "next_ordinal")}
    dct["tasks"] = dict(tasks.get("", []))
    dct["subprocesses"] = {sub_id: {**sub, "tasks": dict(tasks.get(sub_id, []))}
                           for sub_id, sub in head.get("subprocesses", {}).items()}
    return dct


def upgrade_state(dct: dict) -> dict:
    """Bring a stored state up to STATE_VERSION, one step at a time.

    Raises:
        StateConflict: if the state is newer than this code or no upgrade exists.
    """
    version = dct.get("state_version", 1)
    if version > STATE_VERSION:
        raise StateConflict(f"state version {version} is newer than this code ({STATE_VERSION})")
    while version < STATE_VERSION:
        step = UPGRADES.get(version)
        if step is None:
            raise StateConflict(f"no upgrade from state version {version}")
        step(dct)
        version += 1
    dct["state_version"] = STATE_VERSION
    return dct


def load_state(bundle: SpecBundle, state: dict | str, script_engine: object | None = None, *,
               consume: bool = False) -> BpmnWorkflow:
    """Rebuild a workflow from a stored state and its (cached) bundle.

    A dict ``state`` is left alone (the serializer restores objects in place, so it works on a deep copy), unless
    ``consume``: a caller that built the dict fresh from the stored JSON hands it over and saves the copy, a walk
    of the whole tree (a fifth of a cold load of a long case)."""
    dct = json.loads(state) if isinstance(state, str) else state if consume else deepcopy(state)
    upgrade_state(dct)
    dct.pop("state_version", None)
    dct["_bundle_specs"] = (bundle.spec, bundle.subprocess_specs)
    workflow = _SERIALIZER.from_dict(dct)
    if script_engine is not None:
        workflow.script_engine = script_engine
    return workflow
