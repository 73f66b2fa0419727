"""DDL the schema revisions share (api/migrations/versions): the statements that make a table append-only.

A revision never imports the live models; this module holds only what every revision that creates a history table
needs, and it never changes meaning (a new guard would be a new function). The PostgreSQL trigger function
``sanxiang_append_only()`` is created by revision 0001.
"""
from __future__ import annotations


def append_only_guards(dialect: str, name: str) -> list[str]:
    """The statements that make table ``name`` append-only on ``dialect`` (the same as api/models/append_only.py's
    for ``create_all``): UPDATE and DELETE refused, and TRUNCATE on PostgreSQL."""
    if dialect == "postgresql":
        return [
            f"CREATE TRIGGER {name}_append_only BEFORE UPDATE OR DELETE ON {name} "
            "FOR EACH ROW EXECUTE FUNCTION sanxiang_append_only()",
            f"CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {name} "
            "FOR EACH STATEMENT EXECUTE FUNCTION sanxiang_append_only()",
        ]
    if dialect == "sqlite":
        return [f"CREATE TRIGGER {name}_no_{op_.lower()} BEFORE {op_} ON {name} "
                f"BEGIN SELECT RAISE(ABORT, '{name} are append-only: {op_} refused'); END"
                for op_ in ("UPDATE", "DELETE")]
    raise NotImplementedError(f"no append-only guards for {dialect}: only PostgreSQL and SQLite are supported")
