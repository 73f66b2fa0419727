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


class FolderUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "a zip of a definition folder (GET /definitions/export.zip)"})


class DryRunSchema(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "check and report; deploy nothing"})


class FolderImportResultSchema(Schema):
    versions = fields.List(fields.Dict(), metadata={"description": "the versions deployed (dry run: that would be)"})
    present = fields.Integer(metadata={"description": "versions of the folder this server already has"})
    deployments = fields.Integer(metadata={"description": "deployments replayed (dry run: that would be)"})
    dry_run = fields.Boolean()


class ImportFormSchema(Schema):
    mapping = fields.String(load_default=None, metadata={
        "description": "JSON object: lane or candidate-group name -> role key (\"\": user tasks with neither)"})


class ImportResultSchema(Schema):
    files = fields.List(fields.Dict())
    roles = fields.List(fields.Dict())
    forms = fields.List(fields.Dict())
    deadlines = fields.List(fields.Dict())
    ignored = fields.List(fields.Dict())
    notes = fields.List(fields.Dict())
    problems = fields.List(fields.Dict())
    validation = fields.List(fields.Dict())
    acceptable = fields.Boolean()


class ImportAcceptSchema(Schema):
    versions = fields.List(fields.Dict())
    proposal = fields.Dict()
