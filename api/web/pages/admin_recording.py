"""The bureau's A/V recording list (音像记录事项和岗位清单): read by the bureau's staff, a new version posted by its
admin or process owner. The same service calls and schema as ``/api/v1/recording-items`` (api/registry/recording.py):
another bureau's entries are not shown, a supervisor reads but cannot change."""
from __future__ import annotations

from flask import render_template, request, url_for

from ... import permissions
from ...registry import recording
from ...registry.schemas import RecordingItemInSchema
from ...security import client_addr
from ...services import org_scope
from ...services.settings import ACT_KINDS
from .. import nav, web_blp
from .admin_common import load, local_time, page_user, run_change, to_login

nav.add("web.admin_recording_items", "rec_nav", ("admin", "process_owner", "head", "officer", "supervisor"), 63)


@web_blp.route("/admin/recording-items")
def admin_recording_items():
    user = page_user()
    if user is None:
        return to_login()
    org_id = org_scope.write_org(user)
    rows = [{"code": e.code, "kind": e.kind, "name": e.name, "av_required": e.av_required, "av_acts": e.av_acts,
             "note": e.note or "", "retired": e.retired, "version": e.version, "changed_by": e.changed_by,
             "changed_at": local_time(e.changed_at), "org": e.org}
            for e in recording.current(include_retired=True, org_id=org_id)]
    return render_template("admin/recording_items.html", entries=rows, act_kinds=ACT_KINDS,
                           can_edit=permissions.can(user, "power.edit") and not user.has_role("supervisor"))


@web_blp.route("/admin/recording-items", methods=["POST"])
def admin_recording_item_save():
    user = page_user()
    if user is None:
        return to_login()
    permissions.require("power.edit")
    form = request.form
    values = {"code": form.get("code", "").strip(), "kind": form.get("kind", ""), "name": form.get("name", ""),
              "av_required": form.get("av_required") == "on", "av_acts": form.getlist("av_acts"),
              "retired": form.get("retired") == "on"}
    if form.get("note", "").strip():
        values["note"] = form["note"].strip()

    def save():
        args = load(RecordingItemInSchema(), values)
        code = args.pop("code")
        recording.put(code, args, user.username, client_addr(), org_id=org_scope.writable_org(user, None, "power.edit"))

    return run_change(save, "rec_saved", url_for("web.admin_recording_items"), code=values["code"])
