"""Moving running instances of a process onto its newest deployed version (engine/migration.py).

A process owner (or admin) picks running cases of one version of a process — by version and status, or a list of
ids — of their own bureau. :func:`preview` says for each whether it can move to the target and why not;
:func:`migrate_one` moves one case through the step pipeline (api/services/steps.py: the case's row lock, the
version check of the row, the ``instance_migrated`` event with the state before and after, the save, the hot
cache), so a completion racing the migration either happens before it (and the migration judges the case as the
completion left it) or after it (on the new version); never both on one stale state. Each case is migrated and
committed on its own: no case waits for another's migration.

The target is the newest version of the process and, with it, the newest deployed forms, decisions and called
processes (the bundle a case started now runs on): a changed form alone moves cases too (``to_version`` then
equals ``from_version``). Call activity children move with their parent (engine/migration.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engine import migration, runtime
from engine.errors import FormDataInvalid, NotFound, SanxiangError, StateConflict
from engine.roles import role_for_lane
from engine.serializer import load_state
from engine.specs import SpecBundle, bundle_manifest

from ..extensions import db
from ..models import Instance, User
from . import locks, orgs, steps
from .definitions import current_catalog, load_files, version_of, visible
from .instances import bundle_for, stored_state
from .org_scope import bind_case
from .runtime import script_engine, spec_cache

EVENT = "instance_migrated"
#: the permission to preview and migrate (api/permissions.py)
ACTION = "definition.migrate"
#: the most cases one request selects by version and status
MAX_SELECTED = 500
STATUSES = ("running", "completed", "cancelled")


class NotMovable(StateConflict):
    """The case cannot move whatever its tasks (409); ``code`` as :func:`_refusal` gives it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Target:
    key: str
    version: int
    manifest: dict[str, str]
    bundle: SpecBundle


def target(user: User, key: str, from_version: int, to_version: int) -> Target:
    """The bundle cases of ``key`` move to: the newest version (``to_version`` must name it).

    Raises:
        NotFound: no such process for the caller's bureau. FormDataInvalid: a version that is not the newest, or
        older than ``from_version``.
    """
    latest = version_of(key)
    if not visible(user, [latest]):
        raise NotFound(f"definition '{key}' not found")
    try:
        version_of(key, from_version)
    except NotFound:
        raise FormDataInvalid({"from_version": [f"process '{key}' has no version {from_version}"]},
                              "the request is invalid: from_version") from None
    if to_version != latest.version:
        raise FormDataInvalid({"to_version": [f"cases move to the newest version of '{key}' ({latest.version}), "
                                              "the one new cases start on"]}, "the request is invalid: to_version")
    if to_version < from_version:
        raise FormDataInvalid({"to_version": ["must not be older than from_version"]},
                              "the request is invalid: to_version")
    catalog = current_catalog()
    if key not in catalog.processes:
        raise NotFound(f"process '{key}' is not deployed")
    manifest = bundle_manifest(catalog, key)
    bundle = spec_cache().get(key, manifest, lambda d: load_files([d])[d])
    return Target(key, latest.version, manifest, bundle)


def select_instances(user: User, key: str, from_version: int, instance_ids: list[int] | None,
                     status: str | None) -> list[Instance]:
    """The cases to judge: the listed ones, or those of ``from_version`` with ``status`` (default running), of the
    caller's bureau only.

    Raises:
        NotFound: a listed id that is not a case of ``key`` in the caller's bureau (another bureau's case is
        answered as a missing one).
    """
    scope = orgs.write_scope(user)
    if instance_ids:
        found = {i.id: i for i in db.session.scalars(select(Instance).where(Instance.id.in_(instance_ids)))}
        for iid in instance_ids:
            row = found.get(iid)
            if row is None or row.org_id not in scope or row.definition_key != key:
                raise NotFound(f"instance {iid} not found")
        return [found[i] for i in dict.fromkeys(instance_ids)]
    stmt = (select(Instance).where(Instance.definition_key == key, Instance.version == from_version,
                                   Instance.status == (status or "running"), Instance.org_id.in_(scope))
            .order_by(Instance.id).limit(MAX_SELECTED))
    return list(db.session.scalars(stmt))


def _refusal(instance: Instance, target_: Target, from_version: int) -> tuple[str, str] | None:
    """(code, message) when the case cannot move whatever its tasks; codes: ``not_running``, ``other_version``,
    ``newer``, ``current``."""
    if instance.status != "running":
        return "not_running", f"the case is {instance.status}: only running cases move"
    if instance.version != from_version:
        return "other_version", f"the case runs version {instance.version}, not {from_version}"
    if instance.version > target_.version:
        return "newer", f"the case runs version {instance.version}, newer than {target_.version}"
    if instance.manifest == target_.manifest:
        return "current", "the case already runs the target version and forms"
    return None


def _changed_files(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))


