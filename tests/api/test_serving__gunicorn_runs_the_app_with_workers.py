"""The documented production command (issue 10 item 8): gunicorn with N workers (api/gunicorn_conf.py) serves the
app on the database it is given; every request is a JSON line on its stderr with the X-Request-Id it returned."""
from __future__ import annotations

import json
import subprocess

import requests

from tests.api.serving_support import free_port, server_env, start, stop, wait_http


def test_gunicorn_serves_with_two_workers_and_logs_json_lines(app, tmp_path):
    port = free_port()
    env = server_env(app, SANXIANG_WEB_WORKERS="2", SANXIANG_BIND=f"127.0.0.1:{port}")
    log = tmp_path / "gunicorn.log"
    proc = start(["-m", "gunicorn", "-c", "python:api.gunicorn_conf", "api:create_app()"], env, log)
    try:
        resp = wait_http(f"http://127.0.0.1:{port}/api/v1/health")
        assert resp.status_code == 200 and resp.json() == {"status": "ok", "database": "ok"}
        ids = [resp.headers["X-Request-Id"]]
        token = requests.post(f"http://127.0.0.1:{port}/api/v1/auth/token",
                              json={"username": "auditor1", "password": "demo"}, timeout=10)
        assert token.status_code == 200
        ids.append(token.headers["X-Request-Id"])
        me = requests.get(f"http://127.0.0.1:{port}/api/v1/me", timeout=10,
                          headers={"Authorization": f"Bearer {token.json()['token']}"})
        assert me.status_code == 200
        ids.append(me.headers["X-Request-Id"])
        workers = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert len(workers) == 2, workers
    finally:
        stop(proc)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    by_id = {line["request_id"]: line for line in lines if "request_id" in line and "event" not in line}
    assert set(ids) <= set(by_id), (ids, log.read_text()[-2000:])
    assert by_id[ids[2]]["user"] == "auditor1" and by_id[ids[2]]["status"] == 200
    assert '"password"' not in log.read_text() and '"demo"' not in log.read_text()  # no body is ever logged
