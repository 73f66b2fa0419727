from marshmallow import Schema, fields, validate


class DisclosureQuerySchema(Schema):
    q = fields.String()
    category = fields.String()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class DisclosureSchema(Schema):
    id = fields.Integer()
    category = fields.String()
    title = fields.String()
    decision_number = fields.String(allow_none=True)
    masked_text = fields.String()
    published_at = fields.DateTime()


class CorrectionSchema(Schema):
    disclosure_id = fields.Integer(required=True)
    contact = fields.String(required=True, validate=validate.Length(min=3, max=255))
    reason = fields.String(required=True, validate=validate.Length(min=5, max=5000))


class CorrectionResultSchema(Schema):
    id = fields.Integer()
    disclosure_id = fields.Integer()
    created_at = fields.DateTime()
