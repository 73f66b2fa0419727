"""Waking the timer scheduler early: a commit that sets an instance's ``next_due`` sooner than the scheduler's
longest sleep tells it so.

A session hook (installed once, at app start) notes the earliest new ``next_due`` flushed in a transaction;
after the commit it is sent to the app's *wake channel*:

* with ``REDIS_URL`` (production): ``PUBLISH`` on :func:`channel` — the scheduler (and an embedded worker running
  as its own process) subscribe to it; workers also publish ``done`` there when a firing run ends;
* without it (the embedded default, ``flask serve``): an in-process :class:`LocalWake` the in-process worker
  waits on.

Writers that bypass the ORM's flush (a Core ``UPDATE`` of ``next_due``) call :func:`note_next_due` themselves.
A lost message costs at most the scheduler's longest sleep (``WAKE_CAP_SECONDS``), never a firing.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..models import Instance
from ..models.types import as_utc, utcnow

log = logging.getLogger("sanxiang.worker")

#: session.info key: the earliest next_due set in this transaction (a datetime, UTC)
PENDING = "sanxiang_next_due"


def channel(redis_url: str) -> str:
    """The pub/sub channel of this database's timers (Redis channels ignore the db number, so it is in the name)."""
    path = urlparse(redis_url).path.strip("/") or "0"
    return f"sanxiang:wake:{path}"


#: how long a web request's wake-up waits for Redis, and how long it stops trying after a failure
NOTIFY_TIMEOUT_SECONDS = 0.25
NOTIFY_QUIET_SECONDS = 30.0


class LocalWake:
    """The in-process wake-up: ``notify`` wakes a ``wait`` when the new due time is sooner than its wake time."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._wake_at: datetime | None = None
        self._woken = False
        self.stopped = False

    def notify(self, due: datetime | None = None) -> None:
        with self._cond:
            if due is None or self._wake_at is None or due < self._wake_at:
                self._woken = True
                self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self.stopped = True
            self._woken = True
            self._cond.notify_all()

    def wait(self, seconds: float) -> str | None:
        """Sleep up to ``seconds``; returns "wake" when notified (or stopped), None on timeout."""
        with self._cond:
            self._wake_at = utcnow() + timedelta(seconds=max(0.0, seconds))
            try:
                if not self._woken:
                    self._cond.wait(max(0.0, seconds))
                woken, self._woken = self._woken, False
            finally:
                self._wake_at = None
        return "wake" if woken else None


class RedisWake:
    """The Redis wake-up: publish on the channel; ``wait`` returns the next message's text (or None).

    ``notify`` (a web request's commit) publishes with its own short timeout (:data:`NOTIFY_TIMEOUT_SECONDS`) and,
    after a failure, does not try again for :data:`NOTIFY_QUIET_SECONDS`: a Redis that accepts connections and
    never answers held every request that set a near timer for the 5 s socket timeout. The scheduler reads the
    earliest due time at least every WAKE_CAP_SECONDS, so a lost wake-up only delays a timer that much.
    """

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self.channel = channel(url)
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.publisher = redis.Redis.from_url(url, socket_timeout=NOTIFY_TIMEOUT_SECONDS,
                                              socket_connect_timeout=NOTIFY_TIMEOUT_SECONDS)
        self._quiet_until = 0.0
        self._pubsub: Any = None
        self.stopped = False

    def publish(self, text: str) -> None:
        self.client.publish(self.channel, text)

    def notify(self, due: datetime | None = None) -> None:
        if time.monotonic() < self._quiet_until:
            return
        try:
            self.publisher.publish(self.channel, f"due {due.isoformat()}" if due else "due")
        except Exception:  # noqa: BLE001 - the commit stands; the scheduler finds the timer at its next wake
            self._quiet_until = time.monotonic() + NOTIFY_QUIET_SECONDS
            log.warning("could not wake the timer scheduler; not trying again for %g s", NOTIFY_QUIET_SECONDS,
                        exc_info=True)

    def stop(self) -> None:
        self.stopped = True

    def wait(self, seconds: float) -> str | None:
        if self._pubsub is None:
            self._pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            self._pubsub.subscribe(self.channel)
        message = self._pubsub.get_message(timeout=max(0.0, seconds))
        if message is None or message.get("type") != "message":
            return None
        data = message["data"]
        return data.decode() if isinstance(data, bytes) else str(data)

    def close(self) -> None:
        if self._pubsub is not None:
            self._pubsub.close()
        self.client.close()
        self.publisher.close()


def waker(app: Flask) -> LocalWake | RedisWake:
    """The app's wake channel (one per app and process)."""
    found = app.extensions.get("sanxiang_wake")
    if found is None:
        found = RedisWake(app.config["REDIS_URL"]) if app.config.get("REDIS_URL") else LocalWake()
        app.extensions["sanxiang_wake"] = found
    return found


def note_next_due(session: Session, due: datetime | None) -> None:
    """Remember ``due`` as a new ``next_due`` of this transaction (sent after the commit when it is soon)."""
    if due is None:
        return
    due = as_utc(due)
    known = session.info.get(PENDING)
    if known is None or due < known:
        session.info[PENDING] = due


def _after_flush(session: Session, flush_context: Any) -> None:  # noqa: ARG001
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Instance):
            added = inspect(obj).attrs.next_due.history.added
            for value in added or ():
                note_next_due(session, value)


def _after_commit(session: Session) -> None:
    due = session.info.pop(PENDING, None)
    if due is None or not has_app_context():
        return
    app = current_app._get_current_object()
    if due > utcnow() + timedelta(seconds=app.config.get("WAKE_CAP_SECONDS", 60)):
        return  # the scheduler reads the earliest due at least this often: no need to wake it
    try:
        waker(app).notify(due)
    except Exception:  # noqa: BLE001 - the commit stands; the scheduler finds the timer at its next wake
        log.warning("could not wake the timer scheduler", exc_info=True)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


_installed = False


def install() -> None:
    """Hook every session once per process (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", lambda session, previous: _after_rollback(session))  # noqa: ARG005
    _installed = True
