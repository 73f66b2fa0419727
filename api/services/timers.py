"""Firing due timers: the worker's job, one instance per transaction.

The instance's ``next_due`` column (the earliest pending timer, kept by ``save``)
is indexed, so finding due instances is one query. Each firing is a
``timer_tick`` event followed by the engine steps it caused, all stamped with
the tick's instant, so verification replays it exactly.
"""
from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from engine import clock, runtime
from engine.errors import SanxiangError

from ..extensions import db
from ..models import Instance
from . import org_scope, steps
from .snapshots import discard_staged


def due_instances(now: datetime, limit: int = 100) -> list[int]:
    return list(db.session.scalars(select(Instance.id).where(Instance.status == "running", Instance.next_due <= now)
                                   .order_by(Instance.next_due).limit(limit)))


def fire(instance_id: int, now: datetime) -> int:
    """Fire the instance's due timers at ``now`` and commit; returns the engine steps taken."""
    with clock.fixed(now), org_scope.case(None):  # the case's bureau, for this instance only (load_workflow)
        instance = db.session.get(Instance, instance_id)
        outcome = steps.run(instance, partial(_tick, now), "system")
        db.session.commit()
        return len(outcome.steps)


def _tick(now: datetime, case: steps.Case) -> steps.Outcome:
    """The engine fires the workflow's due timers: a ``timer_tick`` event, then the steps it caused."""
    records = runtime.fire_timers(case.workflow, views=True)
    tick, taken = records[0], records[1:]
    return steps.Outcome(event={"type_": "timer_tick", "actor": "system", "role": None,
                                "data": {"now": now.isoformat()}},
                         view=tick.view, steps=taken)


def fire_due(now: datetime) -> dict[str, int]:
    """Fire every due instance; a conflict or failure is rolled back and retried next tick."""
    done = {"instances": 0, "steps": 0, "failed": 0}
    for instance_id in due_instances(now):
        try:
            done["steps"] += fire(instance_id, now)
            done["instances"] += 1
        except (StaleDataError, SanxiangError):
            db.session.rollback()
            discard_staged()
            done["failed"] += 1
    return done
