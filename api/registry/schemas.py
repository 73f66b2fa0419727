"""Power items (权责清单) and certificates, in and out."""
from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from .. import inputs
from ..models.registry import POWER_CATEGORIES, POWER_OUTCOMES
from ..models.types import utc_iso
from ..services.settings import ACT_KINDS

CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
                       error="1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")


class UtcDateTime(fields.DateTime):
    """A timestamp in ISO 8601 with offset (UTC); SQLite gives naive UTC datetimes back."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else utc_iso(value)


class ListEntryInSchema(Schema):
    """One whole version of an entry of a bureau's list (api/models/versioned_list.py): the fields not given take
    their defaults, not the previous version's. A list's schema adds its own fields."""

    class Meta:
        unknown = RAISE

    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=[not_blank, validate.Length(max=255)])
    retired = fields.Boolean(load_default=False)


class ListEntrySchema(Schema):
    """One version of an entry of a bureau's list as answered: which entry and version, whose list, who changed it
    and when. A list's schema adds its own fields."""

    code = fields.String()
    org = fields.String(allow_none=True, metadata={"description": "code of the organisation whose list it is on"})
    version = fields.Integer()
    name = fields.String()
    retired = fields.Boolean()
    changed_by = fields.String()
    changed_at = UtcDateTime()


class PowerInSchema(ListEntryInSchema):
    """One whole version of an item: the fields not given take their defaults, not the previous version's."""

    category = fields.String(required=True, validate=validate.OneOf(POWER_CATEGORIES))
    legal_basis = fields.String(required=True, validate=[not_blank, validate.Length(max=5000)])
    procedure = fields.String(allow_none=True, validate=validate.Length(max=10000))
    time_limit = fields.String(allow_none=True, validate=validate.Length(max=255),
                               metadata={"description": "as published, e.g. 30日 or 20个工作日"})
    time_limit_days = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=3650))
    working_days = fields.Boolean(load_default=False,
                                  metadata={"description": "time_limit_days counts working days (ALL 82)"})
    remedies = fields.String(allow_none=True, validate=[not_blank, validate.Length(max=5000)],
                             metadata={"description": "default: 行政复议 60 日 / 行政诉讼 6 个月"})
    item_key = fields.String(allow_none=True, validate=CODE,
                             metadata={"description": "the value processes use for the item, e.g. permit_item"})
    outcome = fields.String(load_default="decision", validate=validate.OneOf(POWER_OUTCOMES),
                            metadata={"description": "decision, or forward: a preliminary opinion sent upwards"})
    forward_to = fields.String(allow_none=True, validate=validate.Length(max=255),
                               metadata={"description": "for outcome forward: the authority that decides"})
    retired = fields.Boolean(load_default=False, metadata={"description": "take the item off the public list"})

    @validates_schema
    def _forward(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("outcome") == "forward" and not (data.get("forward_to") or "").strip():
            raise ValidationError({"forward_to": ["an item whose opinion is forwarded names where it goes"]})


class PowerSchema(ListEntrySchema):
    category = fields.String()
    legal_basis = fields.String()
    procedure = fields.String(allow_none=True)
    time_limit = fields.String(allow_none=True)
    time_limit_days = fields.Integer(allow_none=True)
    working_days = fields.Boolean()
    remedies = fields.String()
    item_key = fields.String(allow_none=True)
    outcome = fields.String()
    forward_to = fields.String(allow_none=True)


class InspectionItemInSchema(ListEntryInSchema):
    """One whole version of a random-inspection item (随机抽查事项)."""

    legal_basis = fields.String(required=True, validate=[not_blank, validate.Length(max=5000)])
    target_category = fields.String(required=True, validate=[not_blank, validate.Length(max=64)],
                                    metadata={"description": "the part of the target directory it inspects"})
    method = fields.String(allow_none=True, validate=validate.Length(max=5000))


class InspectionItemSchema(ListEntrySchema):
    legal_basis = fields.String()
    target_category = fields.String()
    method = fields.String(allow_none=True)


class InspectionTargetInSchema(ListEntryInSchema):
    """One whole version of an entry of the target directory (检查对象名录)."""

    category = fields.String(required=True, validate=[not_blank, validate.Length(max=64)])
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))
    party_id_number = fields.String(allow_none=True, load_only=True, validate=validate.Length(max=64), metadata={
        "description": "the target's unified social credit code (or a person's ID number), any spelling: stored only "
                       "as a keyed digest and masked, it links the target's inspections to its permits "
                       "(审批与监管信息交换共享); never shown unmasked, never on the public list"})


