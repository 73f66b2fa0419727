from marshmallow import Schema, fields, validate


class SettingSchema(Schema):
    key = fields.String()
    version = fields.Integer()
    description = fields.String()
    value = fields.Raw()
    org = fields.String(allow_none=True, metadata={
        "description": "code of the organisation the value in force is set at (null: the built-in default)"})


class SettingUpdateSchema(Schema):
    value = fields.Raw(required=True)


class OrgQuerySchema(Schema):
    org = fields.String(validate=validate.Length(min=1, max=32), metadata={
        "description": "organisation code (default: the caller's bureau); reads: a node the caller may read, "
                       "edits: the caller's bureau or, for a platform user, any node below"})
