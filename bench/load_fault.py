"""Load and fault test (issue 10 item 10): N clients walk cases against gunicorn + PostgreSQL for M seconds; midway
one gunicorn worker and the timer worker are killed with SIGKILL; then every instance is checked.

Loopback only, bounded in time (``--seconds``, ``--settle``) and count (``--max-cases``); makes its own PostgreSQL
database (dropped afterwards unless --keep). Each client alternates between

- a shipped enforcement case (major: start, then 11 completions by officers, the reviewer and the head), and
- a timer case (bench/processes/bench_timer.bpmn): started with a timer due 1-4 s later; the client does not wait,
  the timer worker fires it, and the task it opens is completed when the client comes back to it.

A request cut by the kill (connection reset) is not an error: the client reads the case again and goes on. After
the run the timer worker gets ``--settle`` seconds to fire what is due, then the checks, printed one per line:

- 0 responses of 500 (any 5xx);
- no lost events: every completion answered 200 has its ``task_completed`` event; every case's stream is
  numbered 1..last_seq without a gap or a repeat, and its last hash is the instance row's;
- no duplicated events: at most one ``task_completed`` per task row and one firing per timer;
- no task stuck: every running case has a ready task or a timer not yet due (none overdue after the settle time);
- every chain verifies (``verify_instance``: chain, replay, row) — for every instance.

Also prints timer lateness (due instant -> ``timer_tick``), p50/p95/max, and the goal (<= 1 s).

The timer worker is a parameter: ``--worker-cmd`` (repeatable), default the production shape — a Celery worker
(``flask --app api worker --pool solo``) and the scheduler (``flask --app api scheduler``) on Redis (``--redis``, a
database this empties; both are killed midway); the server is ``--server-cmd`` (default: bench/serving.py's). A
worker that exits by itself (it could not start) fails the run with the end of its log.

Usage: python bench/load_fault.py [--clients 4] [--seconds 60] [--workers 2] [--worker-cmd CMD]... [--redis URL]
       [--keep]
Exit status 0 when every check holds, 1 otherwise.
"""
from __future__ import annotations

import argparse
import random
import secrets
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bench.bench_steps import ENFORCEMENT, deploy_bench_processes  # noqa: E402
from bench.common import DEFAULT_PG, goal, make_app, median, percentile, pg_database  # noqa: E402
from bench.serving import (  # noqa: E402
    DEFAULT_REDIS_URL,
    DEFAULT_WORKER_CMDS,
    Client,
    Process,
    Server,
    default_server_cmd,
    environment,
)

GOAL_TIMER_LATENESS_S = 1.0
#: a timer case's timer is due 1 to this many seconds after its start
TIMER_DELAY_MAX_S = 4.0


class Walker(threading.Thread):
    """One client: walks cases until told to stop or the case budget is spent."""

    def __init__(self, port: int, stop: threading.Event, budget: list[int], lock: threading.Lock, seed: int):
        super().__init__(daemon=True)
        self.client = Client(port)
        self.stop, self.budget, self.lock = stop, budget, lock
        self.rng = random.Random(seed)
        self.acknowledged: list[str] = []  # task row ids whose completion was answered 200
        self.started: list[int] = []
        self.timer_cases: list[int] = []

    def take_case(self) -> bool:
        with self.lock:
            if self.budget[0] <= 0:
                return False
            self.budget[0] -= 1
            return True

    def run(self) -> None:
        n = 0
        while not self.stop.is_set() and self.take_case():
            if n % 2 == 0:
                self.timer_case()
            else:
                self.enforcement_case()
            n += 1
            self.finish_timer_cases()

    def complete_open(self, iid: int, element_id: str, data: dict, user: str) -> bool:
        """Complete the case's open task ``element_id``, reading the case again after a cut request."""
        for _ in range(5):
            tasks = self.client.open_tasks(iid)
            if tasks is None:
                time.sleep(0.5)
                continue
            task = next((t for t in tasks if t["element_id"] == element_id), None)
            if task is None:
                return False  # done already (a cut request that committed) or not reached
            status, _ = self.client.complete(task["id"], data, user)
            if status == 200:
                self.acknowledged.append(task["id"])
                return True
            if status != 0:
                return False
            time.sleep(0.3)
        return False

    def enforcement_case(self) -> None:
        body = self.client.start("enforcement_case")
        if body is None:
            return
        iid = body["id"]
        self.started.append(iid)
        for element_id, data, user in ENFORCEMENT:
            if self.stop.is_set():
                return
            self.complete_open(iid, element_id, data, user)

    def timer_case(self) -> None:
        wake = datetime.now(UTC) + timedelta(seconds=self.rng.uniform(1, TIMER_DELAY_MAX_S))
        body = self.client.start("bench_timer", {"wake_at": wake.isoformat()})
        if body is not None:
            self.started.append(body["id"])
            self.timer_cases.append(body["id"])

    def finish_timer_cases(self) -> None:
        for iid in list(self.timer_cases):
            tasks = self.client.open_tasks(iid)
            if tasks and any(t["element_id"] == "task_after" for t in tasks):
                self.complete_open(iid, "task_after", {"note": "定时后"}, "officer1")
                self.timer_cases.remove(iid)


