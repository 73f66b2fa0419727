"""bundle_manifest names every file a process needs; SpecCache parses a manifest once."""
from __future__ import annotations

import re

import pytest

from engine.definitions import load_catalog, sha256
from engine.errors import NotFound
from engine.specs import SpecCache, bundle_manifest, manifest_key

CASE_FILES = {"enforcement_case.bpmn", "recording.bpmn", "legal_review.bpmn", "disclosure.bpmn", "major_decision.dmn"}
FORM_KEY = re.compile(r'<spiffworkflow:property name="formKey" value="([^"]+)"/>')


def forms_named_in(catalog, *bpmn_files: str) -> set[str]:
    """The form files that the user tasks of ``bpmn_files`` name (read from the XML text, not via the engine)."""
    found = {f"{key}.form" for name in bpmn_files for key in FORM_KEY.findall(catalog.files[name].decode())}
    assert found, bpmn_files
    return found


def test_manifest_of_enforcement_case_has_called_processes_decision_and_forms(catalog):
    manifest = bundle_manifest(catalog, "enforcement_case")
    forms = forms_named_in(catalog, *(name for name in CASE_FILES if name.endswith(".bpmn")))
    assert {"case_recusal.form", "hearing_request.form", "collective_discussion.form",
            "review_extension.form", "disclosure_review.form"} <= forms
    assert set(manifest) == CASE_FILES | forms
    assert all(manifest[name] == sha256(catalog.files[name]) for name in manifest)
    # the other processes' files and the forms only they use are not part of a case
    assert not {"permit_application.bpmn", "random_inspection.bpmn", "disclosure_correction.bpmn",
                "permit_apply.form", "lottery_plan.form", "correction_review.form"} & set(manifest)


def test_manifest_of_a_called_process_is_only_what_it_needs(catalog):
    assert set(bundle_manifest(catalog, "recording")) == {"recording.bpmn", "record_start.form", "investigation.form"}
    assert forms_named_in(catalog, "recording.bpmn") == {"record_start.form", "investigation.form"}
    review_forms = forms_named_in(catalog, "legal_review.bpmn")
    assert {"review_submit.form", "legal_review.form", "review_fix.form", "review_extension.form",
            "review_escalation.form", "counsel_opinion.form", "collective_discussion.form"} == review_forms
    assert set(bundle_manifest(catalog, "legal_review")) == {"legal_review.bpmn"} | review_forms


def test_manifest_of_the_permit_shares_the_called_processes_and_the_decision(catalog):
    manifest = bundle_manifest(catalog, "permit_application")
    bpmn = {"permit_application.bpmn", "legal_review.bpmn", "disclosure.bpmn"}
    assert set(manifest) == bpmn | {"major_decision.dmn"} | forms_named_in(catalog, *bpmn)
    assert "recording.bpmn" not in manifest


def test_manifest_of_processes_without_calls(catalog):
    for process_id in ("random_inspection", "disclosure_correction"):
        assert set(bundle_manifest(catalog, process_id)) == (
            {f"{process_id}.bpmn"} | forms_named_in(catalog, f"{process_id}.bpmn"))


def test_manifest_of_an_unknown_process(catalog):
    with pytest.raises(NotFound):
        bundle_manifest(catalog, "no_such_process")


def test_bundle_describes_user_tasks_of_all_processes(case_bundle):
    assert case_bundle.process_id == "enforcement_case"
    assert set(case_bundle.subprocess_specs) == {"recording", "legal_review", "disclosure"}
    assert "major_decision" in case_bundle.decisions
    # exactly the forms that the bundle's user tasks name (enforcement_case, recording, legal_review, disclosure)
    assert set(case_bundle.forms) == {meta.form_key for meta in case_bundle.user_tasks.values()}
    assert {f"{key}.form" for key in case_bundle.forms} == {
        name for name in case_bundle.manifest if name.endswith(".form")}
    # 11 of the first release, 7 new case steps, review extension/escalation; counsel opinion, evidence preservation
    # (3), referral (2), execution (4: performance, reminder, application, the head's approval)
    assert len(case_bundle.forms) == 30
    meta = case_bundle.task_meta("recording", "task_record_start")
    assert (meta.name, meta.lane, meta.form_key) == ("启动记录", "执法人员", "record_start")
    review = case_bundle.task_meta("legal_review", "task_legal_review")
    assert review.kind == "legal_review"
    assert review.lane == "法制审核人员"
    processes = {process for process, _ in case_bundle.user_tasks}
    assert processes == {"enforcement_case", "recording", "legal_review", "disclosure"}
    with pytest.raises(NotFound):
        case_bundle.task_meta("enforcement_case", "task_record_start")


def test_bundle_key_is_the_manifest_hash(catalog, case_bundle):
    manifest = bundle_manifest(catalog, "enforcement_case")
    assert case_bundle.manifest == manifest
    assert case_bundle.key == manifest_key(manifest)
    assert manifest_key(dict(reversed(list(manifest.items())))) == case_bundle.key
    changed = {**manifest, "case_archive.form": "0" * 64}
    assert manifest_key(changed) != case_bundle.key


class Store:
    """Content-addressed file store that counts reads."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.by_hash = {sha256(content): content for content in files.values()}
        self.reads = 0

    def load(self, digest: str) -> bytes:
        self.reads += 1
        return self.by_hash[digest]


def test_cache_parses_a_manifest_once(catalog):
    manifest = bundle_manifest(catalog, "enforcement_case")
    store = Store(catalog.files)
    cache = SpecCache()
    first = cache.get("enforcement_case", manifest, store.load)
    reads_after_parse = store.reads
    assert reads_after_parse == len(manifest)
    assert (cache.hits, cache.misses) == (0, 1)
    second = cache.get("enforcement_case", dict(manifest), store.load)
    third = cache.get("enforcement_case", manifest, store.load)
    assert second is first and third is first
    assert (cache.hits, cache.misses) == (2, 1)
    assert store.reads == reads_after_parse


def test_cache_keeps_different_processes_and_versions_apart(catalog, shipped_files):
    store = Store(catalog.files)
    cache = SpecCache()
    case = cache.get("enforcement_case", bundle_manifest(catalog, "enforcement_case"), store.load)
    recording = cache.get("recording", bundle_manifest(catalog, "recording"), store.load)
    assert recording is not case
    assert recording.process_id == "recording"

    changed_files = {**shipped_files, "recording.bpmn": shipped_files["recording.bpmn"].replace(
        "启动记录".encode(), "启动执法记录".encode())}
    changed_catalog = load_catalog(changed_files)
    store.by_hash.update({sha256(c): c for c in changed_files.values()})
    changed = cache.get("recording", bundle_manifest(changed_catalog, "recording"), store.load)
    assert changed is not recording
    assert changed.task_meta("recording", "task_record_start").name == "启动执法记录"
    assert cache.misses == 3 and cache.hits == 0


def test_cache_evicts_the_least_recently_used(catalog):
    store = Store(catalog.files)
    cache = SpecCache(size=1)
    manifest = bundle_manifest(catalog, "recording")
    first = cache.get("recording", manifest, store.load)
    cache.get("legal_review", bundle_manifest(catalog, "legal_review"), store.load)
    again = cache.get("recording", manifest, store.load)
    assert again is not first
    assert cache.misses == 3

