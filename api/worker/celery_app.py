"""The jobs as Celery tasks on the Redis broker (production: ``flask --app api worker``).

Tasks: ``sanxiang.fire_due`` (every due timer, each taken with SKIP LOCKED; a run that finds a burst due sends one
more run so that idle workers share it; publishes ``done <start>`` on the wake channel when it ends, so the
scheduler knows which due times were tried), ``sanxiang.checkpoint`` and
``sanxiang.annual_report``. No result backend: the jobs' effects are in the database. A task is acknowledged
after it ran (``acks_late``) and given back when its worker process dies, and every task is safe to run twice:
the scheduler also sends ``fire_due`` again when a run does not report back within ``FIRE_RETRY_SECONDS``.

The worker runs its tasks in threads (``--pool threads``) or one at a time (``solo``), never in Celery's prefork
pool: pool processes are daemonic, and a daemonic process may not start the script sandbox's processes
(engine/sandbox.py). For more CPUs, run more worker processes.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from celery import Celery
from celery.signals import worker_process_init
from flask import Flask

from ..extensions import db
from ..models.types import utcnow
from . import annual_report, checkpoint, fire_timers, sweep_uploads
from .wakeup import waker

log = logging.getLogger("sanxiang.worker")

FIRE_DUE = "sanxiang.fire_due"
CHECKPOINT = "sanxiang.checkpoint"
ANNUAL_REPORT = "sanxiang.annual_report"


def make_celery(app: Flask) -> Celery:
    """The app's Celery (one per app), configured from ``REDIS_URL``."""
    found = app.extensions.get("celery")
    if found is not None:
        return found
    url = app.config.get("REDIS_URL")
    if not url:
        raise RuntimeError("SANXIANG_REDIS_URL is not set: the Celery worker needs the Redis broker")
    celery = Celery("sanxiang", set_as_current=False)
    celery.conf.update(
        broker_url=url, task_ignore_result=True, task_default_queue=app.config["CELERY_QUEUE"],
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True, broker_transport_options={"visibility_timeout": 600},
        worker_hijack_root_logger=False, worker_send_task_events=False, task_send_sent_event=False,
        enable_utc=True, timezone="UTC")

    def recruit() -> None:  # one more run, for an idle worker to share a burst of due timers
        try:
            celery.send_task(FIRE_DUE)
        except Exception:  # noqa: BLE001 - the broker gone: this run fires the burst alone
            log.warning("could not send a run to share the due timers", exc_info=True)

    @celery.task(name=FIRE_DUE)
    def fire_due_task(now: str | None = None) -> dict[str, int]:
        started = utcnow()
        try:
            return fire_timers(app, datetime.fromisoformat(now) if now else None, recruit=recruit)
        finally:
            try:
                waker(app).publish(f"done {started.isoformat()}")
            except Exception:  # noqa: BLE001 - the scheduler sends again after FIRE_RETRY_SECONDS
                log.warning("could not report the end of a firing run", exc_info=True)

    @celery.task(name=CHECKPOINT)
    def checkpoint_task() -> dict[str, int]:
        return checkpoint(app)

    @celery.task(name=ANNUAL_REPORT)
    def annual_report_task() -> int:
        made = annual_report(app)
        sweep_uploads(app)  # on the same (hourly) schedule: abandoned uploads' bytes
        return made

    @worker_process_init.connect(weak=False)
    def _fresh_connections(**_: Any) -> None:
        # a forked pool process (should one be used) must not share the parent's database connections
        with app.app_context():
            db.engine.dispose(close=False)

    app.extensions["celery"] = celery
    return celery


def worker_argv(concurrency: int | None, pool: str, loglevel: str, queue: str) -> list[str]:
    import os

    argv = ["worker", f"--loglevel={loglevel}", f"--pool={pool}", "-Q", queue, "-n", f"sanxiang-{os.getpid()}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    return argv
