"""Append-only tables: the ORM refuses UPDATE/DELETE, and so does the database (row triggers; TRUNCATE too).

History is sacred: a correction is a new row, never a change to an old one.

The database's triggers are made by the schema revisions (api/migrations: 0001 creates these very statements);
the ``after_create`` listeners here make the same ones for ``create_all``, which the migration tests compare with
``upgrade``. A new append-only table needs its guards in the revision that creates it.
"""
from __future__ import annotations

from sqlalchemy import DDL, event

from engine.errors import RuleViolation

#: the names of the append-only tables (filled by :func:`append_only`)
APPEND_ONLY_TABLES: list[str] = []

# '%%' because SQLAlchemy %-formats DDL bound to a table
_PG_FUNCTION = DDL("""
CREATE OR REPLACE FUNCTION sanxiang_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'history is append-only: %% on %% refused', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql
""")


def _refuse_update(mapper, connection, target) -> None:  # noqa: ARG001
    raise RuleViolation("history_append_only", f"{mapper.class_.__tablename__} are append-only: cannot change a row")


def _refuse_delete(mapper, connection, target) -> None:  # noqa: ARG001
    raise RuleViolation("history_append_only", f"{mapper.class_.__tablename__} are append-only: cannot delete a row")


def append_only(model: type) -> type:
    """Class decorator: refuse updates and deletes of ``model`` rows in the ORM and in the database."""
    table = model.__table__
    name = table.name
    APPEND_ONLY_TABLES.append(name)
    event.listen(table, "after_create", _PG_FUNCTION.execute_if(dialect="postgresql"))
    event.listen(table, "after_create", DDL(
        f"CREATE TRIGGER {name}_append_only BEFORE UPDATE OR DELETE ON {name} "
        "FOR EACH ROW EXECUTE FUNCTION sanxiang_append_only()").execute_if(dialect="postgresql"))
    # TRUNCATE fires no row trigger: a statement trigger refuses it (SQLite has no TRUNCATE; its DELETE without
    # WHERE runs the row triggers below, as a table with a DELETE trigger is never emptied by truncation)
    event.listen(table, "after_create", DDL(
        f"CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {name} "
        "FOR EACH STATEMENT EXECUTE FUNCTION sanxiang_append_only()").execute_if(dialect="postgresql"))
    for op in ("UPDATE", "DELETE"):
        event.listen(table, "after_create", DDL(
            f"CREATE TRIGGER {name}_no_{op.lower()} BEFORE {op} ON {name} "
            f"BEGIN SELECT RAISE(ABORT, '{name} are append-only: {op} refused'); END").execute_if(dialect="sqlite"))
    event.listen(model, "before_update", _refuse_update)
    event.listen(model, "before_delete", _refuse_delete)
    return model
