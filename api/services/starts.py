"""Starting instances: the start data a process declares, and the start itself (through the step pipeline)."""
from __future__ import annotations

from typing import Any

from engine import runtime
from engine.definitions import Catalog
from engine.errors import FormDataInvalid, NotFound
from engine.history import GENESIS
from engine.serializer import STATE_VERSION
from engine.specs import SpecBundle, bundle_manifest

from ..extensions import db
from ..models import Instance
from . import orgs, steps
from .definitions import SERVICE_STARTED, current_catalog, load_files, version_of
from .instances import case_title
from .org_scope import bind_case
from .runtime import script_engine, spec_cache

#: the process-level spiffworkflow property naming the keys a client may pass when starting it (comma-separated)
START_DATA_PROPERTY = "startData"


def declared_start_data(bundle: SpecBundle) -> set[str]:
    """The start data keys the process declares (``startData``); none when the property is absent."""
    declared = bundle.process_properties.get(bundle.process_id, {}).get(START_DATA_PROPERTY) or ""
    return {key.strip() for key in declared.split(",") if key.strip()}


def check_start_data(bundle: SpecBundle, data: dict[str, Any]) -> None:
    """A client starts a process only with the data keys it declares (its registration forms collect the rest).

    Raises:
        FormDataInvalid: naming each key the process does not declare (422).
    """
    allowed = declared_start_data(bundle)
    unknown = sorted(set(data) - allowed)
    if unknown:
        hint = f"it accepts {', '.join(sorted(allowed))}" if allowed else "it accepts no start data"
        raise FormDataInvalid({key: [f"not start data of process '{bundle.process_id}' ({hint}; declare keys in the "
                                     f"process property {START_DATA_PROPERTY})"] for key in unknown},
                              f"unknown start data for '{bundle.process_id}': {', '.join(unknown)}")


def check_client_start(key: str, catalog: Catalog, trial: bool) -> None:
    """A client starts neither a process the service starts itself nor, unless ``trial`` (an admin trying a
    deployed version), one that other processes call (the legal review, the recording, the disclosure).

    Raises:
        FormDataInvalid: naming ``definition_key`` (422).
    """
    if key in SERVICE_STARTED or (key in catalog.called_processes and not trial):
        why = ("it is started by the service itself" if key in SERVICE_STARTED
               else "it runs only when another process calls it (an admin may start one to try it)")
        raise FormDataInvalid({"definition_key": [f"process '{key}' is not started on its own: {why}"]},
                              f"process '{key}' is not started on its own: {why}")


def start_instance(key: str, data: dict[str, Any], actor: str, role: str | None, client_addr: str | None,
                   declared_only: bool = False, org_id: int | None = None, unit_id: int | None = None,
                   trial: bool = False) -> Instance:
    """Start the latest version of ``key`` with ``data``; no commit.

    ``org_id``/``unit_id``: the bureau the case belongs to and the starter's own node (the default bureau when
    not given, e.g. a service's start with no case behind it).

    ``declared_only``: a client's start (POST /api/v1/instances) may pass only the keys the process declares in
    its ``startData`` property (:func:`check_start_data`), and only of a process a client starts
    (:func:`check_client_start`; ``trial``: an admin may try a called one); the service's own starts (public
    corrections, bureau withdrawals) pass what they composed.

    Raises:
        NotFound: no such process. FormDataInvalid: undeclared start data. ScriptError: the first engine steps failed.
    """
    version = version_of(key)
    catalog = current_catalog()
    if key not in catalog.processes:
        raise NotFound(f"process '{key}' is not deployed")
    if declared_only:
        check_client_start(key, catalog, trial)
    manifest = bundle_manifest(catalog, key)
    bundle = spec_cache().get(key, manifest, lambda d: load_files([d])[d])
    if declared_only:
        check_start_data(bundle, data)
    org_id = org_id or _default_bureau()
    bind_case(org_id)  # the start's scripts and checks read the new case's bureau settings
    instance = Instance(definition_key=key, version=version.version, bundle_key=bundle.key, manifest=manifest,
                        title=case_title(data, f"{catalog.process_names.get(key, key)}"), status="running",
                        state="{}", state_version=STATE_VERSION, data=dict(data), started_by=actor,
                        last_seq=0, last_hash=GENESIS, org_id=org_id, unit_id=unit_id)

    def advance(case: steps.Case) -> steps.Outcome:
        workflow, records = runtime.start(bundle, data, script_engine(), views=True)
        db.session.add(instance)
        db.session.flush()  # the id is needed for the stream name and task rows
        case.workflow = workflow
        return steps.Outcome(
            event={"type_": "instance_started", "actor": actor, "role": role, "client_addr": client_addr,
                   "data": {"definition_key": key, "version": version.version, "manifest": manifest, "data": data,
                            "org_id": instance.org_id, "unit_id": instance.unit_id}},
            view=records[0].view, steps=records[1:])

    steps.run(steps.Case(instance, bundle, None, {}), advance, actor)
    return instance


def _default_bureau() -> int | None:
    return orgs.id_of(orgs.DEFAULT_BUREAU)
