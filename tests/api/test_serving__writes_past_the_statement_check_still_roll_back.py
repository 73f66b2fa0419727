"""A rolled-back transaction keeps nothing, however its writes were sent. On PostgreSQL a transaction that only
ran plain SELECTs is ended with a COMMIT at the driver (api/services/commits.py); the statement check sees only what
passes SQLAlchemy's ``before_cursor_execute``, and a SELECT can write. So a write sent on the driver's own cursor
(``dbapi_connection.cursor()``, psycopg's COPY), a ``SELECT ... INTO`` or a SELECT calling a function that writes
must still end in a real ROLLBACK: the listener asks the server whether the transaction wrote (it has a
transaction id only then). Runs on a PostgreSQL database of its own (SANXIANG_TEST_PG_SERVER), whatever database
the suite runs on."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from api.services import commits

SERVER = os.environ.get("SANXIANG_TEST_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
PREPARED = "SELECT count(*) FROM pg_prepared_statements"


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    """One pooled connection to a new database with a table of notes and a function that writes one."""
    commits.install()
    name = f"sx_past_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    made = create_engine(f"{SERVER}/{name}", pool_size=1, max_overflow=0)
    try:
        with made.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)")
            conn.exec_driver_sql("CREATE FUNCTION add_note(b text) RETURNS integer LANGUAGE sql AS "
                                 "$$ INSERT INTO notes (body) VALUES (b) RETURNING id $$")
        yield made
    finally:
        made.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _kept(engine: Engine) -> tuple[list[str], bool]:
    with engine.connect() as conn:
        notes = conn.execute(text("SELECT body FROM notes ORDER BY id")).scalars().all()
        copied = conn.execute(text("SELECT to_regclass('copied') IS NOT NULL")).scalar()
        conn.rollback()
    return notes, copied


def test_a_write_on_the_drivers_own_cursor_rolls_back(engine):
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))  # SQLAlchemy saw only a read
        with conn.connection.dbapi_connection.cursor() as cur:
            cur.execute("INSERT INTO notes (body) VALUES ('raw cursor')")
        conn.rollback()
    assert "raw cursor" not in _kept(engine)[0]


def test_a_copy_on_the_driver_rolls_back(engine):
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        with conn.connection.dbapi_connection.cursor() as cur, cur.copy("COPY notes (body) FROM STDIN") as copy:
            copy.write_row(("copied in",))
        conn.rollback()
    assert "copied in" not in _kept(engine)[0]


def test_a_select_into_rolls_back(engine):
    with engine.connect() as conn:
        conn.execute(text("SELECT 'x' AS body INTO copied"))
        conn.rollback()
    assert _kept(engine)[1] is False


def test_a_select_calling_a_function_that_writes_rolls_back(engine):
    with engine.connect() as conn:
        conn.execute(text("SELECT add_note('by a function')"))
        conn.rollback()
    assert "by a function" not in _kept(engine)[0]


def test_a_transaction_that_only_read_still_keeps_the_prepared_statements(engine):
    with engine.connect() as conn:
        for _ in range(7):  # past psycopg's prepare threshold
            conn.execute(text("SELECT count(*) FROM notes WHERE body = :b"), {"b": "x"})
        conn.rollback()  # ended by a COMMIT at the driver: nothing was written
        assert conn.execute(text(PREPARED)).scalar() >= 1
        conn.rollback()
