"""Benchmark: the raw engine against HTTP completions on the same steps, and the cost of a long history
(issue 10 item 9).

Three walks, each alternated in one run (an HTTP case, then the raw engine on exactly that case's steps: the state
before each step and the data the service recorded for it):

1. the shipped enforcement case (major case, 11 completions);
2. a plain process of three user tasks (bench/processes/bench_three_tasks.bpmn), where the fixed cost of a request
   dominates;
3. an enforcement case whose legal review looped ``--loops`` times (default 80) against a fresh one, on the same
   last steps (review agreed, decision, service): step cost over HTTP and in the raw engine, and verify time; and
   the HTTP rate against the raw engine's on each (the raw engine loads and saves the whole tree, which grows with
   the history; a hot HTTP step does neither).

"Raw engine" is load -> complete -> save with the engine alone: ``serializer.load_state`` of the serialized
state, ``runtime.complete`` with the recorded data, ``serializer.dumps_state``. "HTTP" is ``POST
/api/v1/tasks/<id>/complete`` through the app (Flask test client: no socket), counting SQL statements and
commits. Prints medians and ratios beside the goals (HTTP >= 1.0x the raw engine; an 80-loop case <= 1.5x a
fresh one), and first the floor of any HTTP completion on this machine (an authenticated request that does
nothing plus one durable row write), which bounds the HTTP/raw-engine ratio any completion through Flask with a
commit per step can reach.

Usage: python bench/bench_steps.py [--cases N] [--loops N] [--db URL | --sqlite] [--keep]
(default: a fresh PostgreSQL database on 127.0.0.1, dropped afterwards)
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402

from bench.common import StatementCounter, database, goal, make_app, median  # noqa: E402
from tests import cases as c  # noqa: E402

ENFORCEMENT = [
    *c.MAJOR_TO_REVIEW,
    ("task_legal_review", c.REVIEW_AGREE, "reviewer1"),
    ("task_head_decision", c.DECISION, "head1"),
    ("task_service", c.SERVICE, "officer1"),
]
THREE = [(f"task_{n}", {"note": f"记录{n}"}, "officer1") for n in ("one", "two", "three")]
#: the enforcement case's steps up to the legal review, and the last steps timed on a looped and a fresh case
BEFORE_REVIEW = ENFORCEMENT[:8]
LAST_STEPS = ENFORCEMENT[8:]
REVIEW_PROBLEMS = {**c.REVIEW_PROBLEMS, "problem_code": "investigate"}
GOAL_HTTP_VS_ENGINE = 1.0
GOAL_LOOPED_VS_FRESH = 1.5
BENCH_PROCESSES = Path(__file__).resolve().parent / "processes"


class Walker:
    """Walks cases over HTTP and replays their steps in the raw engine."""

    def __init__(self, app) -> None:
        from api.extensions import db

        self.app = app
        self.client = app.test_client()
        self.tokens: dict[str, str] = {}
        with app.app_context():
            self.counter = StatementCounter(db.engine)

    def token(self, user: str) -> str:
        if user not in self.tokens:
            resp = self.client.post("/api/v1/auth/token", json={"username": user, "password": "demo"})
            self.tokens[user] = resp.get_json()["token"]
        return self.tokens[user]

    def start(self, key: str) -> tuple[int, list[dict]]:
        resp = self.client.post("/api/v1/instances", json={"definition_key": key, "data": {}},
                                headers={"Authorization": f"Bearer {self.token('officer1')}"})
        body = resp.get_json()
        assert resp.status_code in (200, 201), body
        return body["id"], body["tasks"]

    def open_tasks(self, iid: int) -> list[dict]:
        resp = self.client.get(f"/api/v1/tasks?instance_id={iid}&scope=all&state=ready",
                               headers={"Authorization": f"Bearer {self.token('admin')}"})
        return resp.get_json()

    def state_before(self, iid: int) -> str:
        """The full serialized workflow of the case as the service would load it (untimed)."""
        from api.extensions import db
        from api.models import Instance
        from api.services.instances import load_workflow
        from engine.serializer import dumps_state

        with self.app.app_context():
            instance = db.session.get(Instance, iid)
            _, workflow = load_workflow(instance, for_update=False)  # a look: the case stays hot for the step
            state = dumps_state(workflow)
            db.session.remove()
        return state

    def complete(self, tasks: list[dict], element_id: str, data: dict, user: str) -> tuple[dict, float, int, int]:
        """Complete the open task ``element_id`` over HTTP: (response body, seconds, statements, commits)."""
        task = next(t for t in tasks if t["element_id"] == element_id)
        statements, commits = self.counter.snapshot()
        t0 = time.perf_counter()
        resp = self.client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data},
                                headers={"Authorization": f"Bearer {self.token(user)}"})
        elapsed = time.perf_counter() - t0
        body = resp.get_json()
        assert resp.status_code == 200, (element_id, body)
        return (body, elapsed, self.counter.statements - statements, self.counter.commits - commits)

    def recorded(self, iid: int, task_id: str) -> tuple[str, dict]:
        """The SpiffWorkflow task id of a completed task row and the data the service completed it with."""
        from api.extensions import db
        from api.models import Event, TaskRow

        with self.app.app_context():
            row = db.session.get(TaskRow, task_id)
            event = db.session.scalars(select(Event).where(Event.instance_id == iid, Event.task_id == task_id,
                                                           Event.type == "task_completed")).first()
            result = (row.spiff_task_id, dict(event.data["submitted"]))
            db.session.remove()
        return result

    def walk(self, steps, iid: int | None = None, tasks: list[dict] | None = None, key: str = "enforcement_case"):
        """Walk ``steps`` over HTTP (starting a case unless given), then the same steps in the raw engine.

        Returns (http seconds, engine seconds, statements, commits) per step, and the case id.
        """
        if iid is None:
            iid, tasks = self.start(key)
        tasks = tasks if tasks is not None else self.open_tasks(iid)
        http, statements, commits, replay = [], [], [], []
        for element_id, data, user in steps:
            state = self.state_before(iid)
            task_id = next(t for t in tasks if t["element_id"] == element_id)["id"]
            body, elapsed, n_statements, n_commits = self.complete(tasks, element_id, data, user)
            http.append(elapsed)
            statements.append(n_statements)
            commits.append(n_commits)
            replay.append((state, *self.recorded(iid, task_id)))
            tasks = body["tasks"]
        engine = [self.engine_step(iid, *step) for step in replay]
        return http, engine, statements, commits, iid

    def engine_step(self, iid: int, state: str, spiff_task_id: str, data: dict) -> float:
        """Raw engine: load -> complete -> save of one step (the bundle and script engine already at hand)."""
        from api.extensions import db
        from api.models import Instance
        from api.services.instances import bundle_for
        from api.services.org_scope import bind_case
        from api.services.runtime import script_engine
        from engine import runtime
        from engine.serializer import dumps_state, load_state

        with self.app.app_context():
            instance = db.session.get(Instance, iid)
            bind_case(instance.org_id)
            bundle, scripts = bundle_for(instance), script_engine()
            t0 = time.perf_counter()
            workflow = load_state(bundle, state, scripts)
            runtime.complete(workflow, spiff_task_id, data)
            dumps_state(workflow)
            elapsed = time.perf_counter() - t0
            db.session.remove()
        return elapsed

    def verify(self, iid: int) -> tuple[float, int, bool]:
        from api.extensions import db
        from api.services.audit import verify_instance

        with self.app.app_context():
            t0 = time.perf_counter()
            result = verify_instance(iid)
            elapsed = time.perf_counter() - t0
            db.session.remove()
        return elapsed, result["events"], result["ok"]


def deploy_bench_processes(app) -> None:
    from api.cli import project_files
    from api.extensions import db
    from api.services import definitions as definition_service
    from api.services import orgs

    with app.app_context():
        root = orgs.by_code(orgs.PLATFORM_ROOT)
        definition_service.deploy(project_files(str(BENCH_PROCESSES)), "bench", org_id=root.id if root else None)
        db.session.commit()


def floor(walker: Walker, cases: int) -> tuple[float, float]:
    """The fixed floor of any HTTP completion on this machine, in seconds (medians): an authenticated
    ``GET /api/v1/me`` through the same app (token check, request log, the user's row; ``GET`` of a task is no
    floor: it records the read, a locked write) and one event-sized ``INSERT`` + ``COMMIT`` on the same database
    (a durable write). A completion does both and more, so the raw engine's step time over their sum
    bounds the HTTP/raw-engine ratio reachable here with Flask and one commit per step."""
    from api.extensions import db

    headers = {"Authorization": f"Bearer {walker.token('officer1')}"}
    reads, writes = [], []
    with walker.app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, body TEXT)"))
    row = "x" * 600  # about an event row's size
    for i in range(max(30, cases * 10)):
        t0 = time.perf_counter()
        resp = walker.client.get("/api/v1/me", headers=headers)
        reads.append(time.perf_counter() - t0)
        assert resp.status_code == 200, resp.get_json()
        with walker.app.app_context():
            with db.engine.connect() as conn:
                t0 = time.perf_counter()
                conn.execute(text("INSERT INTO bench_floor (id, body) VALUES (:i, :b)"), {"i": i, "b": row})
                conn.commit()
                writes.append(time.perf_counter() - t0)
    with walker.app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE bench_floor"))
    return median(reads), median(writes)


def compare(name: str, walker: Walker, steps, cases: int, key: str,
            fixed: tuple[float, float] | None = None) -> None:
    http, engine, statements, commits = [], [], [], []
    for i in range(cases + 1):
        h, e, s, k, _ = walker.walk(steps, key=key)
        if i == 0:
            continue  # warm-up case: caches, first parse
        http += h
        engine += e
        statements += s
        commits += k
    h_ms, e_ms = median(http) * 1000, median(engine) * 1000
    print(f"{name}: {len(http)} completions over {cases} cases, alternated case by case")
    print(f"  HTTP completion   median {h_ms:7.2f} ms  ({1000 / h_ms:6.0f}/s)")
    print(f"  raw engine step   median {e_ms:7.2f} ms  ({1000 / e_ms:6.0f}/s)  load -> complete -> save")
    print(f"  SQL statements per completion: median {median(statements):.0f}, max {max(statements)};"
          f" commits per completion: max {max(commits)}")
    print("  " + goal("HTTP rate / raw engine rate", e_ms / h_ms, GOAL_HTTP_VS_ENGINE, "x", higher_is_better=True))
    if fixed:
        least = sum(fixed) * 1000
        print(f"  the floor ({least:.2f} ms, below) bounds this ratio at {e_ms / least:.2f}x; the step costs"
              f" {h_ms - least:.2f} ms above the floor")


def looped(walker: Walker, loops: int, cases: int) -> None:
    """The last steps on a case whose review looped ``loops`` times, against the same steps on a fresh case."""
    figures: dict[str, dict[str, list[float]]] = {"fresh": {"http": [], "engine": [], "verify": []},
                                                  "looped": {"http": [], "engine": [], "verify": []}}
    events = {}
    t0 = time.perf_counter()
    for i in range(cases + 1):
        for kind in ("fresh", "looped"):
            _, _, _, _, iid = walker.walk(BEFORE_REVIEW)
            tasks = walker.open_tasks(iid)
            for _ in range(loops if kind == "looped" else 0):  # untimed: review finds problems, the handler fixes
                tasks, _, _, _ = walker.complete(tasks, "task_legal_review", REVIEW_PROBLEMS, "reviewer1")
                tasks, _, _, _ = walker.complete(tasks["tasks"], "task_fix_resubmit", c.FIX, "officer1")
                tasks = tasks["tasks"]
                if any(t["element_id"] == "task_submit_review" for t in tasks):
                    tasks = walker.complete(tasks, "task_submit_review", c.SUBMIT_REVIEW, "officer1")[0]["tasks"]
            h, e, _, _, _ = walker.walk(LAST_STEPS, iid=iid, tasks=tasks)
            seconds, n_events, ok = walker.verify(iid)
            if i == 0:
                continue
            figures[kind]["http"] += h
            figures[kind]["engine"] += e
            figures[kind]["verify"].append(seconds)
            events[kind] = n_events
            assert ok, f"case {iid} does not verify"
    print(f"legal review looped {loops} times vs a fresh case ({cases} of each, the last {len(LAST_STEPS)} steps "
          f"timed; built in {time.perf_counter() - t0:.0f} s):")
    for kind in ("fresh", "looped"):
        f = figures[kind]
        print(f"  {kind:6}  events {events[kind]:4}  HTTP step median {median(f['http']) * 1000:7.2f} ms"
              f"  raw engine step median {median(f['engine']) * 1000:7.2f} ms"
              f"  verify median {median(f['verify']) * 1000:8.1f} ms")
    ratio = {what: median(figures["looped"][what]) / median(figures["fresh"][what])
             for what in ("http", "engine", "verify")}
    print("  " + goal("HTTP step, looped / fresh", ratio["http"], GOAL_LOOPED_VS_FRESH, "x"))
    # not goals, for comparison: the raw engine pays for the whole tree on every step, and verify replays every
    # event (its goal is linear growth: its time per event)
    print(f"  raw engine step, looped / fresh: {ratio['engine']:.2f}x (load and save of the whole tree)")
    per_event = ratio["verify"] * events["fresh"] / events["looped"]
    print(f"  verify, looped / fresh: {ratio['verify']:.2f}x for {events['looped'] / events['fresh']:.1f}x the "
          f"events ({per_event:.2f}x per event)")
    for kind in ("fresh", "looped"):  # item 9's first goal, on the same steps of a case with a long history
        f = figures[kind]
        print("  " + goal(f"HTTP rate / raw engine rate, {kind} case", median(f["engine"]) / median(f["http"]),
                          GOAL_HTTP_VS_ENGINE, "x", higher_is_better=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10, help="timed cases per walk (after one warm-up case)")
    parser.add_argument("--loops", type=int, default=80, help="legal review rounds of the looped case")
    parser.add_argument("--loop-cases", type=int, default=2, help="looped and fresh cases timed")
    parser.add_argument("--db", default=None, help="database URL (default: a fresh PostgreSQL database)")
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--only", choices=("enforcement", "three", "looped"), action="append")
    args = parser.parse_args()
    only = set(args.only or ("enforcement", "three", "looped"))
    with database(args.db, pg=not args.sqlite, keep=args.keep, name="h_bench_steps") as url:
        app = make_app(url, SETTINGS_RECHECK_SECONDS=None)
        deploy_bench_processes(app)
        walker = Walker(app)
        print(f"database: {url.split('://')[0]}")
        fixed = floor(walker, args.cases)
        print(f"floor of any HTTP completion: authenticated GET /api/v1/me {fixed[0] * 1000:.2f} ms + one row"
              f" INSERT and COMMIT {fixed[1] * 1000:.2f} ms = {sum(fixed) * 1000:.2f} ms (medians)")
        if "enforcement" in only:
            compare("shipped enforcement case (major)", walker, ENFORCEMENT, args.cases, "enforcement_case", fixed)
        if "three" in only:
            compare("plain 3-user-task process", walker, THREE, args.cases * 3, "bench_three_tasks", fixed)
        if "looped" in only:
            looped(walker, args.loops, args.loop_cases)


if __name__ == "__main__":
    main()