def settle(app, seconds: float) -> int:
    """Wait until no running case has a timer due, nor one the clients set before they stopped that is still
    ahead (due at most ``TIMER_DELAY_MAX_S`` after its case started), or ``seconds`` pass; returns how many are
    overdue then. (Waiting only for the overdue ones stopped the workers while a timer set a second before the
    clients stopped was still ahead, and the check then found it overdue.)"""
    from api.extensions import db
    from api.models import Instance

    horizon = datetime.now(UTC) + timedelta(seconds=TIMER_DELAY_MAX_S)  # the latest timer a client set
    deadline = time.monotonic() + seconds
    while True:
        with app.app_context():
            now = datetime.now(UTC)
            pending, overdue = db.session.execute(select(
                func.count(Instance.id).filter(Instance.next_due <= max(now, horizon)),
                func.count(Instance.id).filter(Instance.next_due <= now)).where(Instance.status == "running")).one()
            db.session.remove()
        if not pending or time.monotonic() > deadline:
            return overdue
        time.sleep(1)


def check(app, walkers: list[Walker]) -> tuple[dict[str, list[str]], list[float], int]:
    """The checks of the module docstring; returns problems by check, timer lateness (s) and the instance count."""
    from api.extensions import db
    from api.models import Event, Instance, TaskRow
    from api.services.audit import verify_instance

    problems: dict[str, list[str]] = {"lost": [], "duplicated": [], "stuck": [], "verify": []}
    lateness: list[tuple[datetime, float]] = []  # (due instant, seconds late)
    now = datetime.now(UTC)
    with app.app_context():
        ids = list(db.session.scalars(select(Instance.id).order_by(Instance.id)))
        completed_events: dict[str, int] = {}
        for task_id, count in db.session.execute(select(Event.task_id, func.count()).where(
                Event.type == "task_completed").group_by(Event.task_id)):
            completed_events[task_id] = count
        for task_id in (t for w in walkers for t in w.acknowledged):
            if task_id not in completed_events:
                problems["lost"].append(f"task {task_id}: completion answered 200 but no task_completed event")
        for task_id, count in completed_events.items():
            if count > 1:
                problems["duplicated"].append(f"task {task_id}: {count} task_completed events")
        for iid in ids:
            instance = db.session.get(Instance, iid)
            own = list(db.session.scalars(select(Event).where(Event.stream == f"instance:{iid}")
                                          .order_by(Event.seq)))
            seqs = [e.seq for e in own]
            if seqs != list(range(1, len(seqs) + 1)) or (seqs and seqs[-1] != instance.last_seq):
                problems["lost"].append(f"instance {iid}: stream seqs {seqs[:3]}..{seqs[-3:]} vs last_seq "
                                        f"{instance.last_seq}")
            elif own and own[-1].hash != instance.last_hash:
                problems["lost"].append(f"instance {iid}: last event hash is not the row's last_hash")
            fired = [e for e in own if e.type == "engine_timer_fired"]
            ticks = [e for e in own if e.type == "timer_tick"]
            if instance.definition_key == "bench_timer":
                if len(fired) > 1:
                    problems["duplicated"].append(f"instance {iid}: the timer fired {len(fired)} times")
                wake = _wake_at(instance)
                if wake is not None and ticks:
                    tick = ticks[0].at if ticks[0].at.tzinfo else ticks[0].at.replace(tzinfo=UTC)
                    lateness.append((wake, (tick - wake).total_seconds()))
            if instance.status == "running":
                ready = db.session.scalar(select(func.count(TaskRow.id)).where(
                    TaskRow.instance_id == iid, TaskRow.state == "ready"))
                due = instance.next_due
                due = due if due is None or due.tzinfo else due.replace(tzinfo=UTC)
                if not ready and (due is None or due <= now):
                    problems["stuck"].append(f"instance {iid}: running with no ready task and no timer ahead "
                                             f"(next_due {due})")
            result = verify_instance(iid)
            if not result["ok"]:
                problems["verify"].append(f"instance {iid}: {result['problems'][:2]}")
            db.session.remove()
    return problems, lateness, len(ids)


def _wake_at(instance) -> datetime | None:
    value = (instance.data or {}).get("wake_at")
    return datetime.fromisoformat(value) if value else None


