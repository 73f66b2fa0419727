"""Process owners' pages: every process, decision table and form with its versions; the BPMN modeler (with the
Sanxiang properties panel), the DMN and form editors, and the comparison of two versions.

Reading follows ``GET /api/v1/definitions`` (any logged-in user, the keys the caller's bureau runs); the editors
are for those who may validate and deploy (``definition.validate``); validating and deploying are the JSON API's
(``POST /api/v1/definitions/validate`` and ``POST /api/v1/definitions``), called from the browser."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from engine.clock import BEIJING
from engine.roles import ROLES

from ... import permissions
from ...definitions.schemas import CompareResultSchema
from ...extensions import db
from ...models import DefinitionFile, DefinitionVersion, User
from ...security import current_user
from ...services import definition_compare
from ...services import definitions as service
from ...services.settings import ACT_KINDS
from .. import nav, web_blp
from ..i18n import lang, t

nav.add("web.definitions_list", "definitions_menu", ("process_owner", "admin"), order=60)

KINDS = ("bpmn", "dmn", "form")
#: the strings the browser scripts show (the page's language)
SCRIPT_STRINGS = (
    "definitions_problems", "definitions_valid", "definitions_no_change", "definitions_refused", "definitions_working",
    "definitions_line", "definitions_no_element", "definitions_group_sanxiang", "definitions_group_timer",
    "definitions_lane_role", "definitions_no_role", "definitions_unknown_role", "definitions_form_key",
    "definitions_no_form", "definitions_due_date", "definitions_act_kind", "definitions_no_act",
    "definitions_task_kind", "definitions_timer_type", "definitions_timer_none", "definitions_timer_date",
    "definitions_timer_duration", "definitions_timer_cycle", "definitions_timer_value", "definitions_added",
    "definitions_removed", "definitions_changed", "definitions_layout", "definitions_no_changes",
    "definitions_element", "definitions_change", "definitions_detail",
)


def _compare_strings() -> dict[str, str]:
    """The strings the compare page shows for a changed form or decision table (api/web/strings/heatmap.py)."""
    from ..strings.heatmap import STRINGS

    return {key: t(key) for key in STRINGS if key.startswith("compare_")}


def _user() -> User:
    user = current_user(required=False)
    if user is None:
        abort(redirect(url_for("web.login")))
    return user


def _versions(user: User, kind: str | None = None, key: str | None = None) -> list[DefinitionVersion]:
    stmt = select(DefinitionVersion).order_by(DefinitionVersion.kind, DefinitionVersion.key,
                                              DefinitionVersion.version.desc())
    if kind:
        stmt = stmt.where(DefinitionVersion.kind == kind)
    if key:
        stmt = stmt.where(DefinitionVersion.key == key)
    return service.visible(user, list(db.session.scalars(stmt)))


def _version(user: User, kind: str, key: str, version: int | None) -> DefinitionVersion:
    """One visible version (the latest when ``version`` is None); 404 otherwise, as the API answers."""
    found = [v for v in _versions(user, kind, key) if version is None or v.version == version]
    if not found:
        abort(404)
    return found[0]


def _content(ver: DefinitionVersion) -> str:
    return db.session.get(DefinitionFile, ver.sha256).content.decode("utf-8")


def _local(ver: DefinitionVersion) -> str:
    return ver.deployed_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if ver.deployed_at else ""


def _deployers(versions: list[DefinitionVersion]) -> dict[str, str]:
    """username -> display name of who deployed these versions (the initial load is the system's)."""
    names = {v.deployed_by for v in versions}
    found = dict(db.session.execute(select(User.username, User.display_name).where(User.username.in_(names))).all())
    return {name: found.get(name) or (t("definitions_system") if name == "system" else name) for name in names}


def _row(ver: DefinitionVersion, deployers: dict[str, str]) -> dict[str, Any]:
    return {"key": ver.key, "kind": ver.kind, "version": ver.version, "name": ver.name, "filename": ver.filename,
            "deployed_at": _local(ver), "deployed_by": deployers.get(ver.deployed_by, ver.deployed_by)}


def _strings() -> dict[str, str]:
    return {key: t(key) for key in SCRIPT_STRINGS}


def _editor_data(ver: DefinitionVersion) -> dict[str, Any]:
    return {"key": ver.key, "kind": ver.kind, "version": ver.version, "filename": ver.filename,
            "content": _content(ver), "validate_url": "/api/v1/definitions/validate", "deploy_url": "/api/v1/definitions",
            "list_url": url_for("web.definitions_list"), "strings": _strings(), "lang": lang(),
            "translate_url": url_for("web.messages_translate")}


def _require_owner(user: User) -> None:
    if not permissions.can(user, "definition.validate"):
        abort(Response(render_template("message.html", message=t("definitions_not_owner")), status=403))


@web_blp.route("/processes")
def definitions_list():
    """Every key the caller's bureau runs, with all of its versions; ``?deployed=key&version=n`` after a deploy."""
    user = _user()
    groups: dict[str, dict[str, list[dict[str, Any]]]] = {kind: defaultdict(list) for kind in KINDS}
    versions = _versions(user)
    deployers = _deployers(versions)
    for ver in versions:
        groups[ver.kind][ver.key].append(_row(ver, deployers))
    key, number = request.args.get("deployed"), request.args.get("version", type=int)
    exists = any(v.key == key and v.version == number for v in versions)
    deployed = {"key": key, "version": number} if exists else None
    return render_template("definitions/list.html", groups=groups, deployed=deployed,
                           can_edit=permissions.can(user, "definition.validate"),
                           can_migrate=permissions.can(user, "definition.migrate"),
                           can_stats=permissions.can(user, "definition.stats"))


@web_blp.route("/processes/<kind>/<key>/versions/<int:version>/file")
def definitions_file(kind: str, key: str, version: int):
    """The stored file of one version, as text (view only)."""
    if kind not in KINDS:
        abort(404)
    ver = _version(_user(), kind, key, version)
    content = db.session.get(DefinitionFile, ver.sha256).content
    # plain text in a sandbox: an uploaded diagram is shown, never run as a document of this origin
    return Response(content, content_type="text/plain; charset=utf-8",
                    headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"})


@web_blp.route("/processes/<key>/edit")
def definitions_modeler(key: str):
    user = _user()
    _require_owner(user)
    ver = _version(user, "bpmn", key, request.args.get("version", type=int))
    data = _editor_data(ver)
    data["forms"] = sorted({v.key for v in _versions(user, "form")})
    data["roles"] = [{"key": k, "zh": v["zh"], "label": v[lang()]} for k, v in ROLES.items()]
    data["act_kinds"] = [{"key": k, "label": t(f"definitions_act_{k}")} for k in ACT_KINDS]
    return render_template("definitions/modeler.html", ver=ver, data=data)


@web_blp.route("/decisions/<key>/edit")
def definitions_dmn(key: str):
    user = _user()
    _require_owner(user)
    ver = _version(user, "dmn", key, request.args.get("version", type=int))
    return render_template("definitions/dmn.html", ver=ver, data=_editor_data(ver))


@web_blp.route("/forms/<key>/edit")
def definitions_form(key: str):
    user = _user()
    _require_owner(user)
    ver = _version(user, "form", key, request.args.get("version", type=int))
    return render_template("definitions/form_editor.html", ver=ver, data=_editor_data(ver))


@web_blp.route("/processes/<key>/compare")
def definitions_compare(key: str):
    """Two versions side by side; ``?a=&b=`` (default: the two newest)."""
    user = _user()
    versions = _versions(user, "bpmn", key)
    if not versions:
        abort(404)
    numbers = [v.version for v in versions]
    b = request.args.get("b", type=int) or numbers[0]
    a = request.args.get("a", type=int) or (numbers[1] if len(numbers) > 1 else numbers[0])
    old, new = _version(user, "bpmn", key, min(a, b)), _version(user, "bpmn", key, max(a, b))
    data = {"key": key, "old": {"version": old.version, "xml": _content(old)},
            "new": {"version": new.version, "xml": _content(new)}, "strings": {**_strings(), **_compare_strings()},
            # what GET /api/v1/definitions/<key>/compare answers: the page marks and lists it
            "compare_url": f"/api/v1/definitions/{key}/compare?a={old.version}&b={new.version}",
            "diff": CompareResultSchema().dump(definition_compare.compare(user, key, old.version, new.version))}
    return render_template("definitions/compare.html", key=key, old=old, new=new, numbers=numbers, data=data,
                           same=old.version == new.version, deployers=_deployers([old, new]), old_at=_local(old),
                           new_at=_local(new))
