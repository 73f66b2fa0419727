"""Benchmark: timer lateness — from a timer's due instant to its timer_tick (the instant the firing took it).

Usage: python bench/timer_lateness.py [--mode celery|embedded] [--db URL] [--redis URL] [--timers N] [--workers W]

`celery` (the production shape): W Celery workers (`flask --app api worker --pool solo`) and the scheduler
(`flask --app api scheduler`) as processes on the database (default: a new SQLite file; give a PostgreSQL URL for
the production figure) and Redis (default redis://127.0.0.1:6379/3, a database this empties); `embedded`: the
in-process worker of `flask serve`, no broker. N cases are started first, with timers due from a few seconds after the last start, every 0.25 s;
the figures are printed (p50, p95, max lateness), nothing is asserted: the machine is shared and noisy.
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from api import create_app  # noqa: E402
from api.cli import deploy_dirs, init_db, seed_demo  # noqa: E402
from api.extensions import db  # noqa: E402
from api.models import Event  # noqa: E402
from api.models.types import as_utc, utcnow  # noqa: E402
from bench.common import RUN_FILES  # noqa: E402 - this run's checkpoint file and evidence store

FIXTURES = ROOT / "tests" / "api" / "fixtures"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["celery", "embedded"], default="celery")
    parser.add_argument("--db", default=None)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--timers", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    key = secrets.token_urlsafe(48)
    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": key, "DEMO": True, "CHECKPOINT_SECONDS": 3600,
              "LOG_JSON": False, **RUN_FILES}
    if args.mode == "celery":
        import redis

        redis.Redis.from_url(args.redis).flushdb()
        config["REDIS_URL"] = args.redis  # this process's commits wake the scheduler over Redis
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        init_db()
        deploy_dirs()
        seed_demo()
        db.session.commit()
    client = app.test_client()

    def token(user: str) -> str:
        return client.post("/api/v1/auth/token", json={"username": user, "password": "demo"}).get_json()["token"]

    owner, officer = token("owner1"), token("officer1")
    files = {"files": [(open(FIXTURES / n, "rb"), n) for n in ("timer_case.bpmn", "fixture_note.form")]}
    resp = client.post("/api/v1/definitions", headers={"Authorization": f"Bearer {owner}"}, data=files,
                       content_type="multipart/form-data")
    assert resp.status_code in (200, 201), resp.get_json()

    procs: list[subprocess.Popen] = []
    stop = None
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SANXIANG_")},
           "SANXIANG_DATABASE_URL": url, "SANXIANG_SECRET_KEY": key, "SANXIANG_DEMO": "1",
           "SANXIANG_REDIS_URL": args.redis, "SANXIANG_CHECKPOINT_SECONDS": "3600",
           "SANXIANG_CHECKPOINT_FILE": str(Path(tempfile.mkdtemp()) / "checkpoints.jsonl"),
           "SANXIANG_LOG_LEVEL": os.environ.get("SANXIANG_LOG_LEVEL", "INFO")}
    if args.mode == "celery":
        flask = [sys.executable, "-X", "faulthandler", "-m", "flask", "--app", "api"]
        logs = Path(tempfile.mkdtemp())
        for i in range(args.workers):
            procs.append(subprocess.Popen([*flask, "worker", "--pool", "solo", "--loglevel", "INFO"], cwd=ROOT,
                                          env=env, stdout=(logs / f"worker-{i}.log").open("wb"),
                                          stderr=subprocess.STDOUT))
        procs.append(subprocess.Popen([*flask, "scheduler"], cwd=ROOT, env=env,
                                      stdout=(logs / "scheduler.log").open("wb"), stderr=subprocess.STDOUT))
        print(f"logs in {logs}")
        end = time.monotonic() + 300  # the processes start (slowly on a loaded machine)
        while time.monotonic() < end and not (
                "scheduler running" in (logs / "scheduler.log").read_text(errors="replace")
                and all(" ready." in (logs / f"worker-{i}.log").read_text(errors="replace")
                        for i in range(args.workers))):
            time.sleep(0.5)
        time.sleep(1)
    else:
        from api.worker.embedded import start_in_process

        stop = start_in_process(app)
    try:
        # every case is started before its timer is due (a start after it would fire it inside the start)
        first = utcnow() + timedelta(seconds=5 + 0.5 * args.timers)
        due: dict[int, object] = {}
        for i in range(args.timers):
            at = first + timedelta(seconds=0.25 * i)
            resp = client.post("/api/v1/instances", headers={"Authorization": f"Bearer {officer}"},
                               json={"definition_key": "timer_case", "data": {"timer_at": at.isoformat()}})
            assert resp.status_code == 201, resp.get_json()
            due[resp.get_json()["id"]] = at
        end = time.monotonic() + 60 + 0.25 * args.timers
        while time.monotonic() < end:
            with app.app_context():
                fired = {e.instance_id: as_utc(e.at) for e in db.session.scalars(
                    select(Event).where(Event.type == "timer_tick", Event.instance_id.in_(list(due))))}
                db.session.remove()
            if len(fired) == len(due):
                break
            time.sleep(0.5)
    finally:
        if stop is not None:
            stop.set()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
    late = sorted((fired[i] - due[i]).total_seconds() * 1000 for i in fired)
    print(f"timer lateness ({args.mode}, {'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}, "
          f"{args.workers if args.mode == 'celery' else 1} worker(s)): {len(fired)}/{len(due)} fired")
    if late:
        p95 = late[min(len(late) - 1, int(round(0.95 * (len(late) - 1))))]
        print(f"  due -> timer_tick: p50 {statistics.median(late):.0f} ms, p95 {p95:.0f} ms, max {late[-1]:.0f} ms")


if __name__ == "__main__":
    main()
