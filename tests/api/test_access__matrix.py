"""Every route × every demo user × (the case they are on / not on): the expected answer, from one table.

The routes come from ``app.url_map`` (none listed by hand): a route without an entry in :data:`EXPECTED` fails the
coverage test. Routes about a case are tried on three cases (api/tests/access_support.py): A (unit nj-mzj-1, with
the reviewer's and the publicity officer's tasks), C (unit nj-mzj-2) and B (the other bureau, nj-scj). Write
routes are sent bodies that an authorised caller would get past the schema with, so an authorised caller gets its
2xx, 409 or 422 and everybody else 401/403/404: an unauthorised caller never gets a 2xx and never reaches the
validation of a record they may not see (404 or 403 before 422).
"""
from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.access_support import OPEN_TASK, READ, USERS, World, build_world
from tests.api.helpers import csrf_of, web_login
from tests.api.walk import run_minor_case

CASES = ("A", "C", "B")
#: who reads the per-element figures of a process version (the heatmap): docs/ACCESS.md ``definition.stats``
STATS_ROLES = ("process_owner", "head", "chief", "auditor", "admin", "supervisor")
Who = str | None


# --- expectations --------------------------------------------------------------------------------------------------

def has(user: Who, *roles: str) -> bool:
    return bool(USERS[user][0] & set(roles))


def logged_in(ok: int, anon: int = 401) -> Callable[..., int]:
    return lambda user, case=None: anon if user is None else ok


def anyone(ok: int) -> Callable[..., int]:
    return lambda user, case=None: ok


def by_role(ok: int, *roles: str, other: int = 403, anon: int = 401) -> Callable[..., int]:
    return lambda user, case=None: anon if user is None else ok if has(user, *roles) else other


def on_case(ok: int, *roles: str, full: bool = True, write: bool = False, anon: int = 401,
            role_first: bool = False) -> Callable[..., int]:
    """A case route: another bureau's case 404 (as a missing one; ``role_first``: the route refuses a caller without
    the role before it reads the case, which tells nothing either), ``roles`` (none: any) may attempt it; then the
    case decides (READ): not on it 403, the masked view 403 where ``full`` is needed, the supervisor's read-only
    view 403 for a write."""

    def expect(user: Who, case: str) -> int:
        if user is None:
            return anon
        view = READ[case][user]
        if view == 404 and not (role_first and roles and not has(user, *roles)):
            return 404  # scope before role: another bureau's case answers as a missing one
        if roles and not has(user, *roles):
            return 403
        if isinstance(view, int):
            return view
        if (view == "masked" and full) or (view == "ro" and write):
            return 403
        return ok
    return expect


def task_seen(user: Who, case: str) -> str | int:
    """How a user sees the case's open task: its lane's holders on the case, the bureau's overseers (auditors,
    admins; the supervisor read-only). Others of the bureau 403, another bureau 404."""
    view = READ[case][user]
    if user is None or view in (401, 404):
        return view
    role = OPEN_TASK[case][1]
    if has(user, "auditor", "admin", "supervisor"):
        return "ro" if view == "ro" else "full"
    if has(user, role) and not isinstance(view, int):
        return view
    return 403


def task_route(ok: int, work: bool = False, anon: int = 401) -> Callable[..., int]:
    """Task routes: reading (``work`` False) as :func:`task_seen`; claiming and completing only by the lane's
    holders on the case (an overseer sees the task but does not work it; the supervisor never writes)."""

    def expect(user: Who, case: str) -> int:
        if user is None:
            return anon
        seen = task_seen(user, case)
        if isinstance(seen, int):
            return seen
        if work and (seen == "ro" or not has(user, OPEN_TASK[case][1])):
            return 403
        if seen == "ro" and ok >= 200 and ok < 300 and work:
            return 403
        return ok
    return expect


def unclaim(user: Who, case: str) -> int:
    """Giving a task back (it is unclaimed here: a no-op 200) by those who may work it, or an admin."""
    if user is None:
        return 401
    seen = task_seen(user, case)
    if isinstance(seen, int):
        return seen
    return 200 if has(user, OPEN_TASK[case][1], "admin") and seen != "ro" else 403


def in_bureau(ok: int, *roles: str, write: bool = False, supervised: bool = True) -> Callable[..., int]:
    """A register of bureau nj-mzj (devices, lists): its users (``roles``, if given) and the province's owner get
    ``ok``; the other bureau 404; the supervising justice bureau reads it (``supervised``; else 404), never
    writes (403)."""

    def expect(user: Who, case=None) -> int:
        if user is None:
            return 401
        bureau = USERS[user][1]
        if bureau == "nj-sfj":
            return 404 if not supervised else 403 if write or roles else ok
        if bureau == "nj-scj":
            return 404
        if bureau == "hebei":  # the province's owner: devices yes, a bureau's own lists no
            return 404 if not supervised else ok if not roles or has(user, *roles) else 403
        return ok if not roles or has(user, *roles) else 403
    return expect


def web(expect: Callable[..., int], anon: int = 302) -> Callable[..., int]:
    """The same answer on a web page, where a visitor without a session is sent to /login (302)."""
    return lambda user, case=None: anon if user is None else expect(user, case)


