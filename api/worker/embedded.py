"""The embedded worker: one thread of the server process (or ``flask --app api worker --embedded``), no broker.

It sleeps until the earliest of: the earliest ``next_due``, the next checkpoint, the next annual-report check,
and ``WAKE_CAP_SECONDS``; a commit that sets a sooner ``next_due`` wakes it at once (:mod:`api.worker.wakeup`:
in-process, or over Redis pub/sub when ``REDIS_URL`` is set and the worker runs as its own process).
"""
from __future__ import annotations

import threading
import time

from flask import Flask

from ..models.types import utcnow
from . import annual_report, checkpoint, earliest_due, fire_timers, sweep_uploads
from .wakeup import LocalWake, RedisWake, waker


def _seconds_until(moment: float) -> float:
    return max(0.0, moment - time.monotonic())


def retry_after(failures: int) -> float:
    """Seconds to wait after ``failures`` failed runs in a row: 1, 2, 4, … (the caller caps it)."""
    return float(2 ** min(failures - 1, 10))


def run_forever(app: Flask, stop: LocalWake | RedisWake | threading.Event | None = None) -> None:
    """Run the jobs until ``stop`` is set (a stop flag from :func:`start_in_process`)."""
    wake = waker(app)
    cap = float(app.config["WAKE_CAP_SECONDS"])
    next_checkpoint = next_annual = 0.0  # monotonic times; both run at start
    failures = 0  # runs failed in a row

    def stopped() -> bool:
        return bool(getattr(stop, "stopped", False) or (isinstance(stop, threading.Event) and stop.is_set()))

    while not stopped():
        try:
            fire_timers(app)
            if time.monotonic() >= next_annual:
                annual_report(app)
                sweep_uploads(app)
                next_annual = time.monotonic() + app.config["ANNUAL_REPORT_SECONDS"]
            if time.monotonic() >= next_checkpoint:
                checkpoint(app)
                next_checkpoint = time.monotonic() + max(1, app.config["CHECKPOINT_SECONDS"])
            with app.app_context():
                due = earliest_due()
            until_due = cap if due is None else max(0.0, (due - utcnow()).total_seconds())
            failures = 0
            wait = min(cap, until_due, _seconds_until(next_checkpoint), _seconds_until(next_annual))
        except Exception:  # noqa: BLE001 - a failed run (the database down) is logged and retried
            failures += 1
            app.logger.exception("worker run failed (%d in a row)", failures)
            # the jobs that failed are still due: without a wait of its own the loop would retry at once, forever
            wait = min(cap, retry_after(failures))
        if wait > 0:
            wake.wait(wait)


class _Stop:
    """The stop flag of an in-process worker: ``set()`` ends its loop at once."""

    def __init__(self, wake: LocalWake | RedisWake) -> None:
        self._wake = wake
        self.stopped = False

    def set(self) -> None:
        self.stopped = True
        if isinstance(self._wake, LocalWake):
            self._wake.notify()

    def is_set(self) -> bool:
        return self.stopped


def start_in_process(app: Flask) -> _Stop:
    """Start the worker as a daemon thread of this process (the embedded default); returns its stop flag."""
    stop = _Stop(waker(app))
    threading.Thread(target=run_forever, args=(app, stop), name="sanxiang-worker", daemon=True).start()
    return stop
