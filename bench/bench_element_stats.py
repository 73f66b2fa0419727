"""Benchmark: the per-element figures of a process version (GET /definitions/<key>/versions/<v>/stats) over many
cases (issue 11 item 3).

Fills a fresh database with N synthetic cases of enforcement_case version 1 in one bureau (task rows at several
places of the case and the engine step events a walk records, bulk-inserted: no workflow is run) and times
``element_stats`` over them, and the SQL statements it sends.

Usage: python bench/bench_element_stats.py [--cases 10000] [--db URL]
Prints figures; asserts nothing (the machine is shared and noisy).
"""
from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert  # noqa: E402

from api import create_app  # noqa: E402
from api.cli import deploy_dirs, init_db, seed_demo  # noqa: E402
from api.extensions import db  # noqa: E402
from api.models import Event, Instance, TaskRow  # noqa: E402
from api.services import definitions, element_stats, orgs  # noqa: E402

#: user tasks of enforcement_case in the order a minor case meets them
TASKS = ["task_register", "task_recusal", "task_proposal", "task_head_decision", "task_service", "task_archive"]
T0 = datetime(2026, 1, 5, 1, tzinfo=UTC)


def _fill(n: int, org_id: int) -> None:
    rng = random.Random(11)
    instances, rows, events = [], [], []
    for i in range(1, n + 1):
        reached = rng.randint(0, len(TASKS) - 1)
        instances.append({"id": i, "definition_key": "enforcement_case", "version": 1, "bundle_key": "b",
                          "manifest": {}, "title": f"case {i}", "status": "running", "state": "{}",
                          "state_version": 1, "row_version": 1, "data": {}, "started_by": "officer1",
                          "org_id": org_id, "started_at": T0, "last_seq": 0, "last_hash": "0" * 64})
        at = T0
        seq = 0

        def ev(type_: str, element: str, when: datetime, *, _i: int = i) -> None:
            nonlocal seq
            seq += 1
            events.append({"id": str(uuid.uuid4()), "stream": f"instance:{_i}", "seq": seq, "type": type_,
                           "instance_id": _i, "element_id": element, "at": when,
                           "data": {"process_id": "enforcement_case"}, "prev_hash": "0" * 64, "hash": "0" * 64})
        ev("engine_start", "start_case", at)
        for k, element in enumerate(TASKS[: reached + 1]):
            opened = at
            done = k < reached
            at = at + timedelta(minutes=rng.randint(5, 3000))
            rows.append({"id": str(uuid.uuid4()), "spiff_task_id": str(uuid.uuid4()), "instance_id": i,
                         "process_id": "enforcement_case", "element_id": element, "name": element,
                         "state": "completed" if done else "ready", "org_id": org_id, "created_at": opened,
                         "completed_at": at if done else None})
            if done and element == "task_register":
                ev("engine_script", "task_file_case", at)
            if done and element == "task_recusal":
                ev("engine_call_activity_entered", "call_recording", at)
                at = at + timedelta(minutes=rng.randint(60, 6000))
                ev("engine_call_activity_left", "call_recording", at)
    for table, values in ((Instance, instances), (TaskRow, rows), (Event, events)):
        for start in range(0, len(values), 5000):
            db.session.execute(insert(table), values[start:start + 5000])
    db.session.commit()
    print(f"{n} cases, {len(rows)} task rows, {len(events)} events")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_urlsafe(32)})
    with app.app_context():
        db.drop_all()
        init_db()
        deploy_dirs()
        seed_demo()
        bureau = orgs.by_code("nj-mzj").id
        _fill(args.cases, bureau)
        ver = definitions.version_of("enforcement_case", 1)
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        times = []
        for _ in range(5):
            statements.clear()
            db.session.expire_all()
            start = time.perf_counter()
            figures = element_stats.element_stats(ver, orgs.subtree(bureau))
            times.append(time.perf_counter() - start)
        register = next(e for e in figures["elements"] if e["element_id"] == "task_register")
        print(f"{db.engine.dialect.name}: element_stats median {statistics.median(times) * 1000:.0f} ms over "
              f"{figures['cases']['total']} cases, {len(statements)} SQL statements; task_register {register}")
        db.session.remove()
        db.drop_all()


if __name__ == "__main__":
    main()