# --- the table -----------------------------------------------------------------------------------------------------

@dataclass
class Row:
    expect: Callable[..., int]
    case: bool = False  # tried on each case (the rule's <instance_id>, <task_id>, <sha256> or a body naming it)
    kind: str = "api"  # api: Bearer token; web: the login cookie session (with its CSRF token)
    path: str | Callable[[World, str | None], str] | None = None  # the URL when it is not the rule itself
    body: Callable[[World, str | None, Who], dict[str, Any]] | None = None  # JSON body (or form data on the web)
    files: Callable[[], dict[str, Any]] | None = None  # multipart body
    json: bool = False  # a web route taking JSON (with the session's CSRF token in X-CSRF-Token)


def _year_body(_w, _c, _u):
    return {"holidays": [], "workdays": []}


def _instance_path(suffix: str = "") -> Callable[[World, str], str]:
    return lambda w, case: f"/api/v1/instances/{w.ids[case]}{suffix}"


def _task_path(suffix: str = "", prefix: str = "/api/v1/tasks") -> Callable[[World, str], str]:
    return lambda w, case: f"{prefix}/{w.tasks[case]}{suffix}"


def _bad_bpmn() -> dict[str, Any]:
    return {"files": (io.BytesIO(b"<not-bpmn/>"), "matrix.bpmn")}


def _not_a_zip() -> dict[str, Any]:
    return {"file": (io.BytesIO(b"<not-a-zip/>"), "definitions.zip")}


def _photo_form(w: World, case: str, user: Who) -> dict[str, Any]:
    from tests.api.evidence_support import PNG, media, photo_meta

    officers = {"A": ["officer1", "officer2"], "C": ["officer3"], "B": ["officer4"]}[case]
    meta = photo_meta(officers=officers)
    return {**meta, "file": (io.BytesIO(media(PNG)), "matrix.png")}


U1, U4 = "officer1", "officer4"  # a user of the admin's bureau, a user of the other bureau
NO_UPLOAD = "/api/v1/evidence/uploads/0123456789abcdef0123456789abcdef"

