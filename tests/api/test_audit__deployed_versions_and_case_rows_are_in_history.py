"""Rows that are not history but decide what runs and what exists are checked against the history by
``flask --app api audit verify --streams|--all``: a deployed version pointed in SQL at a file nobody deployed
(new cases would run it) is reported on the ``definitions`` stream and on every case started on it; an instance
row removed in SQL (the case vanishes from every list) is reported on its stream."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from api.extensions import db
from api.models import DefinitionFile, DefinitionVersion, Instance, TaskRow
from api.services.audit import verify_streams
from engine.definitions import sha256
from tests import cases as c
from tests.api.tamper import raw


def _streams(app) -> dict[str, dict]:
    with app.app_context():
        return {r["stream"]: r for r in verify_streams()}


def _latest(app, key: str) -> DefinitionVersion:
    with app.app_context():
        row = db.session.scalar(select(DefinitionVersion).where(DefinitionVersion.key == key,
                                                                DefinitionVersion.kind == "bpmn")
                                .order_by(DefinitionVersion.version.desc()).limit(1))
        db.session.expunge(row)
        return row


def test_a_version_pointed_at_an_undeployed_file_is_reported(http, app):
    version = _latest(app, "enforcement_case")
    with app.app_context():
        original = db.session.get(DefinitionFile, version.sha256).content
    forged = original + b"\n<!-- changed in SQL -->\n"  # any change: a lane, a gateway, a script
    digest = sha256(forged)
    with app.app_context():
        if db.session.get(DefinitionFile, digest) is None:
            db.session.add(DefinitionFile(sha256=digest, filename=Path(version.filename).name, kind="bpmn",
                                          size=len(forged), content=forged))
            db.session.commit()
    raw(app, "UPDATE definition_versions SET sha256 = :s WHERE id = :i", s=digest, i=version.id)
    try:
        report = _streams(app)["definitions"]
        assert not report["ok"], report
        assert any(p.get("version_id") == version.id for p in report["problems"]), report["problems"]
        app.extensions["sanxiang"].pop("catalog", None)  # the server restarts (the catalog is cached per deploy)
        iid = http.start("enforcement_case")["id"]  # a new case runs the forged file
        with app.app_context():
            assert db.session.get(Instance, iid).manifest[version.filename] == digest
        result = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1").get_json()
        assert not result["ok"] and not result["definitions_ok"], result
        assert any(p["kind"] == "definition" and "deploy" in p["problem"] for p in result["problems"]), \
            result["problems"]
        out = app.test_cli_runner().invoke(args=["audit", "verify", "--streams"])
        assert out.exit_code == 1 and "stream definitions: FAILED" in out.output, out.output
    finally:
        raw(app, "UPDATE definition_versions SET sha256 = :s WHERE id = :i", s=version.sha256, i=version.id)
        app.extensions["sanxiang"].pop("catalog", None)
    assert _streams(app)["definitions"]["ok"]


def test_an_instance_row_removed_in_sql_is_reported_on_its_stream(http, app):
    iid = http.start("enforcement_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    stream = f"instance:{iid}"
    assert _streams(app)[stream]["ok"]
    with app.app_context():
        row = {col.name: getattr(db.session.get(Instance, iid), col.name) for col in Instance.__table__.columns}
        tasks = [{col.name: getattr(t, col.name) for col in TaskRow.__table__.columns}
                 for t in db.session.scalars(select(TaskRow).where(TaskRow.instance_id == iid))]
    raw(app, "DELETE FROM tasks WHERE instance_id = :i", i=iid)
    raw(app, "DELETE FROM instances WHERE id = :i", i=iid)
    try:
        assert http.call("GET", f"/api/v1/instances/{iid}", "auditor1").status_code == 404  # the case is gone
        report = _streams(app)[stream]
        assert not report["ok"] and any("row" in p["problem"] for p in report["problems"]), report
        out = app.test_cli_runner().invoke(args=["audit", "verify", "--all"])
        assert out.exit_code == 1 and f"stream {stream}: FAILED" in out.output, out.output
    finally:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(Instance.__table__.insert(), [row])
            conn.execute(TaskRow.__table__.insert(), tasks)
