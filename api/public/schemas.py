from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from .. import inputs
from ..models.disclosures import WITHDRAWAL_BASES, WITHDRAWAL_EVENTS
from ..registry.schemas import UtcDateTime, not_blank
from ..services.disclosures import STATUSES


class DisclosureQuerySchema(Schema):
    q = fields.String(validate=validate.Length(max=200),
                      metadata={"description": "text in the title, the masked text or the decision number"})
    category = fields.String(validate=validate.Length(max=32), metadata={"description": "penalty, permit, ..."})
    date_from = inputs.Date(metadata={"description": "published on or after (Beijing date)"})
    date_to = inputs.Date(metadata={"description": "published on or before (Beijing date)"})
    status = fields.String(load_default="all", validate=validate.OneOf((*STATUSES, "all")),
                           metadata={"description": "published (current), withdrawn, superseded or all"})
    org = fields.String(validate=validate.Length(min=1, max=32), metadata={
        "description": "an organisation's code (GET /api/v1/public/organisations): its bureaus' decisions only"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))

    @validates_schema
    def _range(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError({"date_to": ["must not be before date_from"]})


class WithdrawalSchema(Schema):
    reason = fields.String()
    basis = fields.String(metadata={"description": " | ".join(WITHDRAWAL_BASES)})
    withdrawn_at = UtcDateTime()
    event_kind = fields.String(allow_none=True, metadata={"description": " | ".join(WITHDRAWAL_EVENTS)})
    event_date = fields.Date(allow_none=True, metadata={"description": "when the decision was changed or revoked"})


class DisclosureSchema(Schema):
    id = fields.Integer()
    org = fields.String(allow_none=True, metadata={"description": "code of the deciding bureau"})
    category = fields.String()
    title = fields.String()
    decision_number = fields.String(allow_none=True)
    party = fields.String(allow_none=True, metadata={"description": "an organisation's name; a person's masked name"})
    decision_date = fields.Date(allow_none=True)
    agency = fields.String()
    legal_basis = fields.String(allow_none=True)
    facts = fields.String(allow_none=True, metadata={"description": "the main facts (主要违法事实), masked"})
    penalty_kind = fields.String(allow_none=True, metadata={"description": "warning, fine, ... (penalties)"})
    fine_amount = fields.Float(allow_none=True, metadata={"description": "yuan"})
    penalty = fields.String(allow_none=True, metadata={"description": "penalty kind and amount in words, the "
                                                                         "permit outcome or the inspection result"})
    fulfilment = fields.String(allow_none=True, metadata={"description": "how and by when to fulfil it"})
    masked_text = fields.String()
    published_at = UtcDateTime()
    status = fields.String(metadata={"description": "published | withdrawn | superseded"})
    withdrawal = fields.Nested(WithdrawalSchema, allow_none=True, metadata={"description": "when withdrawn (APL 48)"})
    superseded_by = fields.Integer(allow_none=True, metadata={"description": "the correcting disclosure's id"})
    supersedes = fields.Integer(allow_none=True, metadata={"description": "the disclosure this one corrects"})
    correction_reason = fields.String(allow_none=True)


class CorrectionSchema(Schema):
    """The request's date is the server's: any other field (e.g. a typed request_date) is ignored."""

    class Meta:
        unknown = EXCLUDE

    disclosure_id = fields.Integer(required=True, validate=validate.Range(min=1, max=inputs.MAX_ID))
    contact = fields.String(required=True, validate=[not_blank, validate.Length(min=3, max=255)])
    reason = fields.String(required=True, validate=[not_blank, validate.Length(min=5, max=5000)])


class CorrectionResultSchema(Schema):
    id = fields.Integer()
    disclosure_id = fields.Integer()
    case_id = fields.Integer(allow_none=True, metadata={"description": "the disclosure_correction case, if started"})
    created_at = UtcDateTime()
    reference = fields.String(metadata={"description": "the number to quote when asking about the request, "
                                                       "e.g. JC20261130-000042"})


class OfficerSchema(Schema):
    """Name and certificate are public by law (APL 42); the login name is not (it is half of a credential)."""

    display_name = fields.String()
    certificate_number = fields.String()
    category = fields.String()
    area = fields.String(allow_none=True)
    valid_to = fields.Date(allow_none=True)


class PublicOrgQuerySchema(Schema):
    org = fields.String(validate=validate.Length(min=1, max=32), metadata={
        "description": "an organisation's code (GET /api/v1/public/organisations): that bureau's records only"})


class PublicOrganisationSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    parent = fields.String(allow_none=True, metadata={"description": "the parent organisation's code"})


class WithdrawalStartSchema(Schema):
    withdraw_basis = fields.String(required=True, validate=validate.OneOf(WITHDRAWAL_BASES),
                                   metadata={"description": "changed | revoked | illegal | other (APL 48)"})
    event_kind = fields.String(required=True, validate=validate.OneOf(WITHDRAWAL_EVENTS),
                               metadata={"description": "reconsideration (行政复议) | litigation (行政诉讼) | "
                                                        "self_correction (自行纠正) | other"})
    event_date = inputs.Date(required=True, metadata={"description": "the day the decision was changed or "
                                                                     "revoked; the 3-day limit runs from it; "
                                                                     "not in the future"})
    reason = fields.String(required=True, validate=[not_blank, validate.Length(min=5, max=5000)],
                           metadata={"description": "published with the withdrawal"})


class WithdrawalCaseSchema(Schema):
    disclosure_id = fields.Integer()
    case_id = fields.Integer(metadata={"description": "the disclosure_correction case (origin bureau)"})
    withdraw_due = fields.Date(metadata={"description": "3 working days after event_date (APL 48, 85)"})
    task_id = fields.String(allow_none=True, metadata={"description": "the publicity officer's withdrawal task"})
