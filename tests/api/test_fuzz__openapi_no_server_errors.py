"""schemathesis over /api/v1/openapi.json: every operation, hostile and valid-looking examples, authenticated as a
demo admin (Bearer) — zero server errors (issue 8 item 6).

Bounded and deterministic: FUZZ_EXAMPLES examples per operation, derandomized (a fixed seed per operation). The
fuzzer gets an app and database of its own, so whatever it manages to create or change (settings, users) cannot
leak into the other tests.
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api import create_app
from api.cli import deploy_dirs, init_db, seed_demo
from api.extensions import db

FUZZ_EXAMPLES = 6
FUZZ_USER = "admin"


def _fuzz_database(tmp_path_factory) -> str:
    url = os.environ.get("SANXIANG_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
    target = make_url(url)
    name = f"{target.database}_fuzz"
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return target.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": _fuzz_database(tmp_path_factory),
                      "SECRET_KEY": "fuzz-" + "k" * 40,
                      "EVIDENCE_DIR": str(tmp_path_factory.mktemp("fuzz-evidence"))})
    with app.app_context():
        db.drop_all()
        init_db()
        deploy_dirs()
        seed_demo()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(scope="module")
def fuzz_token(fuzz_app) -> str:
    resp = fuzz_app.test_client().post("/api/v1/auth/token", json={"username": FUZZ_USER, "password": "demo"})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["token"]


#: the operations are read from the spec of an app built only for that (the spec needs no database); the calls go
#: to the fuzzer's own app (``fuzz_app``), set as the schema's WSGI app before the first case runs
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                                        "SECRET_KEY": "spec-" + "k" * 40}))


@pytest.fixture(scope="module")
def fuzz_headers(fuzz_app, fuzz_token):
    schema.app = fuzz_app
    return {"Authorization": f"Bearer {fuzz_token}"}


@schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_with_a_server_error(case, fuzz_headers):
    case.call_and_validate(headers=fuzz_headers, checks=[not_a_server_error])
