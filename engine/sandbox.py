"""Limits for diagram code: a small pool of pre-started worker processes with a CPU-time and a memory limit.

:mod:`engine.scripting` runs code it can bound statically ("cheap" code) in the calling process and
sends everything else here. Each worker is a separate process (started by multiprocessing's
``forkserver``, never a fork of the threaded web process) with ``RLIMIT_AS`` (memory) set when it
starts and ``RLIMIT_CPU`` set before each call as a backstop. The caller sends the code, the case data
and the engine clock, then waits on the pipe until the worker has used its **CPU time** (read from
``/proc/<pid>/stat``; :data:`LIMITS`), or :data:`WALL_FACTOR` times as long on the wall clock, whichever comes
first: a loaded machine that gives the worker a fraction of a core does not turn a legitimate script into a
time-limit failure (nor a replay into a false "altered"), and a starved or blocked worker still stops:

* no answer in time: the worker is killed, a new one takes its place on the next call, and the caller
  gets :class:`ScriptError` "... exceeded its time limit" with the line the script was on (from a
  :mod:`faulthandler` stack dump the worker writes on SIGUSR1 before it is killed, even inside a long
  C operation such as ``10 ** 10 ** 10``);
* ``MemoryError`` in the worker: :class:`ScriptError` "... exceeded its memory limit";
* a result whose expanded size is over :data:`MAX_RESULT_NODES` / :data:`MAX_RESULT_CHARS` (e.g. a list
  that holds itself twice forty times over, small in memory but terabytes as JSON), or nested deeper than
  :data:`MAX_RESULT_DEPTH`, is refused in the worker.

Each call checks a worker out of the pool (concurrent requests get their own; the pool grows to
``LIMITS.workers`` and callers wait beyond that). A worker keeps the helper environments it was sent
(the calendar and the masking rules, keyed by a digest), so a call sends only the code and the data.
The pool belongs to the process that made it (a forked server worker makes its own) and is shut down at exit.
"""
from __future__ import annotations

import atexit
import faulthandler
import math
import multiprocessing
import os
import re
import resource
import signal
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from typing import Any
from uuid import UUID

from .errors import ScriptError

#: the largest result a sandboxed call may hand back, counted as if written out as JSON (shared objects count each time)
MAX_RESULT_NODES = 200_000
MAX_RESULT_CHARS = 64 * 1024 * 1024
#: and the deepest: case data deeper than Python's recursion limit (1,000) can be neither copied nor saved
MAX_RESULT_DEPTH = 200
#: integers longer than this cannot be written as JSON (4,300 digits) and make ``//`` in cheap code quadratic
MAX_RESULT_INT_BITS = 14_000
#: what a result may hold: plain data. Lazy objects (``range(10 ** 15)``, ``map``, ``zip``, iterators) are small
#: here but endless for the cheap code that runs in the web process without a limit (``max(r)``, ``all(r)``)
_SCALARS = (str, bytes, bool, int, float, type(None), date, datetime, time_of_day, timedelta, Decimal, UUID)
_CONTAINERS = (dict, list, tuple, set, frozenset)
SCRIPT_FILENAME = "<script>"
_START_SECONDS = 60.0  # a worker that has not said "ready" by then is broken (not a script's fault)
_ENVS_KEPT = 32  # helper environments a worker keeps (one per calendar/masking settings version in use)
_DUMP_SECONDS = 0.2  # how long an overrunning worker gets to write its stack before it is killed
#: the wall-clock ceiling of a call (and of a run budget) as a multiple of its CPU-time limit
WALL_FACTOR = 10
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_LINE = re.compile(r'File "<script>", line (\d+)')
_NEED_ENV = object()