class InspectionTargetSchema(ListEntrySchema):
    category = fields.String()
    note = fields.String(allow_none=True)
    party_masked = fields.String(allow_none=True, metadata={
        "description": "the party identifier, masked (not on the public list)"})


class OrgQuerySchema(Schema):
    org = fields.String(validate=validate.Length(min=1, max=32), metadata={
        "description": "organisation code: a bureau's list (default: the caller's bureau)"})


class LotteryPlanQuerySchema(OrgQuerySchema):
    instance_id = fields.Integer(validate=validate.Range(min=1), metadata={"description": "plans of one inspection"})


class LotteryPlanSchema(Schema):
    """A fixed lottery plan as published: its digest and commitment; the random value once drawn."""

    id = fields.Integer()
    instance_id = fields.Integer()
    org = fields.String(allow_none=True, metadata={"description": "code of the bureau of the inspection"})
    plan = fields.Dict()
    plan_digest = fields.String(metadata={"description": "sha256 of the plan's canonical JSON (engine/lottery.py)"})
    commitment = fields.String(metadata={"description": "sha256 of the server random value"})
    fixed_at = UtcDateTime()
    revealed_at = UtcDateTime(allow_none=True)
    reveal = fields.String(allow_none=True, metadata={"description": "the server random value, after the draw"})
    seed = fields.String(allow_none=True, metadata={"description": "sha256(plan_digest + newline + reveal)"})
    status = fields.String(metadata={"description": "open | drawn | abandoned"})
    excluded = fields.List(fields.Dict(), allow_none=True, metadata={
        "description": "pool members excluded on the draw day: {inspector, reason (inactive | certificate_not_valid "
                       "| recused), note}"})
    draw_pool = fields.List(fields.String(), allow_none=True,
                            metadata={"description": "the pool the inspectors were drawn from"})
    drawn_targets = fields.List(fields.String(), allow_none=True)
    drawn_inspectors = fields.List(fields.String(), allow_none=True)
    abandoned_at = UtcDateTime(allow_none=True)
    abandon_reason = fields.String(allow_none=True)


class LotteryAbandonInSchema(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(required=True, validate=validate.Length(min=2, max=2000),
                           metadata={"description": "why the plan is abandoned (published)"})


class CertificateInSchema(Schema):
    class Meta:
        unknown = RAISE

    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    number = fields.String(required=True, validate=[not_blank, validate.Length(max=64)])
    category = fields.String(required=True, validate=[not_blank, validate.Length(max=64)])
    area = fields.String(allow_none=True, validate=validate.Length(max=128))
    valid_from = inputs.Date(required=True)
    valid_to = inputs.Date(allow_none=True)

    @validates_schema
    def _period(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("valid_to") is not None and data["valid_to"] < data["valid_from"]:
            raise ValidationError({"valid_to": ["must not be before valid_from"]})


class CertificateRecordSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    number = fields.String()
    category = fields.String()
    area = fields.String(allow_none=True)
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    valid_today = fields.Boolean()


class RecordingItemInSchema(ListEntryInSchema):
    """One whole version of an entry of the A/V recording list (音像记录事项和岗位清单)."""

    code = fields.String(required=True, validate=CODE, metadata={
        "description": "what a case records: a permit item's key (permit_item), a penalty item's code "
                       "(service_item) or a post's code (service_post)"})
    kind = fields.String(required=True, validate=validate.OneOf(("permit", "penalty", "post")))
    av_required = fields.Boolean(required=True, metadata={"description": "acts of the item / post need A/V"})
    av_acts = fields.List(fields.String(validate=validate.OneOf(ACT_KINDS)), load_default=list,
                          validate=validate.Length(max=len(ACT_KINDS)),
                          metadata={"description": "the act kinds that need it; empty: every act"})
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def _acts_only_when_required(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("av_acts") and not data.get("av_required"):
            raise ValidationError({"av_acts": ["acts are listed only for an entry that requires A/V"]})


class RecordingItemSchema(ListEntrySchema):
    kind = fields.String()
    av_required = fields.Boolean()
    av_acts = fields.List(fields.String())
    note = fields.String(allow_none=True)
