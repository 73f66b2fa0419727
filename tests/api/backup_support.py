"""Databases of both kinds for the backup tests, whatever the suite runs on: a fresh SQLite file, or a fresh
PostgreSQL database (beside the suite's when it runs on PostgreSQL, else on SANXIANG_TEST_POSTGRES_URL or the
local server) that is dropped afterwards."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from api.extensions import db
from tests.conftest import Api

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def postgres_url() -> str:
    suite = os.environ.get("SANXIANG_TEST_DATABASE_URL", "")
    return suite if suite.startswith("postgresql") else os.environ.get("SANXIANG_TEST_POSTGRES_URL", LOCAL_POSTGRES)


@contextmanager
def database(kind: str, folder: Path, name: str) -> Iterator[str]:
    """The URL of a new, empty database of ``kind`` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    base = make_url(postgres_url())
    database_name = f"{base.database}_{name}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{database_name}"')
    try:
        yield base.set(database=database_name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
        admin.dispose()


def own_api(app) -> Api:
    """An HTTP helper whose tokens are this app's only (the suite's ``Api`` caches the session database's)."""
    cls = type("OwnApi", (Api,), {"_tokens": {}})
    return cls(app.test_client())


def run_cli(app, *args: str):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
    return result


@contextmanager
def backed_up_system(kind: str, folder: Path, name: str = "bk", source_config: dict | None = None,
                     target_config: dict | None = None) -> Iterator[dict]:
    """A source system of ``kind`` with a finished case (A/V evidence) and a checkpoint, its backup in
    ``folder / "backup"``, and an empty target system (new databases named after ``name``, and evidence
    folders; ``source_config`` and ``target_config`` add app settings, e.g. the signing keys)."""
    from sqlalchemy import select

    from api.cli import deploy_dirs, init_db, seed_demo
    from api.models import EvidenceItem
    from api.services.checkpoints import create_checkpoint
    from tests.api.migration_support import app_on, close
    from tests.api.walk import run_minor_case

    with database(kind, folder, f"{name}_src") as src_url, database(kind, folder, f"{name}_dst") as dst_url:
        source = app_on(src_url, EVIDENCE_DIR=str(folder / "src-evidence"), **(source_config or {}))
        target = app_on(dst_url, EVIDENCE_DIR=str(folder / "dst-evidence"), **(target_config or {}))
        try:
            with source.app_context():
                init_db()
                deploy_dirs()
                seed_demo()
            iid = run_minor_case(own_api(source))
            with source.app_context():
                create_checkpoint()
                db.session.commit()
                shas = sorted(set(db.session.scalars(select(EvidenceItem.sha256))))
                db.session.remove()
            result = run_cli(source, "backup", str(folder / "backup"))
            yield {"kind": kind, "folder": folder, "source": source, "target": target, "iid": iid, "shas": shas,
                   "backup": folder / "backup", "result": result}
        finally:
            close(source)
            close(target)


@contextmanager
def made_backup(kind: str, folder: Path, name: str) -> Iterator[dict]:
    """:func:`backed_up_system` whose backup succeeded (the module fixtures of the backup tests)."""
    with backed_up_system(kind, folder, name) as system:
        assert system["result"].exit_code == 0, system["result"].output
        yield system
