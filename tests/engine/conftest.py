"""Fixtures for engine tests: the shipped definition files, their catalog, the
enforcement_case bundle, form data for every shipped form, and a driver that
walks a workflow to its end (optionally saving and restoring it on the way).

Nothing here imports ``api``: the engine is tested on its own (form data is shared with the API
tests through ``tests/cases.py``).
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
from tests.cases import (  # noqa: F401 - shared form data, also used by the API tests
    ARCHIVE,
    CHECKLIST,
    DECISION,
    EXECUTION,
    FIX,
    INVESTIGATION,
    NO_HEARING,
    PROPOSAL_MAJOR,
    PROPOSAL_MINOR,
    RECORD_START,
    RECUSAL_NONE,
    REGISTER,
    REVIEW_AGREE,
    REVIEW_PROBLEMS,
    RIGHT_NOTICE,
    SERVICE,
    SUBMIT_REVIEW,
)

ROOT = Path(__file__).resolve().parents[2]

# a fine may be a heavy penalty: the party is told of the right to a hearing (ALP 44, 63) and does not ask for one
# "problems" needs a problem code: legal_review's check script sends the review back without one
DISCLOSURE_OK = {"publish_choice": "release", "publish_review_note": "已核对脱敏内容。"}


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
        "task_execution": [EXECUTION],
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
