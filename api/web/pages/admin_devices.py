"""Recording devices (admin, head): register, check out to an officer, return, and each device's ledger.

The same service calls as ``/api/v1/devices`` (api/services/equipment.py): each movement is an event on the device's
stream, another bureau's device is 404, a supervisor reads but cannot change."""
from __future__ import annotations

from flask import render_template, request, url_for
from sqlalchemy import select

from engine.errors import NotFound

from ... import permissions
from ...equipment.schemas import CheckoutSchema, DeviceCreateSchema, ReturnSchema
from ...extensions import db
from ...models import User
from ...security import client_addr
from ...services import equipment, org_scope, orgs
from .. import nav, web_blp
from .admin_common import load, local_time, page_user, run_change, to_login

nav.add("web.admin_devices", "admin_nav_devices", ("admin", "head", "supervisor"), 62)


def _names(usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    return dict(db.session.execute(select(User.username, User.display_name).where(User.username.in_(usernames))).all())


def _officers(user: User) -> list[User]:
    """Active officers of the user's bureau (whom a device can be checked out to)."""
    bureau = orgs.user_bureau(user)
    return [u for u in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.username))
            if u.has_role("officer") and org_scope.in_bureau(u, bureau)]


@web_blp.route("/admin/devices")
def admin_devices():
    user = page_user()
    if user is None:
        return to_login()
    devices = equipment.list_devices(user)
    holders = equipment.current_holders(devices)
    names = _names(set(holders.values()) | {d.registered_by for d in devices})
    rows = [{"code": d.code, "name": d.name, "kind": d.kind, "holder": holders.get(d.id),
             "holder_name": names.get(holders.get(d.id) or "", holders.get(d.id) or ""),
             "registered_by": names.get(d.registered_by, d.registered_by),
             "registered_at": local_time(d.registered_at)} for d in devices]
    return render_template("admin/devices.html", devices=rows, kinds=equipment.DEVICE_KINDS,
                           can_register=permissions.can(user, "device.register"))


@web_blp.route("/admin/devices", methods=["POST"])
def admin_device_register():
    user = page_user()
    if user is None:
        return to_login()
    permissions.require("device.register")
    values = {k: request.form.get(k, "").strip() for k in ("code", "name", "kind")}

    def register():
        args = load(DeviceCreateSchema(), values)
        equipment.register_device(args["code"], args["name"], args["kind"], user, client_addr())

    return run_change(register, "admin_device_registered", url_for("web.admin_devices"), "admin_device_taken",
                      code=values["code"])


@web_blp.route("/admin/devices/<code>")
def admin_device(code: str):
    user = page_user()
    if user is None:
        return to_login()
    device = equipment.get_device(code, user)
    moves = equipment.ledger(code, user)
    holder = equipment.current_holders([device]).get(device.id)
    names = _names({m.officer for m in moves} | {m.by for m in moves} | ({holder} if holder else set()))
    rows = [{"action": m.action, "officer": names.get(m.officer, m.officer), "by": names.get(m.by, m.by),
             "at": local_time(m.at), "note": m.note or ""} for m in moves]
    can_move = permissions.can(user, "device.register") and device.org_id in orgs.write_scope(user)
    return render_template("admin/device.html", device=device, ledger=rows, holder=holder,
                           holder_name=names.get(holder or "", holder), officers=_officers(user) if can_move else [],
                           can_move=can_move, registered_at=local_time(device.registered_at),
                           registered_by=_names({device.registered_by}).get(device.registered_by, device.registered_by))


@web_blp.route("/admin/devices/<code>/<action>", methods=["POST"])
def admin_device_move(code: str, action: str):
    """``checkout`` to an officer or ``return``; a note is kept with the movement."""
    user = page_user()
    if user is None:
        return to_login()
    if action not in ("checkout", "return"):
        raise NotFound(f"no device action '{action}'")
    device = equipment.get_device(code, user, f"device.{action}")  # a supervisor: 403 read_only
    back = url_for("web.admin_device", code=device.code)
    note = request.form.get("note", "").strip()
    if action == "checkout":
        values = {"officer": request.form.get("officer", ""), **({"note": note} if note else {})}

        def move():
            args = load(CheckoutSchema(), values)
            equipment.checkout(device.code, args["officer"], user, args.get("note"), client_addr())

        return run_change(move, "admin_checked_out", back, "admin_device_out", code=device.code)

    def give_back():
        args = load(ReturnSchema(), {"note": note} if note else {})
        equipment.return_device(device.code, user, args.get("note"), client_addr())

    return run_change(give_back, "admin_returned", back, "admin_device_not_out", code=device.code)
