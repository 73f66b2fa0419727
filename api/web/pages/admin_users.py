"""Users (admin): list, create, change roles / legal qualification / active flag, certificates, login lockout.

The forms are validated with the JSON API's own schemas and run the same service functions as ``/api/v1/users``
(api/users/service.py), so every change is an event on the ``users`` stream and the refusals are the API's: a taken
username, the last active admin, an organisation outside the admin's subtree."""
from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from engine import clock
from engine.roles import ROLES

from ... import permissions
from ...extensions import db
from ...models import Organisation
from ...security import client_addr
from ...services import orgs, training
from ...training.schemas import TrainingInSchema
from ...users import service as users
from ...users.schemas import UserCertificateInSchema, UserChangeSchema, UserCreateSchema
from .. import nav, web_blp
from .admin_common import load, local_time, page_user, run_change, to_login

nav.add("web.admin_users", "admin_nav_users", ("admin",), 60)


def _orgs_of(admin) -> list[Organisation]:
    scope = orgs.subtree(orgs.user_org(admin))
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(scope)).order_by(Organisation.path)))


def _blank_to_none(form: MultiDict, *keys: str) -> dict[str, Any]:
    return {k: (form.get(k) or None) for k in keys if k in form}


def _certificates(user) -> list[dict[str, Any]]:
    today = clock.today()
    out = []
    for cert in sorted(user.certificates, key=lambda c: (c.valid_from, c.number)):
        valid = cert.valid_from <= today and (cert.valid_to is None or today <= cert.valid_to)
        out.append({"number": cert.number, "category": cert.category, "area": cert.area or "",
                    "valid_from": cert.valid_from.isoformat(),
                    "valid_to": cert.valid_to.isoformat() if cert.valid_to else "", "valid_today": valid})
    return out


@web_blp.route("/admin/users")
def admin_users():
    if page_user() is None:
        return to_login()
    admin = permissions.require("user.manage")
    listed = [{**users.as_dict(u), "locked_until": local_time(users.as_dict(u)["locked_until"]),
               "certs": _certificates(u)} for u in users.list_users(admin)]
    return render_template("admin/users.html", users=listed, all_roles=ROLES, orgs=_orgs_of(admin),
                           own_org=orgs.get(orgs.user_org(admin)))


@web_blp.route("/admin/users", methods=["POST"])
def admin_user_create():
    if page_user() is None:
        return to_login()
    admin = permissions.require("user.manage")
    form = request.form
    values = {"username": form.get("username", "").strip(), "display_name": form.get("display_name", ""),
              "password": form.get("password", ""), "roles": form.getlist("roles"), "org": form.get("org") or None,
              "legal_qualified": form.get("legal_qualified") == "1"}
    values = {k: v for k, v in values.items() if v is not None}
    return run_change(lambda: users.create_user(admin, load(UserCreateSchema(), values), client_addr()),
                      "admin_user_created", url_for("web.admin_users"), "admin_user_taken",
                      username=values["username"])


@web_blp.route("/admin/users/<username>")
def admin_user(username: str):
    if page_user() is None:
        return to_login()
    admin = permissions.require("user.manage")
    user = users.get_user(admin, username)
    shown = users.as_dict(user)
    shown["locked_until"] = local_time(shown["locked_until"])
    shown["created_at"] = local_time(shown["created_at"])
    return render_template("admin/user.html", u=shown, certs=_certificates(user), all_roles=ROLES,
                           org=orgs.get(user.org_id), today=clock.today().isoformat(),
                           training=training.record_of(user))


@web_blp.route("/admin/users/<username>", methods=["POST"])
def admin_user_change(username: str):
    """The edit form (display name, roles, legal qualification, active) or the deactivate button (active only)."""
    if page_user() is None:
        return to_login()
    admin = permissions.require("user.manage")
    user = users.get_user(admin, username)
    form = request.form
    if form.get("op") == "deactivate":
        values: dict[str, Any] = {"active": False}
    else:
        values = {"display_name": form.get("display_name", ""), "roles": form.getlist("roles"),
                  "legal_qualified": form.get("legal_qualified") == "1", "active": form.get("active") == "1"}
    if form.get("reason", "").strip():
        values["reason"] = form["reason"]
    return run_change(lambda: users.change_user(admin, user.username, load(UserChangeSchema(), values),
                                                client_addr()),
                      "admin_user_changed", url_for("web.admin_user", username=user.username), "admin_last_admin",
                      username=user.username)


@web_blp.route("/admin/users/<username>/certificates", methods=["POST"])
def admin_user_certificate(username: str):
    if page_user() is None:
        return to_login()
    admin = permissions.require("user.manage")
    user = users.get_user(admin, username)
    form = request.form
    values = {"number": form.get("number", ""), "category": form.get("category", ""),
              "valid_from": form.get("valid_from", ""), **_blank_to_none(form, "area", "valid_to")}
    return run_change(lambda: users.add_certificate(admin, user.username, load(UserCertificateInSchema(), values),
                                                    client_addr()),
                      "admin_cert_added", url_for("web.admin_user", username=user.username), "admin_cert_taken",
                      username=user.username)


@web_blp.route("/admin/users/<username>/lockout", methods=["POST"])
def admin_user_unlock(username: str):
    if page_user() is None:
        return to_login()
    admin = permissions.require("user.manage")
    user = users.get_user(admin, username)
    reason = request.form.get("reason", "").strip() or None
    return run_change(lambda: users.lift_lockout(admin, user.username, reason, client_addr()),
                      "admin_unlocked", url_for("web.admin_user", username=user.username), username=user.username)


@web_blp.route("/admin/users/<username>/training", methods=["POST"])
def admin_user_training(username: str):
    """Record a training of the user, or correct / withdraw an entry (定期培训): the API's schema and service."""
    if page_user() is None:
        return to_login()
    admin = permissions.require("training.edit")
    user = training.user_in(username, orgs.write_scope(admin))
    form = request.form
    values: dict[str, Any] = {k: v for k, v in _blank_to_none(
        form, "trained_on", "topic", "hours", "organiser", "certificate", "corrects", "reason").items() if v is not None}
    if form.get("withdrawn") == "1":
        values["withdrawn"] = True
    return run_change(lambda: training.add(user, load(TrainingInSchema(), values), admin.username, client_addr()),
                      "admin_training_added", url_for("web.admin_user", username=user.username), "error_409",
                      username=user.username)
