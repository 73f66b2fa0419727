"""What the training routes take and answer (定期培训)."""
from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from ..users.schemas import _text


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class TrainingInSchema(_Strict):
    """One training of a reviewer (定期培训); with ``corrects``, a correction (or, ``withdrawn``, a withdrawal) of an
    entry in force, with a reason. A withdrawal may leave out the other fields (the corrected entry's are kept)."""

    trained_on = fields.Date(metadata={"description": "the day of the training (not in the future)"})
    topic = fields.String(validate=[validate.Length(min=1, max=255), _text])
    hours = fields.Float(validate=validate.Range(min=0.5, max=500), allow_nan=False)
    organiser = fields.String(validate=[validate.Length(min=1, max=255), _text])
    certificate = fields.String(allow_none=True, validate=[validate.Length(max=128), _text])
    corrects = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=2_147_483_647))
    withdrawn = fields.Boolean(load_default=False)
    reason = fields.String(allow_none=True, validate=[validate.Length(max=2000), _text])

    @validates_schema
    def _complete(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("withdrawn"):
            if data.get("corrects") is None:
                raise ValidationError({"corrects": ["a withdrawal names the entry it withdraws"]})
            return
        missing = [k for k in ("trained_on", "topic", "hours", "organiser") if data.get(k) is None]
        if missing:
            raise ValidationError({k: ["Missing data for required field."] for k in missing})


class TrainingEntrySchema(Schema):
    id = fields.Integer()
    username = fields.String()
    trained_on = fields.String()
    topic = fields.String()
    hours = fields.Float()
    organiser = fields.String()
    certificate = fields.String(allow_none=True)
    corrects = fields.Integer(allow_none=True)
    withdrawn = fields.Boolean()
    reason = fields.String(allow_none=True)
    recorded_by = fields.String()
    recorded_at = fields.String(allow_none=True)


class TrainingSummarySchema(Schema):
    username = fields.String()
    display_name = fields.String()
    last_training_date = fields.String(allow_none=True)
    hours_this_year = fields.Float()
    months = fields.Integer()
    warning = fields.String(allow_none=True)


class TrainingSchema(Schema):
    summary = fields.Nested(TrainingSummarySchema)
    records = fields.List(fields.Nested(TrainingEntrySchema), metadata={"description": "the entries in force"})
    history = fields.List(fields.Nested(TrainingEntrySchema), metadata={
        "description": "every entry recorded, corrections and withdrawals included, oldest first"})
