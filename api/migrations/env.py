"""Alembic environment: the app's engine and metadata (Flask-Migrate puts the app in context).

Logging is not configured here: ``fileConfig`` would replace the app's handlers and masking filters.
"""
from __future__ import annotations

import logging

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
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
