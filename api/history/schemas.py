from marshmallow import Schema, ValidationError, fields, validate

from engine.data_keys import edit_problems


def _not_empty(value: dict) -> None:
    if not value:
        raise ValidationError("at least one change is required")


def _data_keys(value: dict) -> None:
    problems = edit_problems(value)
    if problems:
        raise ValidationError(problems)


def _a_reason(value: str) -> None:
    if len(value.strip()) < 2:
        raise ValidationError("a reason of at least two characters is required")


class HistoryQuerySchema(Schema):
    stream = fields.String(load_default="all", validate=validate.OneOf(["all", "case", "access"]), metadata={
        "description": "case: the instance's own stream; access: its access stream (reads, downloads); all: both"})


class EventSchema(Schema):
    stream = fields.String()
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


class ElementStateSchema(Schema):
    process_id = fields.String()
    element_id = fields.String()
    state = fields.String()


class StateSchema(Schema):
    instance_id = fields.Integer()
    seq = fields.Integer()
    type = fields.String()
    at = fields.DateTime()
    elements = fields.List(fields.Nested(ElementStateSchema))
    data = fields.Dict()


class VerifySchema(Schema):
    instance_id = fields.Integer()
    events = fields.Integer()
    replayed = fields.Integer()
    chain_ok = fields.Boolean()
    replay_ok = fields.Boolean()
    definitions_ok = fields.Boolean()
    evidence_ok = fields.Boolean()
    calendar_ok = fields.Boolean()
    row_ok = fields.Boolean()
    ok = fields.Boolean()
    problems = fields.List(fields.Dict())


class DataEditSchema(Schema):
    changes = fields.Dict(required=True, validate=[_not_empty, _data_keys], metadata={
        "description": "data key → new value; a key is a letter, then letters, digits or _ (at most 64), and "
                       "'typename' is reserved at any depth"})
    reason = fields.String(required=True, validate=_a_reason)


class CancelSchema(Schema):
    reason = fields.String(required=True, validate=_a_reason)


class RewindSchema(Schema):
    element_id = fields.String(required=True, validate=validate.Length(min=1, max=255))
    reason = fields.String(required=True, validate=_a_reason)
