from __future__ import annotations

from flask.views import MethodView

from ..extensions import db
from ..models import Device, DeviceMovement
from ..security import client_addr, current_user
from ..services import equipment as service
from . import blp
from .schemas import CheckoutSchema, DeviceCreateSchema, DeviceSchema, MovementSchema, ReturnSchema


def _device_dict(device: Device, holder: str | None) -> dict:
    return {"code": device.code, "name": device.name, "kind": device.kind, "registered_by": device.registered_by,
            "registered_at": device.registered_at, "holder": holder}


def _movement_dict(move: DeviceMovement, code: str) -> dict:
    return {"id": move.id, "device": code, "action": move.action, "officer": move.officer, "at": move.at,
            "by": move.by, "note": move.note}


@blp.before_request
def _login():
    current_user()


@blp.route("")
class Devices(MethodView):
    @blp.response(200, DeviceSchema(many=True))
    def get(self):
        """The devices of the caller's bureau (a supervisor: of the bureaus it supervises) with their holders."""
        devices = service.list_devices(current_user())
        holders = service.current_holders(devices)
        return [_device_dict(d, holders.get(d.id)) for d in devices]

    @blp.arguments(DeviceCreateSchema)
    @blp.response(201, DeviceSchema)
    def post(self, args):
        """Register a device of the caller's bureau (admin or head); 409 if the code is taken."""
        device = service.register_device(args["code"], args["name"], args["kind"], current_user(), client_addr())
        db.session.commit()
        return _device_dict(device, None)


@blp.route("/<code>/checkout")
class Checkout(MethodView):
    @blp.arguments(CheckoutSchema)
    @blp.response(201, MovementSchema)
    def post(self, args, code):
        """Check the device out to an officer of its bureau (admin/head for anyone, an officer for themself); 409
        if out, 404 for another bureau's device, 422 for an officer of another bureau."""
        move = service.checkout(code, args["officer"], current_user(), args.get("note"), client_addr())
        db.session.commit()
        return _movement_dict(move, code)


@blp.route("/<code>/return")
class Return(MethodView):
    @blp.arguments(ReturnSchema)
    @blp.response(201, MovementSchema)
    def post(self, args, code):
        """Record the device's return (admin/head, or the officer holding it); 409 if not out."""
        move = service.return_device(code, current_user(), args.get("note"), client_addr())
        db.session.commit()
        return _movement_dict(move, code)


@blp.route("/<code>/ledger")
class Ledger(MethodView):
    @blp.response(200, MovementSchema(many=True))
    def get(self, code):
        """The device's movements, oldest first; 404 for another bureau's device."""
        return [_movement_dict(m, code) for m in service.ledger(code, current_user())]
