from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields

from ..models import User


class CertificateSchema(Schema):
    number = fields.String()
    category = fields.String()
    area = fields.String(allow_none=True)
    valid_from = fields.String()
    valid_to = fields.String(allow_none=True)


class MeSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    roles = fields.List(fields.String())
    legal_qualified = fields.Boolean()
    certificate = fields.Nested(CertificateSchema, allow_none=True)


def user_payload(user: User) -> dict:
    cert = user.certificate_on(date.today())
    return {
        "username": user.username,
        "display_name": user.display_name,
        "roles": list(user.roles or []),
        "legal_qualified": user.legal_qualified,
        "certificate": cert.as_dict() if cert else None,
    }
