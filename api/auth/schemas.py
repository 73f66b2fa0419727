from marshmallow import Schema, fields, validate

from ..me.schemas import MeSchema


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


class TokenResponseSchema(Schema):
    token = fields.String()
    user = fields.Nested(MeSchema)


class CsrfTokenSchema(Schema):
    csrf_token = fields.String(metadata={"description": "send it as X-CSRF-Token on state-changing calls that "
                                                        "authenticate with the session cookie"})
