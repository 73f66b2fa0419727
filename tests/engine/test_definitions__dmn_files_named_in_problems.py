"""A DMN file that is not a DMN document (no namespace, another namespace, another root element) is refused naming
the file, its root element and line 1, in words, not with the parser's own error. Found from outside: "Undefined
namespace prefix" and "list index out of range" with no file, element or line."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions import load_catalog
from engine.errors import DefinitionInvalid

GOOD = (Path(__file__).resolve().parents[2] / "processes" / "major_decision.dmn").read_bytes()


@pytest.mark.parametrize("bad", [
    b"<definitions/>",
    b'<definitions xmlns="urn:x"/>',
    b'<?xml version="1.0"?>\n<process xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"/>',
    b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>',
])
def test_a_file_that_is_no_dmn_document_is_refused_by_name(bad):
    with pytest.raises(DefinitionInvalid) as refused:
        load_catalog({"major_decision.dmn": GOOD, "b.dmn": bad})
    problems = [p.as_dict() for p in refused.value.problems]
    assert problems and all(p["file"] == "b.dmn" and p["line"] and p["element_id"] for p in problems), problems
    assert all("DMN" in p["message"] for p in problems), problems
