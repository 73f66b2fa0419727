"""The process owner's migration page: pick the running cases of one version of a process, preview whether each
can move to the newest version (and why not), then migrate the movable ones.

The same service calls as ``POST /api/v1/definitions/<key>/migrations/preview`` and ``.../migrations``
(api/services/migrations.py): permissions (``definition.migrate``), the bureau scope and the step pipeline are
theirs. The preview is a read (GET); the migration a form post with the page's CSRF token."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, render_template, request

from engine.errors import SanxiangError

from ... import permissions
from ...extensions import db
from ...security import client_addr
from ...services import definitions as definitions_service
from ...services import migrations
from .. import web_blp
from ..i18n import t
from .admin_common import page_user, refusal_text, to_login

ACTION = "definition.migrate"


def _ids(text: str | None) -> list[int] | None:
    parts = [p.strip() for p in (text or "").replace("，", ",").split(",") if p.strip()]
    if not parts:
        return None
    if not all(p.isdigit() and 0 < int(p) < 2**31 for p in parts) or len(parts) > 500:
        raise ValueError
    return [int(p) for p in parts]


def _explain(row: dict[str, Any]) -> list[str]:
    """The reasons and notes of a preview or result row in the page's language."""
    lines = [t(f"migrate_refusal_{row['refusal']}")] if row.get("refusal") else []
    for p in row.get("problems") or []:
        state = t("migrate_state_completed") if p["state"] == "completed" else t("migrate_state_active")
        lines.append(t(f"migrate_problem_{p['kind']}", state=state, name=p["name"] or p["element_id"],
                       process=p["process_id"], fields=", ".join(p["fields"])))
    if not lines and not row.get("migratable", row.get("migrated")):
        lines += row.get("reasons") or []
    if row.get("added_tasks"):
        lines.append(t("migrate_added", names="、".join(a["name"] or a["element_id"] for a in row["added_tasks"])))
    for form in row.get("changed_forms") or []:
        lines.append(t("migrate_form_changed", name=form["element_id"]))
    return lines


@web_blp.route("/processes/<key>/migrate", methods=["GET", "POST"])
def definitions_migrate(key: str):
    user = page_user()
    if user is None:
        return to_login()
    permissions.require(ACTION)
    versions = definitions_service.visible(user, [v for v in _bpmn_versions(key)])
    if not versions:
        abort(404)
    newest = versions[0].version
    form = request.form if request.method == "POST" else request.args
    from_version = form.get("from_version", type=int) or (versions[1].version if len(versions) > 1 else newest)
    preview = result = None
    try:
        ids = _ids(form.get("instance_ids"))
    except ValueError:
        flash(t("migrate_bad_ids"), "bad")
        ids = None
    else:
        try:
            if request.method == "POST":
                result = migrations.migrate(user, permissions.acting_role(user, ACTION), key, from_version, newest,
                                            ids, None, client_addr())
                flash(t("migrate_done", n=result["migrated"], total=result["total"]), "ok")
            elif "preview" in form:
                preview = migrations.preview(user, key, from_version, newest, ids, None)
        except SanxiangError as exc:
            db.session.rollback()
            flash(refusal_text(exc), "bad")
    rows = (preview or result or {}).get("instances") or []
    return render_template("definitions/migrate.html", key=key, name=versions[0].name, newest=newest,
                           numbers=[v.version for v in versions], from_version=from_version,
                           ids=form.get("instance_ids") or "", preview=preview, result=result,
                           rows=[{**r, "lines": _explain(r)} for r in rows],
                           movable=[r["instance_id"] for r in rows if r.get("migratable")])


def _bpmn_versions(key: str):
    from sqlalchemy import select

    from ...models import DefinitionVersion

    return db.session.scalars(select(DefinitionVersion).where(DefinitionVersion.key == key,
                                                              DefinitionVersion.kind == "bpmn")
                              .order_by(DefinitionVersion.version.desc()))
