"""Verifiable re-execution: re-run an instance from its start with the recorded inputs.

The caller hands in the instance's bundle (its own definition version) and its
recorded events, each with the snapshot view stored after it. The replay
starts a fresh workflow, feeds it the recorded user inputs, data edits and
rewinds in order, and compares every engine step and every resulting view
with the recorded ones. It stops at the first divergence and reports it.

A migration event (``instance_migrated``, api/services/migrations.py) switches the replay to the bundle the
event names (``bundles(event data)``, the caller's loader): the replayed workflow is moved as the case was
(engine/migration.py) and replays on the new specs from there.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow

from . import clock, migration, runtime, snapshots
from .errors import SanxiangError
from .history import canonical_json
from .specs import SpecBundle


@dataclass
class RecordedView:
    """A recorded view by its content addresses (see :func:`snapshots.blob_ref`): a replayed view is compared by
    hashing it, so a verify does not decode every recorded view (the views grow with the history); ``load``
    gives the recorded view itself, to describe a difference."""

    state_ref: str
    data_ref: str
    load: Callable[[], dict[str, Any] | None]
    #: the recorded blobs' texts, when the caller checked them against their refs (sha256 of the text == ref):
    #: a replayed view is then compared by its canonical text, which gives the same answer as hashing it
    state_text: str | None = None
    data_text: str | None = None

    def matches(self, view: dict[str, Any]) -> bool:
        if self.state_text is not None and self.data_text is not None:
            return (snapshots.elements_json(view.get("elements")) == self.state_text
                    and canonical_json(view.get("data")) == self.data_text)
        return (snapshots.blob_ref(view.get("elements"))[0] == self.state_ref
                and snapshots.blob_ref(view.get("data"))[0] == self.data_ref)


@dataclass
class Recorded:
    """One recorded event as the replay needs it."""

    seq: int
    type: str
    element_id: str | None
    task_id: str | None
    data: dict[str, Any]
    view: dict[str, Any] | RecordedView | None
    at: datetime | None = None


@dataclass
class ReplayResult:
    ok: bool
    steps: int
    problem: dict[str, Any] | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # recorded task id -> replay task id
    #: the replayed workflow after the last event (to compare with the row); the caller discards it when done
    #: (runtime.discard)
    workflow: BpmnWorkflow | None = None
    bundle: SpecBundle | None = None  # the specs it ran on last (another than the start's after a migration)


class Divergence(Exception):
    def __init__(self, seq: int, message: str) -> None:
        super().__init__(message)
        self.seq = seq
        self.message = message


class _Replay:
    def __init__(self, bundle: SpecBundle, script_engine: Any,
                 bundles: Callable[[dict[str, Any]], SpecBundle] | None = None) -> None:
        self.bundle = bundle
        self.bundles = bundles
        self.script_engine = script_engine
        self.workflow: BpmnWorkflow | None = None
        self.queue: deque[runtime.StepRecord] = deque()
        self.mapping: dict[str, str] = {}

    # -- helpers -----------------------------------------------------------
    def _check_view(self, ev: Recorded, view: dict[str, Any] | None) -> None:
        if ev.view is None or view is None:
            return
        expected = ev.view
        if isinstance(expected, RecordedView):
            if expected.matches(view):
                return
            expected = expected.load()
            if expected is None:
                raise Divergence(ev.seq, f"state after event {ev.seq} ({ev.type}) differs from its recorded snapshot")
        diff = snapshots.diff_views(expected, view)
        if diff:
            raise Divergence(ev.seq, f"state after event {ev.seq} ({ev.type}) differs: {diff}")

    def _current_view(self) -> dict[str, Any]:
        return snapshots.state_view(self.workflow, runtime.instance_data(self.workflow))

    def _expect_idle(self, ev: Recorded) -> None:
        if self.queue:
            extra = self.queue[0]
            raise Divergence(ev.seq, f"replay ran engine step {extra.type} '{extra.element_id}' that was not recorded "
                                     f"before event {ev.seq}")

    def _take(self, records: list[runtime.StepRecord], ev: Recorded) -> None:
        first, rest = records[0], records[1:]
        self._check_view(ev, first.view)
        self.queue.extend(rest)

    # -- handlers ----------------------------------------------------------
    def started(self, ev: Recorded) -> None:
        self.workflow, records = runtime.start(self.bundle, ev.data.get("data") or {}, self.script_engine,
                                               views=True)
        self._take(records, ev)

    def engine(self, ev: Recorded) -> None:
        if not self.queue:
            raise Divergence(ev.seq, f"recorded engine step {ev.type} '{ev.element_id}' did not happen in the replay")
        rec = self.queue.popleft()
        if f"engine_{rec.type}" != ev.type or rec.element_id != ev.element_id:
            raise Divergence(ev.seq, f"recorded {ev.type} '{ev.element_id}', replay did {rec.type} '{rec.element_id}'")
        self._check_view(ev, rec.view)

    def completed(self, ev: Recorded) -> None:
        self._expect_idle(ev)
        ready = [t for t in runtime.ready_tasks(self.bundle, self.workflow) if t.meta.element_id == ev.element_id]
        if not ready:
            raise Divergence(ev.seq, f"task '{ev.element_id}' was completed but is not ready in the replay")
        replay_id = ready[0].id
        if ev.task_id:
            self.mapping[ev.task_id] = replay_id
        records = runtime.complete(self.workflow, replay_id, ev.data.get("submitted") or {}, views=True)
        self._take(records, ev)

    def data_edited(self, ev: Recorded) -> None:
        self._expect_idle(ev)
        runtime.edit_data(self.workflow, {k: v["after"] for k, v in (ev.data.get("changes") or {}).items()})
        self._check_view(ev, self._current_view())

    def rewound(self, ev: Recorded) -> None:
        self._expect_idle(ev)
        records = runtime.rewind(self.workflow, ev.element_id or "", views=True)
        self._take(records, ev)

    def timers(self, ev: Recorded) -> None:
        self._expect_idle(ev)
        self._take(runtime.fire_timers(self.workflow, views=True), ev)

    def migrated(self, ev: Recorded) -> None:
        self._expect_idle(ev)
        if ev.data.get("from_manifest") != self.bundle.manifest:
            raise Divergence(ev.seq, f"migration event {ev.seq} says the case ran other files than the replay did")
        if self.bundles is None:
            raise Divergence(ev.seq, f"migration event {ev.seq} cannot be replayed without its target files")
        new = self.bundles(ev.data)
        try:
            migration.migrate(self.workflow, self.bundle, new)
        except migration.MigrationRefused as exc:
            raise Divergence(ev.seq, f"migration event {ev.seq} does not apply in the replay: {exc.message}") from None
        self.bundle = new
        self._check_view(ev, self._current_view())

    def passive(self, ev: Recorded) -> None:
        """Events that change no state (claims, evidence, publication): the state must still match."""
        if self.workflow is not None and not self.queue:
            self._check_view(ev, self._current_view())


HANDLERS = {
    "instance_started": _Replay.started,
    "task_completed": _Replay.completed,
    "data_edited": _Replay.data_edited,
    "rewound": _Replay.rewound,
    "timer_tick": _Replay.timers,
    "instance_migrated": _Replay.migrated,
}


def replay(bundle: SpecBundle, events: list[Recorded], script_engine: Any,
           engine_at: Callable[[datetime | None, dict[str, Any]], Any] | None = None,
           bundles: Callable[[dict[str, Any]], SpecBundle] | None = None) -> ReplayResult:
    """Re-run ``events`` on ``bundle``; the result names the first divergence, if any.

    ``engine_at(event time, event data)``, when given, is the script engine each event ran on (e.g. the
    working-day calendar the event's data names, or the one in force at its time); otherwise ``script_engine``
    runs every event. ``bundles(migration event data)``: the bundle a migration event moved the case to.
    """
    run = _Replay(bundle, script_engine, bundles)
    count = 0
    try:
        for ev in events:
            if engine_at is not None and ev.at is not None:
                run.script_engine = engine_at(ev.at, ev.data)
                if run.workflow is not None:
                    run.workflow.script_engine = run.script_engine
            if run.workflow is None and ev.type != "instance_started":
                raise Divergence(ev.seq, f"the history does not begin with instance_started (found {ev.type})")
            handler = HANDLERS.get(ev.type) or (_Replay.engine if ev.type.startswith("engine_") else _Replay.passive)
            if ev.at is not None:
                with clock.fixed(ev.at):
                    handler(run, ev)
            else:
                handler(run, ev)
            count += 1
        if run.queue:
            extra = run.queue[0]
            last = events[-1].seq if events else 0
            raise Divergence(last, f"replay ran engine step {extra.type} '{extra.element_id}' after the last event")
    except Divergence as div:
        runtime.discard(run.workflow)  # not handed back: freed now (see runtime.discard)
        return ReplayResult(False, count, {"seq": div.seq, "problem": div.message}, run.mapping)
    except SanxiangError as exc:
        runtime.discard(run.workflow)
        seq = events[count].seq if count < len(events) else None
        return ReplayResult(False, count, {"seq": seq, "problem": f"replay failed: {exc.message}"}, run.mapping)
    return ReplayResult(True, count, None, run.mapping, run.workflow, run.bundle)
