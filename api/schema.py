"""The database schema is made by Alembic revisions (``api/migrations``, through Flask-Migrate), never by
``create_all``: every database, new or old, reaches the current schema by ``upgrade``.

``flask --app api db upgrade`` runs them from the command line; :func:`upgrade` from code (``init-db``,
``setup-demo``, the test fixtures).
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import DDL, MetaData, event

#: the revisions; inside the package so an installed copy carries them and every working directory finds them
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: Alembic's own table: the revision a database is at
VERSION_TABLE = "alembic_version"


_DROP_VERSION_TABLE = DDL(f"DROP TABLE IF EXISTS {VERSION_TABLE}")


def alembic_config():
    """Alembic's configuration for the app in context (what ``flask db ...`` uses)."""
    from flask import current_app

    return current_app.extensions["migrate"].migrate.get_config(str(MIGRATIONS_DIR))


def upgrade(revision: str = "head") -> None:
    """Bring the app's database (in the current app context) to ``revision``.

    Raises:
        ConfigurationError: the database has tables but no revision stamp (made by ``create_all`` before
            migrations came): the revisions would fail on its existing tables.
    """
    from alembic import command
    from sqlalchemy import inspect

    from .config import ConfigurationError
    from .extensions import db

    tables = set(inspect(db.engine).get_table_names())
    if tables - {VERSION_TABLE} and current_revision() is None:  # no stamp, or an empty stamp table
        raise ConfigurationError(
            "this database was made before schema migrations (it has tables but no alembic_version). If it was made "
            "by the release just before migrations, its schema is revision 0001: run `flask --app api db stamp "
            "0001` and then `flask --app api db upgrade`; otherwise start from an empty database.")
    command.upgrade(alembic_config(), revision)


def current_revision() -> str | None:
    """The revision the app's database is at (None: not made by the revisions)."""
    from alembic.runtime.migration import MigrationContext

    from .extensions import db

    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision in api/migrations/versions (what ``upgrade`` brings a database to)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    """Every revision in api/migrations/versions (a database at another one was made by a newer release)."""
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def check_revision() -> None:
    """Refuse to serve a database at another revision than this release's (a server started without ``upgrade``
    answered 500 on every route that reads a newer table or column).

    Raises:
        ConfigurationError: naming both revisions and the command.
    """
    from .config import ConfigurationError

    current, head = current_revision(), head_revision()
    if current != head:
        raise ConfigurationError(f"the database is at schema revision {current or 'none'} and this release needs "
                                 f"{head}: run `flask --app api db upgrade` (or `make serve-production`, which does) "
                                 "before serving")


def forget_revision_on_drop(metadata: MetaData) -> None:
    """``drop_all`` drops the revision stamp too, so a following :func:`upgrade` builds the schema again
    (the test fixtures and the benchmarks start from ``drop_all``)."""
    if not event.contains(metadata, "after_drop", _DROP_VERSION_TABLE):
        event.listen(metadata, "after_drop", _DROP_VERSION_TABLE)
