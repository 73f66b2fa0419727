"""An uploaded file's name with a NUL or another control character is refused naming ``files`` (definitions, 400)
or ``file`` (evidence, 422 as its other metadata) on every database (issue 8 item 6): SQLite would store it, PostgreSQL refuses it — the answer must not depend on
the database, and such a name must never reach a stored record."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from api.extensions import db
from api.models import DefinitionFile, EvidenceItem
from tests.api.evidence_support import PNG, media, new_case, photo_meta
from tests.api.evidence_support import upload as upload_evidence
from tests.api.helpers import upload

BAD_NAMES = ["a\x00.bpmn", "a\x01b.bpmn", "tab\t.bpmn", "del\x7f.bpmn"]


def _fresh_bpmn(app) -> bytes:
    src = (app.config["PROCESSES_DIR"] + "/recording.bpmn")
    with open(src, "rb") as fh:
        return re.sub(rb'id="recording"', b'id="ctlname"', fh.read(), count=1)


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize("route", ["/api/v1/definitions/validate", "/api/v1/definitions"])
def test_a_definition_file_name_with_a_control_character_is_400__inputs_filenames(app, http, route, name):
    resp = upload(http, route, {name: _fresh_bpmn(app)})
    assert resp.status_code == 400, resp.get_data(as_text=True)[:300]
    assert "files" in resp.get_json()["errors"], resp.get_json()
    with app.app_context():
        assert name not in set(db.session.scalars(select(DefinitionFile.filename)))  # (PostgreSQL: no NUL in a query)


@pytest.mark.parametrize("name", ["p\x00.png", "p\x07.png", "p\x1b[31m.png"])
def test_an_evidence_file_name_with_a_control_character_is_400__inputs_filenames(app, http, name):
    iid = new_case(http)
    resp = upload_evidence(http, iid, media(PNG), name, photo_meta())
    assert resp.status_code in (400, 422), resp.get_data(as_text=True)[:300]
    assert "file" in resp.get_json()["errors"], resp.get_json()
    with app.app_context():
        assert name not in set(db.session.scalars(select(EvidenceItem.filename)))
