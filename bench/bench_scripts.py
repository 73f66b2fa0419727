"""Benchmark: what the script limits cost per task completion on the shipped enforcement case.

Walks the same major enforcement case as bench_steps.py over HTTP (Flask test client), alternating
case by case between the app's script engine with the sandbox (code that is not cheap runs in a limited
worker process) and the same engine without it (everything in process, as before the limits), and
prints the median completion time of each, their ratio and the sandbox round trips per completion.

Usage: python bench/bench_scripts.py [--cases N] [--db URL]
Prints figures; asserts nothing (the machine is shared and noisy).
"""
from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api import create_app  # noqa: E402
from api.cli import deploy_dirs, init_db, seed_demo  # noqa: E402
from api.extensions import db  # noqa: E402
from api.services import runtime, settings  # noqa: E402
from bench.bench_steps import ENFORCEMENT as STEPS  # noqa: E402
from bench.common import RUN_FILES  # noqa: E402 - this run's checkpoint file and evidence store
from engine import sandbox  # noqa: E402
from engine.scripting import make_script_engine  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20, help=f"cases per mode (each case is {len(STEPS)} completions)")
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    # demo users on a throwaway database: demo mode, with a random key; no periodic settings re-check (it would
    # drop the engines the benchmark switches between)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_urlsafe(48), "DEMO": True, "LOG_JSON": False, **RUN_FILES,
                      "SETTINGS_RECHECK_SECONDS": None})
    with app.app_context():
        db.drop_all()
        init_db()
        deploy_dirs()
        seed_demo()
        table = settings.get("recording_requirements")  # acts need no A/V here (as in bench_steps.py)
        settings.put("recording_requirements", {**table, "acts": dict.fromkeys(table["acts"], "text")}, "bench")
        db.session.commit()
    # the app builds one script engine per organisation on first use (api/services/runtime.py); each mode keeps
    # its own set, built the same way but with or without the sandbox
    sandboxed = {"on": True}
    runtime.make_script_engine = lambda *a, **k: make_script_engine(*a, **k, sandboxed=sandboxed["on"])
    engines: dict[str, dict] = {"with limits": {}, "without": {}}
    state = app.extensions.setdefault("sanxiang", {})

    def use(mode: str) -> None:
        sandboxed["on"] = mode == "with limits"
        state["script_engines"] = engines[mode]

    sandbox.pool().warm(1)
    client = app.test_client()
    tokens = {user: client.post("/api/v1/auth/token", json={"username": user, "password": "demo"}).get_json()["token"]
              for user in {u for _, _, u in STEPS}}
    timings: dict[str, list[float]] = {mode: [] for mode in engines}
    round_trips: dict[str, list[int]] = {mode: [] for mode in engines}
    for i in range(2 * args.cases + 2):
        mode = list(engines)[i % 2]
        warmup = i < 2
        use(mode)
        resp = client.post("/api/v1/instances", json={"definition_key": "enforcement_case", "data": {}},
                           headers={"Authorization": f"Bearer {tokens['officer1']}"})
        tasks = resp.get_json()["tasks"]
        for element_id, data, user in STEPS:
            task = next(t for t in tasks if t["element_id"] == element_id)
            use(mode)  # a settings change would drop the engines
            calls = sandbox.pool().calls
            t0 = time.perf_counter()
            r = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data},
                            headers={"Authorization": f"Bearer {tokens[user]}"})
            elapsed = time.perf_counter() - t0
            assert r.status_code == 200, r.get_json()
            if not warmup:
                timings[mode].append(elapsed)
                round_trips[mode].append(sandbox.pool().calls - calls)
            tasks = r.get_json()["tasks"]
    medians = {mode: statistics.median(values) for mode, values in timings.items()}
    print(f"database: {url.split('://')[0]}")
    print(f"completions per mode: {len(timings['without'])} ({args.cases} major cases each, modes alternated by case)")
    for mode, value in medians.items():
        print(f"median completion ms, {mode}: {value * 1000:.2f}")
    print(f"ratio with/without limits: {medians['with limits'] / medians['without']:.3f}")
    for mode, trips in round_trips.items():
        print(f"sandbox round trips per completion, {mode}: mean {statistics.mean(trips):.2f}  max {max(trips)}")
    print(f"sandbox time limit {sandbox.LIMITS.time_seconds:g} s, memory limit {sandbox.LIMITS.memory_mb} MB")


if __name__ == "__main__":
    main()
