from marshmallow import Schema, fields


class SettingSchema(Schema):
    key = fields.String()
    version = fields.Integer()
    description = fields.String()
    value = fields.Raw()


class SettingUpdateSchema(Schema):
    value = fields.Raw(required=True)
