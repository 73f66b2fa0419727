from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..models.disclosures import WITHDRAWAL_BASES
from ..registry.schemas import UtcDateTime, not_blank
from ..services.disclosures import STATUSES


class DisclosureQuerySchema(Schema):
    q = fields.String(validate=validate.Length(max=200),
                      metadata={"description": "text in the title, the masked text or the decision number"})
    category = fields.String(validate=validate.Length(max=32), metadata={"description": "penalty, permit, ..."})
    date_from = fields.Date(metadata={"description": "published on or after (Beijing date)"})
    date_to = fields.Date(metadata={"description": "published on or before (Beijing date)"})
    status = fields.String(load_default="all", validate=validate.OneOf((*STATUSES, "all")),
                           metadata={"description": "published (current), withdrawn, superseded or all"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))

    @validates_schema
    def _range(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError({"date_to": ["must not be before date_from"]})


class WithdrawalSchema(Schema):
    reason = fields.String()
    basis = fields.String(metadata={"description": " | ".join(WITHDRAWAL_BASES)})
    withdrawn_at = UtcDateTime()


class DisclosureSchema(Schema):
    id = fields.Integer()
    category = fields.String()
    title = fields.String()
    decision_number = fields.String(allow_none=True)
    party = fields.String(allow_none=True, metadata={"description": "an organisation's name; a person's masked name"})
    decision_date = fields.Date(allow_none=True)
    agency = fields.String()
    legal_basis = fields.String(allow_none=True)
    masked_text = fields.String()
    published_at = UtcDateTime()
    status = fields.String(metadata={"description": "published | withdrawn | superseded"})
    withdrawal = fields.Nested(WithdrawalSchema, allow_none=True, metadata={"description": "when withdrawn (APL 48)"})
    superseded_by = fields.Integer(allow_none=True, metadata={"description": "the correcting disclosure's id"})
    supersedes = fields.Integer(allow_none=True, metadata={"description": "the disclosure this one corrects"})
    correction_reason = fields.String(allow_none=True)


class CorrectionSchema(Schema):
    disclosure_id = fields.Integer(required=True)
    contact = fields.String(required=True, validate=[not_blank, validate.Length(min=3, max=255)])
    reason = fields.String(required=True, validate=[not_blank, validate.Length(min=5, max=5000)])


class CorrectionResultSchema(Schema):
    id = fields.Integer()
    disclosure_id = fields.Integer()
    case_id = fields.Integer(allow_none=True, metadata={"description": "the disclosure_correction case, if started"})
    created_at = UtcDateTime()


class OfficerSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    certificate_number = fields.String()
    category = fields.String()
    area = fields.String(allow_none=True)
    valid_to = fields.Date(allow_none=True)
