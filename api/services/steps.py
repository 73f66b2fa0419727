"""The one step pipeline: load → rules → engine → events → save → hooks.

Every change that moves a workflow — completing a task, firing its timers, starting it, rewinding it, editing its
data — goes through :func:`run`. The caller passes what differs: the instance and an ``advance`` function that
checks the step's rules and calls the engine, returning an :class:`Outcome` (the event that records the cause and
the engine steps that followed). The pipeline then records the cause event (with the snapshot after it), one event
per engine step, saves the workflow (state, data, task rows) and runs the step hooks. The cause event's data
also names the versions of the calendar settings the step's script engine ran on (``calendar_versions``), which
the replay of ``verify`` uses.

Hooks are not imported here: the app registers them at start (``create_app`` → :func:`register_hooks`, today
``services.hooks.apply``), so this module depends on neither disclosures nor withdrawals, and those may start
instances through it. Nothing here commits: the caller does (a request at its end, the timer worker per instance).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from SpiffWorkflow.bpmn import BpmnWorkflow

from engine import runtime
from engine.snapshots import state_view
from engine.specs import SpecBundle

from ..models import Instance, TaskRow
from .calendar_versions import FIELD
from .history import append_event, instance_stream
from .instances import load_workflow, ready_rows, record_steps, save
from .runtime import calendar_versions
from .snapshots import stage_view

#: a step hook: (the instance, the engine steps just taken, the actor) -> None; raising refuses the whole step
StepHook = Callable[[Instance, list[runtime.StepRecord], str], None]

_HOOKS = "sanxiang_step_hooks"


def register_hooks(app: Flask, *hooks: StepHook) -> None:
    """Add ``hooks`` to the app's step hooks (at app start); each runs after every step, in order."""
    registered: list[StepHook] = app.extensions.setdefault(_HOOKS, [])
    registered.extend(h for h in hooks if h not in registered)


def step_hooks() -> list[StepHook]:
    """The current app's step hooks."""
    return list(current_app.extensions.get(_HOOKS, []))


@dataclass
class Case:
    """What a step works on: the instance, its specs and workflow, and its ready task rows before the step."""

    instance: Instance
    bundle: SpecBundle
    workflow: BpmnWorkflow | None
    known: dict[str, TaskRow]


@dataclass
class Outcome:
    """What ``advance`` returns: the event recording the step's cause and the engine steps that followed it.

    ``view``: the snapshot view after the cause (``StepRecord.view`` of the engine's first record), or None for
    the snapshot of the workflow as it is now. ``event``: append_event's keyword arguments besides the stream and
    instance (``type_``, ``actor``, ``role``, ``task_id``, ``element_id``, ``data``, ``client_addr``).
    """

    event: dict[str, Any]
    view: dict[str, Any] | None = None
    steps: list[runtime.StepRecord] = field(default_factory=list)


Advance = Callable[[Case], Outcome]


def load(instance: Instance, known: dict[str, TaskRow] | None = None) -> Case:
    """The instance's specs, workflow and ready rows (``known`` when the caller read them already, under the
    case's lock); binds the case's bureau for the step's reads."""
    bundle, workflow = load_workflow(instance)
    return Case(instance, bundle, workflow, ready_rows(instance.id) if known is None else known)


def run(case: Case | Instance, advance: Advance, actor: str) -> Outcome:
    """Run one step on ``case`` (an instance is loaded first); no commit.

    ``advance(case)`` checks the step's rules and calls the engine (it may set ``case.workflow`` for a new
    instance). Then: the cause event, an event per engine step, the save, every registered hook. Raises what
    ``advance``, the save or a hook raises; the caller's rollback then leaves nothing of the step.
    """
    if isinstance(case, Instance):
        case = load(case)
    outcome = advance(case)
    instance, workflow = case.instance, case.workflow
    assert workflow is not None, "advance must leave the workflow on the case"
    versions = calendar_versions(workflow.script_engine)
    if versions is not None:  # the calendar the step ran on, hashed with its cause (api/services/calendar_versions.py)
        outcome.event = {**outcome.event, "data": {**(outcome.event.get("data") or {}), FIELD: versions}}
    refs = stage_view(outcome.view) if outcome.view is not None else _current_refs(workflow)
    append_event(instance_stream(instance.id), instance, refs=refs, **outcome.event)
    record_steps(instance, outcome.steps, actor)
    save(instance, case.bundle, workflow, case.known)
    for hook in step_hooks():
        hook(instance, outcome.steps, actor)
    return outcome


def _current_refs(workflow: BpmnWorkflow) -> tuple[str, str]:
    return stage_view(state_view(workflow, runtime.instance_data(workflow)))
