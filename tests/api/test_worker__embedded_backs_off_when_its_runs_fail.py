"""The embedded worker (the in-process one of ``make run``) waits between failed runs, longer each time up to
WAKE_CAP_SECONDS. Found from outside: with the database down at start, a failed run left the next checkpoint and
annual report "due now", so the loop never slept — a core at 100% and about 80 tracebacks a second in the log.
Counted, not timed: the waits the loop asks for."""
from __future__ import annotations

import threading

from api.worker import embedded


class _Recorder:
    """A wake-up that records each wait instead of sleeping, and stops the loop after ``runs`` of them."""

    def __init__(self, stop: threading.Event, runs: int) -> None:
        self.stop, self.runs, self.waits = stop, runs, []

    def wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        if len(self.waits) >= self.runs:
            self.stop.set()


def test_failed_runs_wait_longer_each_time_up_to_the_cap(app, monkeypatch):
    stop = threading.Event()
    recorder = _Recorder(stop, 8)
    calls = []

    def down(_app):  # noqa: ANN001, ANN202
        calls.append(1)
        if len(calls) > 50:  # a loop that does not wait: end it, and fail below
            stop.set()
        raise ConnectionError("the database is down")

    monkeypatch.setattr(embedded, "waker", lambda _app: recorder)
    monkeypatch.setattr(embedded, "fire_timers", down)
    monkeypatch.setitem(app.config, "WAKE_CAP_SECONDS", 30)
    embedded.run_forever(app, stop)
    assert len(calls) == 8  # one run per wait: no run went without one
    assert all(w > 0 for w in recorder.waits), recorder.waits
    assert recorder.waits == sorted(recorder.waits) and recorder.waits[-1] == 30, recorder.waits


def test_a_run_that_succeeds_again_goes_back_to_its_schedule(app, monkeypatch):
    stop = threading.Event()
    recorder = _Recorder(stop, 6)
    outcomes = iter([False, False, False, True, True, True])

    def flaky(_app):  # noqa: ANN001, ANN202
        if not next(outcomes, True) and not stop.is_set():
            raise ConnectionError("the database is down")

    monkeypatch.setattr(embedded, "waker", lambda _app: recorder)
    monkeypatch.setattr(embedded, "fire_timers", flaky)
    monkeypatch.setattr(embedded, "checkpoint", lambda _app: None)
    monkeypatch.setattr(embedded, "annual_report", lambda _app: None)
    monkeypatch.setitem(app.config, "WAKE_CAP_SECONDS", 30)
    embedded.run_forever(app, stop)
    failed, healthy = recorder.waits[:3], recorder.waits[3:]
    assert failed[0] < failed[1] < failed[2], failed
    assert all(w > failed[2] for w in healthy) or all(w == 30 for w in healthy), recorder.waits
