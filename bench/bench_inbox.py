"""Benchmark: the inbox at scale on PostgreSQL (issue 10 items 6 and 9).

Makes its own database (dropped afterwards unless --keep), brings it to the current schema with the demo users,
then fills it with a generator in SQL (``generate_series``, one INSERT per table, so it is bounded in time:
about a minute for the default size): ``--tasks`` task rows (default 1,000,000) over ``--tasks / 10`` cases, of
which ``--ready`` (default 60,000) are ready — spread over the roles (officers most), 30% of them claimed (300 by
officer1), due dates from ten days overdue to two months ahead (10% without one), 90% in the demo bureau and the
rest in the county's other bureau. Then it times, for users with one role and with several:

- ``GET /api/v1/tasks`` (claimable: ``scope=candidate``, and ``scope=mine``), the whole request through the app;
- the web inbox's rows (``/inbox`` tabs claimable and mine: the query and the warning colours, without the
  template);
- the claimable query alone (a page of 50 rows), to tell the database's share from the request's;

and prints p50/p95 of each beside the goal (p95 <= 15 ms), and the plan PostgreSQL chose for the claimable query
of the user with several roles (one range of the partial index ``ix_tasks_claimable_role_due`` per role).

Usage: python bench/bench_inbox.py [--tasks N] [--ready N] [--repeat N] [--pg URL] [--db-name NAME] [--keep]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402

from bench.common import DEFAULT_PG, goal, make_app, median, percentile, pg_database  # noqa: E402

#: roles of the ready rows and their shares (percent); the rest of the rows carry other roles
READY_ROLES = [("officer", 50), ("legal_reviewer", 15), ("head", 10), ("chief", 5), ("legal_counsel", 5),
               ("publicity_officer", 5)]
#: the benchmark's own user with several roles (a reviewer who is also a head and the counsel)
MULTI = {"username": "bench_multi", "roles": ["legal_reviewer", "head", "legal_counsel"]}
USERS = [("officer1", "one role (officer)"), ("reviewer1", "one role (legal_reviewer)"),
         ("head1", "two roles (head, chief)"), (MULTI["username"], "three roles (reviewer, head, counsel)")]
GOAL_P95_MS = 15.0


def generate(conn, tasks: int, ready: int) -> None:
    """Fill instances and tasks with generate_series (see the module docstring)."""
    per_case = 10
    cases = tasks // per_case
    ready_cases = min(ready, cases)
    orgs = dict(conn.execute(text("SELECT code, id FROM organisations")).all())
    bureau, other, unit1, unit2 = orgs["nj-mzj"], orgs["nj-scj"], orgs["nj-mzj-1"], orgs["nj-mzj-2"]
    role_case = " ".join(
        f"WHEN r < {sum(s for _, s in READY_ROLES[:i + 1])} THEN '{name}'" for i, (name, _) in enumerate(READY_ROLES))
    conn.execute(text("SET LOCAL synchronous_commit = off"))
    # cases: the first ``ready_cases`` are running (their last task is ready), the rest completed
    conn.execute(text(f"""
        INSERT INTO instances (id, definition_key, version, bundle_key, manifest, title, status, state,
                               state_version, row_version, data, started_by, org_id, unit_id, started_at, ended_at,
                               last_seq, last_hash)
        SELECT i, 'enforcement_case', 1, 'bench', '{{}}', '案件 ' || i,
               CASE WHEN i <= {ready_cases} THEN 'running' ELSE 'completed' END, '{{}}', 1, 1, '{{}}',
               CASE WHEN i % 7 = 0 THEN 'officer1' ELSE 'user' || (i % 500) END,
               CASE WHEN i % 10 = 9 THEN {other} ELSE {bureau} END,
               CASE WHEN i % 10 = 9 THEN {other} WHEN i % 2 = 0 THEN {unit1} ELSE {unit2} END,
               now() - (i % 400) * interval '1 day', CASE WHEN i > {ready_cases} THEN now() END,
               0, repeat('0', 64)
        FROM generate_series(1, {cases}) AS i"""))
    conn.execute(text("SELECT setval(pg_get_serial_sequence('instances', 'id'), (SELECT max(id) FROM instances))"))
    conn.execute(text(f"""
        INSERT INTO tasks (id, spiff_task_id, instance_id, process_id, element_id, name, title, lane, role, org_id,
                           form_key, kind, state, assignee, due_at, created_at, completed_at, completed_by)
        SELECT gen_random_uuid()::text, gen_random_uuid()::text, c, 'enforcement_case', 'task_' || k,
               '步骤 ' || k, '案件 ' || c, NULL, role, CASE WHEN c % 10 = 9 THEN {other} ELSE {bureau} END,
               NULL, 'user', state,
               CASE WHEN state = 'ready' AND c % 10 < 3 THEN
                        CASE WHEN c % 200 = 0 THEN 'officer1' ELSE 'user' || (c % 500) END
                    WHEN state = 'completed' THEN 'user' || (c % 500) END,
               CASE WHEN c % 10 = 5 THEN NULL
                    ELSE now() + ((c * 7919) % 70 - 10) * interval '1 day' + (c % 24) * interval '1 hour' END,
               now() - ((c % 400) + (10 - k)) * interval '1 day',
               CASE WHEN state = 'completed' THEN now() END,
               CASE WHEN state = 'completed' THEN 'user' || (c % 500) END
        FROM (SELECT c, k,
                     CASE WHEN k = {per_case} AND c <= {ready_cases} THEN 'ready' ELSE 'completed' END AS state,
                     CASE WHEN k = {per_case} AND c <= {ready_cases} THEN
                              CASE {role_case} ELSE 'role_' || (c % 20) END
                          ELSE (ARRAY['officer', 'legal_reviewer', 'head', 'officer', 'role_x'])[1 + k % 5] END
                         AS role
              FROM (SELECT c, k, (c * 2654435761) % 100 AS r
                    FROM generate_series(1, {cases}) AS c, generate_series(1, {per_case}) AS k) AS g) AS s"""))
    conn.execute(text("ANALYZE instances"))
    conn.execute(text("ANALYZE tasks"))


def add_multi_role_user(app) -> None:
    from api.extensions import db
    from api.models import User
    from api.security import hash_password
    from api.services import orgs

    with app.app_context():
        if db.session.scalar(select(User).where(User.username == MULTI["username"])) is None:
            db.session.add(User(username=MULTI["username"], display_name="多角色", roles=MULTI["roles"],
                                password_hash=hash_password("demo"), legal_qualified=True,
                                org_id=orgs.by_code("nj-mzj").id, demo=True))
            db.session.commit()


def time_api(client, token: str, scope: str, repeat: int) -> tuple[list[float], int]:
    timings, count = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        resp = client.get(f"/api/v1/tasks?scope={scope}&per_page=50", headers={"Authorization": f"Bearer {token}"})
        timings.append(time.perf_counter() - t0)
        assert resp.status_code == 200, resp.get_json()
        count = len(resp.get_json())
    return timings, count


def time_web_rows(app, username: str, tab: str, repeat: int) -> tuple[list[float], int]:
    from flask import g

    from api.extensions import db
    from api.models import User
    from api.web.pages.inbox import _task_rows

    timings, count = [], 0
    filters = {"process": "", "deadline": "", "q": ""}
    for _ in range(repeat):
        with app.test_request_context("/inbox"):
            g.user = db.session.scalar(select(User).where(User.username == username))
            t0 = time.perf_counter()
            rows = _task_rows(g.user, tab, filters)
            timings.append(time.perf_counter() - t0)
            count = len(rows)
            db.session.remove()
    return timings, count


def time_query(app, username: str, repeat: int) -> tuple[list[float], int]:
    """The API's claimable query alone (one page of 50 rows fetched), without the request around it."""
    from flask import g

    from api.extensions import db
    from api.models import User
    from api.tasks.queries import candidate_statement

    timings, count = [], 0
    with app.test_request_context("/"):
        g.user = db.session.scalar(select(User).where(User.username == username))
        for _ in range(repeat):
            t0 = time.perf_counter()
            rows = db.session.scalars(candidate_statement(g.user, 50)).all()
            timings.append(time.perf_counter() - t0)
            count = len(rows)
        db.session.remove()
    return timings, count


