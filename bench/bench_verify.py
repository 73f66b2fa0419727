"""Benchmark: verifying histories (issue 10 item 9).

1. Verify of one case's history of about ``--events`` events (default 200): a shipped enforcement case whose legal
   review loops (problems found, the handler fixes) until its stream holds that many events, walked over HTTP;
   ``verify_instance`` (chain, checkpoints, files, snapshots, evidence, replay from the start, the row) timed
   ``--repeat`` times, median, beside a fresh major case's and the goal (200 events <= 100 ms).
2. ``flask --app api audit verify --all`` (the real command, as a subprocess) over ``--instances`` cases (default
   10,000). The generator is realistic but cheap: every case is started through the API (``POST
   /api/v1/instances``, Flask test client) on the plain 3-user-task process (bench/processes), and every fifth
   also gets its first task completed, so each has a real hash chain, snapshots and a replay to check (4 to 7
   events each); a few major enforcement cases walked to the end are among them.

Makes its own PostgreSQL database (dropped afterwards unless --keep; ``--reuse`` runs part 2 again on a kept one).

Usage: python bench/bench_verify.py [--events 200] [--instances 10000] [--skip-all] [--keep] [--reuse]
"""
from __future__ import annotations

import argparse
import secrets
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bench.bench_steps import BEFORE_REVIEW, ENFORCEMENT, REVIEW_PROBLEMS, Walker, deploy_bench_processes  # noqa: E402
from bench.common import DEFAULT_PG, goal, make_app, median, pg_database  # noqa: E402
from bench.serving import VENV_BIN, environment  # noqa: E402
from tests import cases as c  # noqa: E402

GOAL_VERIFY_200_MS = 100.0


def events_of(app, iid: int) -> int:
    from api.extensions import db
    from api.models import Event

    with app.app_context():
        n = db.session.scalar(select(func.count(Event.id)).where(Event.stream == f"instance:{iid}"))
        db.session.remove()
    return n


def long_case(walker: Walker, events: int) -> int:
    """An enforcement case whose review loops until its stream has at least ``events`` events."""
    _, _, _, _, iid = walker.walk(BEFORE_REVIEW)
    tasks = walker.open_tasks(iid)
    while events_of(walker.app, iid) < events:
        tasks = walker.complete(tasks, "task_legal_review", REVIEW_PROBLEMS, "reviewer1")[0]["tasks"]
        tasks = walker.complete(tasks, "task_fix_resubmit", c.FIX, "officer1")[0]["tasks"]
        if any(t["element_id"] == "task_submit_review" for t in tasks):
            tasks = walker.complete(tasks, "task_submit_review", c.SUBMIT_REVIEW, "officer1")[0]["tasks"]
    return iid


def time_verify(walker: Walker, iid: int, repeat: int) -> tuple[float, int, str]:
    """The median of ``repeat`` verifies, the events, and a line with their mean and max: the median leaves out
    the garbage collector's pauses, which fall in a few of the runs; the mean counts them."""
    walker.verify(iid)  # warm: parsed specs, settings
    runs = [walker.verify(iid) for _ in range(repeat)]
    assert all(ok for _, _, ok in runs), f"case {iid} does not verify"
    seconds = [s for s, _, _ in runs]
    spread = f"mean {sum(seconds) / len(seconds) * 1000:.1f} ms, max {max(seconds) * 1000:.1f} ms"
    return median(seconds), runs[0][1], spread


def generate(walker: Walker, count: int) -> None:
    t0 = time.perf_counter()
    for i in range(count):
        iid, tasks = walker.start("bench_three_tasks")
        if i % 5 == 0:
            walker.complete(tasks, "task_one", {"note": "记录"}, "officer1")
        if (i + 1) % 1000 == 0:
            print(f"    {i + 1} cases started ({time.perf_counter() - t0:.0f} s)", flush=True)


def verify_all(url: str) -> tuple[float, int, int, int]:
    env = environment(url, secrets.token_urlsafe(48))
    t0 = time.perf_counter()
    proc = subprocess.run([str(VENV_BIN / "flask"), "--app", "api", "audit", "verify", "--all"], env=env,
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    elapsed = time.perf_counter() - t0
    lines = proc.stdout.splitlines()
    ok = sum(1 for line in lines if line.startswith("instance ") and ": OK" in line)
    failed = sum(1 for line in lines if line.startswith("instance ") and ": FAILED" in line)
    if proc.returncode not in (0, 1):
        print(proc.stderr[-2000:])
    return elapsed, ok, failed, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--skip-all", action="store_true", help="only part 1")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="part 2 on the kept database as it is")
    args = parser.parse_args()
    with pg_database(args.pg, "h_bench_verify", keep=args.keep or args.reuse, reuse=args.reuse) as url:
        app = make_app(url, SETTINGS_RECHECK_SECONDS=None)
        deploy_bench_processes(app)
        walker = Walker(app)
        if not args.reuse:
            fresh = walker.walk(ENFORCEMENT)[4]
            long = long_case(walker, args.events)
            fresh_s, fresh_events, fresh_spread = time_verify(walker, fresh, args.repeat)
            long_s, long_events, long_spread = time_verify(walker, long, args.repeat)
            print(f"verify one case (PostgreSQL, median of {args.repeat}):")
            print(f"  fresh major case      {fresh_events:4} events  {fresh_s * 1000:8.1f} ms  ({fresh_spread})")
            print(f"  looped review         {long_events:4} events  {long_s * 1000:8.1f} ms"
                  f"  ({long_s / long_events * 1000:.2f} ms per event; {long_spread})")
            print("  " + goal(f"verify {long_events} events ms", long_s * 1000, GOAL_VERIFY_200_MS, " ms"))
        if args.skip_all:
            return
        from api.extensions import db
        from api.models import Instance

        with app.app_context():
            have = db.session.scalar(select(func.count(Instance.id)))
            db.session.remove()
        if have < args.instances:
            print(f"  generating {args.instances - have} cases through the API (see the module docstring)")
            generate(walker, args.instances - have)
        seconds, ok, failed, code = verify_all(url)
        total = ok + failed
        print(f"audit verify --all over {total} instances: {seconds:.1f} s ({seconds / max(total, 1) * 1000:.1f} ms "
              f"per instance), {ok} OK, {failed} FAILED, exit status {code}")


if __name__ == "__main__":
    main()
