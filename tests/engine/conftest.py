"""Fixtures for engine tests: the shipped definition files, their catalog, the
enforcement_case bundle, form data for every shipped form, and a driver that
walks a workflow to its end (optionally saving and restoring it on the way).

Nothing here imports ``api``: the engine is tested on its own.
"""
from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow

from engine import runtime, serializer
from engine.definitions import Catalog, load_catalog
from engine.forms import validate_form_data
from engine.runtime import ReadyTask, StepRecord
from engine.scripting import make_script_engine
from engine.specs import SpecBundle, build_bundle, bundle_manifest

ROOT = Path(__file__).resolve().parents[2]

REGISTER = {
    "case_title": "某宗教活动场所未经批准举办大型宗教活动案",
    "party_type": "person",
    "party_name": "张三",
    "party_id_number": "130528198001011234",
    "act_type": "penalty",
    "officers": ["officer1", "officer2"],
    "summary": "群众举报，现场核查属实。",
}
RECORD_START = {
    "certificates_shown": True,
    "certificate_numbers": "HB-NJ-2024-0001, HB-NJ-2024-0002",
    "record_date": "2026-11-20",
    "record_time": "09:30",
    "record_place": "宁晋县某村",
    "officers_present": "officer1, officer2",
    "party_informed": True,
    "opening_statement": "我们是宁晋县民族宗教事务局执法人员，依法进行检查。",
}
INVESTIGATION = {"investigation_record": "现场检查笔录一份。", "evidence_list": "照片3张，询问笔录1份",
                 "site_inspection": True}
PROPOSAL_MINOR = {"penalty_kind": "warning", "fine_amount": 0, "facts": "情节轻微。",
                  "legal_basis": "《宗教事务条例》第七十一条", "proposal_text": "给予警告。",
                  "complex_case": False, "hearing_held": False, "criminal_referral": False}
PROPOSAL_MAJOR = {**PROPOSAL_MINOR, "penalty_kind": "fine", "fine_amount": 20000,
                  "legal_basis": "《宗教事务条例》第六十四条", "proposal_text": "罚款人民币贰万元。"}
SUBMIT_REVIEW = {"investigation_report": "调查终结报告。", "facts": "事实清楚。", "legal_basis": "《宗教事务条例》第六十四条",
                 "discretion_basis": "裁量基准第3档", "draft_decision": "罚款贰万元。", "hearing_record": ""}
CHECKLIST = {key: True for key in (
    "body_lawful", "officers_qualified", "procedure_lawful", "facts_clear", "evidence_sufficient",
    "law_applied_correctly", "discretion_proper", "within_authority", "documents_complete")}
RECUSAL_NONE = {"recusal_needed": False}
# a fine may be a heavy penalty: the party is told of the right to a hearing (ALP 44, 63) and does not ask for one
RIGHT_NOTICE = {"right_notice_number": "宁民宗罚告〔2026〕1号", "right_notice_method": "direct",
                "statement_right_told": True}
NO_HEARING = {"hearing_requested": "no"}
# "problems" needs a problem code: legal_review's check script sends the review back without one
REVIEW_PROBLEMS = {**CHECKLIST, "evidence_sufficient": False, "criminal_referral_needed": False,
                   "review_outcome": "problems", "problem_code": "investigate",
                   "review_opinion": "证据不足，请补充询问笔录。"}
REVIEW_AGREE = {**CHECKLIST, "criminal_referral_needed": False, "review_outcome": "agree", "review_opinion": "同意。"}
FIX = {"fix_description": "已补充询问笔录。", "draft_decision": "罚款贰万元。"}
DECISION = {"decision": "approve", "decision_text": "决定给予罚款人民币贰万元的行政处罚。",
            "decision_number": "宁民宗罚〔2026〕1号"}
SERVICE = {"service_method": "direct", "service_date": "2026-11-25", "recipient": "张三"}
DISCLOSURE_OK = {"publish_approved": True, "publish_review_note": "已核对脱敏内容。"}
ARCHIVE = {"archive_note": "案卷已整理。", "retention": "30y"}


def case_answers(major: bool = True, review_rounds: int = 2) -> dict[str, list[dict[str, Any]]]:
    """Data per user task element id, one entry per visit (the last one repeats).

    ``review_rounds`` = 2 sends the case back once (problems, then agree). The major path
    (a fine) passes the hearing-right notice and the hearing request (no hearing asked for);
    the minor path (a warning) has neither.
    """
    reviews = [REVIEW_PROBLEMS] * (review_rounds - 1) + [REVIEW_AGREE]
    return {
        "task_register": [REGISTER],
        "task_recusal": [RECUSAL_NONE],
        "task_record_start": [RECORD_START],
        "task_investigation": [INVESTIGATION],
        "task_proposal": [PROPOSAL_MAJOR if major else PROPOSAL_MINOR],
        "task_hearing_notice_right": [RIGHT_NOTICE],
        "task_hearing_request": [NO_HEARING],
        "task_submit_review": [SUBMIT_REVIEW],
        "task_legal_review": reviews,
        "task_fix_resubmit": [FIX],
        "task_head_decision": [DECISION],
        "task_service": [SERVICE],
        # masked_text is an editable field shown with the auto-masked text: submit it back unchanged
        "task_review_masked": [DISCLOSURE_OK],
        "task_archive": [ARCHIVE],
    }