@dataclass(frozen=True)
class Limits:
    """``time_seconds``: CPU-time limit of one call; ``memory_mb``: address-space limit of a worker;
    ``workers``: the most workers running at once (callers wait for a free one beyond that); ``run_seconds``: the
    CPU-time limit of all the sandboxed calls of one engine run (:func:`run_budget`), so that a diagram looping
    through a slow script 200 times fails in seconds, not minutes, holding a worker and the case lock. Each is
    also bounded on the wall clock at :data:`WALL_FACTOR` times its value."""

    time_seconds: float = 1.0
    run_seconds: float = 2.0
    memory_mb: int = 512
    workers: int = max(2, min(8, os.cpu_count() or 2))


LIMITS = Limits()


def configure(time_seconds: float | None = None, memory_mb: int | None = None, workers: int | None = None,
              run_seconds: float | None = None) -> Limits:
    """Set the limits (``None`` keeps a value); workers started under another memory limit are retired.

    Raises:
        ValueError: a limit that is not positive.
    """
    global LIMITS
    changes = {k: v for k, v in (("time_seconds", time_seconds), ("memory_mb", memory_mb), ("workers", workers),
                                 ("run_seconds", run_seconds)) if v is not None}
    if any(not (isinstance(v, int | float) and v > 0) for v in changes.values()):
        raise ValueError(f"sandbox limits must be positive numbers: {changes}")
    LIMITS = replace(LIMITS, **changes)
    return LIMITS


# -- the worker side ----------------------------------------------------------------------------------------------

def _script_line(tb: Any) -> int | None:
    lines = [frame.lineno for frame in traceback.extract_tb(tb) if frame.filename == SCRIPT_FILENAME]
    return lines[-1] if lines else None


def result_size_problem(value: Any, max_nodes: int = MAX_RESULT_NODES, max_chars: int = MAX_RESULT_CHARS,
                        max_depth: int = MAX_RESULT_DEPTH) -> str | None:
    """Why ``value`` is too large to hand back (expanded as JSON would expand it: over ``max_nodes`` values,
    ``max_chars`` characters of text or ``max_depth`` levels of nesting) or is not plain data, or None. Stops as
    soon as it knows (at most ``max_nodes`` values are visited, however often a shared part repeats)."""
    nodes = chars = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if type(item) not in _SCALARS and type(item) not in _CONTAINERS:
            return f"its result holds a {type(item).__name__} value; case data can hold only plain data"
        if type(item) is int and item.bit_length() > MAX_RESULT_INT_BITS:
            return f"its result holds an integer of over {MAX_RESULT_INT_BITS:,} bits"
        if isinstance(item, str | bytes):
            chars += len(item)
        elif isinstance(item, dict | list | tuple | set | frozenset):
            if depth > max_depth:
                return f"its result is nested deeper than {max_depth} levels"
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        if nodes > max_nodes or chars > max_chars:
            return (f"its result is too large (over {max_nodes:,} values or {_size(max_chars)} of text when "
                    "written out)")
    return None


def _size(chars: int) -> str:
    return f"{chars // 2 ** 20} MB" if chars >= 2 ** 20 else f"{chars // 2 ** 10} KB"


def _set_cpu_backstop(seconds: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + math.ceil(seconds) + 2)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _run_request(envs: dict[str, Any], request: tuple) -> tuple:
    from . import clock
    from .scripting import RestrictedEnvironment

    key, blob, mode, source, context, external, at, _ = request
    if blob is not None:
        import pickle

        calendar, extra = pickle.loads(blob)  # noqa: S301 - sent by the parent process that owns this worker
        envs[key] = RestrictedEnvironment(calendar, extra, sandboxed=False)
        while len(envs) > _ENVS_KEPT:
            envs.pop(next(iter(envs)))
    elif key not in envs:
        return ("need_env",)
    env = envs[key]
    try:
        if at is not None:
            with clock.fixed(at):
                value = env.run_here(mode, source, context, external)
        else:
            value = env.run_here(mode, source, context, external)
        problem = result_size_problem(value)
        if problem:
            return ("error", "ScriptError", problem, None)
        return ("ok", value)
    except MemoryError as exc:
        line = _script_line(exc.__traceback__)
        del exc
        return ("memory", line)
    except ScriptError as exc:
        return ("error", "ScriptError", exc.message, exc.line or _script_line(exc.__traceback__))
    except RecursionError as exc:
        return ("error", "RecursionError", "RecursionError: maximum recursion depth exceeded",
                _script_line(exc.__traceback__))
    except Exception as exc:  # noqa: BLE001 - the script's own error, reported to the caller
        return ("error", type(exc).__name__, f"{type(exc).__name__}: {exc}", _script_line(exc.__traceback__))


