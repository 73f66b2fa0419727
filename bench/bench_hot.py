"""Benchmark: hot workflows and incremental saves (issue 10 items 3 and 5).

Prints, for the shipped enforcement case walked over HTTP (Flask test client):

* what one completion writes of the workflow (task entries and bytes: changed task rows + header) on a fresh case
  and on a case whose legal review was sent back N times, beside what a whole-state save would write;
* the completion time of the same step on both (hot: the workflow stays in memory; cold: the cache emptied
  before each step), median of the loop rounds;
* verify time against the number of events of the case's history (ratio per event).

Usage: python bench/bench_hot.py [--loops 80] [--db URL]
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

import api.services.instances as instances_service  # noqa: E402
from api import create_app  # noqa: E402
from api.cli import deploy_dirs, init_db, seed_demo  # noqa: E402
from api.extensions import db  # noqa: E402
from api.models import Event, Instance  # noqa: E402
from api.services import hot, settings  # noqa: E402
from api.services.audit import audit_checkpoints, verify_instance  # noqa: E402
from bench.common import RUN_FILES  # noqa: E402 - this run's checkpoint file and evidence store
from engine import serializer  # noqa: E402
from tests import cases as c  # noqa: E402

TO_REVIEW = c.MAJOR_TO_REVIEW
ROUND = [("task_legal_review", c.REVIEW_PROBLEMS, "reviewer1"), ("task_fix_resubmit", c.FIX, "officer1")]


class Walker:
    def __init__(self, app) -> None:
        self.app = app
        self.client = app.test_client()
        self.tokens: dict[str, str] = {}
        self.written = {"entries": 0, "bytes": 0}
        original = instances_service.dumps_json

        def counting(value):
            text = original(value)
            self.written["bytes"] += len(text.encode("utf-8"))
            return text

        instances_service.dumps_json = counting

    def token(self, user: str) -> str:
        if user not in self.tokens:
            self.tokens[user] = self.client.post("/api/v1/auth/token",
                                                 json={"username": user, "password": "demo"}).get_json()["token"]
        return self.tokens[user]

    def start(self) -> tuple[int, list]:
        body = self.client.post("/api/v1/instances", json={"definition_key": "enforcement_case", "data": {}},
                                headers={"Authorization": f"Bearer {self.token('officer1')}"}).get_json()
        return body["id"], body["tasks"]

    def complete(self, tasks: list, element_id: str, data: dict, user: str, cold: bool = False) -> tuple[list, dict]:
        task = next(t for t in tasks if t["element_id"] == element_id)
        if cold:
            with self.app.app_context():
                hot.cache().drop(task["instance_id"])
        entries, written = serializer.COUNTER.entries, self.written["bytes"]
        t0 = time.perf_counter()
        resp = self.client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data},
                                headers={"Authorization": f"Bearer {self.token(user)}"})
        seconds = time.perf_counter() - t0
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["tasks"], {"seconds": seconds, "entries": serializer.COUNTER.entries - entries,
                                          "bytes": self.written["bytes"] - written}

    def case_with_loops(self, loops: int) -> tuple[int, list]:
        iid, tasks = self.start()
        for element_id, data, user in TO_REVIEW:
            tasks, _ = self.complete(tasks, element_id, data, user)
        for _ in range(loops):
            for element_id, data, user in ROUND:
                tasks, _ = self.complete(tasks, element_id, data, user)
        return iid, tasks

    def events(self, iid: int) -> int:
        with self.app.app_context():
            count = db.session.query(Event).filter(Event.stream == f"instance:{iid}").count()
            db.session.remove()
            return count

    def case_with_events(self, target: int) -> tuple[int, int]:
        """A case walked (to the review, then round after round of it) until its stream holds ``target`` events."""
        iid, tasks = self.start()
        steps = iter(TO_REVIEW + ROUND * 1000)
        while self.events(iid) < target:
            element_id, data, user = next(steps)
            tasks, _ = self.complete(tasks, element_id, data, user)
        return iid, self.events(iid)

    def rounds(self, iid: int, tasks: list, count: int, cold: bool) -> tuple[list, list[dict]]:
        figures = []
        for _ in range(count):
            for element_id, data, user in ROUND:
                tasks, fig = self.complete(tasks, element_id, data, user, cold=cold)
                figures.append(fig)
        return tasks, figures


def _whole_state_bytes(app, iid: int) -> int:
    with app.app_context():
        instance = db.session.get(Instance, iid)
        bundle = instances_service.bundle_for(instance)
        workflow = instances_service.stored_workflow(instance, bundle)
        size = len(serializer.dumps_state(workflow).encode("utf-8"))
        db.session.remove()
        return size


def _median(figures: list[dict], key: str) -> float:
    return statistics.median(f[key] for f in figures)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loops", type=int, default=80)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_urlsafe(48), "DEMO": True, "LOG_JSON": False, **RUN_FILES})
    with app.app_context():
        db.drop_all()
        init_db()
        deploy_dirs()
        seed_demo()
        table = settings.get("recording_requirements")  # the completion path, not evidence uploads
        settings.put("recording_requirements", {**table, "acts": dict.fromkeys(table["acts"], "text")}, "bench")
        db.session.commit()
    walker = Walker(app)
    print(f"database: {url.split('://')[0]}")

    rows = []
    for loops in (0, args.loops):
        iid, tasks = walker.case_with_loops(loops)
        tasks, hot_figs = walker.rounds(iid, tasks, 5, cold=False)
        tasks, cold_figs = walker.rounds(iid, tasks, 3, cold=True)
        rows.append((loops, hot_figs, cold_figs, _whole_state_bytes(app, iid)))
    print("one loop round's completions (legal review + fix), median per completion:")
    print(f"{'loops before':>12} {'entries':>8} {'bytes written':>14} {'whole state':>12} {'hot ms':>8} {'cold ms':>8}")
    for loops, hot_figs, cold_figs, whole in rows:
        print(f"{loops:>12} {_median(hot_figs, 'entries'):>8.0f} {_median(hot_figs, 'bytes'):>14.0f} {whole:>12} "
              f"{_median(hot_figs, 'seconds') * 1000:>8.1f} {_median(cold_figs, 'seconds') * 1000:>8.1f}")
    fresh, looped = rows[0][1], rows[1][1]
    print(f"step cost, {args.loops}-loop case vs fresh (hot): "
          f"{_median(looped, 'seconds') / _median(fresh, 'seconds'):.2f}x; "
          f"bytes written: {_median(looped, 'bytes') / _median(fresh, 'bytes'):.2f}x")

    print("verify time against the history's length (one case, events of its own stream):")
    print(f"{'events':>8} {'verify ms':>10} {'us/event':>9}")
    with app.app_context():
        anchors = audit_checkpoints()
    for target in (20, 100, 200):
        iid, events = walker.case_with_events(target)
        with app.app_context():
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                result = verify_instance(iid, anchors)
                times.append(time.perf_counter() - t0)
                assert result["ok"], result["problems"]
                db.session.remove()
        best = min(times)
        print(f"{events:>8} {best * 1000:>10.1f} {best / events * 1e6:>9.0f}")


if __name__ == "__main__":
    main()
