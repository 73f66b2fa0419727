from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from ..models.types import utc_iso
from ..services.equipment import DEVICE_KINDS

CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$",
                       error="1-48 letters, digits, '.', '_' or '-', starting with a letter or digit")


class DeviceCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    kind = fields.String(required=True, validate=validate.OneOf(DEVICE_KINDS))


class CheckoutSchema(Schema):
    class Meta:
        unknown = RAISE

    officer = fields.String(required=True, validate=validate.Length(min=1, max=64))
    note = fields.String(validate=validate.Length(max=1000))


class ReturnSchema(Schema):
    class Meta:
        unknown = RAISE

    note = fields.String(validate=validate.Length(max=1000))


class DeviceSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    registered_by = fields.String()
    registered_at = fields.Method("get_registered_at")
    holder = fields.String(allow_none=True, metadata={"description": "the officer holding it now, if checked out"})

    def get_registered_at(self, obj) -> str:
        return utc_iso(obj["registered_at"] if isinstance(obj, dict) else obj.registered_at)


class MovementSchema(Schema):
    id = fields.Integer()
    device = fields.String()
    action = fields.String()
    officer = fields.String()
    at = fields.Method("get_at", metadata={"description": "server time, UTC"})
    by = fields.String()
    note = fields.String(allow_none=True)

    def get_at(self, obj) -> str:
        return utc_iso(obj["at"] if isinstance(obj, dict) else obj.at)