def explain(app, username: str) -> list[str]:
    """PostgreSQL's plan for the API's claimable query of ``username`` (as the endpoint builds it)."""
    from flask import g

    from api.extensions import db
    from api.models import User
    from api.tasks.queries import candidate_statement

    with app.test_request_context("/"):
        g.user = db.session.scalar(select(User).where(User.username == username))
        stmt = candidate_statement(g.user, 50, 0)
        compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = [r[0] for r in db.session.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {compiled}"))]
        db.session.remove()
    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1_000_000, help="task rows to generate (default 1,000,000)")
    parser.add_argument("--ready", type=int, default=60_000, help="of which ready (default 60,000)")
    parser.add_argument("--repeat", type=int, default=100,
                        help="timed requests per user and query (p95 of 100: the 5th-slowest, not one outlier)")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server URL (without a database)")
    parser.add_argument("--db-name", default="h_bench_inbox")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use the kept database as it is (no generation)")
    parser.add_argument("--plan", action="store_true", help="print the whole plan of the multi-role query")
    args = parser.parse_args()
    with pg_database(args.pg, args.db_name, keep=args.keep or args.reuse, reuse=args.reuse) as url:
        t0 = time.perf_counter()
        app = make_app(url, SETTINGS_RECHECK_SECONDS=None)
        add_multi_role_user(app)
        from api.extensions import db

        with app.app_context():
            with db.engine.connect() as conn:
                have = conn.scalar(text("SELECT count(*) FROM tasks"))
            if not (args.reuse and have >= args.tasks):
                with db.engine.begin() as conn:
                    generate(conn, args.tasks, args.ready)
            with db.engine.connect() as conn:
                total = conn.scalar(text("SELECT count(*) FROM tasks"))
                ready = conn.scalar(text("SELECT count(*) FROM tasks WHERE state = 'ready'"))
        print(f"database: PostgreSQL {url.rsplit('/', 1)[1]}; {total:,} task rows, {ready:,} ready; "
              f"generated in {time.perf_counter() - t0:.0f} s")
        client = app.test_client()
        worst = 0.0
        for username, label in USERS:
            token = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"}).get_json()["token"]
            runs = (("query claimable", time_query, (app, username)),
                    ("API claimable", time_api, (client, token, "candidate")),
                    ("API mine", time_api, (client, token, "mine")),
                    ("web rows claimable", time_web_rows, (app, username, "claimable")),
                    ("web rows mine", time_web_rows, (app, username, "mine")))
            for what, run, run_args in runs:
                run(*run_args, 2)  # warm: the first request builds caches (settings, calendars)
                timings, rows = run(*run_args, args.repeat)
                ms = [t * 1000 for t in timings]
                worst = max(worst, percentile(ms, 95))
                print(f"  {username:12} {label:38} {what:19} rows {rows:3}  p50 {median(ms):6.2f} ms"
                      f"  p95 {percentile(ms, 95):6.2f} ms")
        print(goal("inbox p95 ms, worst of the above", worst, GOAL_P95_MS, " ms"))
        plan = explain(app, MULTI["username"])
        uses = sum("ix_tasks_claimable_role_due" in line for line in plan)
        print(f"claimable query of {MULTI['username']} ({len(MULTI['roles'])} roles): index ranges read on "
              f"ix_tasks_claimable_role_due: {uses}")
        for line in plan if args.plan else [line for line in plan if "Index" in line or "Execution" in line]:
            print(f"    {line}")


if __name__ == "__main__":
    main()
