from flask_smorest.fields import Upload
from marshmallow import Schema, fields


class UploadSchema(Schema):
    files = fields.List(Upload(), required=True, metadata={"description": "one or more .bpmn, .dmn, .form files"})


class VersionSchema(Schema):
    key = fields.String()
    kind = fields.String()
    version = fields.Integer()
    name = fields.String()
    filename = fields.String()
    sha256 = fields.String()
    deployed_by = fields.String()
    deployed_at = fields.DateTime()


class DeployResultSchema(Schema):
    versions = fields.List(fields.Dict())


class ValidateResultSchema(Schema):
    valid = fields.Boolean()
    processes = fields.List(fields.String())
    decisions = fields.List(fields.String())
    forms = fields.List(fields.String())