@dataclass
class Run:
    """What driving a workflow did."""

    workflow: BpmnWorkflow
    steps: list[tuple[str, str]] = field(default_factory=list)  # (process id, element id) completed
    records: list[StepRecord] = field(default_factory=list)
    restores: int = 0


def _data_for(task: ReadyTask, answers: dict[str, list[dict[str, Any]]], visits: dict[str, int],
              bundle: SpecBundle) -> dict[str, Any]:
    element = task.meta.element_id
    options = answers[element]
    data = dict(options[min(visits.get(element, 0), len(options) - 1)])
    visits[element] = visits.get(element, 0) + 1
    form = bundle.forms[task.meta.form_key]
    for component in form["components"]:
        key = component.get("key")
        if key and key not in data and key in task.data:
            data[key] = task.data[key]
    return validate_form_data(form, data)


def drive(
    bundle: SpecBundle,
    answers: dict[str, list[dict[str, Any]]],
    restore_before: Container[str] | Callable[[ReadyTask], bool] = (),
    start_data: dict[str, Any] | None = None,
    max_steps: int = 40,
) -> Run:
    """Start the bundle's process and complete the first ready user task until none is left.

    Before completing a task whose element id is in ``restore_before`` (or for which the
    callable returns True) the workflow is dumped to JSON and replaced by ``load_state`` of it.
    """
    workflow, records = runtime.start(bundle, dict(start_data or {}), make_script_engine())
    run = Run(workflow, records=list(records))
    visits: dict[str, int] = {}
    for _ in range(max_steps):
        ready = runtime.ready_tasks(bundle, run.workflow)
        if not ready:
            return run
        task = ready[0]
        wanted = restore_before(task) if callable(restore_before) else task.meta.element_id in restore_before
        if wanted:
            before = [(t.id, t.meta.process_id, t.meta.element_id) for t in ready]
            run.workflow = serializer.load_state(bundle, serializer.dumps_state(run.workflow), make_script_engine())
            run.restores += 1
            ready = runtime.ready_tasks(bundle, run.workflow)
            assert [(t.id, t.meta.process_id, t.meta.element_id) for t in ready] == before
            task = ready[0]
        data = _data_for(task, answers, visits, bundle)
        run.records.extend(runtime.complete(run.workflow, task.id, data))
        run.steps.append((task.meta.process_id, task.meta.element_id))
    raise AssertionError(f"workflow did not finish in {max_steps} user steps: {run.steps}")


def read_shipped_files() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for folder, patterns in (("processes", ("*.bpmn", "*.dmn")), ("forms", ("*.form",))):
        for pattern in patterns:
            for path in sorted((ROOT / folder).glob(pattern)):
                files[path.name] = path.read_bytes()
    return files


@pytest.fixture(scope="session")
def shipped_file_set() -> dict[str, bytes]:
    """The shipped files, read once per session (do not mutate: use ``shipped_files``)."""
    return read_shipped_files()


@pytest.fixture
def shipped_files(shipped_file_set: dict[str, bytes]) -> dict[str, bytes]:
    """A fresh copy of ``processes/*.bpmn|*.dmn`` and ``forms/*.form`` (name -> bytes) per test."""
    return dict(shipped_file_set)


@pytest.fixture(scope="session")
def catalog(shipped_file_set: dict[str, bytes]) -> Catalog:
    return load_catalog(dict(shipped_file_set))


def bundle_of(catalog: Catalog, process_id: str) -> SpecBundle:
    """The bundle of ``process_id`` built from exactly the files its manifest names."""
    manifest = bundle_manifest(catalog, process_id)
    return build_bundle(process_id, {name: catalog.files[name] for name in manifest})


@pytest.fixture(scope="session")
def case_bundle(catalog: Catalog) -> SpecBundle:
    """The enforcement_case bundle built from exactly the files its manifest names."""
    return bundle_of(catalog, "enforcement_case")


@pytest.fixture(scope="session")
def bundle_for(catalog: Catalog) -> Callable[[str], SpecBundle]:
    """``bundle_for(process_id)``: that process's bundle (built once per session)."""
    built: dict[str, SpecBundle] = {}

    def get(process_id: str) -> SpecBundle:
        if process_id not in built:
            built[process_id] = bundle_of(catalog, process_id)
        return built[process_id]

    return get


@pytest.fixture(scope="session")
def answers() -> Callable[..., dict[str, list[dict[str, Any]]]]:
    return case_answers


@pytest.fixture(scope="session")
def run_case() -> Callable[..., Run]:
    return drive
