"""Alembic environment: the app's engine and metadata (Flask-Migrate puts the app in context).

Logging is not configured here: ``fileConfig`` would replace the app's handlers and masking filters.
"""
from __future__ import annotations

import logging

import click
from alembic import context
from flask import current_app

logger = logging.getLogger("alembic.env")
config = context.config
migrate = current_app.extensions["migrate"]
target_metadata = migrate.db.metadata


def run_migrations_offline() -> None:
    """Emit the SQL of the revisions (``flask db upgrade --sql``) instead of running it."""
    context.configure(url=migrate.db.engine.url, target_metadata=target_metadata, literal_binds=True,
                      **migrate.configure_args)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def process_revision_directives(context, revision, directives) -> None:  # noqa: ARG001
        # an autogenerate that finds no change writes no empty revision
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(migrate.configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with migrate.db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # one upgrade at a time: a second one started meanwhile (two servers deployed at once) waits, then
                # finds the schema at the head and does nothing, instead of failing on the first one's tables
                # (however long the other one takes: the service's lock_timeout is for requests, not for this)
                connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
            _refuse_pre_migration_database(connection)
            context.run_migrations()


#: the advisory lock key of a schema upgrade on PostgreSQL ("sanxiang" in ASCII, as a bigint)
UPGRADE_LOCK = int.from_bytes(b"sanxiang", "big") & 0x7FFF_FFFF_FFFF_FFFF


def _refuse_pre_migration_database(connection) -> None:
    """An upgrade of a database made before migrations (tables, no revision stamp) would fail on its existing
    tables with a traceback (and, on SQLite, leave an empty stamp table behind): refuse it first, saying what to
    run. A ``stamp`` is what that message asks for, so it is let through."""
    from sqlalchemy import inspect

    from api.schema import VERSION_TABLE

    operation = getattr(getattr(context.get_context(), "_migrations_fn", None), "__name__", None)
    if operation != "upgrade":
        return
    tables = set(inspect(connection).get_table_names())
    stamped = VERSION_TABLE in tables and connection.exec_driver_sql(
        f"SELECT count(*) FROM {VERSION_TABLE}").scalar()  # an empty stamp table is no stamp (an old failed run's)
    if tables - {VERSION_TABLE} and not stamped:
        raise click.ClickException(
            "this database was made before schema migrations (it has tables but no alembic_version); nothing was "
            "changed. If it was made by the release just before migrations, its schema is revision 0001: run "
            "`flask --app api db stamp 0001` and then `flask --app api db upgrade`; otherwise start from an empty "
            "database.")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
