"""A Celery worker of the app for the tests (``python -m tests.api.job_worker [--pool threads|solo]``, one task at a
time), with test hooks set by the environment, all acting inside the firing transaction (after its rows are written, before COMMIT):

* ``SANXIANG_TEST_PAUSE_FILE``: while that file exists, a firing writes ``<pid> <instance> <uncommitted ticks>`` to
  ``<file>.ready`` and blocks (the test then kills the process with SIGKILL);
* ``SANXIANG_TEST_SLOW_FIRE``: seconds each firing waits before its commit (so racing workers overlap);
* ``SANXIANG_TEST_FIRED_LOG``: a committed firing appends ``<pid> <instance>`` to this file.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

import api.services.timers as timers
from api import create_app
from api.worker.celery_app import make_celery, worker_argv

_firing: dict[str, int | None] = {"instance": None}
_original_fire = timers.fire


def _fire(instance_id: int, now: Any) -> int:
    _firing["instance"] = instance_id
    try:
        steps = _original_fire(instance_id, now)
    finally:
        _firing["instance"] = None
    log = os.environ.get("SANXIANG_TEST_FIRED_LOG")
    if log:
        with open(log, "a") as out:
            out.write(f"{os.getpid()} {instance_id}\n")
    return steps


@event.listens_for(Engine, "commit")
def _inside_the_firing_transaction(conn: Any) -> None:
    instance_id = _firing["instance"]
    if instance_id is None:
        return
    slow = float(os.environ.get("SANXIANG_TEST_SLOW_FIRE", "0") or 0)
    if slow:
        time.sleep(slow)
    pause = os.environ.get("SANXIANG_TEST_PAUSE_FILE")
    if pause and Path(pause).exists():
        cursor = conn.connection.cursor()  # the DBAPI cursor: this transaction's own view, before COMMIT
        cursor.execute(f"SELECT count(*) FROM events WHERE instance_id = {int(instance_id)} AND type = 'timer_tick'")
        uncommitted = cursor.fetchone()[0]
        cursor.close()
        Path(pause + ".ready").write_text(f"{os.getpid()} {instance_id} {uncommitted}")
        time.sleep(3600)


def main(argv: list[str]) -> None:
    timers.fire = _fire
    pool = argv[argv.index("--pool") + 1] if "--pool" in argv else "threads"
    app = create_app()
    celery = make_celery(app)
    celery.worker_main(worker_argv(1, pool, "INFO", celery.conf.task_default_queue))


if __name__ == "__main__":
    main(sys.argv[1:])
