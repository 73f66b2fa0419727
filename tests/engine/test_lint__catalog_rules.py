"""Lint rules (engine/lint.py) as seen through load_catalog: each finding carries file, element id and line."""
from __future__ import annotations

import pytest

from engine.definitions import load_catalog
from engine.errors import DefinitionInvalid, ErrorBag, Problem
from engine.lint import lint_catalog


def line_of(text: str, needle: str) -> int:
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} found on lines {hits}"
    return hits[0]


class Edit:
    """Apply unique text replacements to copies of the shipped files."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = dict(files)

    def replace(self, name: str, old: str, new: str) -> Edit:
        text = self.text(name)
        assert text.count(old) == 1, f"{old!r} is not unique in {name}"
        self.files[name] = text.replace(old, new).encode("utf-8")
        return self

    def text(self, name: str) -> str:
        return self.files[name].decode("utf-8")

    def problems(self) -> list[Problem]:
        with pytest.raises(DefinitionInvalid) as info:
            load_catalog(self.files)
        return info.value.problems


def only(problems: list[Problem], element_id: str) -> Problem:
    mine = [p for p in problems if p.element_id == element_id]
    assert len(mine) == 1, problems
    return mine[0]


def test_condition_that_does_not_parse(shipped_files):
    edit = Edit(shipped_files).replace("enforcement_case.bpmn", ">is_major == True<", ">is_major == <")
    problem = only(edit.problems(), "flow_major")
    assert problem.file == "enforcement_case.bpmn"
    assert problem.line == line_of(edit.text("enforcement_case.bpmn"), ">is_major == <")
    assert "condition" in problem.message and "syntax" in problem.message


def test_condition_outside_the_sandbox(shipped_files):
    edit = Edit(shipped_files).replace("legal_review.bpmn", '>review_outcome == "agree"<',
                                       ">review_outcome.__class__ is str<")
    problem = only(edit.problems(), "flow_outcome_agree")
    assert problem.line == line_of(edit.text("legal_review.bpmn"), "review_outcome.__class__")
    assert "__class__" in problem.message


def test_import_in_a_script_is_refused_at_the_line_of_the_import(shipped_files):
    first = '.get(decision, decision)\n'
    edit = Edit(shipped_files).replace("disclosure.bpmn", first, first + "import os\n")
    text = edit.text("disclosure.bpmn")
    problem = only(edit.problems(), "task_compose")
    assert problem.file == "disclosure.bpmn"
    assert problem.line == line_of(text, "import os")
    script_line = line_of(text, "<bpmn:script>decision_label")
    assert problem.line == script_line + 1  # element line + offset inside the script
    assert "import" in problem.message


def test_import_on_the_third_line_of_a_one_line_script(shipped_files):
    edit = Edit(shipped_files).replace("disclosure.bpmn", "<bpmn:script>published = True",
                                       "<bpmn:script>a = 1\nb = 2\nfrom os import system\npublished = True")
    text = edit.text("disclosure.bpmn")
    problem = only(edit.problems(), "task_publish")
    assert problem.line == line_of(text, "from os import system") == line_of(text, "<bpmn:script>a = 1") + 2


def test_user_task_outside_any_lane(shipped_files):
    edit = Edit(shipped_files).replace("enforcement_case.bpmn", "<bpmn:flowNodeRef>task_register</bpmn:flowNodeRef>", "")
    problem = only(edit.problems(), "task_register")
    assert problem.line == line_of(edit.text("enforcement_case.bpmn"), 'id="task_register"')
    assert "lane" in problem.message


def test_user_task_in_a_lane_with_an_unknown_role(shipped_files):
    edit = Edit(shipped_files).replace("enforcement_case.bpmn", 'name="负责人">', 'name="门卫">')
    problem = only(edit.problems(), "task_head_decision")
    assert problem.line == line_of(edit.text("enforcement_case.bpmn"), 'id="task_head_decision"')
    assert "门卫" in problem.message


def test_lane_named_by_role_key_is_accepted(shipped_files):
    edit = Edit(shipped_files).replace("enforcement_case.bpmn", 'name="负责人">', 'name="head">')
    catalog = load_catalog(edit.files)
    assert "enforcement_case" in catalog.processes


def test_user_task_without_form_key(shipped_files):
    edit = Edit(shipped_files).replace("enforcement_case.bpmn",
                                       '<spiffworkflow:property name="formKey" value="case_service"/>', "")
    problem = only(edit.problems(), "task_service")
    assert problem.line == line_of(edit.text("enforcement_case.bpmn"), 'id="task_service"')
    assert "formKey" in problem.message


def test_form_key_of_a_form_that_does_not_exist(shipped_files):
    edit = Edit(shipped_files).replace("recording.bpmn", 'value="investigation"', 'value="no_such_form"')
    problem = only(edit.problems(), "task_investigation")
    assert problem.file == "recording.bpmn"
    assert problem.line == line_of(edit.text("recording.bpmn"), 'id="task_investigation"')
    assert "no_such_form" in problem.message


def test_removing_a_form_file_breaks_the_task_that_uses_it(shipped_files):
    files = {k: v for k, v in shipped_files.items() if k != "case_archive.form"}
    problem = only(Edit(files).problems(), "task_archive")
    assert "case_archive" in problem.message


def test_call_activity_calling_an_unknown_process(shipped_files):
    edit = Edit(shipped_files).replace("enforcement_case.bpmn", 'calledElement="disclosure"',
                                       'calledElement="no_such_process"')
    problem = only(edit.problems(), "call_disclosure")
    assert problem.line == line_of(edit.text("enforcement_case.bpmn"), 'id="call_disclosure"')
    assert "no_such_process" in problem.message


def test_business_rule_task_referencing_an_unknown_decision(shipped_files):
    edit = Edit(shipped_files).replace("enforcement_case.bpmn", ">major_decision</spiffworkflow:calledDecisionId>",
                                       ">no_such_decision</spiffworkflow:calledDecisionId>")
    problem = only(edit.problems(), "task_major_check")
    assert problem.file == "enforcement_case.bpmn"
    assert problem.line == line_of(edit.text("enforcement_case.bpmn"), 'id="task_major_check"')
    assert "no_such_decision" in problem.message


def test_lint_rule_for_undeployed_decision(catalog):
    """The lint rule itself (SpiffWorkflow's parser usually reports this first)."""
    catalog_copy = type(catalog)(files=catalog.files, processes=dict(catalog.processes),
                                 process_names=dict(catalog.process_names), decisions={},
                                 forms=dict(catalog.forms), trees=dict(catalog.trees))
    bag = ErrorBag()
    lint_catalog(catalog_copy, bag)
    # both business-rule tasks that call the catalogue decision: the case's and the permit's
    assert sorted((p.file, p.element_id) for p in bag.problems) == [
        ("enforcement_case.bpmn", "task_major_check"), ("permit_application.bpmn", "task_permit_major_check")]
    assert all("major_decision" in p.message for p in bag.problems)
    for p in bag.problems:
        assert p.line == line_of(catalog.files[p.file].decode(), f'id="{p.element_id}"')


def test_dmn_output_entry_outside_the_sandbox(shipped_files):
    edit = Edit(shipped_files).replace(
        "major_decision.dmn",
        '<outputEntry id="rule_hearing_held_out2">\n          <text>"hearing_held"</text>',
        '<outputEntry id="rule_hearing_held_out2">\n          <text>().__class__</text>',
    )
    problem = only(edit.problems(), "rule_hearing_held_out2")
    assert problem.file == "major_decision.dmn"
    assert problem.line == line_of(edit.text("major_decision.dmn"), "<text>().__class__</text>")


def test_every_lint_problem_is_reported_at_once(shipped_files):
    edit = (
        Edit(shipped_files)
        .replace("enforcement_case.bpmn", "<bpmn:flowNodeRef>task_register</bpmn:flowNodeRef>", "")
        .replace("enforcement_case.bpmn", 'name="负责人">', 'name="门卫">')
        .replace("enforcement_case.bpmn", '<spiffworkflow:property name="formKey" value="case_service"/>', "")
        .replace("enforcement_case.bpmn", 'value="case_archive"', 'value="no_such_form"')
        .replace("enforcement_case.bpmn", 'calledElement="disclosure"', 'calledElement="no_such_process"')
        .replace("enforcement_case.bpmn", ">is_major == True<", ">is_major ==<")
        .replace("disclosure.bpmn", "<bpmn:script>published = True", "<bpmn:script>import os\npublished = True")
    )
    problems = edit.problems()
    case_text, disclosure_text = edit.text("enforcement_case.bpmn"), edit.text("disclosure.bpmn")
    # every user task in the renamed head lane is reported, not only the first
    expected = {
        ("enforcement_case.bpmn", "task_register", line_of(case_text, 'id="task_register"')),
        ("enforcement_case.bpmn", "task_recusal_decision", line_of(case_text, 'id="task_recusal_decision"')),
        ("enforcement_case.bpmn", "task_collective_discussion",
         line_of(case_text, 'id="task_collective_discussion"')),
        ("enforcement_case.bpmn", "task_head_decision", line_of(case_text, 'id="task_head_decision"')),
        *(("enforcement_case.bpmn", element, line_of(case_text, f'id="{element}"'))
          for element in ("task_preservation_approval", "task_preservation_decision", "task_referral_approval",
                          "task_hearing_recusal_decision", "task_compulsory_approval")),
        ("enforcement_case.bpmn", "task_service", line_of(case_text, 'id="task_service"')),
        ("enforcement_case.bpmn", "task_archive", line_of(case_text, 'id="task_archive"')),
        ("enforcement_case.bpmn", "call_disclosure", line_of(case_text, 'id="call_disclosure"')),
        ("enforcement_case.bpmn", "flow_major", line_of(case_text, ">is_major ==<")),
        ("disclosure.bpmn", "task_publish", line_of(disclosure_text, "<bpmn:script>import os")),
    }
    assert {(p.file, p.element_id, p.line) for p in problems} == expected


@pytest.mark.parametrize("definition", ['<bpmn:messageEventDefinition id="m_def"/>',
                                        '<bpmn:messageEventDefinition id="m_def" messageRef="no_such_message"/>'])
def test_a_message_event_without_its_message_is_refused_at_its_line(shipped_files, definition):
    """SpiffWorkflow parses such an event as a plain one, which would not wait: the deploy names it instead."""
    old = ('      <bpmn:timerEventDefinition id="timer_review_overdue_definition">\n'
           '        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">review_due + "T23:59:59+08:00"</bpmn:timeDate>\n'
           '      </bpmn:timerEventDefinition>\n')
    edit = Edit(shipped_files).replace("legal_review.bpmn", old, f"      {definition}\n")
    problem = only(edit.problems(), "timer_review_overdue")
    assert problem.file == "legal_review.bpmn"
    assert problem.line == line_of(edit.text("legal_review.bpmn"), 'id="m_def"')
    assert "message" in problem.message


def test_a_message_event_with_its_message_passes_this_rule(shipped_files):
    old = '<bpmn:timerEventDefinition id="timer_review_overdue_definition">'
    edit = (Edit(shipped_files)
            .replace("legal_review.bpmn", old, '<bpmn:messageEventDefinition id="m_def" messageRef="m_reply"/>'
                     '<bpmn:timerEventDefinition id="timer_review_overdue_definition">'))
    text = edit.text("legal_review.bpmn")
    first_process = text.index("<bpmn:process")
    edit.files["legal_review.bpmn"] = (text[:first_process] + '<bpmn:message id="m_reply" name="reply"/>\n  '
                                       + text[first_process:]).encode("utf-8")
    bag = ErrorBag()
    try:
        catalog = load_catalog(edit.files)
    except DefinitionInvalid as exc:
        assert not [p for p in exc.problems if "message event" in p.message], exc.problems
    else:
        lint_catalog(catalog, bag)
        assert not [p for p in bag.problems if "message event" in p.message]
