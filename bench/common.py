"""Shared helpers of the benchmarks in bench/: a throwaway app and database, statement counting, figures.

Every benchmark is a plain command that prints its figures beside the goal of issue 10; none asserts a time
(the machine is shared and noisy).
"""
from __future__ import annotations

import contextlib
import secrets
import statistics
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, text  # noqa: E402

#: the PostgreSQL server the benchmarks make their own databases on (loopback, trust auth)
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
#: this run's checkpoint export file and evidence store (never the demo's instance/ files: a benchmark's
#: checkpoints in the demo's file would make the demo's verify fail, and the other way round)
RUN_DIR = Path(tempfile.mkdtemp(prefix="sanxiang-bench-"))
RUN_FILES = {"CHECKPOINT_FILE": str(RUN_DIR / "checkpoints.jsonl"), "EVIDENCE_DIR": str(RUN_DIR / "evidence")}


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def goal(label: str, value: float, target: float, unit: str = "", higher_is_better: bool = False) -> str:
    """One line: the figure, the goal and whether it is met (e.g. ``inbox p95 ms: 4.1 (goal <= 15): met``)."""
    met = value >= target if higher_is_better else value <= target
    sign = ">=" if higher_is_better else "<="
    return f"{label}: {value:.2f}{unit} (goal {sign} {target:g}{unit}): {'met' if met else 'NOT met'}"


def server_url(db_url: str) -> str:
    """The server part of a PostgreSQL URL (``postgresql+psycopg://user@host:port``)."""
    return db_url.rsplit("/", 1)[0] if db_url.count("/") > 2 else db_url


@contextlib.contextmanager
def pg_database(pg: str = DEFAULT_PG, name: str | None = None, keep: bool = False,
                reuse: bool = False) -> Iterator[str]:
    """A new PostgreSQL database on server ``pg`` (dropped afterwards unless ``keep``; with ``reuse`` an existing
    one of that name is kept as it is); yields its URL."""
    name = name or f"h_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{pg}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not (reuse and exists):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{pg}/{name}"
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def database(url: str | None, pg: bool, keep: bool = False, name: str | None = None) -> Iterator[str]:
    """``url`` as given, else a fresh PostgreSQL database (``pg``) or a temporary SQLite file."""
    if url:
        yield url
    elif pg:
        with pg_database(name=name, keep=keep) as made:
            yield made
    else:
        yield f"sqlite:///{tempfile.mkdtemp()}/bench.db"


def make_app(url: str, **config):
    """The app on ``url`` in demo mode with a random key, the schema upgraded, processes deployed, demo users
    seeded and every act's recording requirement relaxed to text (the benchmarks measure steps, not uploads)."""
    from api import create_app
    from api.cli import deploy_dirs, init_db, seed_demo
    from api.extensions import db
    from api.services import settings

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_urlsafe(48), "DEMO": True, "LOG_JSON": False,
                      **RUN_FILES, **config})
    with app.app_context():
        init_db()
        deploy_dirs()
        seed_demo()
        table = settings.get("recording_requirements")
        settings.put("recording_requirements", {**table, "acts": dict.fromkeys(table["acts"], "text")}, "bench")
        db.session.commit()
    return app


class StatementCounter:
    """Counts SQL statements and commits on an engine (``counter.statements``, ``counter.commits``)."""

    def __init__(self, engine) -> None:
        self.statements = 0
        self.commits = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, *args) -> None:
        self.statements += 1

    def _commit(self, *args) -> None:
        self.commits += 1

    def snapshot(self) -> tuple[int, int]:
        return self.statements, self.commits
