"""Start the production pieces as real processes for tests: gunicorn, Celery workers, the scheduler."""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(app, **extra: str) -> dict[str, str]:
    """The environment of a production process on the test database (demo mode: the test data has demo users)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANXIANG_")}
    # never the checkout's instance/ files: a test server's checkpoints in the demo's export file would make the
    # demo's checkpoint export and verify fail after `make test` (the evidence goes where the test app keeps it)
    scratch = Path(tempfile.mkdtemp(prefix="sanxiang-test-server-"))
    env.update({"SANXIANG_CHECKPOINT_FILE": str(scratch / "checkpoints.jsonl"),
                "SANXIANG_EVIDENCE_DIR": str(app.config.get("EVIDENCE_DIR") or scratch / "evidence")})
    env.update({"SANXIANG_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "SANXIANG_SECRET_KEY": app.config["SECRET_KEY"] * 2 if len(app.config["SECRET_KEY"]) >= 32
                else secrets.token_urlsafe(48), "SANXIANG_DEMO": "1", "PYTHONUNBUFFERED": "1"}, **extra)
    return env


def wait_http(url: str, seconds: float = 60) -> requests.Response:
    end = time.monotonic() + seconds
    while True:
        try:
            return requests.get(url, timeout=seconds)
        except requests.ConnectionError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    out = log.open("wb")
    return subprocess.Popen([sys.executable, *argv], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
