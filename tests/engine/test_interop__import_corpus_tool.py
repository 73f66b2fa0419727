"""tools/import_corpus.py: pass/refuse counts of a folder of diagrams, direct and through the import mapping, and
every refusal names an element and a line (a data store without implementation, a file that does not parse, a
root without an id, a form that is not JSON)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tools import import_corpus

FIXTURES = Path(__file__).resolve().parents[1] / "api" / "fixtures" / "camunda"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    for name in ("c7_complaint.bpmn", "complaint_accept.form", "bpmnio_leave.bpmn", "c7_unmappable.bpmn"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    leave = (FIXTURES / "bpmnio_leave.bpmn").read_text()
    (tmp_path / "store.bpmn").write_text(leave.replace("bpmnio_rectify", "store_probe").replace(
        '<bpmn:process id="store_probe"', '<bpmn:dataStore id="DataStore_x" name="Ledger" />\n  <bpmn:process id="store_probe"'))
    (tmp_path / "broken.bpmn").write_text(leave.replace('<bpmn:endEvent id="EndEvent_1">', '<bpmn:endEvent id="EndEvent_1" <'))
    (tmp_path / "no_target.bpmn").write_text(leave.replace(' targetNamespace="http://bpmn.io/schema/bpmn"', "")
                                             .replace("bpmnio_rectify", "no_target"))
    sub = tmp_path / "other"
    sub.mkdir()
    (sub / "bad_form.bpmn").write_text((FIXTURES / "c7_complaint.bpmn").read_text().replace("c7_complaint", "c7_bad"))
    (sub / "complaint_accept.form").write_text('{"id": "complaint_accept", "components": [')
    return tmp_path


def _run(capsys, folder: Path, *flags: str) -> str:
    assert import_corpus.main([str(folder), *flags]) == 0
    return capsys.readouterr().out


def test_direct_validation_refuses_every_one_and_names_element_and_line(corpus, capsys):
    out = _run(capsys, corpus)
    assert "7 diagrams: 0 pass, 7 refused (direct)" in out
    assert "problems without an element or a line: 0" in out


def test_the_import_mapping_lets_the_mappable_ones_pass(corpus, capsys):
    out = _run(capsys, corpus, "--import")
    # c7_complaint (with its form) and bpmnio_leave map; the unmappable one, the data store, the broken file,
    # the root without targetNamespace and the diagram whose linked form is not JSON stay refused
    assert "7 diagrams: 2 pass, 5 refused (import)" in out
    assert "problems without an element or a line: 0" in out