EXPECTED: dict[tuple[str, str], Row] = {
    # --- web pages ---
    ("GET", "/"): Row(anyone(302), kind="web"),
    ("GET", "/login"): Row(anyone(200), kind="web"),
    ("POST", "/login"): Row(anyone(400), kind="web", body=lambda w, c, u: {"username": "x", "password": "y"},
                            path="/login?nocsrf=1"),
    ("POST", "/logout"): Row(anyone(302), kind="web"),
    ("GET", "/inbox"): Row(web(logged_in(200)), kind="web"),
    ("GET", "/cases/new"): Row(web(logged_in(200)), kind="web"),
    ("POST", "/cases/new/<key>"): Row(web(by_role(302, "officer", "admin")), kind="web",
                                      path="/cases/new/enforcement_case"),
    ("GET", "/cases/<int:instance_id>"): Row(web(on_case(200, full=False)), case=True, kind="web",
                                             path=lambda w, case: f"/cases/{w.ids[case]}"),
    ("GET", "/public"): Row(anyone(200), kind="web"),
    ("GET", "/public/officers"): Row(anyone(200), kind="web"),
    ("GET", "/public/powers"): Row(anyone(200), kind="web"),
    ("GET", "/static/<path:filename>"): Row(anyone(404), kind="web", path="/static/none.css"),  # nothing there
    ("GET", "/static/dist/<path:filename>"): Row(anyone(404), kind="web", path="/static/dist/none.js"),
    ("GET", "/favicon.ico"): Row(anyone(301), kind="web"),
    # admin and head pages (api/web/pages/admin_*.py, dashboard.py): the API's answers, a form refusal a redirect
    ("GET", "/admin/users"): Row(web(by_role(200, "admin")), kind="web"),
    ("POST", "/admin/users"): Row(web(by_role(302, "admin")), kind="web", body=lambda w, c, u: {}),
    ("GET", "/admin/users/<username>"): Row(
        lambda u, c=None: 302 if u is None else (404 if c == U4 else 200) if has(u, "admin") else 403,
        case=True, kind="web", path="/admin/users/{user}"),
    ("POST", "/admin/users/<username>"): Row(  # an empty form: refused with a message, nothing changed
        lambda u, c=None: 302 if u is None else (404 if c == U4 else 302) if has(u, "admin") else 403,
        case=True, kind="web", path="/admin/users/{user}", body=lambda w, c, u: {}),
    ("POST", "/admin/users/<username>/certificates"): Row(
        lambda u, c=None: 302 if u is None else (404 if c == U4 else 302) if has(u, "admin") else 403,
        case=True, kind="web", path="/admin/users/{user}/certificates", body=lambda w, c, u: {}),
    ("POST", "/admin/users/<username>/lockout"): Row(
        lambda u, c=None: 302 if u is None else (404 if c == U4 else 302) if has(u, "admin") else 403,
        case=True, kind="web", path="/admin/users/{user}/lockout"),
    ("GET", "/admin/devices"): Row(web(logged_in(200)), kind="web"),
    ("POST", "/admin/devices"): Row(web(by_role(302, "admin", "head")), kind="web", body=lambda w, c, u: {}),
    ("GET", "/admin/devices/<code>"): Row(web(in_bureau(200)), kind="web", path="/admin/devices/{device_out}"),
    ("POST", "/admin/devices/<code>/<action>"): Row(web(in_bureau(302, write=True)), kind="web",
                                                    path="/admin/devices/{device_out}/checkout",
                                                    body=lambda w, c, u: {}),
    ("GET", "/admin/recording-items"): Row(web(logged_in(200)), kind="web"),
    ("POST", "/admin/recording-items"): Row(web(by_role(302, "admin", "process_owner")), kind="web",
                                            body=lambda w, c, u: {}),
    ("GET", "/admin/settings"): Row(web(by_role(200, "admin", "process_owner")), kind="web"),
    ("POST", "/admin/settings/<key>"): Row(web(by_role(302, "admin", "process_owner")), kind="web",
                                           path="/admin/settings/warning_days", body=lambda w, c, u: {}),
    ("POST", "/admin/calendar/years"): Row(web(by_role(302, "admin", "process_owner")), kind="web",
                                           body=lambda w, c, u: {}),
    ("GET", "/dashboard"): Row(web(by_role(200, "head", "auditor", "admin", "supervisor")), kind="web"),
    # the public portal (api/public/pages.py)
    ("GET", "/public/decisions/<int:disclosure_id>"): Row(anyone(404), kind="web", path="/public/decisions/2147483647"),
    ("GET", "/public/statistics"): Row(anyone(200), kind="web"),
    ("GET", "/tasks/<task_id>"): Row(web(task_route(200)), case=True, kind="web", path=_task_path(prefix="/tasks")),
    ("POST", "/tasks/<task_id>"): Row(web(task_route(422, work=True)), case=True, kind="web",
                                      path=_task_path(prefix="/tasks"), body=lambda w, c, u: {}),
    ("POST", "/tasks/<task_id>/submit"): Row(task_route(422, work=True), case=True, kind="web", json=True,
                                             path=_task_path("/submit", prefix="/tasks"),
                                             body=lambda w, c, u: {"data": {}}),
    # the message catalogue for the page scripts (api/web/pages/messages.py): text in, text out, any session
    ("POST", "/messages/translate"): Row(logged_in(200), kind="web", json=True,
                                         body=lambda w, c, u: {"messages": ["instance 1 not found"]}),
    # process owners' pages (api/web/pages/definitions.py)
    ("GET", "/processes"): Row(web(logged_in(200)), kind="web"),
    ("GET", "/processes/<kind>/<key>/versions/<int:version>/file"): Row(
        web(logged_in(200)), kind="web", path="/processes/bpmn/recording/versions/1/file"),
    ("GET", "/processes/<key>/compare"): Row(web(logged_in(200)), kind="web", path="/processes/recording/compare"),
    ("GET", "/processes/<key>/edit"): Row(web(by_role(200, "process_owner")), kind="web",
                                          path="/processes/recording/edit"),
    ("GET", "/decisions/<key>/edit"): Row(web(by_role(200, "process_owner")), kind="web",
                                          path="/decisions/major_decision/edit"),
    ("GET", "/forms/<key>/edit"): Row(web(by_role(200, "process_owner")), kind="web", path="/forms/record_start/edit"),
    ("GET", "/processes/import"): Row(web(by_role(200, "process_owner")), kind="web"),
    ("GET", "/processes/<key>/migrate"): Row(web(by_role(200, "process_owner", "admin")), kind="web",
                                             path="/processes/recording/migrate"),
    ("POST", "/processes/<key>/migrate"): Row(web(by_role(200, "process_owner", "admin")), kind="web",
                                              path="/processes/recording/migrate", body=lambda w, c, u: {}),
    ("POST", "/processes/import"): Row(web(by_role(400, "process_owner")), kind="web", body=lambda w, c, u: {}),
    ("GET", "/processes/<key>/versions/<int:version>/heatmap"): Row(
        web(by_role(200, *STATS_ROLES)), kind="web", path="/processes/enforcement_case/versions/1/heatmap"),
    ("POST", "/tasks/<task_id>/<action>"): Row(web(task_route(302, work=True)), case=True, kind="web",
                                               path=_task_path("/claim", prefix="/tasks")),
    ("GET", "/api/docs"): Row(anyone(200)),
    ("GET", "/api/docs/assets/<path:filename>"): Row(anyone(200), path="/api/docs/assets/swagger-ui-bundle.js"),
    ("GET", "/api/v1/openapi.json"): Row(anyone(200)),
    # --- auth, me ---
    ("GET", "/api/v1/auth/csrf"): Row(anyone(200)),
    ("POST", "/api/v1/auth/token"): Row(anyone(200), body=lambda w, c, u: {"username": u or "officer1",
                                                                           "password": "demo"}),
    ("POST", "/api/v1/auth/logout"): Row(logged_in(204)),  # sent with a fresh token of its own
    ("GET", "/api/v1/me"): Row(logged_in(200)),
    # --- health (load balancers; no login, tells only ok / unavailable) ---
    ("GET", "/api/v1/health"): Row(anyone(200)),
    # --- audit pages (api/web/pages/audit.py) ---
    ("GET", "/audit"): Row(web(by_role(200, "officer", "legal_reviewer", "legal_counsel", "head", "auditor", "admin",
                                       "supervisor")), kind="web"),
    ("GET", "/audit/<int:instance_id>"): Row(
        web(on_case(200, "officer", "legal_reviewer", "legal_counsel", "head", "auditor", "admin", "supervisor")),
        case=True, kind="web", path=lambda w, case: f"/audit/{w.ids[case]}"),
    ("GET", "/audit/<int:instance_id>/case-file"): Row(
        web(on_case(200, "auditor", "admin", "head", "supervisor")), case=True, kind="web",
        path=lambda w, case: f"/audit/{w.ids[case]}/case-file"),
    ("GET", "/audit/versions/<key>/<int:version>"): Row(
        web(by_role(200, "officer", "legal_reviewer", "legal_counsel", "head", "auditor", "admin", "supervisor")),
        kind="web", path="/audit/versions/enforcement_case/1"),
    # --- cases ---
    ("GET", "/api/v1/instances"): Row(by_role(200, "officer", "legal_reviewer", "legal_counsel", "head",
                                              "publicity_officer", "auditor", "admin", "supervisor")),
    ("POST", "/api/v1/instances"): Row(by_role(201, "officer", "admin"),
                                       body=lambda w, c, u: {"definition_key": "enforcement_case", "data": {}}),
    ("GET", "/api/v1/instances/<int:instance_id>"): Row(on_case(200, full=False), case=True, path=_instance_path()),
    ("GET", "/api/v1/instances/<int:instance_id>/history"): Row(
        on_case(200, "officer", "legal_reviewer", "legal_counsel", "head", "auditor", "admin", "supervisor"),
        case=True, path=_instance_path("/history")),
    ("GET", "/api/v1/instances/<int:instance_id>/history/<int:seq>/state"): Row(
        on_case(200, "officer", "legal_reviewer", "legal_counsel", "head", "auditor", "admin", "supervisor"),
        case=True, path=_instance_path("/history/1/state")),
    ("GET", "/api/v1/instances/<int:instance_id>/verify"): Row(
        on_case(200, "auditor", "admin", "head", "supervisor"), case=True, path=_instance_path("/verify")),
    ("GET", "/api/v1/instances/<int:instance_id>/archive"): Row(
        on_case(200, "auditor", "admin", "head", "supervisor"), case=True, path=_instance_path("/archive")),
    ("PATCH", "/api/v1/instances/<int:instance_id>/data"): Row(
        on_case(200, "admin", write=True), case=True, path=_instance_path("/data"),
        body=lambda w, c, u: {"changes": {"matrix_note": "核对"}, "reason": "矩阵测试"}),
    ("POST", "/api/v1/instances/<int:instance_id>/rewind"): Row(
        on_case(404, "admin", write=True), case=True, path=_instance_path("/rewind"),  # no such element: 404
        body=lambda w, c, u: {"element_id": "task_no_such_element", "reason": "矩阵测试"}),
    ("POST", "/api/v1/instances/<int:instance_id>/cancel"): Row(  # tried last: it ends the cases
        on_case(200, "admin", write=True), case=True, path=_instance_path("/cancel"),
        body=lambda w, c, u: {"reason": "矩阵测试结束"}),
    ("GET", "/api/v1/instances/<int:instance_id>/evidence"): Row(
        on_case(200, "officer", "legal_reviewer", "legal_counsel", "head", "auditor", "admin", "supervisor"),
        case=True, path=_instance_path("/evidence")),
    ("POST", "/api/v1/instances/<int:instance_id>/evidence"): Row(
        on_case(201, "officer", "admin", write=True, role_first=True), case=True, path=_instance_path("/evidence"),
        files=_photo_form),
    ("GET", "/api/v1/instances/<int:instance_id>/av-analysis"): Row(
        on_case(200, "officer", "legal_reviewer", "legal_counsel", "head", "auditor", "admin", "supervisor"),
        case=True, path=_instance_path("/av-analysis")),
    ("GET", "/api/v1/evidence/<sha256>"): Row(
        on_case(200, "officer", "legal_reviewer", "legal_counsel", "head", "auditor", "admin", "supervisor",
                role_first=True), case=True, path=lambda w, case: f"/api/v1/evidence/{w.sha[case]}"),
    # resumable uploads (tus): the matrix sends no Tus-Resumable header, so an authorised caller gets 412 on
    # creation; an upload id nobody created is 404 to every uploader
    ("POST", "/api/v1/instances/<int:instance_id>/evidence/uploads"): Row(
        on_case(412, "officer", "admin", write=True, role_first=True), case=True,
        path=_instance_path("/evidence/uploads")),
    ("GET", "/api/v1/evidence/uploads/<upload_id>"): Row(by_role(404, "officer", "admin"), path=NO_UPLOAD),
    ("PATCH", "/api/v1/evidence/uploads/<upload_id>"): Row(by_role(404, "officer", "admin"), path=NO_UPLOAD),
    # its uploader may end an upload whatever role they hold now: any login, and another's or a missing one is 404
    ("DELETE", "/api/v1/evidence/uploads/<upload_id>"): Row(by_role(404, other=404), path=NO_UPLOAD),
    ("POST", "/api/v1/calendar/confirmations"): Row(  # a case named in the body; none of them awaits a check: 409
        on_case(409, "officer", "head", "admin", "process_owner", write=True, role_first=True), case=True,
        body=lambda w, c, u: {"instance_id": w.ids[c], "note": "期限已核对"}),
    # --- tasks ---
    ("GET", "/api/v1/tasks"): Row(logged_in(200)),
    ("GET", "/api/v1/tasks/<task_id>"): Row(task_route(200), case=True, path=_task_path()),
    ("POST", "/api/v1/tasks/<task_id>/claim"): Row(task_route(200, work=True), case=True, path=_task_path("/claim")),
    ("POST", "/api/v1/tasks/<task_id>/unclaim"): Row(unclaim, case=True, path=_task_path("/unclaim")),
    ("POST", "/api/v1/tasks/<task_id>/complete"): Row(task_route(422, work=True), case=True,
                                                      path=_task_path("/complete"), body=lambda w, c, u: {"data": {}}),
    # --- definitions ---
    ("GET", "/api/v1/definitions"): Row(logged_in(200)),
    ("POST", "/api/v1/definitions"): Row(by_role(400, "process_owner"), files=lambda *a: _bad_bpmn()),
    ("POST", "/api/v1/definitions/validate"): Row(by_role(400, "process_owner"), files=lambda *a: _bad_bpmn()),
    ("GET", "/api/v1/definitions/<key>"): Row(logged_in(200), path="/api/v1/definitions/enforcement_case"),
    ("GET", "/api/v1/definitions/<key>/versions/<int:version>/bpmn"): Row(
        logged_in(200), path="/api/v1/definitions/enforcement_case/versions/1/bpmn"),
    ("GET", "/api/v1/definitions/export.zip"): Row(by_role(200, "process_owner")),
    ("POST", "/api/v1/definitions/import.zip"): Row(by_role(400, "process_owner"), files=lambda *a: _not_a_zip()),
    ("POST", "/api/v1/definitions/import"): Row(by_role(200, "process_owner"), files=lambda *a: _bad_bpmn()),
    ("POST", "/api/v1/definitions/import/accept"): Row(by_role(400, "process_owner"), files=lambda *a: _bad_bpmn()),
    ("POST", "/api/v1/definitions/<key>/migrations/preview"): Row(
        by_role(200, "process_owner", "admin"), path="/api/v1/definitions/recording/migrations/preview",
        body=lambda w, c, u: {"from_version": 1, "to_version": 1}),
    ("POST", "/api/v1/definitions/<key>/migrations"): Row(  # onto the version the cases run on: nothing moves
        by_role(200, "process_owner", "admin"), path="/api/v1/definitions/recording/migrations",
        body=lambda w, c, u: {"from_version": 1, "to_version": 1}),
    ("GET", "/api/v1/definitions/<key>/compare"): Row(
        logged_in(200), path="/api/v1/definitions/enforcement_case/compare?a=1&b=1"),
    ("GET", "/api/v1/definitions/<key>/versions/<int:version>/stats"): Row(
        by_role(200, *STATS_ROLES), path="/api/v1/definitions/enforcement_case/versions/1/stats"),
    # --- calendar, settings, statistics ---
    ("GET", "/api/v1/calendar/status"): Row(logged_in(200)),
    ("GET", "/api/v1/calendar/years/<int:year>"): Row(logged_in(404), path="/api/v1/calendar/years/2031"),
    ("PUT", "/api/v1/calendar/years/<int:year>"): Row(  # a year the holiday package knows: 409
        by_role(409, "admin", "process_owner"), path="/api/v1/calendar/years/2025", body=_year_body),
    ("GET", "/api/v1/settings"): Row(logged_in(200)),
    ("GET", "/api/v1/settings/<key>"): Row(logged_in(200), path="/api/v1/settings/{setting}"),
    ("PUT", "/api/v1/settings/<key>"): Row(by_role(422, "admin", "process_owner"), path="/api/v1/settings/{setting}",
                                           body=lambda w, c, u: {"value": {"matrix": "not a valid value"}}),
    ("GET", "/api/v1/statistics/<int:year>"): Row(by_role(200, "head", "auditor", "admin", "supervisor"),
                                                  path="/api/v1/statistics/2025"),
    ("GET", "/api/v1/statistics/<int:year>/av-analysis"): Row(by_role(200, "head", "auditor", "admin", "supervisor"),
                                                              path="/api/v1/statistics/2025/av-analysis"),
    ("POST", "/api/v1/statistics/<int:year>/publish"): Row(by_role(422, "head", "admin"),
                                                           path="/api/v1/statistics/1999/publish"),
    # --- exports (supervision, 双公示) ---
    ("GET", "/api/v1/exports/supervision"): Row(by_role(200, "auditor", "supervisor"),
                                                path="/api/v1/exports/supervision?from=2025-01-01&to=2025-01-31"),
    ("GET", "/api/v1/exports/credit"): Row(by_role(200, "publicity_officer", "head", "admin", "auditor", "supervisor"),
                                           path="/api/v1/exports/credit?from=2025-01-01&to=2025-01-31"),
    ("POST", "/api/v1/exports/credit"): Row(by_role(201, "publicity_officer", "head", "admin"),
                                            body=lambda w, c, u: {"from": "2025-01-01", "to": "2025-01-31"}),
    # --- registers ---
    ("GET", "/api/v1/powers"): Row(logged_in(200)),
    ("POST", "/api/v1/powers"): Row(anyone(422), body=lambda w, c, u: {}),
    ("GET", "/api/v1/powers/<code>"): Row(in_bureau(200, supervised=False),
                                                path="/api/v1/powers/{power}"),
    ("GET", "/api/v1/recording-items"): Row(logged_in(200)),
    ("POST", "/api/v1/recording-items"): Row(anyone(422), body=lambda w, c, u: {}),
    ("GET", "/api/v1/recording-items/<code>"): Row(in_bureau(200, supervised=False),
                                                   path="/api/v1/recording-items/{recording}"),
    ("GET", "/api/v1/inspection-items"): Row(logged_in(200)),
    # the shape of a body is checked before the role (422 for anyone): it tells nothing about any record
    ("POST", "/api/v1/inspection-items"): Row(anyone(422), body=lambda w, c, u: {}),
    ("GET", "/api/v1/inspection-items/<code>"): Row(in_bureau(200, supervised=False),
                                                          path="/api/v1/inspection-items/{item}"),
    ("GET", "/api/v1/inspection-targets"): Row(logged_in(200)),
    ("POST", "/api/v1/inspection-targets"): Row(anyone(422), body=lambda w, c, u: {}),
    ("GET", "/api/v1/inspection-targets/<code>"): Row(in_bureau(200, supervised=False),
                                                            path="/api/v1/inspection-targets/{target}"),
    ("GET", "/api/v1/certificates"): Row(by_role(200, "admin", "head", "supervisor")),
    ("POST", "/api/v1/certificates"): Row(by_role(422, "admin"), body=lambda w, c, u: {
        "username": "nobody-matrix", "number": "HB-MATRIX-1", "category": "宗教事务行政执法",
        "valid_from": "2024-01-01"}),
    ("POST", "/api/v1/lottery-plans/<int:plan_id>/abandon"): Row(by_role(404, "head"),
                                                                 path="/api/v1/lottery-plans/999999/abandon",
                                                                 body=lambda w, c, u: {"reason": "矩阵测试"}),
    ("GET", "/api/v1/devices"): Row(logged_in(200)),
    ("POST", "/api/v1/devices"): Row(by_role(201, "admin", "head"), body=lambda w, c, u: {
        "code": f"DEV-MX-{uuid.uuid4().hex[:8]}", "name": "执法记录仪", "kind": "body_cam"}),
    ("POST", "/api/v1/devices/<code>/checkout"): Row(  # out already: 409 for those who may record a checkout
        in_bureau(409, "admin", "head", "officer"), path="/api/v1/devices/{device_out}/checkout",
        body=lambda w, c, u: {"officer": u if has(u, "officer") else "officer2"}),
    ("POST", "/api/v1/devices/<code>/return"): Row(in_bureau(409, write=True), path="/api/v1/devices/{device_in}/return",
                                                   body=lambda w, c, u: {}),
    ("GET", "/api/v1/devices/<code>/ledger"): Row(in_bureau(200), path="/api/v1/devices/{device_out}/ledger"),
    # --- public (no login) and the bureau's withdrawals ---
    ("GET", "/api/v1/organisations"): Row(logged_in(200)),
    ("GET", "/api/v1/public/organisations"): Row(anyone(200)),
    ("GET", "/api/v1/public/disclosures"): Row(anyone(200)),
    ("GET", "/api/v1/public/disclosures/<int:disclosure_id>"): Row(anyone(200),
                                                                   path="/api/v1/public/disclosures/{disclosure}"),
    ("POST", "/api/v1/public/corrections"): Row(anyone(404), body=lambda w, c, u: {
        "disclosure_id": 987654, "contact": "13800000000", "reason": "矩阵测试：号码有误"}),
    ("POST", "/api/v1/disclosures/<int:disclosure_id>/withdrawals"): Row(  # an event before the decision: 422
        lambda u, c=None: 401 if u is None else 404 if u == "head3" else 422 if has(u, "publicity_officer", "head")
        else 403, path="/api/v1/disclosures/{disclosure}/withdrawals", body=lambda w, c, u: {
            "withdraw_basis": "revoked", "event_kind": "reconsideration", "event_date": "2000-01-01",
            "reason": "复议决定撤销"}),
    ("GET", "/api/v1/public/inspection-items"): Row(anyone(200)),
    ("GET", "/api/v1/public/inspection-targets"): Row(anyone(200)),
    ("GET", "/api/v1/public/lottery-plans"): Row(anyone(200)),
    ("GET", "/api/v1/public/officers"): Row(anyone(200)),
    ("GET", "/api/v1/public/powers"): Row(anyone(200)),
    ("GET", "/api/v1/public/statistics"): Row(anyone(200)),
    ("GET", "/api/v1/public/statistics/<int:year>"): Row(anyone(404), path="/api/v1/public/statistics/1999"),
    # --- users (admin, within the admin's organisations: another bureau's user is 404 before any validation) ---
    ("GET", "/api/v1/users"): Row(by_role(200, "admin")),
    ("POST", "/api/v1/users"): Row(by_role(409, "admin"), body=lambda w, c, u: {  # the username is taken
        "username": "officer2", "display_name": "重名", "password": "a-long-enough-password", "roles": ["officer"],
        "org": "nj-mzj-1"}),
    ("GET", "/api/v1/users/<username>"): Row(
        lambda u, c=None: 401 if u is None else (404 if c == U4 else 200) if has(u, "admin") else 403,
        case=True, path="/api/v1/users/{user}"),
    ("PATCH", "/api/v1/users/<username>"): Row(
        lambda u, c=None: 401 if u is None else (404 if c == U4 else 200) if has(u, "admin") else 403,
        case=True, path="/api/v1/users/{user}", body=lambda w, c, u: {"display_name": {U1: "执法人员一",
                                                                                      U4: "市场监管执法人员"}[c]}),
    ("PUT", "/api/v1/users/<username>/password"): Row(  # too short: 422 for the admin's own users only
        lambda u, c=None: 401 if u is None else (404 if c == U4 else 422) if has(u, "admin") else 403,
        case=True, path="/api/v1/users/{user}/password", body=lambda w, c, u: {"password": "x"}),
    ("POST", "/api/v1/users/<username>/certificates"): Row(  # a number that is taken: 409
        lambda u, c=None: 401 if u is None else (404 if c == U4 else 409) if has(u, "admin") else 403,
        case=True, path="/api/v1/users/{user}/certificates", body=lambda w, c, u: {
            "number": "HB-NJ-2024-0001", "category": "宗教事务行政执法", "valid_from": "2025-01-01"}),
    ("DELETE", "/api/v1/users/<username>/lockout"): Row(
        lambda u, c=None: 401 if u is None else (404 if c == U4 else 200) if has(u, "admin") else 403,
        case=True, path="/api/v1/users/{user}/lockout"),
    # --- reviewers' training records: read by the user's bureau (the supervisor both), written by its admin ---
    ("GET", "/api/v1/training/<username>"): Row(
        lambda u, c=None: 401 if u is None else 403 if not has(u, "admin", "head", "auditor", "supervisor")
        else 200 if USERS[u][1] == "nj-sfj" or USERS[u][1] == USERS[c][1] else 404,
        case=True, path="/api/v1/training/{user}"),
    ("POST", "/api/v1/training/<username>"): Row(
        lambda u, c=None: 401 if u is None else (404 if c == U4 else 201) if has(u, "admin") else 403,
        case=True, path="/api/v1/training/{user}", body=lambda w, c, u: {
            "trained_on": "2026-01-05", "topic": "行政处罚法", "hours": 2, "organiser": "县司法局"}),
    ("POST", "/admin/users/<username>/training"): Row(  # an empty form: refused with a message, nothing recorded
        lambda u, c=None: 302 if u is None else (404 if c == U4 else 302) if has(u, "admin") else 403,
        case=True, kind="web", path="/admin/users/{user}/training", body=lambda w, c, u: {}),
}

