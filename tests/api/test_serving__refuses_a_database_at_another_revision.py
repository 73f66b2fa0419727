"""A server (``flask serve``, a gunicorn worker) refuses a database at another schema revision than this
release's, naming both and the command. Found from outside: started on a database one revision behind without
``upgrade``, it served — and every route that reads a newer table or column answered 500 (an evidence upload
even left its file in the store before failing)."""
from __future__ import annotations

from api.cli import init_db
from api.config import ConfigurationError
from api.schema import current_revision, head_revision
from tests.api.backup_support import database, run_cli
from tests.api.migration_support import app_on, close


def test_serve_refuses_a_database_one_revision_behind(tmp_path):
    with database("sqlite", tmp_path, "behind") as url:
        app = app_on(url)
        try:
            with app.app_context():
                init_db()
            down = run_cli(app, "db", "downgrade")
            assert down.exit_code == 0, down.output
            with app.app_context():
                behind, head = current_revision(), head_revision()
            assert behind != head
            served = run_cli(app, "serve", "--port", "1")  # never reached: it refuses first
            assert isinstance(served.exception, ConfigurationError), served.exception
            message = str(served.exception)
            assert behind in message and head in message and "db upgrade" in message
            up = run_cli(app, "db", "upgrade")
            assert up.exit_code == 0, up.output
            with app.app_context():
                assert current_revision() == head
        finally:
            close(app)
