from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..inputs import MAX_ID


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
    instance_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID)),
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
class CompareQuerySchema(Schema):
    a = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID),
                       metadata={"description": "the version compared from (before)"})
    b = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID),
                       metadata={"description": "the version compared to (after)"})


class CompareSideSchema(Schema):
    version = fields.Integer()
    filename = fields.String()
    sha256 = fields.String()
    deployed_at = fields.DateTime()
    deployed_by = fields.String()
    forms = fields.Dict(keys=fields.String(), values=fields.Integer(),
                        metadata={"description": "form key -> the form version this version was deployed with"})
    decisions = fields.Dict(keys=fields.String(), values=fields.Integer(),
                            metadata={"description": "decision id -> the table version it was deployed with"})


class DiffElementSchema(Schema):
    id = fields.String()
    type = fields.String(metadata={"description": "BPMN element type, e.g. userTask, sequenceFlow, lane"})
    name = fields.String(allow_none=True)
    process = fields.String(allow_none=True)


class ElementChangeSchema(Schema):
    what = fields.String(metadata={"description": "name, documentation, type, script, condition, timer, event, "
                                                  "loop, lane, members, property:<name>, extension:<name>, form, "
                                                  "decision, or an attribute (sourceRef, default ...)"})
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    detail = fields.Dict(metadata={"description": "form: fields added/removed/changed; decision: rules "
                                                  "added/removed/changed, hit_policy, inputs, outputs"})


class ChangedElementSchema(DiffElementSchema):
    changes = fields.List(fields.Nested(ElementChangeSchema))


class CompareResultSchema(Schema):
    key = fields.String()
    a = fields.Nested(CompareSideSchema)
    b = fields.Nested(CompareSideSchema)
    added = fields.List(fields.Nested(DiffElementSchema), metadata={"description": "elements only in b"})
    removed = fields.List(fields.Nested(DiffElementSchema), metadata={"description": "elements only in a"})
    changed = fields.List(fields.Nested(ChangedElementSchema))
    layout = fields.List(fields.Nested(DiffElementSchema), metadata={"description": "elements only moved"})


class ElementStatsQuerySchema(Schema):
    org = fields.String(validate=validate.Length(min=1, max=32), metadata={
        "description": "organisation code: the cases of that node's subtree (a bureau, or a node above: its bureaus "
                       "together; a supervising justice bureau: the county it supervises); default the caller's "
                       "bureau"})


class ElementFiguresSchema(Schema):
    element_id = fields.String()
    type = fields.String()
    name = fields.String(allow_none=True)
    active = fields.Integer(metadata={"description": "cases now at the element"})
    passed = fields.Integer(metadata={"description": "cases that completed the element at least once"})
    completions = fields.Integer(metadata={"description": "completions in all (each round of a loop)"})
    median_seconds = fields.Float(allow_none=True, metadata={
        "description": "median time from opening to completion (user tasks, call activities); null otherwise"})


class ElementStatsSchema(Schema):
    key = fields.String()
    version = fields.Integer()
    org = fields.String(allow_none=True, metadata={"description": "the organisation counted (its subtree)"})
    as_of = fields.DateTime()
    cases = fields.Dict(keys=fields.String(), values=fields.Integer(),
                        metadata={"description": "cases of the version by status, and total"})
    elements = fields.List(fields.Nested(ElementFiguresSchema))
