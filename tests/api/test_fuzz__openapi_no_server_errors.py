"""schemathesis over /api/v1/openapi.json: every operation, hostile and valid-looking examples, authenticated as a
demo admin (Bearer) — zero server errors (issue 8 item 6).

Bounded and deterministic: FUZZ_EXAMPLES examples per operation, derandomized (a fixed seed per operation). The
fuzzer gets an app and database of its own, so whatever it manages to create or change (settings, users) cannot
leak into the other tests.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api import create_app
from api.cli import deploy_dirs, init_db, seed_demo
from api.extensions import db

FUZZ_EXAMPLES = 5
FUZZ_USER = "admin"
_HOME = Path(tempfile.mkdtemp(prefix="sanxiang-fuzz-"))


def _fuzz_url() -> str:
    url = os.environ.get("SANXIANG_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{_HOME / 'fuzz.db'}"
    target = make_url(url)
    return target.set(database=f"{target.database}_fuzz").render_as_string(hide_password=False)


def _create_pg_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first():
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


#: the fuzzer's own app; its database is filled by the ``fuzz_app`` fixture before the first case runs (reading
#: the OpenAPI spec here, at collection, needs no database)
FUZZ_APP = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": _fuzz_url(), "SECRET_KEY": "fuzz-" + "k" * 40,
                       "EVIDENCE_DIR": str(_HOME / "evidence")})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", FUZZ_APP)


@pytest.fixture(scope="module")
def fuzz_headers():
    url = FUZZ_APP.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        _create_pg_database(url)
    with FUZZ_APP.app_context():
        db.drop_all()
        init_db()
        deploy_dirs()
        seed_demo()
    resp = FUZZ_APP.test_client().post("/api/v1/auth/token", json={"username": FUZZ_USER, "password": "demo"})
    assert resp.status_code == 200, resp.get_json()
    yield {"Authorization": f"Bearer {resp.get_json()['token']}"}
    with FUZZ_APP.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_with_a_server_error(case, fuzz_headers):
    case.call_and_validate(headers=fuzz_headers, checks=[not_a_server_error])