#: user routes are tried on a user of the admin's bureau and one of the other bureau instead of cases
USER_TARGETS = (U1, U4)
#: routes tried last, in this order: they change what the others read
LAST = [("POST", "/api/v1/instances/<int:instance_id>/cancel")]


def app_routes(app) -> set[tuple[str, str]]:
    """(method, rule) of every route, converter arguments dropped (``<int(max=2200):year>`` → ``<int:year>``)."""
    out = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            out.add((method, re.sub(r"<(\w+)\([^)]*\):", r"<\1:", rule.rule)))
    return out


def test_the_table_covers_every_route(app):
    routes = app_routes(app)
    missing = sorted(routes - EXPECTED.keys())
    stale = sorted(EXPECTED.keys() - routes)
    assert not missing, f"routes without an entry in the access matrix (tests/api/test_access__matrix.py): {missing}"
    assert not stale, f"entries for routes that no longer exist: {stale}"


# --- the walk ------------------------------------------------------------------------------------------------------

class Caller:
    """Sends one matrix request as a user: API routes with the user's Bearer token, web routes with the user's
    login session (and its CSRF token)."""

    def __init__(self, app, http) -> None:
        self.app, self.http = app, http
        self.sessions: dict[Who, tuple[Any, str]] = {}

    def session(self, user: Who):
        if user not in self.sessions:
            client = self.app.test_client()
            if user is not None:
                assert web_login(client, user).status_code == 302
            self.sessions[user] = (client, csrf_of(client, "/login" if user is None else "/inbox"))
        return self.sessions[user]

    def send(self, method: str, url: str, user: Who, row: Row, body: dict | None, files: dict | None):
        if row.kind == "web":
            if method == "POST" and url == "/logout":  # a session of its own, so the matrix's stays
                client = self.app.test_client()
                if user is not None:
                    web_login(client, user)
                return client.post(url, data={"csrf_token": csrf_of(client, "/login")})
            client, token = self.session(user)
            if method == "GET":
                return client.get(url)
            if row.json:
                return client.open(url, method=method, json=body, headers={"X-CSRF-Token": token})
            data = dict(body or {})
            if "nocsrf" not in url:
                data["csrf_token"] = token
            return client.open(url, method=method, data=data)
        if method == "POST" and url == "/api/v1/auth/logout":  # revoke a token of its own, not the cached one
            headers = {}
            if user is not None:
                token = self.http.client.post("/api/v1/auth/token", json={"username": user, "password": "demo"})
                headers["Authorization"] = f"Bearer {token.get_json()['token']}"
            return self.http.client.post(url, headers=headers)
        if files is not None:
            return self.http.call(method, url, user, data=files, content_type="multipart/form-data")
        if body is not None:
            return self.http.call(method, url, user, json=body)
        return self.http.call(method, url, user)


