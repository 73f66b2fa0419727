from marshmallow import Schema, fields

from ..me.schemas import MeSchema


class TokenRequestSchema(Schema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class TokenResponseSchema(Schema):
    token = fields.String()
    user = fields.Nested(MeSchema)
