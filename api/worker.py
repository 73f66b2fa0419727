"""The background worker: periodic jobs, run in-process for the demo or as ``flask --app api worker``.

Each tick fires the timers that are due (escalations, deadlines), publishes the
previous year's statistics from 1 January on if they are not published yet, and
records a checkpoint of every history stream's head when events were appended
since the last one and CHECKPOINT_SECONDS have passed (signed when CHECKPOINT_KEY
is set), and appends the checkpoints CHECKPOINT_FILE lacks to that file.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select

from engine.clock import BEIJING

from .extensions import db
from .models import Checkpoint
from .models.types import utcnow
from .services.audit import create_checkpoint, export_checkpoints
from .services.checkpoints import moved_heads
from .services.stats import ensure_annual_report
from .services.timers import fire_due


def checkpoint_due(interval_seconds: int) -> bool:
    """True when some stream moved since the last checkpoint and the interval has passed."""
    last = db.session.scalar(select(Checkpoint).order_by(Checkpoint.id.desc()).limit(1))
    if last is not None and utcnow() - last.at < timedelta(seconds=interval_seconds):
        return False
    return bool(moved_heads())


def _export(app: Flask) -> int:
    """Append the missing checkpoints to the export file; a failure is logged and retried next tick."""
    try:
        return export_checkpoints()
    except Exception:  # noqa: BLE001 - e.g. the file diverged from the database: an auditor must look
        app.logger.exception("checkpoint export failed")
        return 0


def tick(app: Flask, now: datetime | None = None) -> dict[str, int]:
    """Run the periodic jobs once (timers, annual report, checkpoint); returns what was done."""
    now = now or utcnow()
    done = {"checkpoints": 0, "exported": 0}
    with app.app_context():
        fired = fire_due(now)
        done["timers"] = fired["instances"]
        done["annual_reports"] = 1 if ensure_annual_report(now.astimezone(BEIJING).date()) is not None else 0
        db.session.commit()
        if checkpoint_due(app.config["CHECKPOINT_SECONDS"]):
            create_checkpoint()
            db.session.commit()
            done["checkpoints"] = 1
        done["exported"] = _export(app)
        db.session.remove()
    return done


def run_forever(app: Flask, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            tick(app)
        except Exception:  # noqa: BLE001 - a failed tick is logged and retried next time
            app.logger.exception("worker tick failed")
        stop.wait(app.config["WORKER_SECONDS"])


def start_in_process(app: Flask) -> threading.Event:
    """Start the worker as a daemon thread (the embedded default); returns its stop flag."""
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(app, stop), name="sanxiang-worker", daemon=True).start()
    return stop
