"""Benchmark: CPU instructions of a verify and of HTTP completions, counted by valgrind's callgrind.

Wall times on this shared machine vary by a factor of two from one minute to the next; an instruction count does
not (the same code on the same inputs gives the same count to a few parts in a thousand, whatever else runs). Each
figure is the instructions executed in this process while the measured part ran (callgrind's instrumentation is
switched on around it with ``callgrind_control``); script sandbox workers are other processes and are not counted.
SQLite in a temporary file, so the database's own work is in the count too.

* ``verify``: one ``verify_instance`` of a case whose legal review looped until it had about 200 events;
* ``three``: 3 starts and 9 completions of the plain 3-user-task process (``bench/processes``);
* ``enforcement``: 3 starts and 33 completions of the shipped major enforcement case.

Usage: python bench/bench_instructions.py [--only verify|three|enforcement]
(runs itself under ``valgrind --tool=callgrind``, about a minute per figure; prints counts, asserts nothing)
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WHAT = ("verify", "three", "enforcement")


def _toggle(on: bool) -> None:
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], capture_output=True,
                   check=False)


def _measured_verify() -> str:
    from api.extensions import db
    from api.services.audit import audit_checkpoints, verify_instance
    from bench.bench_hot import Walker
    from bench.common import make_app

    app = make_app(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    iid, events = Walker(app).case_with_events(200)
    with app.app_context():
        anchors = audit_checkpoints()
        verify_instance(iid, anchors)  # warm: parsed specs, script plans
        db.session.remove()
        _toggle(True)
        result = verify_instance(iid, anchors)
        _toggle(False)
        assert result["ok"], result["problems"]
    return f"one verify of a {events}-event history"


def _measured_walk(which: str) -> str:
    from bench.bench_steps import ENFORCEMENT, THREE, Walker, deploy_bench_processes
    from bench.common import make_app

    app = make_app(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    deploy_bench_processes(app)
    walker = Walker(app)
    key, steps = ("bench_three_tasks", THREE) if which == "three" else ("enforcement_case", ENFORCEMENT)

    def walk(cases: int) -> None:
        for _ in range(cases):
            _, tasks = walker.start(key)
            for element_id, data, user in steps:
                body, *_ = walker.complete(tasks, element_id, data, user)
                tasks = body["tasks"]

    walk(2)  # warm
    _toggle(True)
    walk(3)
    _toggle(False)
    return f"3 starts and {3 * len(steps)} completions of {key} over HTTP (test client)"


def _child(which: str) -> None:
    label = _measured_verify() if which == "verify" else _measured_walk(which)
    print(f"MEASURED {label}", flush=True)


def _run(which: str) -> tuple[str, int] | None:
    out = tempfile.mkdtemp()
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}/callgrind.%p",
           sys.executable, str(Path(__file__).resolve()), "--child", which]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    shutil.rmtree(out, ignore_errors=True)
    label = re.search(r"^MEASURED (.*)$", proc.stdout, re.M)
    counted = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode or not label or not counted:
        print(f"{which}: failed (exit {proc.returncode}): {proc.stderr[-1500:]}")
        return None
    return label.group(1), int(counted.group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=WHAT)
    parser.add_argument("--child", choices=WHAT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        print("valgrind (callgrind) is not installed: nothing measured")
        return
    for which in [args.only] if args.only else WHAT:
        found = _run(which)
        if found:
            label, count = found
            print(f"{which:12} {count / 1e6:10.1f} M instructions  ({label})", flush=True)


if __name__ == "__main__":
    main()
