"""A request that waits for a case another transaction holds locked gives up after LOCK_TIMEOUT_SECONDS with 409
("retry"), as docs/API.md says, and changes nothing. Found from outside: with no lock timeout a completion waited
as long as the holder did (a stuck session, a long manual transaction), and after 120 s gunicorn killed the
worker; a few such requests held every worker. On PostgreSQL (SQLite's own busy timeout already bounds the wait)."""
from __future__ import annotations

import threading

import psycopg
from sqlalchemy.engine import make_url

from api.cli import deploy_dirs, init_db, seed_demo
from api.extensions import db
from tests.api.backup_support import database, own_api
from tests.api.migration_support import app_on, close
from tests.cases import REGISTER


def test_a_completion_waiting_on_a_held_case_answers_409_and_changes_nothing(tmp_path):
    with database("postgresql", tmp_path, "held_lock") as url:
        app = app_on(url, LOCK_TIMEOUT_SECONDS=1, EVIDENCE_DIR=str(tmp_path / "evidence"))
        try:
            with app.app_context():
                init_db()
                deploy_dirs()
                seed_demo()
                db.session.commit()
            http = own_api(app)
            iid = http.start("enforcement_case")["id"]
            task = http.open_task(iid, "task_register")
            holder = psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
            try:
                holder.execute("SELECT id FROM instances WHERE id = %s FOR UPDATE", (iid,))  # held, not committed
                answers: list = []

                def complete() -> None:
                    answers.append(http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1",
                                             json={"data": REGISTER}))

                worker = threading.Thread(target=complete, daemon=True)
                worker.start()
                worker.join(60)  # not a speed check: without a lock timeout it waits as long as the holder
                assert answers, "the completion was still waiting for the lock after 60 s"
                assert answers[0].status_code == 409, answers[0].get_json()
            finally:
                holder.rollback()
                holder.close()
            assert http.open_task(iid, "task_register")["id"] == task["id"]  # nothing changed
            done = http.call("POST", f"/api/v1/tasks/{task['id']}/complete", "officer1", json={"data": REGISTER})
            assert done.status_code == 200, done.get_json()  # the retry the 409 asks for goes through
        finally:
            close(app)