def _names(app, http, world: World) -> dict[str, Any]:
    from tests.api.evidence_support import checkout, new_device

    device_out = new_device(http)
    checkout(http, device_out, "officer1")
    device_in = new_device(http)
    powers = http.call("GET", "/api/v1/powers", "admin").get_json()
    items = http.call("GET", "/api/v1/inspection-items", "admin").get_json()
    targets = http.call("GET", "/api/v1/inspection-targets", "admin").get_json()
    settings = http.call("GET", "/api/v1/settings", "admin").get_json()
    recording = http.call("POST", "/api/v1/recording-items", "admin", json={
        "code": "matrix-post", "kind": "post", "name": "现场执法岗", "av_required": False}).get_json()
    run_minor_case(http)
    disclosures = http.call("GET", "/api/v1/public/disclosures").get_json()
    # the bureau's own lists (another test may have put items on the province's list, which every bureau reads)
    items = [i for i in items if i.get("org") == "nj-mzj"] or items
    targets = [t for t in targets if t.get("org") == "nj-mzj"] or targets
    return {"device_out": device_out, "device_in": device_in, "power": powers[0]["code"], "item": items[0]["code"],
            "target": targets[0]["code"] if targets else "none", "setting": settings[0]["key"],
            "disclosure": disclosures[0]["id"], "recording": recording["code"]}


