"""Firing due timers: the worker's job, one instance per transaction.

The instance's ``next_due`` column (the earliest pending timer, kept by ``save``)
is indexed, so finding due instances is one query. Each firing is a
``timer_tick`` event followed by the engine steps it caused, all stamped with
the tick's instant, so verification replays it exactly.

A due instance is *taken* before it is fired, inside the firing's transaction: on PostgreSQL with
``SELECT ... FOR UPDATE SKIP LOCKED`` (several workers take different instances and never wait on each
other; a worker killed mid-firing drops its connection, PostgreSQL rolls the firing back and releases the
row for the next worker), on SQLite with a no-op update that takes the database's single write lock before
the row is read again. Either way the row is re-read after the lock and ``next_due <= now`` checked again,
so an instance another worker fired meanwhile is never fired twice.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from engine import clock, runtime
from engine.masking import mask_text

from ..extensions import db
from ..models import Instance
from ..models.types import as_utc, utcnow
from . import org_scope, steps
from .snapshots import discard_staged


def due_instances(now: datetime, limit: int = 100) -> list[int]:
    return list(db.session.scalars(select(Instance.id).where(Instance.status == "running", Instance.next_due <= now)
                                   .order_by(Instance.next_due).limit(limit)))


def take_due(now: datetime, skip: frozenset[int] | set[int] = frozenset()) -> Instance | None:
    """Lock and return the running instance whose timer is most overdue at ``now`` (none: None).

    The lock lasts until the transaction ends (``fire`` commits it). ``skip``: ids not to take (those that
    failed in this run).
    """
    due = (Instance.status == "running", Instance.next_due <= now)
    if db.engine.dialect.name == "postgresql":
        stmt = select(Instance.id).where(*due)
        if skip:
            stmt = stmt.where(Instance.id.not_in(skip))
        instance_id = db.session.scalar(stmt.order_by(Instance.next_due).limit(1).with_for_update(skip_locked=True))
        if instance_id is None:
            return None
    else:  # SQLite: take the single write lock first (a no-op update), then read what the last writer committed
        for instance_id in due_instances(now, limit=len(skip) + 1):
            if instance_id not in skip:
                break
        else:
            return None
        taken = db.session.execute(update(Instance).where(Instance.id == instance_id, *due)
                                   .values(row_version=Instance.row_version)
                                   .execution_options(synchronize_session=False))
        if taken.rowcount != 1:  # fired (or finished) by another worker between the read and the lock
            db.session.rollback()
            return take_due(now, skip)
    return db.session.get(Instance, instance_id, populate_existing=True)

def fire(instance_id: int, now: datetime) -> int:
    """Fire the instance's due timers at ``now`` and commit; returns the engine steps taken.

    When the workflow waits for no timer due by ``now`` (the row's ``next_due`` was written behind the service's
    back, or is stale), nothing is recorded: the row's ``next_due`` is put back to what the workflow waits for.
    """
    with clock.fixed(now), org_scope.case(None):  # the case's bureau, for this instance only (load_workflow)
        instance = db.session.get(Instance, instance_id)
        case = steps.load(instance)
        waiting = runtime.waiting_timers(case.workflow)
        if not waiting or as_utc(waiting[0]) > now:
            found = as_utc(waiting[0]) if waiting else None
            log.warning("instance %s: next_due %s but its workflow waits for %s; nothing fired, next_due put back",
                        instance_id, instance.next_due, found)
            instance.next_due = found
            db.session.commit()
            return 0
        outcome = steps.run(case, partial(_tick, now), "system")
        db.session.commit()
        return len(outcome.steps)


def _tick(now: datetime, case: steps.Case) -> steps.Outcome:
    """The engine fires the workflow's due timers: a ``timer_tick`` event, then the steps it caused."""
    records = runtime.fire_timers(case.workflow, views=True)
    tick, taken = records[0], records[1:]
    return steps.Outcome(event={"type_": "timer_tick", "actor": "system", "role": None,
                                "data": {"now": now.isoformat()}},
                         view=tick.view, steps=taken)


def _more_due(now: datetime) -> bool:
    """Whether an instance is due at ``now`` that no other transaction holds (one indexed query; PostgreSQL: rows
    other workers are firing are skipped, so a worker is recruited only for work nobody has taken)."""
    stmt = select(Instance.id).where(Instance.status == "running", Instance.next_due <= now).limit(1)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    found = db.session.scalar(stmt) is not None
    db.session.rollback()  # the look takes no lock beyond it
    return found


log = logging.getLogger("sanxiang.worker")

#: a firing that lost a race (a stale row, a unique key another transaction wrote first, a lock it could not get)
#: is tried again at once, this many times in all, before it is left for the next run
CONFLICT_TRIES = 3


def _conflict(exc: Exception) -> bool:
    if isinstance(exc, (StaleDataError, IntegrityError)):
        return True
    orig = getattr(exc, "orig", None)
    return isinstance(exc, OperationalError) and (
        getattr(orig, "sqlstate", None) in ("40P01", "40001", "55P03") or "database is locked" in str(orig))


def fire_due(now: datetime | None = None, limit: int | None = None,
             recruit: Callable[[], None] | None = None) -> dict[str, int]:
    """Take and fire due instances one by one (each in its own transaction) until none is due.

    ``recruit``: called once, after the first firing, when another instance is due beside those being fired
    (the Celery task sends one more run with it): idle workers share a burst of timers due at one instant
    instead of one worker firing them one after another. Each run recruits at most one more, so the runs grow
    with the backlog and stop with it; SKIP LOCKED keeps each firing to one worker.

    ``now``: the instant to fire at (tests); None fires each instance at the current time. A firing that fails
    is rolled back: a lost race (:func:`_conflict`) is tried again at once, a refusal of the engine or the rules
    (``SanxiangError``) or any other error leaves the instance for the next run (logged) while the others fire. Instances another worker holds are skipped
    (PostgreSQL), not waited for.
    """
    done = {"instances": 0, "steps": 0, "failed": 0, "retried": 0}
    failed: set[int] = set()
    tries: dict[int, int] = {}
    while limit is None or done["instances"] + done["failed"] < limit:
        at = now or utcnow()
        instance = take_due(at, failed)
        if instance is None:
            db.session.rollback()  # end the read transaction (SQLite keeps none open, PostgreSQL an idle one)
            break
        instance_id = instance.id
        try:
            done["steps"] += fire(instance_id, at)
            done["instances"] += 1
            if recruit is not None and done["instances"] == 1 and _more_due(now or utcnow()):
                recruit()
        except Exception as exc:  # noqa: BLE001 - one case's failure must not stop every other timer
            # anything else (a hook's bug, a value the database refuses) is left for the next run like a refusal:
            # the failing case is the most overdue one, so ending the run here would stop every timer for good
            db.session.rollback()
            discard_staged()
            if isinstance(exc, OperationalError) and not _conflict(exc):
                raise  # the database is gone: the run ends, the next one retries
            tries[instance_id] = tries.get(instance_id, 0) + 1
            if _conflict(exc) and tries[instance_id] < CONFLICT_TRIES:
                done["retried"] += 1
                continue
            failed.add(instance_id)
            done["failed"] += 1
            log.warning("timer of instance %s not fired (left for the next run): %s: %s", instance_id,
                        type(exc).__name__, mask_text(str(getattr(exc, "message", None) or exc))[:300])
    return done
