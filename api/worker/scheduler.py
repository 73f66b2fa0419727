"""The production scheduler (``flask --app api scheduler``): one process that sends the jobs to the Celery workers.

* ``fire_due`` when the earliest ``next_due`` comes: it sleeps until then (at most ``WAKE_CAP_SECONDS``) and is
  woken early over Redis pub/sub by a commit that sets a sooner ``next_due`` (:mod:`api.worker.wakeup`). While a
  run is out it sends no other, until the run reports ``done`` or ``FIRE_RETRY_SECONDS`` pass (a killed worker);
  due times a finished run already tried (a firing that failed) are sent again only after that interval;
* ``checkpoint`` every ``CHECKPOINT_SECONDS`` and ``annual_report`` every ``ANNUAL_REPORT_SECONDS``, on their
  own schedules.

Run one (a second one only sends some tasks twice, which the jobs tolerate).
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask

from ..models.types import utcnow
from . import earliest_due
from .celery_app import ANNUAL_REPORT, CHECKPOINT, FIRE_DUE
from .wakeup import RedisWake

log = logging.getLogger("sanxiang.worker")


class Scheduler:
    def __init__(self, app: Flask, send: Callable[[str], Any], wake: RedisWake) -> None:
        self.app, self.send, self.wake = app, send, wake
        self.cap = float(app.config["WAKE_CAP_SECONDS"])
        self.retry = float(app.config["FIRE_RETRY_SECONDS"])
        self.sent_at: float | None = None  # monotonic time of the fire_due out now (None: none out)
        self.last_sent: float | None = None
        self.tried_upto: datetime | None = None  # due times up to here were tried by a finished run
        self.next_checkpoint = self.next_annual = 0.0
        self.sent: dict[str, int] = {FIRE_DUE: 0, CHECKPOINT: 0, ANNUAL_REPORT: 0}

    def _send(self, name: str) -> None:
        self.send(name)
        self.sent[name] += 1
        log.info("sent %s", name)

    def heard(self, message: str | None) -> None:
        """A message from the wake channel: ``done <start>`` ends the run out; ``due ...`` only wakes."""
        if message and message.startswith("done"):
            self.sent_at = None
            try:
                started = datetime.fromisoformat(message.split(" ", 1)[1])
            except (IndexError, ValueError):
                return
            if self.tried_upto is None or started > self.tried_upto:
                self.tried_upto = started

    def step(self) -> float:
        """Send what is due now; returns how long to sleep (seconds) before the next step."""
        mono, now = time.monotonic(), utcnow()
        if self.sent_at is not None and mono - self.sent_at >= self.retry:
            self.sent_at = None  # no report back: the run died or is long; another worker may help
        with self.app.app_context():
            due_new = earliest_due(after=self.tried_upto)
            due_any = earliest_due() if self.tried_upto is not None else due_new
        log.debug("step: due_new %s, due_any %s, run out since %s, tried up to %s", due_new, due_any, self.sent_at,
                  self.tried_upto)
        waits = [self.cap]
        if self.sent_at is None:
            retry_ready = self.last_sent is None or mono - self.last_sent >= self.retry
            if (due_new is not None and due_new <= now) or (due_any is not None and due_any <= now and retry_ready):
                self._send(FIRE_DUE)
                self.sent_at = self.last_sent = mono
                waits.append(self.retry)
            else:
                if due_new is not None:
                    waits.append((due_new - now).total_seconds())
                if due_any is not None and due_any <= now and self.last_sent is not None:
                    waits.append(self.last_sent + self.retry - mono)
        else:
            waits.append(self.sent_at + self.retry - mono)
        if mono >= self.next_checkpoint:
            self._send(CHECKPOINT)
            self.next_checkpoint = mono + max(1, self.app.config["CHECKPOINT_SECONDS"])
        if mono >= self.next_annual:
            self._send(ANNUAL_REPORT)
            self.next_annual = mono + self.app.config["ANNUAL_REPORT_SECONDS"]
        waits += [self.next_checkpoint - mono, self.next_annual - mono]
        return max(0.0, min(waits))

    def run(self, stop: Callable[[], bool] = lambda: False) -> None:
        self.wake.wait(0)  # subscribe before the first read of the database: no wake-up is missed
        while not stop():
            try:
                wait = self.step()
            except Exception:  # noqa: BLE001 - e.g. the database restarting: logged, tried again
                log.exception("scheduler step failed")
                wait = min(self.cap, 5.0)
            try:
                message = self.wake.wait(wait)
                log.debug("woke after up to %.3f s: %s", wait, message)
                while message is not None:  # take what else arrived, then step once
                    self.heard(message)
                    message = self.wake.wait(0)
            except Exception:  # noqa: BLE001 - Redis restarting: sleep, then read the database again
                log.exception("scheduler wake channel failed")
                time.sleep(min(self.cap, 5.0))
                self.wake = RedisWake(self.wake.url)


def run_scheduler(app: Flask, stop: Callable[[], bool] = lambda: False) -> Scheduler:
    from .celery_app import make_celery

    celery = make_celery(app)
    logging.basicConfig(level=os.environ.get("SANXIANG_LOG_LEVEL", "INFO").upper(), format="[%(asctime)s: %(levelname)s/%(name)s] %(message)s")
    scheduler = Scheduler(app, lambda name: celery.send_task(name), RedisWake(app.config["REDIS_URL"]))
    scheduler.run(stop)
    return scheduler
