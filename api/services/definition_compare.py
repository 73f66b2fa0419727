"""Comparing two deployed versions of a process (GET /api/v1/definitions/<key>/compare?a=&b=).

The diff itself is engine/version_diff.py (pure). This module picks what each version refers to: the BPMN file
of the version, and the forms and decision tables its file names, **as deployed when the version was deployed**
(the latest version of each form and decision whose row is not newer than the version's own deployment, the
deployment's other files included). So a form or decision table changed between the two deployments marks the
user tasks and business rule tasks that use it as changed, with the form or table versions on each side.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from engine import version_diff
from engine.content_diff import decision_tables
from engine.errors import NotFound

from ..extensions import db
from ..models import DefinitionFile, DefinitionVersion, User
from . import definitions


def _visible_version(user: User, key: str, version: int) -> DefinitionVersion:
    ver = definitions.version_of(key, version)
    if not definitions.visible(user, [ver]):
        raise NotFound(f"definition '{key}' version {version} not found")
    return ver


def _as_of(ver: DefinitionVersion) -> int:
    """The id of the last version row of the version's deployment (its forms and tables were deployed with it)."""
    return db.session.scalar(select(func.max(DefinitionVersion.id))
                             .where(DefinitionVersion.deployment_id == ver.deployment_id)) or ver.id


def _latest_as_of(kind: str, keys: set[str], as_of: int) -> dict[str, DefinitionVersion]:
    """key -> the latest version of ``kind`` among ``keys`` deployed no later than row ``as_of``."""
    if not keys:
        return {}
    rows = db.session.scalars(select(DefinitionVersion).where(
        DefinitionVersion.kind == kind, DefinitionVersion.key.in_(sorted(keys)), DefinitionVersion.id <= as_of))
    latest: dict[str, DefinitionVersion] = {}
    for row in rows:
        if row.key not in latest or row.version > latest[row.key].version:
            latest[row.key] = row
    return latest


def _contents(shas: set[str]) -> dict[str, bytes]:
    if not shas:
        return {}
    return dict(db.session.execute(select(DefinitionFile.sha256, DefinitionFile.content)
                                   .where(DefinitionFile.sha256.in_(sorted(shas)))).all())


def _side(ver: DefinitionVersion) -> tuple[version_diff.Side, dict[str, Any]]:
    bpmn = _contents({ver.sha256})[ver.sha256]
    form_keys, decision_ids = version_diff.referenced(bpmn, ver.filename)
    as_of = _as_of(ver)
    forms = _latest_as_of("form", form_keys, as_of)
    decisions = _latest_as_of("dmn", decision_ids, as_of)
    files = _contents({v.sha256 for v in [*forms.values(), *decisions.values()]})
    form_refs = {key: version_diff.FormRef(v.version, json.loads(files[v.sha256])) for key, v in forms.items()}
    tables: dict[str, dict[str, Any]] = {}
    for sha in {v.sha256 for v in decisions.values()}:
        tables.update(decision_tables(files[sha]))
    decision_refs = {key: version_diff.DecisionRef(v.version, tables.get(key)) for key, v in decisions.items()}
    info = {"version": ver.version, "filename": ver.filename, "sha256": ver.sha256, "deployed_at": ver.deployed_at,
            "deployed_by": ver.deployed_by,
            "forms": {k: v.version for k, v in sorted(forms.items())},
            "decisions": {k: v.version for k, v in sorted(decisions.items())}}
    return version_diff.Side(bpmn, form_refs, decision_refs), info


def compare(user: User, key: str, a: int, b: int) -> dict[str, Any]:
    """What changed from version ``a`` to version ``b`` of process ``key`` (see engine/version_diff.py).

    Raises:
        NotFound: the key, or either version, does not exist or is another bureau's.
    """
    old_ver, new_ver = _visible_version(user, key, a), _visible_version(user, key, b)
    old, old_info = _side(old_ver)
    new, new_info = _side(new_ver)
    return {"key": key, "a": old_info, "b": new_info, **version_diff.compare(old, new)}
