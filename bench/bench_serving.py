"""Benchmark: throughput of gunicorn with 1, 2 and 4 workers on PostgreSQL, over real sockets on loopback
(issue 10 item 9).

For each worker count: a fresh gunicorn (``bench/serving.py``: the documented command, or ``--server-cmd``) on a
fresh PostgreSQL database made for this run (dropped afterwards unless --keep), then ``2 x workers`` client
threads (at least 2) walk shipped enforcement cases (start, then the 11 completions of a major case) for
``--seconds``; completions and requests per second are counted after a warm-up. Prints the rates, the scaling
against one worker beside the goal (2 workers >= 1.8x one), and any 5xx. The clients run on the same machine
(2 cores here): the figure is a floor.

Timer lateness is bench/timer_lateness.py's (when present) and bench/load_fault.py prints it too.

Usage: python bench/bench_serving.py [--workers 1,2,4] [--seconds 20] [--server-cmd CMD] [--port 5330]
"""
from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_steps import ENFORCEMENT  # noqa: E402
from bench.common import DEFAULT_PG, goal, make_app, pg_database  # noqa: E402
from bench.serving import Client, Server, default_server_cmd, environment  # noqa: E402

GOAL_TWO_WORKERS = 1.8


def walk_forever(client: Client, stop: threading.Event, counts: dict[str, int], lock: threading.Lock) -> None:
    while not stop.is_set():
        body = client.start("enforcement_case")
        if body is None:
            continue
        tasks = body["tasks"]
        for element_id, data, user in ENFORCEMENT:
            if stop.is_set():
                return
            task = next((t for t in tasks if t["element_id"] == element_id), None)
            if task is None:
                break
            status, result = client.complete(task["id"], data, user)
            if status != 200:
                break
            with lock:
                counts["completions"] += 1
            tasks = result["tasks"]


def measure(url: str, secret: str, workers: int, seconds: float, warmup: float, cmd: str, port: int,
            log: Path) -> dict[str, float]:
    env = environment(url, secret)
    with Server(cmd, workers, port, env, log):
        clients = [Client(port) for _ in range(max(2, 2 * workers))]
        for client in clients:  # tokens first (untimed)
            for user in {u for _, _, u in ENFORCEMENT} | {"officer1"}:
                client.token(user)
        counts = {"completions": 0}
        lock = threading.Lock()
        stop = threading.Event()
        threads = [threading.Thread(target=walk_forever, args=(c, stop, counts, lock)) for c in clients]
        for thread in threads:
            thread.start()
        time.sleep(warmup)
        with lock:
            c0, r0 = counts["completions"], sum(sum(c.statuses.values()) for c in clients)
        t0 = time.perf_counter()
        time.sleep(seconds)
        with lock:
            c1, r1 = counts["completions"], sum(sum(c.statuses.values()) for c in clients)
        elapsed = time.perf_counter() - t0
        stop.set()
        for thread in threads:
            thread.join()
        errors = [e for c in clients for e in c.server_errors]
        return {"completions": (c1 - c0) / elapsed, "requests": (r1 - r0) / elapsed, "clients": len(clients),
                "5xx": len(errors), "resets": sum(c.errors for c in clients), "first_5xx": errors[:3]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per worker count")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--server-cmd", default=None, help=f"default: {default_server_cmd()}")
    parser.add_argument("--port", type=int, default=5330)
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    cmd = args.server_cmd or default_server_cmd()
    log = Path(tempfile.mkdtemp()) / "gunicorn.log"
    secret = secrets.token_urlsafe(48)
    results = {}
    with pg_database(args.pg, "h_bench_serving", keep=args.keep) as url:
        make_app(url)
        print(f"server: {cmd} (log {log}); PostgreSQL; loopback; clients = 2 x workers threads walking major "
              f"enforcement cases")
        for workers in [int(w) for w in args.workers.split(",")]:
            r = measure(url, secret, workers, args.seconds, args.warmup, cmd, args.port, log)
            results[workers] = r
            print(f"  {workers} worker(s), {r['clients']} clients: {r['completions']:6.1f} completions/s  "
                  f"{r['requests']:6.1f} requests/s  5xx {r['5xx']}  connection errors {r['resets']}")
            for line in r["first_5xx"]:
                print(f"      {line}")
    if 1 in results and results[1]["completions"]:
        for workers in sorted(w for w in results if w != 1):
            ratio = results[workers]["completions"] / results[1]["completions"]
            if workers == 2:
                print("  " + goal("2 workers / 1 worker (completions/s)", ratio, GOAL_TWO_WORKERS, "x",
                                  higher_is_better=True))
            else:
                print(f"  {workers} workers / 1 worker (completions/s): {ratio:.2f}x")


if __name__ == "__main__":
    main()
