"""The timer scheduler wakes at the earliest next_due, not on a 30 s poll (issue 10 item 7): it sleeps until then
(at most WAKE_CAP_SECONDS) and a commit that sets a sooner next_due wakes it — in-process for the embedded worker,
over Redis pub/sub for the production scheduler; it sends one firing run at a time, does not resend due times a
finished run already tried until FIRE_RETRY_SECONDS pass, and sends checkpoints and the annual report on their own
schedules. The embedded worker (no broker) fires a timer due before its longest sleep would end."""
from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

import pytest
import redis

from api.extensions import db
from api.models.types import utcnow
from api.services.timers import fire_due
from api.worker import scheduler as scheduler_module
from api.worker.celery_app import ANNUAL_REPORT, CHECKPOINT, FIRE_DUE
from api.worker.embedded import start_in_process
from api.worker.scheduler import Scheduler
from api.worker.wakeup import LocalWake, RedisWake, channel, waker
from tests.api.timer_support import deploy_timer_case, start_timer_case, ticks

REDIS_URL = os.environ.get("SANXIANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


@pytest.fixture
def quiet(app, http):
    """The timer process deployed and nothing due now (other tests' timers fired)."""
    deploy_timer_case(http)
    with app.app_context():
        fire_due(utcnow())
        db.session.remove()
    yield
    with app.app_context():  # leave no timer of these tests due later, in another test's run
        fire_due(utcnow() + timedelta(minutes=5))
        db.session.remove()


class NoWake:
    def wait(self, seconds: float) -> None:
        return None


def test_the_scheduler_sleeps_until_the_earliest_due_then_sends_one_run(app, http, quiet, monkeypatch):
    monkeypatch.setitem(app.config, "WAKE_CAP_SECONDS", 3600)
    monkeypatch.setitem(app.config, "FIRE_RETRY_SECONDS", 10)
    start = utcnow()
    start_timer_case(http, start + timedelta(seconds=30))
    sent: list[str] = []
    scheduler = Scheduler(app, sent.append, NoWake())
    wait = scheduler.step()
    assert sent.count(FIRE_DUE) == 0 and 0 < wait <= 30  # asleep until the timer, not for the cap
    assert sent.count(CHECKPOINT) == 1 and sent.count(ANNUAL_REPORT) == 1  # their own schedules, from the start
    later = start + timedelta(seconds=31)
    monkeypatch.setattr(scheduler_module, "utcnow", lambda: later)
    scheduler.step()
    assert sent.count(FIRE_DUE) == 1
    assert scheduler.step() <= 10 and sent.count(FIRE_DUE) == 1  # one run out at a time
    scheduler.heard(f"done {later.isoformat()}")  # the run ended, but the timer is still due (its firing failed)
    scheduler.step()
    assert sent.count(FIRE_DUE) == 1  # a due time already tried waits FIRE_RETRY_SECONDS: no hot loop
    start_timer_case(http, later + timedelta(seconds=1))  # a new due time, after what was tried
    monkeypatch.setattr(scheduler_module, "utcnow", lambda: later + timedelta(seconds=2))
    scheduler.step()
    assert sent.count(FIRE_DUE) == 2  # sent at once
    scheduler.heard(f"done {(later + timedelta(seconds=2)).isoformat()}")
    scheduler.last_sent -= 11  # FIRE_RETRY_SECONDS passed since the last run
    scheduler.step()
    assert sent.count(FIRE_DUE) == 3  # the failed ones are tried again
    assert sent.count(CHECKPOINT) == 1 and sent.count(ANNUAL_REPORT) == 1


def test_a_run_that_never_reports_back_is_sent_again_after_the_retry_interval(app, http, quiet, monkeypatch):
    monkeypatch.setitem(app.config, "FIRE_RETRY_SECONDS", 10)
    due = utcnow() + timedelta(seconds=1)
    start_timer_case(http, due)
    monkeypatch.setattr(scheduler_module, "utcnow", lambda: due + timedelta(seconds=1))
    sent: list[str] = []
    scheduler = Scheduler(app, sent.append, NoWake())
    scheduler.step()
    scheduler.step()
    assert sent.count(FIRE_DUE) == 1
    scheduler.sent_at -= 11  # its worker was killed: no "done" comes
    scheduler.last_sent -= 11
    scheduler.step()
    assert sent.count(FIRE_DUE) == 2
    with app.app_context():
        fire_due(due + timedelta(seconds=1))
        db.session.remove()


def test_a_commit_with_a_sooner_next_due_wakes_the_embedded_worker(app, http, quiet):
    wake = waker(app)
    assert isinstance(wake, LocalWake)  # no REDIS_URL: the in-process wake-up
    wake.wait(0)  # forget earlier notices
    far_at = utcnow() + timedelta(days=1)
    far = start_timer_case(http, far_at)  # beyond the longest sleep: nobody is woken
    assert wake.wait(0.5) is None
    result: list = []
    waiting = threading.Thread(target=lambda: result.append(wake.wait(30)))
    waiting.start()
    time.sleep(0.2)
    start_timer_case(http, utcnow() + timedelta(seconds=5))
    waiting.join(60)
    assert result == ["wake"]
    assert ticks(app, far) == 0
    with app.app_context():  # no timer of this test is left pending for another test's worker run
        fire_due(far_at + timedelta(seconds=1))
        db.session.remove()


def test_a_commit_with_a_sooner_next_due_publishes_on_the_redis_channel(app, http, quiet, monkeypatch):
    listener = redis.Redis.from_url(REDIS_URL).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(channel(REDIS_URL))
    listener.get_message(timeout=1)
    monkeypatch.setitem(app.extensions, "sanxiang_wake", RedisWake(REDIS_URL))
    due = utcnow() + timedelta(seconds=5)
    iid = start_timer_case(http, due)
    message = listener.get_message(timeout=10)
    listener.close()
    assert message is not None and message["data"].decode() == f"due {due.isoformat()}", message
    with app.app_context():
        fire_due(due + timedelta(seconds=1))
        db.session.remove()
    assert ticks(app, iid) == 1


def test_the_embedded_worker_fires_a_timer_long_before_its_longest_sleep(app, http, quiet, monkeypatch):
    monkeypatch.setitem(app.config, "WAKE_CAP_SECONDS", 3600)  # a poll would wait an hour
    monkeypatch.setitem(app.config, "CHECKPOINT_SECONDS", 3600)
    stop = start_in_process(app)
    try:
        time.sleep(1)  # the worker is asleep now: nothing is due for an hour
        iid = start_timer_case(http, utcnow() + timedelta(seconds=2))
        end = time.monotonic() + 60
        while ticks(app, iid) == 0 and time.monotonic() < end:
            time.sleep(0.2)
    finally:
        stop.set()
    assert ticks(app, iid) == 1