def outcome(resp) -> int:
    return resp.status_code


def test_every_route_role_and_case_gets_its_expected_answer(app, http):
    world = build_world(http)
    names = _names(app, http, world)
    caller = Caller(app, http)
    order = sorted(EXPECTED, key=lambda k: (k in LAST, LAST.index(k) if k in LAST else 0, k[1], k[0]))
    wrong: list[str] = []
    calls = 0
    for method, rule in order:
        if (method, rule) not in app_routes(app):
            continue
        row = EXPECTED[(method, rule)]
        targets: tuple[str | None, ...] = (None,)
        if row.case:
            targets = USER_TARGETS if "<username>" in rule else CASES
        for target in targets:
            for user in USERS:
                if callable(row.path):
                    url = row.path(world, target)
                else:
                    url = (row.path or rule).format(user=target, **names)
                body = row.body(world, target, user) if row.body else None
                files = row.files(world, target, user) if row.files else None
                resp = caller.send(method, url, user, row, body, files)
                calls += 1
                want = row.expect(user, target) if row.case else row.expect(user)
                got = outcome(resp)
                if got != want:
                    detail = str(resp.get_json(silent=True) or resp.get_data()[:120])[:160]
                    wrong.append(f"{method} {url} as {user} on {target}: expected {want}, got {got} {detail}")
                if 200 <= got < 300 and "/claim" in url:  # give the task back, so the next caller finds it open
                    back = url.replace("/claim", "/unclaim")
                    if row.kind == "web":
                        client, token = caller.session(user)
                        client.post(back, data={"csrf_token": token})
                    else:
                        http.call("POST", back, user)
                if got == 302 and row.kind == "web" and "/claim" in url and user is not None:
                    client, token = caller.session(user)
                    client.post(url.replace("/claim", "/unclaim"), data={"csrf_token": token})
    print(f"access matrix: {len(EXPECTED)} routes, {len(USERS)} users (one without credentials), "
          f"{len(CASES)} cases: {calls} requests")
    assert not wrong, f"{len(wrong)} of {calls} answers differ from the table:\n" + "\n".join(wrong)


@pytest.mark.parametrize("user", ["officer3", "publicity1", "owner1"])
def test_a_refused_user_never_gets_a_2xx_on_someone_elses_case(user):
    """The table itself: users off case C get no 2xx on any case route (guards against a too-generous table)."""
    for (method, rule), row in EXPECTED.items():
        if row.case and "<username>" not in rule:
            for case in CASES:
                if isinstance(READ[case][user], int):
                    assert not 200 <= row.expect(user, case) < 300, (method, rule, case)
