"""Benchmark: task completions over HTTP (Flask test client), SQL statements and commits per completion.

Usage: python bench/bench_complete.py [--cases N] [--db URL]
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

from sqlalchemy import event  # noqa: E402

from api import create_app  # noqa: E402
from api.cli import deploy_dirs, init_db, seed_demo  # noqa: E402
from api.extensions import db  # noqa: E402
from api.services import settings  # noqa: E402
from bench.common import RUN_FILES  # noqa: E402 - this run's checkpoint file and evidence store
from tests import cases as c  # noqa: E402

STEPS = [
    ("task_register", c.REGISTER, "officer1"),
    ("task_recusal", c.RECUSAL_NONE, "officer1"),
    ("task_record_start", c.RECORD_START, "officer1"),
    ("task_investigation", c.INVESTIGATION, "officer2"),
    ("task_proposal", c.PROPOSAL_MAJOR, "officer1"),
    ("task_hearing_notice_right", c.RIGHT_NOTICE, "officer1"),
    ("task_hearing_request", c.NO_HEARING, "officer1"),
    ("task_submit_review", c.SUBMIT_REVIEW, "officer1"),
    ("task_legal_review", c.REVIEW_AGREE, "reviewer1"),
    ("task_head_decision", c.DECISION, "head1"),
    ("task_service", c.SERVICE, "officer1"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    # demo users on a throwaway database: demo mode, with a random key
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_urlsafe(48), "DEMO": True, "LOG_JSON": False, **RUN_FILES})
    with app.app_context():
        db.drop_all()
        init_db()
        deploy_dirs()
        seed_demo()
        # the benchmark measures the completion path, not evidence uploads: acts need no A/V here
        table = settings.get("recording_requirements")
        settings.put("recording_requirements", {**table, "acts": dict.fromkeys(table["acts"], "text")}, "bench")
        db.session.commit()
        engine = db.engine
    client = app.test_client()
    tokens = {}
    for user in {u for _, _, u in STEPS}:
        tokens[user] = client.post("/api/v1/auth/token", json={"username": user, "password": "demo"}).get_json()["token"]
    counts = {"statements": 0, "commits": 0}
    event.listen(engine, "before_cursor_execute", lambda *a: counts.__setitem__("statements", counts["statements"] + 1))
    event.listen(engine, "commit", lambda *a: counts.__setitem__("commits", counts["commits"] + 1))

    timings: list[float] = []
    statements: list[int] = []
    commits: list[int] = []
    for _ in range(args.cases):
        resp = client.post("/api/v1/instances", json={"definition_key": "enforcement_case", "data": {}},
                           headers={"Authorization": f"Bearer {tokens['officer1']}"})
        tasks = resp.get_json()["tasks"]
        for element_id, data, user in STEPS:
            task = next(t for t in tasks if t["element_id"] == element_id)
            before = dict(counts)
            t0 = time.perf_counter()
            r = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data},
                            headers={"Authorization": f"Bearer {tokens[user]}"})
            timings.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.get_json()
            statements.append(counts["statements"] - before["statements"])
            commits.append(counts["commits"] - before["commits"])
            tasks = r.get_json()["tasks"]
    timings.sort()
    n = len(timings)
    print(f"database: {url.split('://')[0]}")
    print(f"completions: {n} over {args.cases} major cases")
    print(f"latency ms: median {statistics.median(timings) * 1000:.1f}  p95 {timings[int(n * 0.95) - 1] * 1000:.1f}"
          f"  max {timings[-1] * 1000:.1f}")
    print(f"throughput: {n / sum(timings):.0f} completions/s (sequential, one process)")
    print(f"SQL statements per completion: median {statistics.median(statements):.0f}  max {max(statements)}")
    print(f"commits per completion: max {max(commits)}")


if __name__ == "__main__":
    main()
