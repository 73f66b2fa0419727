"""load_catalog: the shipped files are valid; broken copies give Problems with file, element id and line."""
from __future__ import annotations

import pytest

from engine.definitions import load_catalog
from engine.errors import DefinitionInvalid, Problem


def line_of(text: str, needle: str) -> int:
    """1-based number of the only line of ``text`` containing ``needle``."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} found on lines {hits}"
    return hits[0]


def mutate(files: dict[str, bytes], name: str, old: str, new: str) -> tuple[dict[str, bytes], str]:
    text = files[name].decode("utf-8")
    assert text.count(old) == 1, f"{old!r} is not unique in {name}"
    changed = text.replace(old, new)
    return {**files, name: changed.encode("utf-8")}, changed


def problems_of(files: dict[str, bytes]) -> list[Problem]:
    with pytest.raises(DefinitionInvalid) as info:
        load_catalog(files)
    assert info.value.problems, "DefinitionInvalid without problems"
    return info.value.problems


def test_shipped_files_make_a_catalog(shipped_files):
    catalog = load_catalog(shipped_files)
    assert set(catalog.processes) == {"enforcement_case", "recording", "legal_review", "disclosure",
                                      "permit_application", "random_inspection", "disclosure_correction",
                                      "legality_argument"}
    assert catalog.processes == {pid: f"{pid}.bpmn" for pid in catalog.processes}  # one process per file
    assert catalog.decisions == {"major_decision": "major_decision.dmn"}
    form_files = {name for name in shipped_files if name.endswith(".form")}
    # 11 forms of the first release; 7 for recusal, hearing and collective discussion; 2 for the review's
    # extension and escalation; 8 for the permit; 2 for the random inspection; 3 for disclosure corrections;
    # 10 for counsel opinion, evidence preservation (3), referral (2) and execution (4); the lottery draw;
    # 3 for the legality argument before A/V
    assert len(form_files) == 47
    assert {"case_recusal", "recusal_decision", "hearing_right_notice", "hearing_request", "collective_discussion",
            "review_extension", "review_escalation", "permit_apply", "lottery_plan", "correction_review"} <= set(
        catalog.forms)
    assert set(catalog.forms) == {name[: -len(".form")] for name in form_files}
    assert catalog.process_names["enforcement_case"] == "行政执法案件"
    assert catalog.process_names["permit_application"] == "行政许可"
    assert catalog.process_names["random_inspection"] == "双随机抽查"
    assert catalog.process_names["disclosure_correction"] == "公示纠错"
    assert catalog.process_names["legality_argument"] == "音像记录合法性论证"


def test_xml_syntax_error_reports_the_line(shipped_files):
    files, text = mutate(shipped_files, "enforcement_case.bpmn",
                         '<bpmn:callActivity id="call_recording"', '<bpmn:callActivity id="call_recording" <')
    (problem,) = problems_of(files)
    assert problem.file == "enforcement_case.bpmn"
    assert problem.line == line_of(text, 'id="call_recording"')
    assert problem.element_id == "call_recording"  # read off the line: the file does not parse
    assert "syntax" in problem.message.lower()


def test_syntax_errors_in_two_files_are_both_reported(shipped_files):
    files, text_a = mutate(shipped_files, "recording.bpmn", '<bpmn:endEvent id="end_recording"',
                           '<bpmn:endEvent id="end_recording" &')
    files, text_b = mutate(files, "major_decision.dmn", '<rule id="rule_hearing_held">', '<rule id="rule_hearing_held" <>')
    found = {(p.file, p.line) for p in problems_of(files)}
    assert found == {("recording.bpmn", line_of(text_a, 'id="end_recording"')),
                     ("major_decision.dmn", line_of(text_b, 'id="rule_hearing_held"'))}


def test_schema_violation_names_the_line_and_the_nearest_element(shipped_files):
    anchor = "<bpmn:callActivity id=\"call_recording\""
    files, text = mutate(shipped_files, "enforcement_case.bpmn", anchor, "<bpmn:bogusElement/>\n    " + anchor)
    problems = problems_of(files)
    bogus_line = line_of(text, "<bpmn:bogusElement/>")
    matching = [p for p in problems if p.line == bogus_line]
    assert matching, problems
    problem = matching[0]
    assert problem.file == "enforcement_case.bpmn"
    assert "bogusElement" in problem.message
    # the element just before the bogus one is the user task task_register (its children have no id)
    assert problem.element_id == "task_register"
    assert line_of(text, 'id="task_register"') < bogus_line


def test_sequence_flow_to_a_missing_target_points_at_a_real_element_line(shipped_files):
    files, text = mutate(shipped_files, "enforcement_case.bpmn",
                         'sourceRef="task_register" targetRef="task_file_case"',
                         'sourceRef="task_register" targetRef="no_such_task"')
    (problem,) = problems_of(files)
    assert problem.file == "enforcement_case.bpmn"
    assert problem.element_id in {"task_register", "flow_register_to_filing"}
    assert problem.line == line_of(text, f'id="{problem.element_id}"')


def test_duplicate_process_id_across_files(shipped_files):
    files = {**shipped_files, "recording_copy.bpmn": shipped_files["recording.bpmn"]}
    problems = problems_of(files)
    duplicates = [p for p in problems if p.element_id == "recording"]
    assert duplicates, problems
    problem = duplicates[0]
    assert problem.file in {"recording.bpmn", "recording_copy.bpmn"}
    assert "recording" in problem.message
    assert problem.line == line_of(files[problem.file].decode(), '<bpmn:process id="recording"')


@pytest.mark.parametrize("name", ["notes.txt", "enforcement_case.bpmn.bak", "form.json"])
def test_file_with_unknown_suffix_is_a_problem(shipped_files, name):
    problems = problems_of({**shipped_files, name: b"<x/>"})
    assert [(p.file, p.element_id) for p in problems] == [(name, None)]
    assert "unknown file type" in problems[0].message


def test_form_that_is_not_json_is_a_problem(shipped_files):
    problems = problems_of({**shipped_files, "case_archive.form": b'{"type": "default",\n "components": [\n'})
    assert [p.file for p in problems] == ["case_archive.form"]
    assert "JSON" in problems[0].message


def test_all_file_problems_are_collected_before_raising(shipped_files):
    files = {**shipped_files, "a.txt": b"", "b.txt": b""}
    files, _ = mutate(files, "disclosure.bpmn", '<bpmn:endEvent id="end_disclosure"', '<bpmn:endEvent id=end_disclosure')
    assert {p.file for p in problems_of(files)} == {"a.txt", "b.txt", "disclosure.bpmn"}
