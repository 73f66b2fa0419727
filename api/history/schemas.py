from marshmallow import Schema, fields


class EventSchema(Schema):
    seq = fields.Integer()
    type = fields.String()
    task_id = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True)
    actor = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    at = fields.DateTime()
    data = fields.Dict()
    client_addr = fields.String(allow_none=True)
    prev_hash = fields.String()
    hash = fields.String()
