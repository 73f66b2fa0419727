"""The background jobs: timers (deadlines, escalations), the annual statistics report, history checkpoints.

Two ways to run them, one set of jobs (this module):

* **embedded** (the default, ``make run`` / ``flask --app api serve``, SQLite or PostgreSQL, no broker): a thread
  of the server (:mod:`api.worker.embedded`) sleeps until the earliest ``next_due`` (at most
  ``WAKE_CAP_SECONDS``), woken early when a commit sets a sooner one, and runs checkpoints every
  ``CHECKPOINT_SECONDS`` and the annual report every ``ANNUAL_REPORT_SECONDS`` on their own schedules;
* **production** (``REDIS_URL`` set): Celery workers with the Redis broker run the jobs as tasks
  (:mod:`api.worker.celery_app`, ``flask --app api worker``), and one scheduler (:mod:`api.worker.scheduler`,
  ``flask --app api scheduler``) sends them: ``fire_due`` when the earliest ``next_due`` comes (woken early over
  Redis pub/sub), ``checkpoint`` and ``annual_report`` on their own intervals.

Either way a due instance is taken with ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite: its single
write lock) inside the firing's transaction (:func:`api.services.timers.take_due`): several workers never fire one
timer twice, and a worker killed mid-firing leaves the timer to the next run.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select

from engine.clock import BEIJING

from ..extensions import db
from ..models import Checkpoint, Instance
from ..models.types import as_utc, utcnow
from ..services.audit import create_checkpoint, export_checkpoints
from ..services.checkpoints import moved_heads
from ..services.locks import hold
from ..services.stats import ensure_annual_report
from ..services.timers import fire_due


def checkpoint_due(interval_seconds: int) -> bool:
    """True when some stream moved since the last checkpoint and the interval has passed."""
    last = db.session.scalar(select(Checkpoint).order_by(Checkpoint.id.desc()).limit(1))
    if last is not None and utcnow() - last.at < timedelta(seconds=interval_seconds):
        return False
    return bool(moved_heads())


def earliest_due(after: datetime | None = None) -> datetime | None:
    """The earliest ``next_due`` of a running instance (later than ``after`` if given; one indexed query), UTC."""
    stmt = select(Instance.next_due).where(Instance.status == "running", Instance.next_due.is_not(None))
    if after is not None:
        stmt = stmt.where(Instance.next_due > after)
    due = db.session.scalar(stmt.order_by(Instance.next_due).limit(1))
    db.session.rollback()  # no transaction left open between two wake-ups
    return as_utc(due) if due is not None else None


def _export(app: Flask) -> int:
    """Append the missing checkpoints to the export file; a failure is logged and retried next time."""
    try:
        return export_checkpoints()
    except Exception:  # noqa: BLE001 - e.g. the file diverged from the database: an auditor must look
        app.logger.exception("checkpoint export failed")
        return 0


def fire_timers(app: Flask, now: datetime | None = None, recruit: Callable[[], None] | None = None) -> dict[str, int]:
    """Fire every due timer (``now``: a fixed instant for tests; None: the current time at each firing;
    ``recruit``: sends one more run when a burst is due, see :func:`api.services.timers.fire_due`)."""
    with app.app_context():
        try:
            return fire_due(now, recruit=recruit)
        finally:
            db.session.remove()


def annual_report(app: Flask, now: datetime | None = None) -> int:
    """From 1 January on, publish last year's report if it is not published yet; returns 1 if it published."""
    now = now or utcnow()
    with app.app_context():
        try:
            hold("worker:annual_report")  # two workers at once: the second sees the first one's report
            made = ensure_annual_report(now.astimezone(BEIJING).date()) is not None
            db.session.commit()
            return int(made)
        finally:
            db.session.remove()


def sweep_uploads(app: Flask) -> int:
    """Remove the resumable uploads left untouched past EVIDENCE_UPLOAD_EXPIRY_HOURS (their bytes were never
    recorded); runs on the annual report's schedule (hourly by default), so abandoned uploads do not hold disk
    until someone starts another. Returns how many; a failure is logged and tried again next time."""
    from ..services.resumable import sweep

    with app.app_context():
        try:
            return sweep()
        except Exception:  # noqa: BLE001 - e.g. the uploads folder unreadable: logged, retried next time
            app.logger.exception("sweeping expired uploads failed")
            return 0


def checkpoint(app: Flask) -> dict[str, int]:
    """Record a checkpoint when streams moved and CHECKPOINT_SECONDS passed; export what the file lacks."""
    done = {"checkpoints": 0, "exported": 0}
    with app.app_context():
        try:
            hold("worker:checkpoint")  # one checkpoint writer at a time
            if checkpoint_due(app.config["CHECKPOINT_SECONDS"]):
                create_checkpoint()
                done["checkpoints"] = 1
            db.session.commit()
            done["exported"] = _export(app)
        finally:
            db.session.remove()
    return done


def tick(app: Flask, now: datetime | None = None) -> dict[str, int]:
    """Run every job once (timers at ``now``, annual report, checkpoint); returns what was done."""
    now = now or utcnow()
    fired = fire_timers(app, now)
    done = {"timers": fired["instances"], "annual_reports": annual_report(app, now),
            "uploads_swept": sweep_uploads(app)}
    done.update(checkpoint(app))
    return done


def run_forever(app: Flask, stop=None) -> None:  # noqa: ANN001 - kept for callers of the earlier loop
    from .embedded import run_forever as run

    run(app, stop)


def start_in_process(app: Flask):  # noqa: ANN201
    from .embedded import start_in_process as start

    return start(app)
