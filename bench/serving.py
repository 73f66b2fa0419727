"""Serving helpers for bench/bench_serving.py and bench/load_fault.py: gunicorn and the timer worker as real
processes on loopback, and small HTTP clients that walk cases over real sockets.

The server command is the one the repository documents when it has it (``gunicorn -c python:api.gunicorn_conf
'api:create_app()'``), else plain ``gunicorn 'api:create_app()'``; workers and the bind address are given on the
command line (they win over the configuration file). Both are parameters (``--server-cmd``, ``--worker-cmd``).
"""
from __future__ import annotations

import http.client
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.common import RUN_FILES

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def default_server_cmd() -> str:
    gunicorn = VENV_BIN / "gunicorn"
    config = "-c python:api.gunicorn_conf " if (ROOT / "api" / "gunicorn_conf.py").exists() else ""
    return f"{gunicorn} {config}'api:create_app()'"


#: the timer worker in the production shape (README "Production"): a Celery worker and the scheduler, on Redis
DEFAULT_WORKER_CMDS = (f"{VENV_BIN / 'flask'} --app api worker --pool solo", f"{VENV_BIN / 'flask'} --app api scheduler")
#: the Redis database the benchmarks' workers use (emptied by the benchmark that starts them)
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/4"


def environment(db_url: str, secret: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"SANXIANG_DATABASE_URL": db_url, "SANXIANG_SECRET_KEY": secret, "SANXIANG_DEMO": "1",
                "PYTHONPATH": str(ROOT), **{f"SANXIANG_{k}": v for k, v in RUN_FILES.items()}})
    env.update(extra or {})
    return env


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


class Server:
    """gunicorn with ``workers`` sync workers on 127.0.0.1:``port``; a context manager that stops it."""

    def __init__(self, cmd: str, workers: int, port: int, env: dict[str, str], log: Path) -> None:
        argv = shlex.split(cmd) + ["-w", str(workers), "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5"]
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.port = port
        wait_for_port(port)

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the master)."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class Process:
    """A long-running command (the timer worker); killed with SIGKILL on request, stopped at the end."""

    def __init__(self, cmd: str, env: dict[str, str], log: Path) -> None:
        self.cmd, self.env = cmd, env
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = self._start()

    def _start(self) -> subprocess.Popen:
        self.log.flush()
        self.log_size_at_start = Path(self.log.name).stat().st_size
        return subprocess.Popen(shlex.split(self.cmd), cwd=ROOT, env=self.env, stdout=self.log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        """SIGKILL to the whole process group (a Celery worker's pool children too)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def restart(self) -> None:
        self.proc = self._start()

    def log_text(self, offset: int = 0) -> str:
        """The log written since ``offset`` (bytes)."""
        with open(self.log.name, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def log_tail(self, lines: int = 8) -> str:
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(f"      {line}" for line in text)

    def exited(self) -> int | None:
        """The exit status if the process ended by itself (a worker that cannot start), else None."""
        return self.proc.poll()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


class Client:
    """One HTTP client on loopback (a new connection per request: gunicorn's sync workers close them)."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.port, self.timeout = port, timeout
        self.tokens: dict[str, str] = {}
        self.statuses: dict[int, int] = {}
        self.errors = 0  # connection reset / refused: the worker was killed while serving
        self.server_errors: list[str] = []

    def call(self, method: str, path: str, user: str | None = None, body: dict | None = None) -> tuple[int, object]:
        headers = {"Content-Type": "application/json"}
        if user:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        except (ConnectionError, http.client.HTTPException, TimeoutError, OSError):
            self.errors += 1
            return 0, None
        finally:
            conn.close()
        self.statuses[resp.status] = self.statuses.get(resp.status, 0) + 1
        if resp.status >= 500:
            self.server_errors.append(f"{method} {path}: {resp.status} {raw[:200]!r}")
        try:
            return resp.status, json.loads(raw) if raw else None
        except ValueError:
            return resp.status, None

    def token(self, user: str) -> str:
        if user not in self.tokens:
            for _ in range(20):
                status, body = self.call("POST", "/api/v1/auth/token", body={"username": user, "password": "demo"})
                if status == 200:
                    self.tokens[user] = body["token"]
                    break
                time.sleep(0.5)
            else:
                raise RuntimeError(f"no token for {user}")
        return self.tokens[user]

    def start(self, key: str, data: dict | None = None, user: str = "officer1") -> dict | None:
        status, body = self.call("POST", "/api/v1/instances", user, {"definition_key": key, "data": data or {}})
        return body if status in (200, 201) else None

    def open_tasks(self, iid: int) -> list[dict] | None:
        status, body = self.call("GET", f"/api/v1/tasks?instance_id={iid}&scope=all&state=ready&per_page=200",
                                 "admin")
        return body if status == 200 else None

    def complete(self, task_id: str, data: dict, user: str) -> tuple[int, dict | None]:
        return self.call("POST", f"/api/v1/tasks/{task_id}/complete", user, {"data": data})
