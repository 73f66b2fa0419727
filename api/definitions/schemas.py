from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema


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
class MigrationRequestSchema(Schema):
    """Which cases of a process move, and to which version (docs/API.md, "Instance migration")."""

    from_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))
    to_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))
    instance_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1)),
                               validate=validate.Length(min=1, max=500))
    status = fields.String(validate=validate.OneOf(["running", "completed", "cancelled"]))

    @validates_schema
    def _one_selection(self, data, **_kwargs) -> None:
        if "instance_ids" in data and "status" in data:
            raise ValidationError("give instance_ids or status, not both", "status")


class MigrationResultSchema(Schema):
    definition_key = fields.String()
    from_version = fields.Integer()
    to_version = fields.Integer()
    total = fields.Integer()
    migratable = fields.Integer(metadata={"description": "preview: how many of the selected cases can move"})
    migrated = fields.Integer(metadata={"description": "migration: how many moved"})
    instances = fields.List(fields.Dict(), metadata={"description": "one entry per selected case (docs/API.md)"})