def ready_again(workers: list, timeout: float = 120.0) -> None:
    """Wait until restarted workers say they are ready in their logs (a Celery worker's "ready.", the scheduler's
    "scheduler running"); a command without such a line (another ``--worker-cmd``) is taken as ready at once."""
    def mark(cmd: str) -> str | None:
        return "scheduler running" if " scheduler" in cmd else " ready." if " worker" in cmd else None

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(mark(w.cmd) is None or mark(w.cmd) in w.log_text(w.log_size_at_start) for w in workers):
            return
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the clients walk cases")
    parser.add_argument("--max-cases", type=int, default=400, help="cases started at most (all clients)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--settle", type=float, default=45.0, help="seconds given to due timers after the run")
    parser.add_argument("--server-cmd", default=None, help=f"default: {default_server_cmd()}")
    parser.add_argument("--worker-cmd", action="append", default=None,
                        help=f"timer worker command, repeatable (default: {' and '.join(DEFAULT_WORKER_CMDS)})")
    parser.add_argument("--redis", default=DEFAULT_REDIS_URL, help="the workers' broker (this database is emptied)")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the server and workers")
    parser.add_argument("--port", type=int, default=5331)
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-kill", action="store_true", help="the same run without the kills (a control)")
    args = parser.parse_args()
    server_cmd = args.server_cmd or default_server_cmd()
    worker_cmds = args.worker_cmd or list(DEFAULT_WORKER_CMDS)
    logs = Path(tempfile.mkdtemp())
    secret = secrets.token_urlsafe(48)
    outage = None
    with pg_database(args.pg, "h_bench_fault", keep=args.keep) as url:
        app = make_app(url)
        deploy_bench_processes(app)
        import redis

        redis.Redis.from_url(args.redis).flushdb()
        env = environment(url, secret, {"SANXIANG_REDIS_URL": args.redis, **dict(e.split("=", 1) for e in args.env)})
        print(f"server: {server_cmd} -w {args.workers}; timer worker: {' + '.join(worker_cmds)}; "
              f"{args.clients} clients for {args.seconds:.0f} s on loopback, PostgreSQL (logs {logs})")
        workers = [Process(cmd, env, logs / f"worker{i}.log") for i, cmd in enumerate(worker_cmds)]
        try:
            with Server(server_cmd, args.workers, args.port, env, logs / "gunicorn.log") as server:
                stop, lock, budget = threading.Event(), threading.Lock(), [args.max_cases]
                walkers = [Walker(args.port, stop, budget, lock, seed=i) for i in range(args.clients)]
                for walker in walkers:
                    walker.start()
                time.sleep(args.seconds / 2)
                exits = [(w, status) for w in workers if (status := w.exited()) is not None]
                if exits:  # nothing would fire a timer: say why instead of counting stuck cases
                    for worker, status in exits:
                        tail = worker.log_tail()
                        print(f"  the timer worker `{worker.cmd}` exited with status {status}:\n{tail}")
                    print("result: FAIL")
                    raise SystemExit(1)
                if not args.no_kill:
                    victims = server.worker_pids()
                    if victims:
                        import os
                        import signal

                        os.kill(victims[0], signal.SIGKILL)
                        print(f"  {args.seconds / 2:.0f} s: SIGKILL gunicorn worker {victims[0]} "
                              f"(of {len(victims)}) and the timer worker")
                    killed_at = datetime.now(UTC)
                    for worker in workers:
                        worker.kill()
                    time.sleep(2)
                    for worker in workers:
                        worker.restart()
                    ready_again(workers)
                    outage = (killed_at, datetime.now(UTC))
                    print(f"  the timer worker was down {(outage[1] - outage[0]).total_seconds():.1f} s "
                          "(killed -> restarted and ready)")
                time.sleep(args.seconds / 2)
                stop.set()
                for walker in walkers:
                    walker.join(timeout=60)
                overdue = settle(app, args.settle)
                for walker in walkers:  # the timer cases whose task opened meanwhile
                    walker.finish_timer_cases()
        finally:
            for worker in workers:
                worker.stop()
        statuses: dict[int, int] = {}
        for walker in walkers:
            for status, count in walker.client.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
        server_errors = [e for w in walkers for e in w.client.server_errors]
        resets = sum(w.client.errors for w in walkers)
        problems, lateness, count = check(app, walkers)
        if overdue:
            problems["stuck"].append(f"{overdue} case(s) with a timer still overdue {args.settle:.0f} s after the run")
        print(f"  cases started: {sum(len(w.started) for w in walkers)}; instances checked: {count}; "
              f"completions answered 200: {sum(len(w.acknowledged) for w in walkers)}")
        print(f"  responses by status: {dict(sorted(statuses.items()))}; cut connections: {resets}")
        ok = not server_errors
        print(f"  5xx responses: {len(server_errors)}" + "".join(f"\n      {e}" for e in server_errors[:5]))
        for name, label in (("lost", "lost events"), ("duplicated", "duplicated events"), ("stuck", "stuck cases"),
                            ("verify", "chains that do not verify")):
            found = problems[name]
            ok &= not found
            print(f"  {label}: {len(found)}" + "".join(f"\n      {p}" for p in found[:5]))
        def while_down(due: datetime) -> bool:
            return outage is not None and outage[0] <= due <= outage[1]

        during = [late for due, late in lateness if while_down(due)]
        running = [late for due, late in lateness if not while_down(due)]
        for label, values in (("timers due while the timer worker ran", running),
                              ("timers due while it was killed and restarting", during)):
            if values:
                print(f"  lateness of {len(values)} {label}: p50 {median(values):.2f} s  "
                      f"p95 {percentile(values, 95):.2f} s  max {max(values):.2f} s")
        if running:
            print("  " + goal("timer lateness p95 s (worker running)", percentile(running, 95), GOAL_TIMER_LATENESS_S,
                              " s"))
        print(f"result: {'PASS' if ok else 'FAIL'}")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