def _worker_main(conn: Any, memory_mb: int, dump_path: str) -> None:
    """A worker's loop: limits first, then one request at a time until the parent closes the pipe."""
    limit = memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    envs: dict[str, Any] = {}  # insertion ordered: the oldest is dropped first
    with open(dump_path, "w") as dump:  # noqa: PTH123 - faulthandler needs a real file
        # the parent sends SIGUSR1 before it kills an overrunning worker: faulthandler's C-level handler writes
        # the Python stack at once, even in the middle of a long C operation
        faulthandler.register(signal.SIGUSR1, file=dump, all_threads=False)
        conn.send(("ready", os.getpid()))
        while True:
            try:
                request = conn.recv()
            except (EOFError, OSError):
                return
            if request is None:
                return
            _set_cpu_backstop(request[-1])
            reply = _run_request(envs, request)
            try:
                conn.send(reply)
            except MemoryError:
                conn.send(("memory", None))
            except Exception as exc:  # noqa: BLE001 - e.g. a generator left in the data cannot be pickled
                conn.send(("error", "ScriptError", f"its result cannot be handed back: {exc}", None))


# -- the caller side ----------------------------------------------------------------------------------------------

class _Worker:
    def __init__(self, ctx: Any, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.used = 0.0  # the CPU seconds of the last call
        self._cpu_after: float | None = None  # the worker's CPU time when its last reply came
        self.envs: set[str] = set()
        fd, self.dump_path = tempfile.mkstemp(prefix="sanxiang-sandbox-", suffix=".txt")
        os.close(fd)
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, memory_mb, self.dump_path), daemon=True,
                                   name="sanxiang-sandbox")
        self.process.start()
        child.close()
        if not self.conn.poll(_START_SECONDS):
            self.kill()
            raise ScriptError("the script sandbox did not start")
        self.conn.recv()

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def cpu_seconds(self) -> float | None:
        """The worker's CPU time so far (user + system), or None where /proc cannot tell."""
        try:
            with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as stat:  # noqa: PTH123
                fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _TICKS
        except (OSError, ValueError, IndexError):
            return None

    def _wait(self, seconds: float) -> bool:
        """Wait for the reply until the worker used ``seconds`` of CPU (or WALL_FACTOR times that on the wall
        clock); whether it came. ``self.used`` is the CPU time the call took (the wall time where /proc cannot
        tell)."""
        # an idle worker uses no CPU between calls: the reading that ended the last call starts this one
        start = self._cpu_after if self._cpu_after is not None else self.cpu_seconds()
        started = time.monotonic()
        ceiling = started + seconds * WALL_FACTOR
        deadline = started + seconds
        while True:
            ready = self.conn.poll(max(0.0, deadline - time.monotonic()))
            now, cpu = time.monotonic(), self.cpu_seconds()
            self._cpu_after = cpu
            self.used = (cpu - start) if cpu is not None and start is not None else now - started
            if ready:
                return True
            if self.used >= seconds or now >= ceiling:
                return False
            deadline = min(ceiling, now + max(0.01, seconds - self.used))

    def call(self, request: tuple, seconds: float, what: str) -> Any:
        """Send one request; the value, or ScriptError (the worker is killed when it overran or died)."""
        self.used = 0.0
        try:
            self.conn.send(request)
        except MemoryError:
            raise ScriptError(f"{what}: the case data is too large to send to the script sandbox") from None
        try:
            ready = self._wait(seconds)
            reply = self.conn.recv() if ready else None
        except (EOFError, OSError):
            self.kill()
            raise ScriptError(f"{what} stopped its sandbox process (CPU-time or memory limit)") from None
        if reply is None:
            line = self.kill(dump=True)
            raise ScriptError(f"{what} exceeded its time limit of {seconds:g} s", line=line)
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "need_env":
            return _NEED_ENV
        if reply[0] == "memory":
            raise ScriptError(f"{what} exceeded its memory limit of {self.memory_mb} MB", line=reply[1])
        _, kind, message, line = reply
        if kind == "ScriptError":
            message = f"{what}: {message}"
        raise ScriptError(message, line=line)

    def _dump_stack(self) -> None:
        """Ask an overrunning worker for its stack (SIGUSR1, see _worker_main) and give it a moment to write."""
        try:
            os.kill(self.process.pid, signal.SIGUSR1)
        except (OSError, TypeError):
            return
        deadline = time.monotonic() + _DUMP_SECONDS
        while time.monotonic() < deadline:
            try:
                if os.path.getsize(self.dump_path) and self._read_line(complete=True) is not None:
                    return
            except OSError:
                return
            time.sleep(0.005)

    def _read_line(self, complete: bool = False) -> int | None:
        try:
            with open(self.dump_path, encoding="utf-8", errors="replace") as dump:  # noqa: PTH123
                text = dump.read()
        except OSError:
            return None
        if complete and not text.endswith("\n"):
            return None
        found = _LINE.search(text)
        return int(found.group(1)) if found else None

    def kill(self, dump: bool = False) -> int | None:
        """Stop the worker; with ``dump``, the script line it was on (from its stack dump), if it wrote one."""
        if dump and self.process.is_alive():
            self._dump_stack()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()
        line = self._read_line() if dump else None
        try:
            os.unlink(self.dump_path)
        except OSError:
            pass
        return line

    def close(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(1)
        self.kill()


class Sandbox:
    """The pool: ``call`` checks a worker out, sends the request, checks it back in (or replaces it)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["engine.scripting"])
        self._idle: list[_Worker] = []
        self._running = 0  # workers started or starting, idle or not
        self._out = 0  # workers checked out for a call
        self._cond = threading.Condition()
        self.calls = 0  # requests sent (for the benchmark and the tests)
        self.killed = 0  # workers killed for overrunning or dying

    @property
    def busy(self) -> int:
        """Workers running a call right now."""
        with self._cond:
            return self._out

    def _checkout(self) -> _Worker:
        with self._cond:
            while True:
                while self._idle:
                    worker = self._idle.pop()
                    if worker.alive and worker.memory_mb == LIMITS.memory_mb:
                        self._out += 1
                        self._start_spare()
                        return worker
                    self._running -= 1
                    worker.close()
                if self._running < LIMITS.workers:
                    self._running += 1
                    self._out += 1
                    break
                self._cond.wait()
        try:
            return _Worker(self._ctx, LIMITS.memory_mb)
        except BaseException:
            with self._cond:
                self._running -= 1
                self._out -= 1
                self._cond.notify()
            raise

    def _checkin(self, worker: _Worker, alive: bool) -> None:
        with self._cond:
            self._out -= 1
            if alive and worker.alive:
                self._idle.append(worker)
            else:
                self._running -= 1
                self.killed += 1
                self._start_spare()  # the next call should not wait for a worker to start
            self._cond.notify()

    def _start_spare(self) -> None:
        """With no idle worker and room for one more, start one in the background (caller holds ``_cond``)."""
        if self._idle or self._running >= LIMITS.workers:
            return
        self._running += 1

        def start() -> None:
            try:
                worker = _Worker(self._ctx, LIMITS.memory_mb)
            except Exception:  # noqa: BLE001 - the next call starts its own and reports the failure
                with self._cond:
                    self._running -= 1
                    self._cond.notify()
                return
            with self._cond:
                self._idle.append(worker)
                self._cond.notify()

        threading.Thread(target=start, name="sanxiang-sandbox-spare", daemon=True).start()

    def warm(self, count: int = 1) -> None:
        """Start workers until ``count`` are idle or running (so the first script does not wait for one)."""
        started = []
        with self._cond:
            wanted = max(0, min(count, LIMITS.workers) - self._running)
            self._running += wanted
        try:
            for _ in range(wanted):
                started.append(_Worker(self._ctx, LIMITS.memory_mb))
        finally:
            with self._cond:
                self._running -= wanted - len(started)
                self._idle.extend(started)
                self._cond.notify_all()

    def call(self, env_key: str, env_blob: bytes, mode: str, source: str, context: dict, external: dict | None,
             at: datetime | None, what: str) -> Any:
        """Run ``source`` (``mode`` "eval" or "exec") in a worker on a copy of ``context``.

        Returns the expression's value ("eval") or the script's resulting context ("exec").

        Raises:
            ScriptError: the code failed, overran its time or memory limit, or its result is too large.
        """
        seconds = LIMITS.time_seconds
        budget = _run_deadline.get()
        used_up = (f"{what} exceeded the time limit of {LIMITS.run_seconds:g} s of one engine run (all its "
                   "scripts and conditions together: a loop through a slow script?)")
        if budget is not None:
            left = min(budget.cpu_left, (budget.wall_deadline - time.monotonic()) / WALL_FACTOR)
            if left <= 0:
                raise ScriptError(used_up)
            seconds = min(seconds, left)
        worker = self._checkout()
        alive = False
        worker.used = 0.0
        try:
            blob = None if env_key in worker.envs else env_blob
            value = worker.call((env_key, blob, mode, source, context, external or {}, at, seconds), seconds, what)
            if value is _NEED_ENV:  # the worker dropped it to keep its memory bounded
                value = worker.call((env_key, env_blob, mode, source, context, external or {}, at, seconds), seconds,
                                    what)
            alive = True
            return value
        except ScriptError as exc:
            alive = worker.alive and not worker.conn.closed
            if seconds < LIMITS.time_seconds and not alive and "exceeded its time limit" in exc.message:
                raise ScriptError(used_up, line=exc.line) from None
            raise
        finally:
            if budget is not None:
                budget.cpu_left -= worker.used
            if alive:
                worker.envs.add(env_key)
            with self._cond:
                self.calls += 1
            self._checkin(worker, alive)

    def shutdown(self) -> None:
        with self._cond:
            idle, self._idle = self._idle, []
            self._running -= len(idle)
        for worker in idle:
            worker.close()


_pool: Sandbox | None = None
_pool_lock = threading.Lock()


@dataclass
class _Budget:
    """What is left of one engine run's budget: CPU seconds, and its wall-clock ceiling."""

    cpu_left: float
    wall_deadline: float


_run_deadline: ContextVar[_Budget | None] = ContextVar("sanxiang_sandbox_run_deadline", default=None)


@contextmanager
def run_budget() -> Iterator[None]:
    """The sandboxed calls inside share one budget: ``LIMITS.run_seconds`` of worker CPU time, and WALL_FACTOR
    times that on the wall clock (an inner budget keeps the outer one's)."""
    if _run_deadline.get() is not None:
        yield
        return
    token = _run_deadline.set(_Budget(LIMITS.run_seconds, time.monotonic() + LIMITS.run_seconds * WALL_FACTOR))
    try:
        yield
    finally:
        _run_deadline.reset(token)


def pool() -> Sandbox:
    """This process's pool (a process forked from one that had a pool makes its own)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool.pid != os.getpid():
            _pool = Sandbox()
        return _pool


def warm_in_background(count: int = 1) -> None:
    """Start ``count`` workers in a background thread (errors are left to the first call)."""
    def run() -> None:
        try:
            pool().warm(count)
        except Exception:  # noqa: BLE001, S110 - the first real call reports a sandbox that cannot start
            pass

    threading.Thread(target=run, name="sanxiang-sandbox-warm", daemon=True).start()


@atexit.register
def shutdown() -> None:
    """Stop this process's idle workers (running ones are daemons and end with the process)."""
    if _pool is not None and _pool.pid == os.getpid():
        _pool.shutdown()
