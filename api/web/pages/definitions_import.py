"""The process owner's import page for diagrams from other modelers: upload, see the proposed mapping (roles,
forms, deadlines, what cannot be mapped), choose roles, accept. The same service calls as
``POST /api/v1/definitions/import`` and ``/import/accept``; the uploaded files ride along in the page between
the steps (nothing is stored before the owner accepts)."""
from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Response, redirect, render_template, request, url_for

from engine.errors import DefinitionInvalid, Problem
from engine.roles import ROLES

from ... import permissions
from ...errors import BadRequest
from ...extensions import db
from ...inputs import filename_problem
from ...security import client_addr
from ...services import definitions as service
from ...services import orgs
from .. import nav, web_blp
from ..i18n import lang, t
from .definitions import _require_owner, _user

nav.add("web.definitions_import", "import_menu", ("process_owner",), order=61)

#: the most files one import carries (a diagram and its forms)
MAX_FILES = 40


def _uploaded() -> dict[str, bytes]:
    """The files of this step: freshly uploaded, or carried in the page from the step before."""
    files: dict[str, bytes] = {}
    for storage in request.files.getlist("files"):
        if storage.filename:
            files[storage.filename] = storage.read()
    names, contents = request.form.getlist("carried_name"), request.form.getlist("carried_content")
    for name, content in zip(names, contents, strict=False):
        try:
            files.setdefault(name, base64.b64decode(content, validate=True))
        except (binascii.Error, ValueError):
            raise BadRequest("a carried file is not base64", {"files": [f"{name}: not base64"]}) from None
    if len(files) > MAX_FILES:
        raise BadRequest(f"at most {MAX_FILES} files", {"files": [f"at most {MAX_FILES} files"]})
    for name in files:
        problem = filename_problem(name)
        if problem:
            raise BadRequest(f"file name {problem}", {"files": [f"file name {problem}"]})
    return files


def _mapping() -> dict[str, str]:
    """role_<source>_<n> selects, keyed by the hidden name_<n> beside them; unknown roles are refused."""
    mapping: dict[str, str] = {}
    for index, name in enumerate(request.form.getlist("role_name")):
        roles = request.form.getlist("role_value")
        role = roles[index] if index < len(roles) else ""
        if role not in ROLES:
            raise BadRequest(f"unknown role {role!r}", {"mapping": [f"unknown role {role!r}"]})
        mapping[name] = role
    return mapping


def _page(files: dict[str, bytes], proposal: dict[str, Any] | None, refused: list[Problem] | None = None,
          status: int = 200) -> Response:
    carried = [{"name": n, "content": base64.b64encode(c).decode()} for n, c in sorted(files.items())]
    roles = [{"key": k, "label": f"{v[lang()]}（{v['zh']}）" if lang() == "en" else v["zh"]} for k, v in ROLES.items()]
    body = render_template("definitions/import.html", proposal=proposal, carried=carried, roles=roles,
                           refused=[p.as_dict() for p in refused or []])
    return Response(body, status=status)


@web_blp.route("/processes/import")
def definitions_import():
    user = _user()
    _require_owner(user)
    return _page({}, None)


@web_blp.route("/processes/import", methods=["POST"])
def definitions_import_post():
    user = _user()
    _require_owner(user)
    files = _uploaded()
    if not files:
        return _page({}, None, [Problem(None, None, None, t("import_no_files"))], status=400)
    mapping = _mapping()
    if request.form.get("action") != "accept":
        try:
            return _page(files, service.propose_import(files, mapping))
        except DefinitionInvalid as exc:
            return _page({}, None, exc.problems, status=400)
    user = permissions.require("definition.deploy")
    scope = orgs.write_scope(user)
    try:
        proposal, created = service.accept_import(
            files, mapping, user.username, client_addr(), org_id=orgs.user_bureau(user),
            may_write=lambda org: org in scope if org is not None else orgs.is_root(user))
    except DefinitionInvalid as exc:
        db.session.rollback()
        return _page(files, service.propose_import(files, mapping), exc.problems, status=400)
    db.session.commit()
    process = next((v for v in created if v["kind"] == "bpmn"), None)
    if process is None:
        return redirect(url_for("web.definitions_list"))
    return redirect(url_for("web.definitions_list", deployed=process["key"], version=process["version"]))



