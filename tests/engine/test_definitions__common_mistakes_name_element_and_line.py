"""The common modelling mistakes are reported on the element the owner must fix, with its line in the file."""
from __future__ import annotations

import pytest

from engine.definitions import load_catalog
from engine.errors import DefinitionInvalid, Problem


def line_of(text: str, needle: str) -> int:
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} found on lines {hits}"
    return hits[0]


def problems_of(files: dict[str, bytes]) -> list[Problem]:
    with pytest.raises(DefinitionInvalid) as info:
        load_catalog(files)
    return info.value.problems


def changed(files: dict[str, bytes], name: str, old: str, new: str) -> tuple[dict[str, bytes], str]:
    text = files[name].decode()
    assert text.count(old) == 1, old
    text = text.replace(old, new)
    return {**files, name: text.encode()}, text


def test_sequence_flow_to_a_missing_element_names_the_flow_its_line_and_the_missing_target(shipped_files):
    files, text = changed(shipped_files, "recording.bpmn", 'targetRef="task_investigation"', 'targetRef="task_gone"')
    (problem,) = problems_of(files)
    assert (problem.file, problem.element_id) == ("recording.bpmn", "flow_record_to_investigation")
    assert problem.line == line_of(text, 'id="flow_record_to_investigation"')
    assert "task_gone" in problem.message and "recording" in problem.message


def test_sequence_flow_from_a_missing_element_is_reported_too(shipped_files):
    files, text = changed(shipped_files, "recording.bpmn", 'sourceRef="task_record_start"', 'sourceRef="ghost"')
    (problem,) = problems_of(files)
    assert problem.element_id == "flow_record_to_investigation"
    assert problem.line == line_of(text, 'id="flow_record_to_investigation"')
    assert "ghost" in problem.message


def test_duplicate_process_id_names_both_files_and_the_first_files_line(shipped_files):
    files = {**shipped_files, "recording_v2.bpmn": shipped_files["recording.bpmn"]}
    problems = problems_of(files)
    assert [(p.file, p.element_id) for p in problems] == [("recording_v2.bpmn", "recording")]
    first_line = line_of(shipped_files["recording.bpmn"].decode(), '<bpmn:process id="recording"')
    assert problems[0].line == first_line
    assert "recording.bpmn" in problems[0].message and f"line {first_line}" in problems[0].message


def test_missing_form_names_the_task_its_line_and_the_form(shipped_files):
    files, text = changed(shipped_files, "recording.bpmn", 'value="record_start"', 'value="record_begin"')
    (problem,) = problems_of(files)
    assert (problem.file, problem.element_id) == ("recording.bpmn", "task_record_start")
    assert problem.line == line_of(text, 'id="task_record_start"')
    assert "record_begin" in problem.message


def test_lane_with_an_unknown_role_names_each_task_and_the_lane_with_its_line(shipped_files):
    files, text = changed(shipped_files, "recording.bpmn", 'name="执法人员"', 'name="保洁员"')
    problems = problems_of(files)
    lane_line = line_of(text, 'id="lane_recording_officer"')
    assert {(p.element_id, p.line) for p in problems} == {
        ("task_record_start", line_of(text, 'id="task_record_start"')),
        ("task_investigation", line_of(text, 'id="task_investigation"'))}
    for problem in problems:
        assert "保洁员" in problem.message
        assert f"lane_recording_officer, line {lane_line}" in problem.message
