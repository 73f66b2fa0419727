"""A backup of a database that holds no Sanxiang schema (an operator's wrong URL, a database never upgraded) is
refused with a message saying so, and leaves nothing behind. Found from outside: it ended in SQLAlchemy's
traceback ("no such table: evidence_items"), left a backup folder without a manifest, and on SQLite created an empty
database file at the mistyped path."""
from __future__ import annotations

import secrets

import pytest

from api import create_app
from tests.api.backup_support import database, run_cli


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_backup_of_a_database_without_the_schema_is_refused_and_leaves_nothing(kind, tmp_path):
    with database(kind, tmp_path, "noschema") as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_urlsafe(32),
                          "EVIDENCE_DIR": str(tmp_path / "evidence")})
        folder = tmp_path / "backup"
        result = run_cli(app, "backup", str(folder))
        with app.app_context():
            from api.extensions import db

            db.engine.dispose()
    assert result.exit_code == 1, result.output
    assert "holds no Sanxiang schema" in result.output and "Traceback" not in result.output, result.output
    assert not folder.exists()
    if kind == "sqlite":
        assert not (tmp_path / "noschema.db").exists()  # no empty database made at the mistyped path


def test_a_backup_of_what_is_not_a_database_is_refused_without_a_traceback(tmp_path):
    """Found from outside: a SQLite path holding another file, and a PostgreSQL database that does not exist,
    ended in SQLAlchemy's traceback."""
    from sqlalchemy.engine import make_url

    from tests.api.backup_support import postgres_url

    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("these are notes, not a database\n" * 100)
    missing_pg = make_url(postgres_url()).set(database="sanxiang_no_such_database_x").render_as_string(False)
    for url in (f"sqlite:///{not_a_db}", missing_pg):
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_urlsafe(32),
                          "EVIDENCE_DIR": str(tmp_path / "evidence")})
        folder = tmp_path / "backup"
        result = run_cli(app, "backup", str(folder))
        assert result.exit_code == 1, result.output
        assert "cannot be read" in result.output and "Traceback" not in result.output, result.output
        assert isinstance(result.exception, SystemExit), result.exception
        assert not folder.exists()
    assert not_a_db.read_text().startswith("these are notes")  # untouched