def assess(instance: Instance, target_: Target, from_version: int) -> dict[str, Any]:
    """Whether ``instance`` can move to ``target_`` and why not; reads the stored workflow, changes nothing."""
    result: dict[str, Any] = {"instance_id": instance.id, "title": instance.title, "status": instance.status,
                              "version": instance.version, "migratable": False, "reasons": [], "problems": [],
                              "added_tasks": [], "changed_forms": [], "refusal": None,
                              "changed_files": _changed_files(instance.manifest, target_.manifest)}
    refusal = _refusal(instance, target_, from_version)
    if refusal:
        result["refusal"], message = refusal
        result["reasons"].append(message)
        return result
    bind_case(instance.org_id)
    old = bundle_for(instance)
    workflow = load_state(old, stored_state(instance), script_engine())
    plan = migration.plan(workflow, old, target_.bundle)
    result.update(_plan_fields(plan))
    result["migratable"] = plan.ok
    result["reasons"] = [p.message for p in plan.problems]
    return result


def _plan_fields(plan: migration.Plan) -> dict[str, Any]:
    return {"problems": [p.as_dict() for p in plan.problems],
            "added_tasks": [{"process_id": p, "element_id": e, "name": n} for p, e, n in plan.added],
            "changed_forms": [{"process_id": p, "element_id": e, "form_key": k} for p, e, k in plan.changed_forms]}


def preview(user: User, key: str, from_version: int, to_version: int, instance_ids: list[int] | None,
            status: str | None) -> dict[str, Any]:
    target_ = target(user, key, from_version, to_version)
    rows = [assess(i, target_, from_version) for i in select_instances(user, key, from_version, instance_ids, status)]
    return {"definition_key": key, "from_version": from_version, "to_version": target_.version,
            "instances": rows, "migratable": sum(1 for r in rows if r["migratable"]), "total": len(rows)}


def migrate_one(instance_id: int, target_: Target, from_version: int, user: User, role: str | None,
                client_addr: str | None) -> dict[str, Any]:
    """Move one case onto ``target_`` through the step pipeline; no commit.

    Raises:
        StateConflict: the case cannot move (not running, another version, a changed or removed task: the
        ``problems`` of :class:`engine.migration.MigrationRefused`). NotFound: the case is gone.
    """
    instance = locks.instance_for_update(instance_id)  # a completion of this case waits, or ran before: re-judged
    if instance is None:
        raise NotFound(f"instance {instance_id} not found")
    refusal = _refusal(instance, target_, from_version)
    if refusal:
        raise NotMovable(*refusal)
    case = steps.load(instance)
    old = case.bundle
    before = {"version": instance.version, "manifest": dict(instance.manifest), "state_ref": instance.state_ref,
              "data_ref": instance.data_ref}

    def advance(case: steps.Case) -> steps.Outcome:
        assert case.workflow is not None
        plan = migration.migrate(case.workflow, old, target_.bundle)
        case.bundle = target_.bundle
        instance.version, instance.manifest, instance.bundle_key = (target_.version, dict(target_.manifest),
                                                                    target_.bundle.key)
        for row in case.known.values():  # the open tasks' rows read the new specs (name, form, lane, role)
            try:
                task = runtime.find_task(case.workflow, row.spiff_task_id)
            except NotFound:
                continue
            meta = target_.bundle.user_tasks.get((task.workflow.spec.name, task.task_spec.name))
            if meta is not None:
                row.name, row.form_key, row.lane, row.element_id = meta.name, meta.form_key, meta.lane, meta.element_id
                row.role, row.kind = role_for_lane(meta.lane), meta.kind
        return steps.Outcome(event={
            "type_": EVENT, "actor": user.username, "role": role, "client_addr": client_addr,
            "data": {"definition_key": instance.definition_key, "from_version": before["version"],
                     "to_version": target_.version, "from_manifest": before["manifest"],
                     "to_manifest": dict(target_.manifest),
                     "state_before": {"state_ref": before["state_ref"], "data_ref": before["data_ref"]},
                     "changed_files": _changed_files(before["manifest"], target_.manifest), **_plan_fields(plan)}})

    steps.run(case, advance, user.username)
    return {"instance_id": instance.id, "migrated": True, "from_version": before["version"],
            "to_version": instance.version, "state_before": before["state_ref"], "state_after": instance.state_ref}


def migrate(user: User, role: str | None, key: str, from_version: int, to_version: int,
            instance_ids: list[int] | None, status: str | None, client_addr: str | None) -> dict[str, Any]:
    """Migrate the selected cases one by one, each in its own transaction (commits here); a case that cannot
    move is reported with the reason and left as it was."""
    target_ = target(user, key, from_version, to_version)
    ids = [i.id for i in select_instances(user, key, from_version, instance_ids, status)]
    db.session.rollback()  # the selection read nothing that must hold: each case is read again under its lock
    results = []
    for iid in ids:
        try:
            results.append(migrate_one(iid, target_, from_version, user, role, client_addr))
            db.session.commit()
        except SanxiangError as exc:
            db.session.rollback()
            problems = [p.as_dict() for p in exc.problems] if isinstance(exc, migration.MigrationRefused) else []
            results.append({"instance_id": iid, "migrated": False, "reasons": [p["message"] for p in problems]
                            or [exc.message], "problems": problems, "refusal": getattr(exc, "code", None)})
    return {"definition_key": key, "from_version": from_version, "to_version": target_.version,
            "instances": results, "migrated": sum(1 for r in results if r["migrated"]), "total": len(results)}
