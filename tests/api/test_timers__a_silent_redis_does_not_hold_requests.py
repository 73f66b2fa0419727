"""A Redis that accepts connections and never answers does not hold the requests that wake the timer scheduler.
Found from outside: every request setting a near timer waited out the 5 s socket timeout in its commit. The web's
wake-up uses a short timeout, and after a failure it stops trying for a while (the scheduler reads the earliest due
time at least every WAKE_CAP_SECONDS anyway); the commit always stands."""
from __future__ import annotations

import socket
import threading
from datetime import timedelta

from api.models.types import utcnow
from api.worker import wakeup
from api.worker.wakeup import RedisWake


class Silent:
    """A TCP server on loopback that accepts connections, reads what comes and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


def test_a_silent_redis_is_tried_briefly_then_left_alone(http, app, monkeypatch):
    silent = Silent()
    try:
        wake = RedisWake(f"redis://127.0.0.1:{silent.port}/0")
        assert wake.publisher.connection_pool.connection_kwargs["socket_timeout"] <= wakeup.NOTIFY_TIMEOUT_SECONDS
        assert wakeup.NOTIFY_TIMEOUT_SECONDS <= 0.5
        monkeypatch.setitem(app.extensions, "sanxiang_wake", wake)
        with app.app_context():
            wake.notify(utcnow() + timedelta(seconds=3))  # times out quickly, logged, not raised
            assert len(silent.accepted) == 1
            for _ in range(5):  # within the quiet period: not tried again
                wake.notify(utcnow() + timedelta(seconds=3))
            assert len(silent.accepted) == 1
        started = http.start("enforcement_case")  # a commit in a request still stands
        assert started["status"] == "running"
    finally:
        silent.close()
