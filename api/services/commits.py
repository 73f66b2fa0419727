"""Committing a request's work and answering from what it wrote.

After a plain ``session.commit()`` every loaded object is expired, so building the response reads it all again
in a second transaction. That transaction ends in a ROLLBACK when the request's session is removed, and psycopg
drops all of a connection's prepared statements on a ROLLBACK (psycopg/_preparing.py): the next request parses
and plans every statement again. A step that answers with what it just wrote therefore builds the answer before
the commit and commits with :func:`commit_keeping`: one transaction per request, prepared statements kept.
"""
from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine, event

from ..extensions import db


def commit_keeping() -> None:
    """Commit the session without expiring its loaded objects (their values are what was just committed);
    raises what the commit raises (a clash is 409, api/errors.py)."""
    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


# --- read-only transactions end without a ROLLBACK (PostgreSQL) ---------------------------------------------------
#
# A request that only read (an inbox page, a task's form, a timer poll that found nothing) ends its transaction with
# a rollback when its session is removed. On psycopg that ROLLBACK also deallocates every prepared statement of the
# connection, so the next completion on it parses and plans its statements again (measured: about 5 ms of a 25 ms
# completion on this project's benchmark VM). A transaction that ran nothing but plain SELECTs changes nothing
# whichever way it ends, so on PostgreSQL its rollback is turned into a COMMIT at the driver, just before
# SQLAlchemy's own rollback (which psycopg then skips: the connection is idle). Any other statement in the
# transaction (INSERT, UPDATE, DELETE, DDL, SET, SAVEPOINT, a SELECT calling a function that writes or sets
# something) keeps the real ROLLBACK; so does a transaction in an error state. The statement check sees only what
# passes through SQLAlchemy, and a SELECT can write (SELECT ... INTO, a function that inserts): before the COMMIT
# the server is asked whether the transaction was given a transaction id, which it is at its first write however
# sent (a driver cursor, COPY); if so the real ROLLBACK follows. SQLAlchemy's own state and its session events
# are those of a rollback either way.

_WROTE = "sanxiang_wrote"
_PLAIN_READ = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_WRITING_CALL = re.compile(r"\b(nextval|setval|set_config|pg_advisory\w*|lo_\w+|pg_notify|txid_current"
                           r"|pg_current_xact_id)\s*\(", re.IGNORECASE)


#: NULL unless the transaction was given a transaction id, which PostgreSQL does at its first write of any kind
#: (INSERT/UPDATE/DELETE, COPY, DDL, SELECT ... INTO, a row lock, a function that writes), however it was sent
_ASSIGNED = "SELECT txid_current_if_assigned()"


def is_plain_read(statement: str) -> bool:
    """Whether ``statement`` only reads: a SELECT calling no function known to write, lock or set something."""
    return bool(_PLAIN_READ.match(statement)) and not _WRITING_CALL.search(statement)


def _begun(conn: Connection) -> None:
    conn.info[_WROTE] = False


def _statement(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:  # noqa: ARG001
    if conn.info.get(_WROTE) is False and not is_plain_read(statement):
        conn.info[_WROTE] = True


def _committed(conn: Connection) -> None:
    conn.info.pop(_WROTE, None)


def _rolling_back(conn: Connection) -> None:
    if conn.invalidated:
        return  # the connection was lost: nothing to end (conn.info would try to reconnect and raise); the record's
        # info is cleared when the pool connects again
    wrote = conn.info.pop(_WROTE, True)
    if wrote is not False or conn.dialect.name != "postgresql":
        return
    driver = conn.connection.dbapi_connection
    if driver is None or driver.info.transaction_status != TransactionStatus.INTRANS:
        return  # idle (nothing to end) or failed: the real ROLLBACK follows
    try:
        with driver.cursor() as cursor:  # the server's word: a transaction that wrote anything has an id
            cursor.execute(_ASSIGNED)
            row = cursor.fetchone()
        if row is None or row[0] is not None:
            return  # it wrote past the statement check (a driver cursor, COPY, a SELECT that writes): ROLLBACK
        driver.commit()
    except psycopg.Error:
        pass  # the transaction ended anyway (a failed COMMIT rolls back); SQLAlchemy's rollback follows as ever


def install() -> None:
    """Listen on every engine (at app start; idempotent)."""
    for name, listener in (("begin", _begun), ("before_cursor_execute", _statement), ("commit", _committed),
                           ("rollback", _rolling_back)):
        if not event.contains(Engine, name, listener):
            event.listen(Engine, name, listener)
